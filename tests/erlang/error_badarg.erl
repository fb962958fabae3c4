-module(error_badarg).
-export([main/0]).
%% A BIF given a bad argument raises badarg.
main() -> element(5, {a, b}).
