%% ~p continues lines at the column where it starts; tabs, newlines and earlier output
%% on the same line move that column.
-module(columns).
-export([main/0]).

main() ->
    L = [{key, I, "value"} || I <- lists:seq(1, 8)],
    io:format("~p~n", [L]),
    io:format("12345 ~p~n", [L]),
    io:format("~s ~p~n", ["a string before", L]),
    io:format("~w ~p~n", [{a, tuple, before}, L]),
    io:format("\t~p~n", [L]),
    io:format("ab\tc ~p~n", [L]),
    io:format("first line~nsecond ~p~n", [L]),
    io:format("~p ~p~n", [L, L]),
    io:format("~.1p~n", [L]),
    io:format("~60.10p~n", [L]),
    io:format("~10.2.xB ~p~n", [255, L]),
    io:format("~3n~i~~~n", [ignored]),
    io:format("~p~n", [{this_is_a_long_tag_name, [alpha, beta, gamma, delta, epsilon],
                        {nested_tuple_with_long_name, [1, 2, 3], "and a string"}}]),
    ok.
