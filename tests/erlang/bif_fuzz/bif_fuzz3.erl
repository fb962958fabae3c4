%% Randomized differential test of string and unicode against erl (the driver and the
%% generator are in bif_fuzz_gen.hrl; erl's outcomes in bif_fuzz3_expected.hrl,
%% rewritten by `erl -noshell -pa DIR -eval 'bif_fuzz3:regen(), halt().'` from
%% tests/erlang/bif_fuzz after the spec list changes).
-module(bif_fuzz3).
-export([main/0, dump/0, regen/0]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz3_expected.hrl").

regen() -> write_expected("bif_fuzz3_expected.hrl").

specs() ->
    [{string, length, [chardata]},
     {string, to_upper, [chardata]},
     {string, to_lower, [chardata]},
     {string, casefold, [chardata]},
     {string, titlecase, [chardata]},
     {string, trim, [chardata]},
     {string, trim, [chardata, dir]},
     {string, trim, [chardata, dir, sep]},
     {string, pad, [chardata, {s, sint}]},
     {string, pad, [chardata, {s, sint}, dir]},
     {string, pad, [chardata, {s, sint}, dir, sep1]},
     {string, split, [chardata, sep]},
     {string, split, [chardata, sep, where]},
     {string, lexemes, [chardata, sep]},
     {string, replace, [chardata, sep, chardata]},
     {string, replace, [chardata, sep, chardata, where]},
     {string, find, [chardata, sep]},
     {string, find, [chardata, sep, dir]},
     {string, prefix, [chardata, sep]},
     {string, slice, [chardata, sint]},
     {string, slice, [chardata, sint, sint]},
     {string, reverse, [chardata]},
     {string, equal, [chardata, chardata]},
     {string, equal, [chardata, chardata, bool]},
     {string, equal, [chardata, chardata, bool, norm]},
     {string, to_integer, [chardata]},
     {string, to_float, [chardata]},
     {string, next_grapheme, [chardata]},
     {string, next_codepoint, [chardata]},
     {string, chomp, [chardata]},
     {string, take, [chardata, sep]},
     {string, take, [chardata, sep, bool]},
     {string, take, [chardata, sep, bool, dir]},
     {string, is_empty, [chardata]},
     {string, uppercase, [chardata]},
     {string, lowercase, [chardata]},
     {string, tokens, [str, str]},
     {string, join, 2, fun() -> [[gen(str) || _ <- lists:seq(1, range(0, 3))], arg(str)] end},
     {string, str, [str, str]},
     {string, rstr, [str, str]},
     {string, chr, [str, char]},
     {string, rchr, [str, char]},
     {string, substr, [str, pos]},
     {string, substr, [str, pos, sint]},
     {string, strip, [str]},
     {string, strip, [str, dir]},
     {string, strip, [str, dir, char]},
     {string, left, [str, {s, sint}]},
     {string, right, [str, {s, sint}, char]},
     {string, centre, [str, {s, sint}]},
     {string, sub_word, [str, pos]},
     {string, words, [str]},
     {string, copies, [str, {s, sint}]},
     {string, concat, [str, str]},
     {string, span, [str, str]},
     {string, cspan, [str, str]},
     {string, len, [str]},
     {string, sub_string, [str, pos]},
     {string, to_upper, [any]},
     {unicode, characters_to_list, [chardata]},
     {unicode, characters_to_list, [chardata, enc]},
     {unicode, characters_to_list, [ustr]},
     {unicode, characters_to_list, [bin, enc]},
     {unicode, characters_to_binary, [chardata]},
     {unicode, characters_to_binary, [ustr]},
     {unicode, characters_to_binary, [chardata, enc]},
     {unicode, characters_to_binary, [chardata, enc, enc]},
     {unicode, characters_to_binary, [bin, enc, enc]},
     {unicode, characters_to_nfc_list, [chardata]},
     {unicode, characters_to_nfd_list, [chardata]},
     {unicode, characters_to_nfkc_list, [chardata]},
     {unicode, characters_to_nfkd_list, [chardata]},
     {unicode, characters_to_nfc_binary, [chardata]},
     {unicode, characters_to_nfd_binary, [chardata]},
     {unicode, characters_to_nfkc_binary, [chardata]},
     {unicode, characters_to_nfkd_binary, [chardata]},
     {unicode, bom_to_encoding, [bin]},
     {unicode, encoding_to_bom, [enc]},
     {unicode, characters_to_list, [any]},
     {unicode, characters_to_binary, [any]},
     {io_lib, printable_list, [ustr]},
     {io_lib, printable_unicode_list, [ustr]},
     {io_lib, printable_latin1_list, [ustr]},
     {io_lib, write_string, [ustr]},
     {io_lib, write_atom, [atom]},
     {io_lib, char_list, [ustr]},
     {io_lib, deep_char_list, [chardata]},
     {io_lib, latin1_char_list, [ustr]}
    ].

gen2(dir) -> pick([leading, trailing, both]);
gen2(where) -> pick([leading, trailing, all]);
gen2(sep) -> pick([" ", ",", "a", "ab", [$\r, $\n], [], <<",">>, [$a, <<"b">>], " ,", [778], [$a, 778], "ß"]);
gen2(sep1) -> pick([$\s, $-, $ä, 778, "x"]);
gen2(char) -> pick([$\s, $a, $,, $1, 228]);
gen2(bool) -> pick([true, false]);
gen2(norm) -> pick([none, nfc, nfd, nfkc, nfkd]);
gen2(enc) -> pick([unicode, utf8, latin1, utf16, {utf16, little}, {utf32, big}, utf32, x]).
