-module(msort).
-export([main/0]).
%% Merge sort of a pseudo-random list (linear congruential generator).
main() ->
    L = rand_list(2000, 12345, []),
    S = msort(L),
    {length(S), lists:sublist(S, 5), lists:last(S), S =:= lists:sort(L)}.
rand_list(0, _, Acc) -> Acc;
rand_list(N, X, Acc) -> Y = (X * 1103515245 + 12345) rem 2147483648, rand_list(N - 1, Y, [Y rem 100000 | Acc]).
msort([]) -> [];
msort([X]) -> [X];
msort(L) -> {A, B} = split(L, [], []), merge(msort(A), msort(B)).
split([], A, B) -> {A, B};
split([X | T], A, B) -> split(T, [X | B], A).
merge([], B) -> B;
merge(A, []) -> A;
merge([X | A], [Y | _] = B) when X =< Y -> [X | merge(A, B)];
merge(A, [Y | B]) -> [Y | merge(A, B)].
