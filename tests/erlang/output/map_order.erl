-module(map_order).
%% The order of large (HAMT) maps: keys placed by OTP's internal hash come out of
%% maps:to_list/keys/values, maps:iterator/next, maps:fold and ~p/~w in erl's order.
%% Random maps of 33..10,000 keys of mixed types (small, big and negative integers,
%% floats, binaries, strings, tuples, lists, nested maps; atoms are left out: they hash by
%% their atom-table index, which differs between VMs).
-export([main/0]).

main() ->
    Sizes = [33, 34, 40, 47, 64, 100, 255, 256, 257, 1000, 4097, 10000],
    lists:foldl(fun(N, Seed) -> one(N, Seed) end, 4711, Sizes),
    small_cases(),
    ok.

one(N, Seed0) ->
    {Pairs, Seed} = pairs(N, Seed0, []),
    M = maps:from_list(Pairs),
    Built = lists:foldl(fun({K, V}, Acc) -> maps:put(K, V, Acc) end, #{}, Pairs),
    Iter = iter_keys(maps:iterator(M), []),
    Fold = maps:fold(fun(K, _, A) -> [K | A] end, [], M),
    %% Remove every third key, one at a time.
    Removed = lists:foldl(fun({K, _}, Acc) -> maps:remove(K, Acc) end, M,
                          [P || {I, P} <- lists:zip(lists:seq(1, length(Pairs)), Pairs), I rem 3 == 0]),
    io:format("~w: size ~w ~w keys ~w list ~w values ~w iter ~w fold ~w removed ~w ~w same ~w~n",
              [N, map_size(M), map_size(Built),
               erlang:phash2(maps:keys(M)), erlang:phash2(maps:to_list(M)),
               erlang:phash2(maps:values(M)), erlang:phash2(Iter), erlang:phash2(Fold),
               map_size(Removed), erlang:phash2(maps:to_list(Removed)),
               M =:= Built]),
    io:format("~w first ~w~n", [N, lists:sublist(maps:keys(M), 5)]),
    %% Maps as keys and values: their hash covers the trie's layout.
    Outer = maps:from_list([{#{<<"a">> => I, "m" => maps:from_list(lists:sublist(Pairs, 33 + I))}, I}
                            || I <- lists:seq(1, 40)]),
    io:format("~w nested ~w~n", [N, erlang:phash2(maps:values(Outer))]),
    Seed.

small_cases() ->
    M = maps:from_list([{K, K * 2} || K <- lists:seq(1, 40)]),
    io:format("~p~n~w~n", [M, M]),
    S = lists:foldl(fun(K, Acc) -> maps:remove(K, Acc) end, M, lists:seq(1, 8)),
    io:format("~w~n~w~n", [S, maps:to_list(S)]),
    F = maps:from_list([{float(K), K} || K <- lists:seq(-20, 20)] ++ [{-0.0, z}]),
    io:format("~w~n", [F]),
    B = maps:from_list([{<<K:12>>, K} || K <- lists:seq(0, 40)]),
    io:format("~w~n", [maps:keys(B)]),
    Big = maps:from_list([{(1 bsl 59) - K, K} || K <- lists:seq(-20, 20)] ++ [{-(1 bsl 70) - K, K} || K <- lists:seq(1, 5)]),
    io:format("~w~n", [maps:keys(Big)]),
    io:format("~w~n", [maps:merge(M, #{1 => x, 100 => y, "str" => z})]).

iter_keys(I, Acc) ->
    case maps:next(I) of
        none -> lists:reverse(Acc);
        {K, _, I2} -> iter_keys(I2, [K | Acc])
    end.

pairs(0, Seed, Acc) -> {Acc, Seed};
pairs(N, Seed, Acc) ->
    S1 = next(Seed), S2 = next(S1),
    K = key(S1 rem 9, S2),
    pairs(N - 1, S2, [{K, N} | Acc]).

next(S) -> (S * 75 + 74) rem 65537.

key(0, S) -> S;
key(1, S) -> -S * 1000;
key(2, S) -> S * 100000007 * 1000003;
key(3, S) -> float(S);
key(4, S) -> integer_to_binary(S);
key(5, S) -> integer_to_list(S);
key(6, S) -> {S, S rem 13};
key(7, S) -> [S, {S}];
key(8, S) -> #{S => S rem 5}.
