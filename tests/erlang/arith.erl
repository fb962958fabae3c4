-module(arith).
-export([main/0]).
%% Integer arithmetic BIFs at the small-integer boundaries (28-bit smalls on 32-bit BEAM,
%% 60-bit on 64-bit: results must not depend on the word size).
main() ->
    Max = 134217727, Min = -134217728,
    Xs = [0, 1, -1, 7, -7, Max, Min, Max + 1, Min - 1, 1 bsl 40, -(1 bsl 40)],
    [{X + 1, X - 1, X * 3, X div 3, X rem 3, -X, X band 16#F0F, X bor 5, X bxor -1,
      X bsl 2, X bsr 1, bnot X, abs(X)} || X <- Xs].
