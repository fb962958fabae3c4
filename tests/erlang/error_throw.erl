-module(error_throw).
-export([main/0]).
%% An uncaught throw from deep inside a recursion.
main() -> f(10).
f(0) -> throw(bottom);
f(N) -> 1 + f(N - 1).
