-module(lists_ops).
-export([main/0]).
%% More of OTP's lists module: map, foldl, foldr, filter, zip, unzip, split, partition,
%% usort, ukeysort, keystore, keydelete, seq with step, mapfoldl, dropwhile, takewhile.
main() ->
    L = lists:seq(1, 30, 3),
    {lists:map(fun(X) -> X * X end, L), lists:foldr(fun(X, A) -> [X | A] end, [], L),
     lists:zip(L, lists:reverse(L)), lists:unzip([{1, a}, {2, b}]), lists:split(3, L),
     lists:partition(fun(X) -> X rem 2 =:= 0 end, L), lists:usort([3, 1, 3, 2, 1]),
     lists:ukeysort(1, [{2, a}, {1, b}, {2, c}]), lists:keystore(k, 1, [{a, 1}], {k, 2}),
     lists:keydelete(a, 1, [{a, 1}, {b, 2}]), lists:mapfoldl(fun(X, S) -> {X + 1, S + X} end, 0, L),
     lists:dropwhile(fun(X) -> X < 10 end, L), lists:takewhile(fun(X) -> X < 10 end, L),
     lists:nthtail(8, L), lists:delete(4, L), L -- [1, 7], lists:max([3, 9, 2]),
     lists:min([3, 9, 2]), lists:sort(fun(A, B) -> A >= B end, L)}.
