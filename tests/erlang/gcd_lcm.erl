-module(gcd_lcm).
-export([main/0]).
%% Euclid on small and big integers.
main() ->
    {[gcd(A, B) || {A, B} <- [{12, 18}, {17, 5}, {0, 9}, {1071, 462}]],
     gcd(fact(25), 1 bsl 40), lcm(21, 6), lists:foldl(fun lcm/2, 1, lists:seq(1, 30))}.
gcd(A, 0) -> A;
gcd(A, B) -> gcd(B, A rem B).
lcm(A, B) -> A * B div gcd(A, B).
fact(0) -> 1;
fact(N) -> N * fact(N - 1).
