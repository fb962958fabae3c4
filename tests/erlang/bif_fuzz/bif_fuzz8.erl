%% Randomized differential test against erl, part 8 (driver and generator in
%% bif_fuzz_gen.hrl; erl's outcomes in bif_fuzz8_expected.hrl, rewritten by
%% `erl -noshell -pa DIR -eval 'bif_fuzz8:regen(), halt().'` from tests/erlang/bif_fuzz):
%% filename, erl_pp on random expressions, calendar/erlang time conversions, md5 in
%% pieces, string/list number parsing.
-module(bif_fuzz8).
-export([main/0, dump/0, regen/0, pp/1, md5_pieces/1]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz8_expected.hrl").

regen() -> write_expected("bif_fuzz8_expected.hrl").

%% An expression read and printed back by erl_pp (flattened).
pp(S) ->
    case erl_scan:string(S) of
        {ok, Ts, _} ->
            case erl_parse:parse_exprs(Ts) of
                {ok, Es} -> lists:flatten(erl_pp:exprs(Es));
                E -> E
            end;
        E -> E
    end.

md5_pieces(Parts) ->
    erlang:md5_final(lists:foldl(fun(P, C) -> erlang:md5_update(C, P) end, erlang:md5_init(), Parts)).

specs() ->
    [{filename, F, [path]} || F <- [basename, dirname, extension, rootname, split, flatten,
                                     pathtype, nativename]] ++
    [{filename, join, [path, path]},
     {filename, join, 1, fun() -> [[gen(path) || _ <- lists:seq(1, range(0, 3))]] end},
     {filename, basename, [path, path]},
     {filename, rootname, [path, path]},
     {filename, absname, 2, fun() -> [gen(path), "/base/dir"] end},
     {filename, absname_join, 2, fun() -> ["/base", gen(path)] end},
     {filename, safe_relative_path, [path]}] ++
    [{?MODULE, pp, 1, fun() -> [expr()] end} || _ <- lists:seq(1, 6)] ++
    [{erlang, universaltime_to_posixtime, [datetime]},
     {erlang, posixtime_to_universaltime, [int]},
     {calendar, time_difference, [datetime, datetime]},
     {calendar, gregorian_seconds_to_datetime, [int]},
     {calendar, now_to_universal_time, 1, fun() -> [{range(0, 2000), range(0, 999999), range(0, 999999)}] end},
     {calendar, rfc3339_to_system_time, 2, fun() -> [gen(rfc), [{unit, pick([microsecond, native, second])}]] end},
     {?MODULE, md5_pieces, 1, fun() -> [[gen(iolist) || _ <- lists:seq(1, range(0, 3))]] end},
     {erlang, md5_update, [bin, iolist]},
     {string, to_integer, [bin]},
     {string, to_float, [bin]},
     {erlang, list_to_integer, [numstr, base]},
     {erlang, binary_to_integer, 2, fun() -> [list_to_binary(gen(numstr)), arg(base)] end},
     {erlang, list_to_float, [numstr]},
     {io_lib, fread, 2, fun() -> [pick(["~d", "~16u", "~f", "~e", "~a~d", "~s ~s"]), gen(numstr) ++ pick(["", " x", " 12"])] end}].

gen2(path) ->
    pick(["", "/", "a", "a/b", "/usr/lib/erlang", "a/b/c.tar.gz", "../x", "./y", "a//b",
          ".hidden", "dir/", <<"bin/file.erl">>, ["a", $/, <<"b">>], 'atom.ext', "c:/win",
          "x.y.z", "/a/../b/./c", "ü/ä.txt"]);
gen2(numstr) ->
    pick(["0", "-12", "+7", "ff", "FF", "1_0", "12345678901234567890", "-0", "1.5", "1e3",
          "2.5e-3", " 1", "z", "", "10#5", "0.0", "-1.0e10", "36rZ"]);
gen2(rfc) ->
    pick(["2018-02-01T16:17:58+01:00", "1970-01-01T00:00:00.123456Z", "2000-02-29 23:59:59Z",
          "1969-12-31T23:59:59.999-00:30", "2018-02-01T16:17:58.1Z", "x"]);
gen2(K) -> error({unknown_kind, K}).

expr() ->
    pick(["X + 1 * 2.", "fun(A) -> A end.", "case X of {a, B} when B > 1 -> B; _ -> 0 end.",
          "[Y || Y <- L, Y > 2].", "<<A:8, B/binary>> = C.", "#{a => 1, b => [2, 3]}.",
          "try f() catch error:R:S -> {R, S} after g() end.", "receive {x, M} -> M after 10 -> t end.",
          "begin A = 1, B = 2 end.", "'quoted atom'(\"str\", $c, 16#ff).", "- - 1.", "not (a andalso b).",
          "M#{k := V}.", "<<\"utf8\"/utf8>>.", "fun lists:map/2.", "X = 1.0e10, Y = 1.5."]).
