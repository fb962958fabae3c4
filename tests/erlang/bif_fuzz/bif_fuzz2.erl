%% Randomized differential test of lists, maps and binary against erl (the driver and
%% the generator are in bif_fuzz_gen.hrl; erl's outcomes in bif_fuzz2_expected.hrl,
%% rewritten by `erl -noshell -pa DIR -eval 'bif_fuzz2:regen(), halt().'` from
%% tests/erlang/bif_fuzz after the spec list changes).
-module(bif_fuzz2).
-export([main/0, dump/0, regen/0]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz2_expected.hrl").

regen() -> write_expected("bif_fuzz2_expected.hrl").

specs() ->
    [{lists, reverse, [list]},
     {lists, reverse, [list, any]},
     {lists, append, [list, any]},
     {lists, append, 1, fun() -> [[gen(list) || _ <- lists:seq(1, range(0, 3))]] end},
     {lists, nth, [pos, list]},
     {lists, nthtail, [sint, list]},
     {lists, last, [list]},
     {lists, sublist, [list, sint]},
     {lists, sublist, [list, pos, sint]},
     {lists, sort, [list]},
     {lists, sort, [fun2, nlist]},
     {lists, usort, [list]},
     {lists, merge, 2, fun() -> [lists:sort(gen(ilist)), lists:sort(gen(ilist))] end},
     {lists, umerge, 2, fun() -> [lists:usort(gen(ilist)), lists:usort(gen(ilist))] end},
     {lists, keyfind, [key, pos, tlist]},
     {lists, keymember, [key, pos, tlist]},
     {lists, keysearch, [key, pos, tlist]},
     {lists, keydelete, [key, pos, tlist]},
     {lists, keyreplace, [key, pos, tlist, tuple]},
     {lists, keystore, [key, pos, tlist, tuple]},
     {lists, keytake, [key, pos, tlist]},
     {lists, keysort, [pos, tlist]},
     {lists, ukeysort, [pos, tlist]},
     {lists, keymerge, 3, fun() -> [1, lists:keysort(1, gen(tlist)), lists:keysort(1, gen(tlist))] end},
     {lists, member, [key, list]},
     {lists, delete, [key, list]},
     {lists, subtract, [list, list]},
     {lists, flatten, [iolist]},
     {lists, flatten, [iolist, list]},
     {lists, flatlength, [iolist]},
     {lists, sum, [nlist]},
     {lists, max, [list]},
     {lists, min, [list]},
     {lists, seq, [{s, small}, {s, small}]},
     {lists, seq, [{s, small}, {s, small}, {s, small}]},
     {lists, duplicate, [{s, sint}, any]},
     {lists, zip, [list, list]},
     {lists, unzip, 1, fun() -> [[{leaf(), leaf()} || _ <- lists:seq(1, range(0, 4))]] end},
     {lists, zip3, [list, list, list]},
     {lists, split, [sint, list]},
     {lists, prefix, [str, str]},
     {lists, suffix, [str, str]},
     {lists, droplast, [list]},
     {lists, dropwhile, [pred, list]},
     {lists, takewhile, [pred, list]},
     {lists, splitwith, [pred, list]},
     {lists, partition, [pred, list]},
     {lists, filter, [pred, list]},
     {lists, map, [fun1, list]},
     {lists, foldl, [fun2, any, nlist]},
     {lists, foldr, [fun2, any, nlist]},
     {lists, mapfoldl, 3, fun() -> [fun(X, A) -> {{X}, [X | A]} end, [], arg(list)] end},
     {lists, flatmap, 2, fun() -> [fun(X) -> [X, X] end, arg(list)] end},
     {lists, any, [pred, list]},
     {lists, all, [pred, list]},
     {lists, join, [any, list]},
     {lists, concat, 1, fun() -> [[pick([a, "b", 1, 2.5, <<"x">>, 'ü']) || _ <- lists:seq(1, range(0, 4))]] end},
     {lists, search, [pred, list]},
     {lists, uniq, [list]},
     {lists, enumerate, [list]},
     {lists, enumerate, [small, list]},
     {lists, append, [str, str]},
     {lists, keyfind, [any, any, any]},
     {lists, member, [any, any]},
     {lists, reverse, [any, any]},
     {lists, sublist, [any, any]},
     {maps, get, [{s, mkey}, anymap]},
     {maps, get, [{s, mkey}, anymap, any]},
     {maps, find, [{s, mkey}, anymap]},
     {maps, put, [{s, mkey}, any, anymap]},
     {maps, update, [{s, mkey}, any, anymap]},
     {maps, remove, [{s, mkey}, anymap]},
     {maps, take, [{s, mkey}, anymap]},
     {maps, keys, [map]},
     {maps, values, [map]},
     {maps, to_list, [map]},
     {maps, to_list, [bigmap]},
     {maps, keys, [bigmap]},
     {maps, from_list, 1, fun() -> [[{mkey(), leaf()} || _ <- lists:seq(1, range(0, 40))]] end},
     {maps, from_keys, [ilist, any]},
     {maps, merge, [anymap, anymap]},
     {maps, with, [ilist, anymap]},
     {maps, without, [ilist, anymap]},
     {maps, is_key, [{s, mkey}, anymap]},
     {maps, size, [anymap]},
     {maps, filter, 2, fun() -> [fun(K, _) -> is_atom(K) end, arg(anymap)] end},
     {maps, map, 2, fun() -> [fun(K, V) -> {K, V} end, arg(map)] end},
     {maps, fold, 3, fun() -> [fun(K, V, A) -> [{K, V} | A] end, [], arg(map)] end},
     {maps, update_with, [{s, mkey}, fun1, anymap]},
     {maps, update_with, [{s, mkey}, fun1, any, anymap]},
     {maps, merge_with, 3, fun() -> [fun(_, A, B) -> {A, B} end, arg(map), arg(map)] end},
     {maps, groups_from_list, [fun1, ilist]},
     {maps, intersect, [anymap, anymap]},
     {maps, next, 1, fun() -> [maps:next(maps:iterator(gen(map)))] end},
     {maps, get, [any, any]},
     {maps, from_list, [any]},
     {binary, at, [bin, idx]},
     {binary, bin_to_list, [bin]},
     {binary, bin_to_list, [bin, tuple2()]},
     {binary, bin_to_list, [bin, small, small]},
     {binary, copy, [bin]},
     {binary, copy, [bin, {s, sint}]},
     {binary, decode_unsigned, [bin]},
     {binary, decode_unsigned, [bin, endian]},
     {binary, encode_unsigned, [int]},
     {binary, encode_unsigned, [int, endian]},
     {binary, first, [bin]},
     {binary, last, [bin]},
     {binary, list_to_bin, [iolist]},
     {binary, longest_common_prefix, 1, fun() -> [[bin() || _ <- lists:seq(1, range(0, 3))]] end},
     {binary, longest_common_suffix, 1, fun() -> [[bin() || _ <- lists:seq(1, range(0, 3))]] end},
     {binary, match, [bin, pattern]},
     {binary, match, 3, fun() -> [arg(bin), arg(pattern), [{scope, tuple2()}]] end},
     {binary, matches, [bin, pattern]},
     {binary, matches, 3, fun() -> [arg(bin), arg(pattern), [{scope, tuple2()}]] end},
     {binary, part, [bin, tuple2()]},
     {binary, part, [bin, small, small]},
     {binary, replace, [bin, pattern, bin]},
     {binary, replace, 4, fun() -> [arg(bin), arg(pattern), arg(bin), repl_opts()] end},
     {binary, split, [bin, pattern]},
     {binary, split, 3, fun() -> [arg(bin), arg(pattern), split_opts()] end},
     {binary, encode_hex, [bin]},
     {binary, decode_hex, 1, fun() -> [pick([<<"">>, <<"0aFf">>, <<"abc">>, <<"zz">>, bin()])] end},
     {binary, at, [any, any]},
     {binary, split, [any, any]}
    ].

gen2(tuple2) -> {range(-2, 6), range(-3, 6)};
gen2(endian) -> pick([big, little, middle]);
gen2(pattern) ->
    case rand:uniform(4) of
        1 -> pick([<<"a">>, <<",">>, <<"ab">>, <<" ">>, <<0>>]);
        2 -> [pick([<<"a">>, <<"b">>, <<",">>, <<"bc">>]) || _ <- lists:seq(1, range(1, 3))];
        3 -> pick([<<>>, [], [<<>>], x]);
        4 -> binary:part(bin(), 0, 0)
    end.

tuple2() -> tuple2.

repl_opts() ->
    [pick([global, {scope, gen2(tuple2)}, {insert_replaced, pick([0, 1, [0, 1], 5])}, x])
     || _ <- lists:seq(1, range(0, 2))].

split_opts() ->
    [pick([global, trim, trim_all, {scope, gen2(tuple2)}, x]) || _ <- lists:seq(1, range(0, 2))].
