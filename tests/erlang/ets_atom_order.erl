-module(ets_atom_order).
-export([main/0]).
%% ETS traversal order with atom keys (OTP 25 hashes an atom by its atom-table hash,
%% not make_internal_hash): random atom keys, inserts and deletes, every hash table type,
%% sizes across several table growths; compared with erl through tab2list's hash and first/1.
main() ->
    rand:seed(exsss, {7, 8, 9}),
    [begin
         T = ets:new(t, [Type]),
         Keys = [list_to_atom([$a + rand:uniform(26) - 1 || _ <- lists:seq(1, rand:uniform(12))]) || _ <- lists:seq(1, N)],
         [ets:insert(T, {K, I}) || {K, I} <- lists:zip(Keys, lists:seq(1, N))],
         [ets:delete(T, K) || K <- lists:sublist(Keys, N div 3)],
         R = {Type, N, erlang:phash2(ets:tab2list(T)), ets:first(T)},
         ets:delete(T),
         R
     end || Type <- [set, bag, duplicate_bag], N <- [5, 50, 500, 3000]].
