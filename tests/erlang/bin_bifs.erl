-module(bin_bifs).
-export([main/0]).
%% The BIFs on binaries.
main() ->
    B = <<"hello world">>,
    {byte_size(B), bit_size(B), binary_part(B, 6, 5), binary_part(B, {11, -5}),
     split_binary(B, 5), binary_to_list(B), binary_to_list(B, 2, 4),
     list_to_binary(["ab", $c, [<<"de">>, [$f]] | <<"g">>]),
     iolist_to_binary([<<1>>, 2, [3, <<4, 5>>]]), iolist_size([<<1, 2>>, 3, [4, [5]]]),
     bitstring_to_list(<<1, 2, 3:5>>), list_to_bitstring([<<1:1>>, <<0:7>>, 8]),
     binary_to_term(term_to_binary({a, [1, 2.5, "str"], <<"bin">>, -123456789012})),
     term_to_binary({ok, 1}), integer_to_binary(12345), integer_to_binary(-255, 16),
     integer_to_binary(1 bsl 70), binary_to_integer(<<"-987">>),
     binary_to_integer(<<"ff">>, 16), binary_to_integer(<<"123456789012345678901234">>),
     atom_to_binary(hello), atom_to_binary('Caf\x{e9}', latin1), atom_to_binary(ok, utf8),
     binary_to_atom(<<"world">>), binary_to_atom(<<"x">>, latin1),
     binary_to_existing_atom(<<"ok">>, utf8),
     binary:part(B, 0, 5), binary:at(B, 4), binary:first(B), binary:last(B),
     binary:bin_to_list(<<"xyz">>), binary:list_to_bin([$a, <<"b">>]),
     binary:copy(<<"ab">>, 3), binary:decode_unsigned(<<1, 0>>),
     binary:decode_unsigned(<<1, 0>>, little), binary:encode_unsigned(65536),
     binary:encode_unsigned(258, little), size(B), <<B/binary, " !">>}.
