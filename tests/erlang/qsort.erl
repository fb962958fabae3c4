-module(qsort).
-export([main/0]).
%% Quicksort with explicit partitioning (no funs): comparisons of smalls, list building.
main() -> qsort(rand_list(200, 12345)).
rand_list(0, _) -> [];
rand_list(N, S) -> S1 = (S * 1103515245 + 12345) rem 2147483648, [S1 rem 1000 | rand_list(N - 1, S1)].
qsort([]) -> [];
qsort([P | T]) -> {L, G} = part(P, T, [], []), app(qsort(L), [P | qsort(G)]).
part(_, [], L, G) -> {L, G};
part(P, [H | T], L, G) when H < P -> part(P, T, [H | L], G);
part(P, [H | T], L, G) -> part(P, T, L, [H | G]).
app([], L) -> L;
app([H | T], L) -> [H | app(T, L)].
