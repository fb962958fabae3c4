-module(ackermann).
-export([main/0]).
%% Ackermann's function: very deep, non-tail recursion.
main() -> ack(2, 9).
ack(0, N) -> N + 1;
ack(M, 0) -> ack(M - 1, 1);
ack(M, N) -> ack(M - 1, ack(M, N - 1)).
