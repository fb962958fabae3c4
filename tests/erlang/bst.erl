-module(bst).
-export([main/0]).
%% An unbalanced binary search tree in tuples: insert, lookup, in-order walk, depth.
main() ->
    Keys = [50, 30, 70, 20, 40, 60, 80, 35, 45, 65],
    T = lists:foldl(fun(K, Acc) -> insert(K, K * 10, Acc) end, nil, Keys),
    {to_list(T), lookup(45, T), lookup(99, T), depth(T), count(T)}.
insert(K, V, nil) -> {K, V, nil, nil};
insert(K, V, {K1, V1, L, R}) when K < K1 -> {K1, V1, insert(K, V, L), R};
insert(K, V, {K1, V1, L, R}) when K > K1 -> {K1, V1, L, insert(K, V, R)};
insert(K, V, {K, _, L, R}) -> {K, V, L, R}.
lookup(_, nil) -> none;
lookup(K, {K, V, _, _}) -> {ok, V};
lookup(K, {K1, _, L, _}) when K < K1 -> lookup(K, L);
lookup(K, {_, _, _, R}) -> lookup(K, R).
to_list(nil) -> [];
to_list({K, V, L, R}) -> to_list(L) ++ [{K, V}] ++ to_list(R).
depth(nil) -> 0;
depth({_, _, L, R}) -> 1 + max(depth(L), depth(R)).
count(nil) -> 0;
count({_, _, L, R}) -> 1 + count(L) + count(R).
