-module(nrev).
-export([main/0]).
%% Naive reverse: list construction and deconstruction, quadratic allocation (GC).
main() -> L = nrev(seq(1, 300)), {hd(L), length(L), lists_sum(L, 0)}.
seq(N, M) when N > M -> [];
seq(N, M) -> [N | seq(N + 1, M)].
nrev([]) -> [];
nrev([H | T]) -> app(nrev(T), [H]).
app([], L) -> L;
app([H | T], L) -> [H | app(T, L)].
lists_sum([], Acc) -> Acc;
lists_sum([H | T], Acc) -> lists_sum(T, Acc + H).
