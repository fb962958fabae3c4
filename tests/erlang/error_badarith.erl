-module(error_badarith).
-export([main/0]).
%% An uncaught badarith ends the process.
main() -> add(1, an_atom).
add(A, B) -> A + B.
