-module(list_bifs).
-export([main/0]).
%% List BIFs: length, hd, tl, ++, --, lists:reverse/2, improper lists.
main() ->
    L = [1, 2, 3, 4, 5],
    {length(L), hd(L), tl(L), L ++ [6], L -- [2, 4], lists:reverse(L, [0]),
     [a | b], tl([x | y]), length([]), [[], [[]]], lists:append(L, L)}.
