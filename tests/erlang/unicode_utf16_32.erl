%% unicode:characters_to_binary/2,3 and characters_to_list/2 with UTF-16 and UTF-32
%% input against erl: random deep lists of code points (some invalid) and encoded
%% binaries cut at random places (so characters continue in the next binary), long
%% binaries, bad elements after an error; the results (error and incomplete rests
%% included) must be erl's.
-module(unicode_utf16_32).
-export([main/0]).

main() ->
    rand:seed(exsss, {3, 1, 4}),
    Rs = [case_() || _ <- lists:seq(1, 400)],
    {erlang:phash2(Rs), lists:sublist(Rs, 10), fixed()}.

encs() -> [utf16, {utf16, little}, {utf16, big}, utf32, {utf32, little}, {utf32, big}].

case_() ->
    Enc = pick(encs()),
    Data = data(Enc, 2),
    Out = pick([utf8, unicode, latin1, utf16, {utf32, little}]),
    {Enc, Data, try_(fun() -> unicode:characters_to_binary(Data, Enc) end),
     try_(fun() -> unicode:characters_to_list(Data, Enc) end),
     try_(fun() -> unicode:characters_to_binary(Data, Enc, Out) end)}.

try_(F) -> try F() catch C:R -> {C, R} end.

pick(L) -> lists:nth(rand:uniform(length(L)), L).

cp() -> pick([$a, 0, 127, 228, 8364, 16#1F600, 16#10FFFF, 16#D800, 16#DFFF, 16#110000, -1,
              $z, 946, 65535, 65536]).

valid_cps() -> [C || C <- [cp() || _ <- lists:seq(1, rand:uniform(5))],
                     C >= 0, C =< 16#10FFFF, C < 16#D800 orelse C > 16#DFFF].

encode(Cs, Enc) -> unicode:characters_to_binary(Cs, unicode, Enc).

data(Enc, D) ->
    case rand:uniform(4) of
        1 -> encode(valid_cps(), Enc);
        2 -> split(encode(valid_cps(), Enc));
        3 -> junk(encode(valid_cps(), Enc));
        4 -> elems(Enc, D)
    end.

elems(Enc, D) ->
    [case rand:uniform(7) of
         1 -> cp();
         2 when D > 0 -> elems(Enc, D - 1);
         3 -> split(encode(valid_cps(), Enc));
         4 -> pick([atom, <<1:3>>, 2.0]);
         _ -> encode(valid_cps(), Enc)
     end || _ <- lists:seq(1, rand:uniform(4))] ++ pick([[], [], encode([$t], Enc)]).

%% A binary cut in two list elements at a random byte.
split(<<>>) -> [<<>>];
split(B) ->
    N = rand:uniform(byte_size(B)) - 1,
    <<H:N/binary, T/binary>> = B,
    [H, T].

%% Bytes that are not all a valid encoding: a cut end or random bytes.
junk(B) ->
    case rand:uniform(3) of
        1 when byte_size(B) > 0 -> binary:part(B, 0, byte_size(B) - 1);
        2 -> <<B/binary, (rand:uniform(256) - 1)>>;
        _ -> <<B/binary, 16#D8, 0, (rand:uniform(256) - 1)>>
    end.

fixed() ->
    Long = binary:copy(<<0, 97>>, 4100),
    [try_(fun() -> unicode:characters_to_binary(X, E) end)
     || {X, E} <- [{[[102, <<103>>], 97, <<98, 99>>, [100, 101]], utf32},
                   {[0, 55296, 946], {utf32, big}}, {<<Long/binary, 0>>, utf16},
                   {[<<Long/binary, 216, 0, 0>>, atom], utf16}, {[<<0>>, 5, x], utf16},
                   {[<<0, 0>>, <<0>>, <<97>>], utf32}, {[<<0, 0>>, [<<0>>, [<<98>>]]], utf32},
                   {[<<0>>], utf16}, {[1 bsl 40], utf16}, {x, utf16}, {[x], utf16},
                   {<<0, 0, 0>>, {utf32, little}}, {<<254, 255, 0>>, {utf32, little}},
                   {<<1:3>>, utf16}, {[a | <<0, 97>>], utf16}, {[97 | <<0>>], utf16}]].
