%% Randomized differential test against erl, part 9 (driver and generator in
%% bif_fuzz_gen.hrl; erl's outcomes in bif_fuzz9_expected.hrl, rewritten by
%% `erl -noshell -pa DIR -eval 'bif_fuzz9:regen(), halt().'` from tests/erlang/bif_fuzz): text
%% with grapheme clusters (combining marks, Hangul jamo and syllables, emoji with ZWJ
%% and modifiers, regional indicators, CR LF) through string, unicode normalization,
%% unicode:characters_to_* and io_lib's ~ts.
-module(bif_fuzz9).
-export([main/0, dump/0, regen/0, format/2]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz9_expected.hrl").

regen() -> write_expected("bif_fuzz9_expected.hrl").

format(F, A) -> lists:flatten(io_lib:format(F, A)).

specs() ->
    [{string, F, [text]} || F <- [length, reverse, to_graphemes, next_grapheme, to_upper,
                                   to_lower, casefold, titlecase, trim, chomp, is_empty]] ++
    [{string, slice, [text, {s, sint}, {s, sint}]},
     {string, pad, [text, {s, sint}, dir]},
     {string, split, [text, sep, where]},
     {string, lexemes, [text, sep]},
     {string, find, [text, sep]},
     {string, replace, [text, sep, text, where]},
     {string, equal, [text, text, bool, norm]},
     {string, prefix, [text, sep]},
     {string, take, [text, sep, bool]}] ++
    [{unicode, F, [text]} || F <- [characters_to_nfc_list, characters_to_nfd_list,
                                    characters_to_nfkc_list, characters_to_nfkd_list,
                                    characters_to_nfc_binary, characters_to_nfd_binary,
                                    characters_to_list, characters_to_binary]] ++
    [{unicode, characters_to_binary, 3, fun() -> [gen(text), unicode, pick([utf16, {utf32, little}, latin1])] end},
     {?MODULE, format, 2, fun() -> [pick(["~ts", "~10ts|", "~-8ts|", "~.3ts", "~tp", "~tw"]), [gen(text)]] end},
     {?MODULE, format, 2, fun() -> [pick(["~.2s|", "~5.2s|", "~3s|", "~-4s|", "~6.3ts|"]), [pick(["a\r\nb", "a\r\nbc", "abcdef", [$e, 16#301, $x, $y]])]] end}].

gen2(text) ->
    S = lists:append([cluster() || _ <- lists:seq(1, range(0, 6))]),
    case rand:uniform(3) of
        1 -> S;
        2 -> << <<C/utf8>> || C <- S >>;
        3 -> {A, B} = lists:split(length(S) div 2, S), [A, << <<C/utf8>> || C <- B >>]
    end;
gen2(dir) -> pick([leading, trailing, both]);
gen2(where) -> pick([leading, trailing, all]);
gen2(sep) -> pick([" ", [16#301], "e", [$e, 16#301], [16#1100], "\r\n", [16#200D], "ß"]);
gen2(bool) -> pick([true, false]);
gen2(norm) -> pick([none, nfc, nfd, nfkc, nfkd]);
gen2(K) -> error({unknown_kind, K}).

cluster() ->
    pick([[$a], [$e, 16#301], [$e, 16#301, 16#323], [16#E9], [16#1100, 16#1161],
          [16#1100, 16#1161, 16#11A8], [16#AC00], [16#AC01], [16#1F468, 16#200D, 16#1F469],
          [16#1F44D, 16#1F3FD], [16#1F1EB, 16#1F1F7], [$\r, $\n], [$\n], [$\s], [16#DF],
          [16#FB01], [16#130], [16#3A3], [16#3C2], [16#212B], [16#2126], [16#1E9E],
          [16#0928, 16#094D, 16#0924], [16#0E01, 16#0E33], [16#FF21], [16#2460], [$Z]]).
