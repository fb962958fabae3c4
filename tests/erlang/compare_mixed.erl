-module(compare_mixed).
-export([main/0]).
%% Erlang term order across types: number < atom < reference < fun < port < pid < tuple
%% < map < nil < list < bitstring; sorting a mixed list; == vs =:= on integers and floats.
main() ->
    L = [{1, 2}, [1], 3, a, 2.5, [], {0}, <<"b">>, "abc", -1, zz, {1, 1}, 1.0, 1],
    {lists:sort(L), 1 == 1.0, 1 =:= 1.0, 2 > 1.5, {1, 2} < {1, 3}, [1, 2] < [1, 2, 0],
     {2} < {1, 1}, max(a, 1), min([], {}), 16#7FFFFFF + 1 > 16#7FFFFFF}.
