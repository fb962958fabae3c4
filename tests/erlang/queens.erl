-module(queens).
-export([main/0]).
%% N-queens: all solutions for 6 and the count for 8.
main() -> {queens(6), length(queens(8))}.
queens(N) -> q(N, N).
q(_, 0) -> [[]];
q(N, K) -> [[C | Qs] || Qs <- q(N, K - 1), C <- lists:seq(1, N), safe(C, Qs, 1)].
safe(_, [], _) -> true;
safe(C, [Q | Qs], D) -> C =/= Q andalso abs(C - Q) =/= D andalso safe(C, Qs, D + 1).
