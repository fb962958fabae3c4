-module(ack_table).
-export([main/0]).
%% Ackermann over a small table of arguments: deep non-tail recursion and list building.
main() -> [ack(M, N) || M <- [0, 1, 2, 3], N <- [0, 1, 2, 3, 4]].
ack(0, N) -> N + 1;
ack(M, 0) -> ack(M - 1, 1);
ack(M, N) -> ack(M - 1, ack(M, N - 1)).
