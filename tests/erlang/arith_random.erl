-module(arith_random).
%% Randomized two-operand arithmetic around the small-integer boundary (28-bit on the
%% 32-bit VM, 60-bit on erl's 64-bit one: both sides are covered), through the JIT's inline
%% fast paths for + - * band bor bxor div rem and their bignum/error fallbacks; variable
%% and constant divisors (0, -1, powers of two), compared as a whole with erl.
-export([main/0]).

main() ->
    Vals = values(600, 99991, []),
    Pairs = pairs(Vals, tl(Vals) ++ [hd(Vals)]),
    R = [ops(X, Y) || {X, Y} <- Pairs],
    C = [consts(X) || X <- Vals],
    {length(R), R, C}.

pairs([X | Xs], [Y | Ys]) -> [{X, Y} | pairs(Xs, Ys)];
pairs([], []) -> [].

%% A linear congruential generator: operands near 0, near +/-2^27, +/-2^32, +/-2^59,
%% +/-2^63 and +/-2^64 (the edges of the runtime's 64-bit fast path), and random.
values(0, _, Acc) -> Acc;
values(N, S, Acc) ->
    S1 = (S * 1103515245 + 12345) rem 2147483648,
    Near = [0, 1, 134217727, 134217728, -134217728, -134217729, 576460752303423487,
            -576460752303423488, 3, 16, 9223372036854775807, -9223372036854775808,
            18446744073709551615, -18446744073709551616, 4294967296, -4294967296,
            3037000499, -3037000500],
    V = case S1 rem 4 of
            0 -> lists:nth(S1 div 4 rem length(Near) + 1, Near) + (S1 div 64 rem 5) - 2;
            1 -> (S1 rem 201) - 100;
            2 -> (S1 div 3) - 1073741824;
            3 -> -(S1 * 7919)
        end,
    values(N - 1, S1, [V | Acc]).

ops(X, Y) ->
    [X + Y, X - Y, X * Y, X band Y, X bor Y, X bxor Y,
     try X div Y catch C1:R1 -> {C1, R1} end, try X rem Y catch C2:R2 -> {C2, R2} end,
     try Y div X catch C3:R3 -> {C3, R3} end, try Y rem X catch C4:R4 -> {C4, R4} end,
     X div -1, X rem -1].

consts(X) ->
    [X rem 7, X div 7, X rem -16, X div 16, X band 255, X bor -256, X bxor 1023,
     X * 3, X * -134217728, try X div 0 catch C1:R1 -> {C1, R1} end,
     try X rem 0 catch C2:R2 -> {C2, R2} end].
