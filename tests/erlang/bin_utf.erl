-module(bin_utf).
-export([main/0]).
%% UTF-8/16/32 encoding and decoding in bit syntax.
main() ->
    Cps = [$a, 16#E9, 16#20AC, 16#1F600, 0, 16#7FF, 16#800, 16#FFFF, 16#10000, 16#10FFFF],
    U8 = << <<C/utf8>> || C <- Cps >>,
    U16 = << <<C/utf16>> || C <- Cps >>,
    U16L = << <<C/utf16-little>> || C <- Cps >>,
    U32 = << <<C/utf32>> || C <- Cps >>,
    {U8, byte_size(U8), dec8(U8), dec16(U16), dec16l(U16L), dec32(U32),
     U16, U32 =:= << <<C:32>> || C <- Cps >>, count8(<<"h", 16#E9/utf8, "llo">>, 0),
     bad8(<<16#C0, 16#80>>), bad8(<<16#ED, 16#A0, 16#80>>), bad8(<<16#E2, 16#82>>),
     bad8(<<16#F8, 1, 1, 1>>), skip(<<16#20AC/utf8, 42>>),
     try <<16#D800/utf8>> catch error:R1 -> R1 end,
     try <<16#110000/utf32>> catch error:R2 -> R2 end,
     try <<(-1)/utf16>> catch error:R3 -> R3 end}.

dec8(<<C/utf8, R/binary>>) -> [C | dec8(R)];
dec8(<<>>) -> [].
dec16(<<C/utf16, R/binary>>) -> [C | dec16(R)];
dec16(<<>>) -> [].
dec16l(<<C/utf16-little, R/binary>>) -> [C | dec16l(R)];
dec16l(<<>>) -> [].
dec32(<<C/utf32, R/binary>>) -> [C | dec32(R)];
dec32(<<>>) -> [].

count8(<<_/utf8, R/binary>>, N) -> count8(R, N + 1);
count8(<<>>, N) -> N.

bad8(<<C/utf8, _/binary>>) -> {ok, C};
bad8(B) -> {bad, B}.

skip(<<_/utf8, X>>) -> X.
