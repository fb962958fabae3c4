-module(mutual).
-export([main/0]).
%% Mutual tail recursion (even/odd) 1,000,000 deep: last calls must not grow the stack.
main() -> {even(1000000), odd(777777), even(3)}.
even(0) -> true;
even(N) -> odd(N - 1).
odd(0) -> false;
odd(N) -> even(N - 1).
