-module(maps_basic).
-export([main/0]).
%% Maps: literals, update, match, maps module (get, put, keys, values, to_list, fold).
main() ->
    M = #{a => 1, b => 2},
    M2 = M#{c => 3, a => 10},
    #{b := B} = M2,
    {M2, B, maps:get(c, M2), maps:get(z, M2, none), maps:keys(M2), maps:values(M2),
     maps:to_list(maps:put(d, 4, M2)), maps:fold(fun(_, V, A) -> V + A end, 0, M2),
     map_size(M2), maps:is_key(a, M2), maps:from_list([{x, 1}, {y, 2}])}.
