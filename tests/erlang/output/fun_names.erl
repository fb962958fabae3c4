%% Funs print as erl prints them (issue 12): `#Fun<Module.Index.Uniq>` for a local fun
%% (index and uniq from the FunT chunk), `fun M:F/A` for an external one; with ~p, ~w,
%% inside terms, through erlang:fun_to_list/1 and in a badarity reason.
-module(fun_names).
-export([main/0, ext/1]).

id(X) -> X.

ext(X) -> X.

main() ->
    A = id(1),
    F0 = fun() -> A end,
    F1 = fun(X) -> X + A end,
    F2 = fun(X, Y) -> {X, Y, A} end,
    G = fun id/1,
    E = fun ?MODULE:ext/1,
    L = fun lists:reverse/1,
    io:format("~p ~w~n", [F0, F0]),
    io:format("~p ~w~n", [F1, F1]),
    io:format("~p~n", [{F2, [G, E, L]}]),
    io:format("~w~n", [[E, L]]),
    io:format("~s~n", [erlang:fun_to_list(F1)]),
    io:format("~s~n", [erlang:fun_to_list(E)]),
    io:format("~p~n", [lists:sort([F2, F1, F0])]),
    io:format("~p~n", [[F0 == F0, F0 =:= F1, F1 < F2]]),
    H = id(F1),
    R = try H(1, 2) catch error:Why -> Why end,
    io:format("~p~n", [R]),
    io:format("~p~n", [[F() || F <- [fun() -> 1 end, fun() -> 2 end]]]),
    ok.
