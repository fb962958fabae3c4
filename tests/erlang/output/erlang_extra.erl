%% The erlang/math/os exports scripts/undef-exports found missing, checked against erl.
-module(erlang_extra).
-export([main/0, id/1]).
id(X) -> X.

c(F) -> try F() catch C:R -> {C, R} end.

main() ->
    [io:format("~p ~.10f~n", [F, math:F(0.5)]) || F <- [acos, acosh_skip, asin, asinh, atan, atanh, cosh, sinh, tan, tanh, erf, erfc, floor, ceil, log10, log2], F =/= acosh_skip],
    io:format("~p ~p ~p~n", [math:acosh(2.0), math:atan2(1, -1), math:fmod(7.5, 2)]),
    io:format("~p~n", [c(fun() -> math:acos(2) end)]),
    io:format("~p ~p~n", [binary_to_float(<<"1.5e3">>), c(fun() -> binary_to_float(<<"15">>) end)]),
    T = {hello, [1, 2.5, "str", <<"bin">>], lists:duplicate(50, abc)},
    B1 = term_to_binary(T, [compressed]),
    B2 = term_to_binary(T, [{compressed, 9}, {minor_version, 1}]),
    io:format("~p ~p ~p~n", [byte_size(B1) < byte_size(term_to_binary(T)), binary_to_term(B1) =:= T, binary_to_term(B2, [safe]) =:= T]),
    io:format("~p~n", [binary_to_term(<<(term_to_binary(ok))/binary, "rest">>, [used])]),
    io:format("~p~n", [term_to_binary(small, [compressed])]),
    [Rt, St] = id([r, s]),
    io:format("~p ~p ~p~n", [erlang:is_record(id({r, 1}), Rt), erlang:is_record(id({r, 1}), Rt, 2), erlang:is_record(id({r, 1}), St, 2)]),
    io:format("~p ~p~n", [erlang:append([1], [2]), erlang:subtract([1, 2, 3], [2])]),
    io:format("~p~n", [erlang:universaltime_to_posixtime({{2024, 2, 29}, {12, 0, 1}})]),
    io:format("~p~n", [erlang:posixtime_to_universaltime(1709208001)]),
    io:format("~p~n", [c(fun() -> erlang:universaltime_to_posixtime({{2023, 2, 29}, {0, 0, 0}}) end)]),
    io:format("~p ~p~n", [erlang:module_loaded(lists), erlang:is_builtin(erlang, self, 0)]),
    io:format("~p~n", [erlang:external_size({a, [1, 2, 3]})]),
    io:format("~p ~p ~p~n", [nodes(), nodes(this), nodes([this, visible])]),
    io:format("~p~n", [erlang:get_cookie()]),
    io:format("~p~n", [erlang:send_nosuspend(self(), hi)]),
    receive hi -> ok end,
    {P, M} = spawn_monitor(node(), fun() -> exit(done) end),
    receive {'DOWN', M, process, P, R} -> io:format("~p~n", [R]) end,
    io:format("~p~n", [erts_debug:flat_size({a, [1, 2]})]),
    io:format("~p~n", [lists:keymember("HOME", 1, os:env())]),
    ok.
