-module(fib).
-export([main/0]).
%% Naive doubly recursive Fibonacci: calls, small-integer arithmetic, guards.
main() -> fib(20).
fib(N) when N < 2 -> N;
fib(N) -> fib(N - 1) + fib(N - 2).
