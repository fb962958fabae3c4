%% Bad iolists give badarg, not a host crash (issue 12 item 3: an atom element or an
%% improper tail made the host recurse until its stack overflowed, even inside catch).
-module(iolist_errors).
-export([main/0]).

id(X) -> X.

t(F, A) ->
    try erlang:F(id(A)) of V -> V catch C:R -> {C, R} end.

main() ->
    Bad = [[a], [1 | 2], [<<1>>, a], [[300]], [-1], [<<1:3>>], a, [[1, [2 | foo]]], 1.0,
           [1 | <<2:4>>], [<<"ab">> | a]],
    Good = [[], [1, 2], [<<1>>, [2, <<3>>] | <<4>>], [[[[]]]], [1 | <<2>>], <<>>, <<"x">>],
    [[{F, t(F, A)} || A <- Bad ++ Good]
     || F <- [list_to_binary, iolist_to_binary, iolist_size]].
