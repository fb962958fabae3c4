-module(bin_bits).
-export([main/0]).
%% Bitstrings whose length is not a multiple of 8.
main() ->
    B = <<1:3, 5:5, 3:2>>,
    <<A:3, C:5, D:2>> = B,
    <<E:1, F:9>> = B,
    S = <<B/bitstring, 1:1, B/bits>>,
    <<Y:4/little, Z:12/little>> = <<16#12, 16#34>>,
    {B, bit_size(B), byte_size(B), A, C, D, E, F, S, bit_size(S),
     is_binary(B), is_bitstring(B), is_binary(<<1:8>>),
     bits_to_list(<<2#10110:5>>), rev_bits(<<2#1101001:7>>, <<>>),
     [X || <<X:3>> <= <<2#101010111:9>>],
     {Y, Z},
     <<1:12/little>>, <<16#123:12/little>>, <<(-1):5/signed>>,
     tail(<<1:1, 7:3, 255:8>>), odd_sizes(), <<>> =:= <<0:0>>,
     bitstring_to_list(<<1, 2, 3:4>>), list_to_bitstring([1, <<2:3>>, [<<7:5>>]])}.

bits_to_list(<<>>) -> [];
bits_to_list(<<H:1, T/bits>>) -> [H | bits_to_list(T)].

rev_bits(<<>>, Acc) -> Acc;
rev_bits(<<H:1, T/bits>>, Acc) -> rev_bits(T, <<H:1, Acc/bits>>).

tail(<<_:1, Rest/bits>>) -> {Rest, bit_size(Rest)}.

odd_sizes() ->
    [begin <<V:N>> = <<(N * 3):N>>, V end || N <- [1, 2, 7, 9, 13, 27, 28, 31, 33, 63, 65]].
