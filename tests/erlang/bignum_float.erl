-module(bignum_float).
-export([main/0]).
%% Integers of 60 to 400 bits converted to floats (float/1, mixed arithmetic, a float
%% field in a binary): erl folds 64-bit digits (big_to_double), which is not always the
%% nearest double; the program fuzzer found the difference (3.3230699879148676e35).
main() ->
    Ns = gen(400, 16#9E3779B97F4A7C15, []),
    [{float(B), B * 1.0, B / 3, 1.5 * B, B + 0.5, -B - 0.25, <<B:64/float>>} || B <- Ns].

gen(0, _, Acc) -> Acc;
gen(K, S, Acc) ->
    S1 = (S * 6364136223846793005 + 1442695040888963407) band (1 bsl 64 - 1),
    Bits = 60 + S1 rem 341,
    B = build(Bits, S1, 0),
    gen(K - 1, S1, [B | Acc]).

build(Bits, _, Acc) when Bits =< 0 -> Acc;
build(Bits, S, Acc) ->
    S1 = (S * 6364136223846793005 + 1442695040888963407) band (1 bsl 64 - 1),
    build(Bits - 32, S1, (Acc bsl 32) bor (S1 bsr 32)).
