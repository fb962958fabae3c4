-module(bignum).
-export([main/0]).
%% Small-integer overflow promotes to bignums; bignum arithmetic and comparisons.
main() ->
    F = fact(30),
    {F, F div fact(28), F rem 1000007, pow2(100), -pow2(70) + 1, 134217727 + 1, -134217728 - 1,
     fact(20) > fact(19), F band 16#FFFF, F bsr 90}.
fact(0) -> 1;
fact(N) -> N * fact(N - 1).
pow2(0) -> 1;
pow2(N) -> 2 * pow2(N - 1).
