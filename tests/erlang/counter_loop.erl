-module(counter_loop).
-export([main/0]).
%% A long tail-recursive loop (5,000,000 iterations): reductions run out many times, the
%% process yields and resumes.
main() -> loop(5000000, 0).
loop(0, Acc) -> Acc;
loop(N, Acc) -> loop(N - 1, (Acc + N) band 16#FFFFFF).
