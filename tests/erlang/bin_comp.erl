-module(bin_comp).
-export([main/0]).
%% Binary comprehensions: binary and list generators, filters, bit-level output.
main() ->
    B = <<"Hello, World">>,
    Up = << <<(to_upper(C))>> || <<C>> <= B >>,
    Pairs = [{X, Y} || <<X:4, Y:4>> <= <<16#12, 16#34, 16#56>>],
    Nibbles = << <<N:4>> || N <- lists:seq(0, 15) >>,
    Odd = << <<C>> || <<C>> <= B, C rem 2 =:= 1 >>,
    Bits = << <<(X band 1):1>> || X <- lists:seq(1, 13) >>,
    Words = [W || <<W:16/little>> <= <<1, 0, 2, 0, 255, 255>>],
    Nested = << <<X:8, Y:8>> || <<X>> <= <<1, 2>>, <<Y>> <= <<10, 20, 30>> >>,
    Big = << <<(I rem 256):8>> || I <- lists:seq(1, 300) >>,
    Sum = lists:sum([X || <<X>> <= Big]),
    {Up, Pairs, Nibbles, Odd, Bits, Words, Nested, byte_size(Big), Sum,
     binary:part(Big, 250, 10), [X || <<X:8>> <= <<1, 2, 3:4>>],
     << <<X/binary, $,>> || X <- [<<"a">>, <<"bc">>, <<>>] >>}.

to_upper(C) when C >= $a, C =< $z -> C - 32;
to_upper(C) -> C.
