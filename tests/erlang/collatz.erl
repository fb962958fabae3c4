-module(collatz).
-export([main/0]).
%% Longest Collatz chain below 3000: integer loops with div, rem and comparisons.
main() -> best(1, 3000, {0, 0}).
best(N, Max, Acc) when N >= Max -> Acc;
best(N, Max, {_, L} = Acc) ->
    C = chain(N, 1),
    best(N + 1, Max, if C > L -> {N, C}; true -> Acc end).
chain(1, L) -> L;
chain(N, L) when N rem 2 =:= 0 -> chain(N div 2, L + 1);
chain(N, L) -> chain(3 * N + 1, L + 1).
