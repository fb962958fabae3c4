-module(unloaded_funs_peer).
-export([main/0, adder/1, zero/0, pair/0]).
%% Funs for unloaded_funs (which changes their checksum or module in the external format).

main() -> io:format("~p~n", [(adder(1))(2)]).
adder(N) -> fun(X) -> X + N end.
zero() -> fun() -> zero_called end.
pair() -> fun(A, B) -> {A, B} end.
