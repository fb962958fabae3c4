-module(error_exit).
-export([main/0]).
%% exit/1 with a tuple reason.
main() -> f([1, 2, 3]).
f(L) -> exit({stopped, length(L)}).
