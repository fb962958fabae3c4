%% Randomized differential test of math, proplists, base64, calendar, io_lib:format and
%% erl_scan against erl (the driver and the generator are in bif_fuzz_gen.hrl; erl's
%% outcomes in bif_fuzz4_expected.hrl, rewritten by
%% `erl -noshell -pa DIR -eval 'bif_fuzz4:regen(), halt().'` from tests/erlang/bif_fuzz after the
%% spec list changes).
-module(bif_fuzz4).
-export([main/0, dump/0, regen/0, format/2, fwrite/2]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz4_expected.hrl").

regen() -> write_expected("bif_fuzz4_expected.hrl").

%% io_lib:format/2 and fwrite/2 flattened: this VM returns the same characters as a flat
%% list where erl returns a deep one (docs/io.md).
format(F, A) -> lists:flatten(io_lib:format(F, A)).

fwrite(F, A) -> lists:flatten(io_lib:fwrite(F, A)).

specs() ->
    [{math, F, [num]} || F <- [sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh,
                                acosh, atanh, exp, log, log2, log10, sqrt, erf, erfc, ceil,
                                floor]] ++
    [{math, atan2, [num, num]},
     {math, pow, [num, num]},
     {math, fmod, [num, num]},
     {math, pi, []},
     {proplists, get_value, [key, proplist]},
     {proplists, get_value, [key, proplist, any]},
     {proplists, get_all_values, [key, proplist]},
     {proplists, lookup, [key, proplist]},
     {proplists, lookup_all, [key, proplist]},
     {proplists, is_defined, [key, proplist]},
     {proplists, delete, [key, proplist]},
     {proplists, get_bool, [key, proplist]},
     {proplists, get_keys, [proplist]},
     {proplists, property, [any]},
     {proplists, property, [key, any]},
     {proplists, unfold, [proplist]},
     {proplists, compact, [proplist]},
     {proplists, split, [proplist, list]},
     {proplists, to_map, [proplist]},
     {proplists, from_map, [map]},
     {proplists, substitute_aliases, 2, fun() -> [[{a, b}, {c, d}], gen(proplist)] end},
     {proplists, expand, 2, fun() -> [[{a, [x, y]}, {{b, 1}, [z]}], gen(proplist)] end},
     {base64, encode, [iolist]},
     {base64, encode_to_string, [iolist]},
     {base64, decode, [b64]},
     {base64, decode_to_string, [b64]},
     {base64, mime_decode, [b64]},
     {base64, mime_decode_to_string, [b64]},
     {base64, encode, [any]},
     {calendar, date_to_gregorian_days, [date]},
     {calendar, date_to_gregorian_days, [small, small, small]},
     {calendar, gregorian_days_to_date, [int]},
     {calendar, day_of_the_week, [date]},
     {calendar, is_leap_year, [int]},
     {calendar, last_day_of_the_month, [int, small]},
     {calendar, valid_date, [date]},
     {calendar, valid_date, [small, small, small]},
     {calendar, datetime_to_gregorian_seconds, [datetime]},
     {calendar, gregorian_seconds_to_datetime, [int]},
     {calendar, iso_week_number, [date]},
     {calendar, time_to_seconds, [time]},
     {calendar, seconds_to_time, [small]},
     {calendar, seconds_to_daystime, [int]},
     {calendar, rfc3339_to_system_time, [rfc]},
     {calendar, rfc3339_to_system_time, 2, fun() -> [gen(rfc), [{unit, pick([second, millisecond, nanosecond])}]] end},
     {calendar, system_time_to_rfc3339, 2, fun() -> [range(-100000, 4000000000), [{offset, pick(["Z", "+02:00", 3600, "-01:30"])}, {unit, second}]] end},
     {?MODULE, format, 2, fun() -> fmt() end},
     {?MODULE, format, 2, fun() -> fmt() end},
     {?MODULE, format, 2, fun() -> fmt() end},
     {?MODULE, format, 2, fun() -> [pick(["~p", "~w", "~tp", "~P", "~W"]), [any(3) | pick([[], [4]])]] end},
     {io_lib, write, [any]},
     {io_lib, print, [any]},
     {?MODULE, fwrite, 2, fun() -> [pick(["~s~n", "~10.3.xs|", "~-6w|"]), [gen(str)]] end},
     {erl_scan, string, [scan]},
     {erl_scan, string, [scan, {s, pos}]},
     {erl_scan, string, 3, fun() -> [gen(scan), {1, 1}, pick([[], [text], [return], [return_comments]])] end},
     {erl_scan, tokens, 3, fun() -> [[], gen(scan) ++ pick([" .\n", ""]), 1] end},
     {erl_scan, reserved_word, [atom]}
    ].

gen2(b64) ->
    case rand:uniform(4) of
        1 -> base64:encode(bin());
        2 -> base64:encode_to_string(bin());
        3 -> pick([<<"YQ==">>, <<"YWI=">>, <<"YW\nJj">>, <<"Y">>, <<"=">>, <<"YQ">>, "a b c d", <<"@@@@">>]);
        4 -> bin()
    end;
gen2(rfc) ->
    pick(["2018-02-01T16:17:58+01:00", "2018-02-01 16:17:58Z", "1970-01-01T00:00:00.123Z",
          "2018-02-01T16:17:58.000004+01:00", "2018-13-01T16:17:58Z", "garbage", "",
          "2000-02-29T23:59:60Z", "1969-12-31T23:59:59-00:30"]);
gen2(scan) ->
    lists:append([pick(["foo", " ", "Bar", "1", "2.5", "16#ff", "$a", "\"str\"", "'q a'", "->",
                        "+", "(", ")", ".", "%c\n", "\n", "1e3", "2#102", "<<", "#{", "=>",
                        "!", "...", "\"open", "'", "$", "fun", "end", "when", "_X", "@"])
                  || _ <- lists:seq(1, range(0, 8))]);
gen2(K) -> error({unknown_kind, K}).

%% A random format string and arguments that mostly fit it.
fmt() ->
    Ds = [directive() || _ <- lists:seq(1, range(1, 4))],
    {F, As} = lists:unzip(Ds),
    [lists:append(F), lists:append(As)].

directive() ->
    W = pick(["", "", "5", "-8", "0", "3.2", "10.4", ".3", "*", "..x", "12.5.-"]),
    case rand:uniform(14) of
        1 -> {"~" ++ W ++ "p", [any(2)]};
        2 -> {"~" ++ W ++ "w", [any(2)]};
        3 -> {"~" ++ W ++ "s", [pick([gen(str), bin(), atom(), gen(iolist)])]};
        4 -> {"~" ++ W ++ "b", [int()]};
        5 -> {"~.16B", [int()]};
        6 -> {"~" ++ W ++ "e", [float()]};
        7 -> {"~" ++ W ++ "f", [float()]};
        8 -> {"~" ++ W ++ "g", [float()]};
        9 -> {"~" ++ pick(["", "3", "-4"]) ++ "c", [range(32, 300)]};
        10 -> {"~" ++ pick(["", "5", "-6"]) ++ "x", [int(), pick(["0x", "#"])]};
        11 -> {"~ts", [gen(ustr)]};
        12 -> {pick(["~n", "~~", "abc", " ", "~i"]), pick([[], [], [], [x]])};
        13 -> {"~#", [int()]};
        14 -> {"~" ++ W ++ "tp", [any(2)]}
    end.
