-module(hanoi).
-export([main/0]).
%% Towers of Hanoi: moves counted and the first moves listed.
main() -> Moves = hanoi(12, a, c, b, []), {length(Moves), lists:sublist(lists:reverse(Moves), 6)}.
hanoi(0, _, _, _, Acc) -> Acc;
hanoi(N, From, To, Via, Acc) ->
    Acc1 = hanoi(N - 1, From, Via, To, Acc),
    hanoi(N - 1, Via, To, From, [{From, To} | Acc1]).
