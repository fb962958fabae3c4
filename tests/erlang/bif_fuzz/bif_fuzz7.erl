%% Randomized differential test against erl, part 7 (driver and generator in
%% bif_fuzz_gen.hrl; erl's outcomes in bif_fuzz7_expected.hrl, rewritten by
%% `erl -noshell -pa DIR -eval 'bif_fuzz7:regen(), halt().'` from tests/erlang/bif_fuzz): maps
%% over 32 keys through the external format, printing and iteration; re:run/replace/split
%% (not compile: its binary is PCRE2's here, docs/re.md); and stdlib's
%% collections (sets, gb_sets, gb_trees, orddict, dict, queue, array) driven by random
%% operation lists.
-module(bif_fuzz7).
-export([main/0, dump/0, regen/0, format/2, iterate/1, collection/2]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz7_expected.hrl").

regen() -> write_expected("bif_fuzz7_expected.hrl").

format(F, A) -> lists:flatten(io_lib:format(F, A)).

%% A map's pairs in iteration order (maps:next).
iterate(M) -> iterate1(maps:next(maps:iterator(M))).

iterate1(none) -> [];
iterate1({K, V, I}) -> [{K, V} | iterate1(maps:next(I))].

specs() ->
    [{erlang, term_to_binary, [bigmap]},
     {erlang, term_to_binary, 2, fun() -> [gen(bigmap), [deterministic]] end},
     {erlang, binary_to_term, 1, fun() -> [term_to_binary(gen(bigmap))] end},
     {erlang, phash2, [bigmap]},
     {erlang, external_size, [bigmap]},
     {?MODULE, iterate, [bigmap]},
     {?MODULE, format, 2, fun() -> [pick(["~p", "~w", "~0p"]), [gen(bigmap)]] end},
     {maps, fold, 3, fun() -> [fun(K, V, A) -> [{K, V} | A] end, [], gen(bigmap)] end},
     {maps, filter, 2, fun() -> [fun(K, _) -> is_integer(K) end, gen(bigmap)] end},
     {maps, merge, [bigmap, bigmap]},
     {maps, without, 2, fun() -> M = gen(bigmap), [lists:sublist(maps:keys(M), range(0, 40)), M] end},
     {re, run, [re_subject, re_pattern]},
     {re, run, 3, fun() -> [gen(re_subject), gen(re_pattern), re_opts()] end},
     {re, replace, 3, fun() -> [gen(re_subject), gen(re_pattern), pick(["x", "<&>", "\\1", <<"Z">>])] end},
     {re, replace, 4, fun() -> [gen(re_subject), gen(re_pattern), pick(["x", "<&>", "\\1"]), pick([[global], [{return, list}], [global, {return, binary}]])] end},
     {re, split, [re_subject, re_pattern]},
     {re, split, 3, fun() -> [gen(re_subject), gen(re_pattern), pick([[trim], [{parts, 2}], [group], [{return, list}]])] end}] ++
    [{?MODULE, collection, 2, fun() -> [C, ops()] end}
     || C <- [sets, sets_v2, gb_sets, gb_trees, orddict, dict, queue, array], _ <- [1, 2]].

%% Applies random operations to an empty collection of module `C`: the final contents.
collection(C, Ops) ->
    lists:foldl(fun(Op, S) -> op(C, Op, S) end, new(C), Ops),
    contents(C, lists:foldl(fun(Op, S) -> op(C, Op, S) end, new(C), Ops)).

new(sets) -> sets:new();
new(sets_v2) -> sets:new([{version, 2}]);
new(gb_sets) -> gb_sets:new();
new(gb_trees) -> gb_trees:empty();
new(orddict) -> orddict:new();
new(dict) -> dict:new();
new(queue) -> queue:new();
new(array) -> array:new().

op(S, {add, X}, C) when S =:= sets; S =:= sets_v2 -> sets:add_element(X, C);
op(S, {del, X}, C) when S =:= sets; S =:= sets_v2 -> sets:del_element(X, C);
op(gb_sets, {add, X}, C) -> gb_sets:add(X, C);
op(gb_sets, {del, X}, C) -> gb_sets:delete_any(X, C);
op(gb_trees, {add, X}, C) -> gb_trees:enter(X, {v, X}, C);
op(gb_trees, {del, X}, C) -> gb_trees:delete_any(X, C);
op(orddict, {add, X}, C) -> orddict:update_counter(X, 1, C);
op(orddict, {del, X}, C) -> orddict:erase(X, C);
op(dict, {add, X}, C) -> dict:update_counter(X, 1, C);
op(dict, {del, X}, C) -> dict:erase(X, C);
op(queue, {add, X}, C) -> queue:in(X, C);
op(queue, {del, _}, C) -> queue:drop(C);
op(array, {add, X}, C) when is_integer(X), X >= 0 -> array:set(X rem 100, X, C);
op(array, {add, X}, C) -> array:set(array:size(C), X, C);
op(array, {del, X}, C) when is_integer(X), X >= 0 -> array:reset(X rem 100, C);
op(array, {del, _}, C) -> C.

contents(S, C) when S =:= sets; S =:= sets_v2 -> {sets:size(C), lists:sort(sets:to_list(C)), sets:to_list(C)};
contents(gb_sets, C) -> {gb_sets:size(C), gb_sets:to_list(C)};
contents(gb_trees, C) -> {gb_trees:size(C), gb_trees:to_list(C), gb_trees:balance(C)};
contents(orddict, C) -> C;
contents(dict, C) -> {dict:size(C), lists:sort(dict:to_list(C)), dict:to_list(C)};
contents(queue, C) -> {queue:len(C), queue:to_list(C)};
contents(array, C) -> {array:size(C), array:sparse_to_orddict(C)}.

ops() -> [{pick([add, add, del]), pick([leaf(), range(0, 20), range(0, 20)])} || _ <- lists:seq(1, range(0, 40))].

re_opts() ->
    [pick([global, caseless, unicode, {capture, all, list}, {capture, first, index},
           {capture, all_but_first, binary}, multiline, dotall, ungreedy, {offset, 1},
           notempty, anchored])
     || _ <- lists:seq(1, range(0, 3))].

gen2(re_subject) ->
    pick([gen(str), gen(bin), "aAbB cc\nDD 123 x-y", <<"foo bar foo">>, "", gen(vstr)]);
gen2(re_pattern) ->
    pick(["a", "[a-c]+", "(\\w+) (\\w+)", "^\\s*", "x?", "(a|b)*c", "\\d+", ".", "$",
          "(", "[[:alpha:]]+", "(?i)B", "\\bfoo\\b", <<"o+">>, "", "(?<n>c)", "a{2,}"]);
gen2(K) -> error({unknown_kind, K}).
