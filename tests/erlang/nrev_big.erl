-module(nrev_big).
-export([main/0]).
%% Naive reverse of a 500-element list 20 times: allocation-heavy, several GCs.
main() -> loop(20, lists:seq(1, 500), 0).
loop(0, _, Acc) -> Acc;
loop(N, L, Acc) -> R = nrev(L), loop(N - 1, L, Acc + hd(R)).
nrev([]) -> [];
nrev([H | T]) -> app(nrev(T), [H]).
app([], L) -> L;
app([H | T], L) -> [H | app(T, L)].
