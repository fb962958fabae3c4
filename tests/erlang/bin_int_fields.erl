-module(bin_int_fields).
%% Randomized integer fields in the bit syntax: sizes 1-70 bits, big and little endian,
%% signed and unsigned, at every bit offset 0-7, values that fit and that do not (they are
%% truncated to the field), built with <<...>> and matched back both ways; the results
%% compared as a whole with erl's. Covers the runtime's small-integer fast paths for
%% construction and matching and their bignum fallbacks.
-export([main/0]).

main() ->
    Cases = cases(700, 4242, []),
    [field(C) || C <- Cases].

cases(0, _, Acc) -> Acc;
cases(N, S, Acc) ->
    S1 = (S * 1103515245 + 12345) rem 2147483648,
    S2 = (S1 * 1103515245 + 12345) rem 2147483648,
    Size = case S1 rem 3 of 0 -> 8; 1 -> 1 + S1 div 3 rem 40; 2 -> 1 + S1 div 3 rem 70 end,
    Pad = S1 div 128 rem 8,
    Little = S1 div 1024 rem 2 =:= 1,
    V = case S2 rem 3 of
            0 -> S2 rem 256;
            1 -> S2 - 1073741824;
            2 -> (S2 * 1000003 * 997) - (1 bsl 40)
        end,
    cases(N - 1, S2, [{Size, Pad, Little, V} | Acc]).

field({Size, Pad, false, V}) ->
    B = <<0:Pad, V:Size, 5:3>>,
    <<_:Pad, U:Size, T:3>> = B,
    <<_:Pad, I:Size/signed, _:3>> = B,
    {B, U, I, T};
field({Size, Pad, true, V}) ->
    B = <<0:Pad, V:Size/little, 5:3>>,
    <<_:Pad, U:Size/little, T:3>> = B,
    <<_:Pad, I:Size/little-signed, _:3>> = B,
    {B, U, I, T}.
