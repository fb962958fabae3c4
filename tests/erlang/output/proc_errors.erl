%% Error terms as erl gives them (issue 12 item 4): the first frame of a BIF's error
%% (with error_info), undef naming the function, badarity with the arguments,
%% erlang:raise/3 keeping its stack trace, `catch` and `try` seeing the same trace;
%% monitors by registered name, of an unregistered name, and link/1 to a dead pid.
-module(proc_errors).
-export([main/0]).

id(X) -> X.

first([F | _]) -> F;
first(S) -> S.

top(F) ->
    try F() of
        V -> {value, V}
    catch
        C:R:S -> {C, R, first(S)}
    end.

caught(F) ->
    case catch F() of
        {'EXIT', {R, S}} -> {'EXIT', R, first(S)};
        V -> V
    end.

main() ->
    P = fun(X) -> io:format("~p~n", [X]) end,
    P(top(fun() -> atom_to_list(id(1)) end)),
    P(top(fun() -> list_to_atom(id(x)) end)),
    P(top(fun() -> lists:no_such_fun(id(1)) end)),
    P(top(fun() -> M = id(no_such_mod), M:f(1, 2) end)),
    P(top(fun() -> apply(id(lists), id(nope), [a]) end)),
    P(top(fun() -> maps:get(a, id(#{})) end)),
    P(top(fun() -> erlang:raise(error, foo, [{m, f, 1, []}]) end)),
    P(top(fun() -> erlang:raise(throw, bar, [{m, f, 2, [{line, 3}]}]) end)),
    P(caught(fun() -> atom_to_list(id(1)) end)),
    P(caught(fun() -> lists:no_such_fun(id(2)) end)),
    P(caught(fun() -> throw(ball) end)),
    F1 = id(fun(X) -> X end),
    {error, {badarity, {G, Args}}, _} = top(fun() -> F1(1, 2) end),
    P({badarity, G =:= F1, Args}),
    % Monitors by name: the DOWN message names {Name, Node}.
    Pid = spawn(fun() -> receive _ -> exit(bye) end end),
    register(foo, Pid),
    Ref = monitor(process, foo),
    Pid ! go,
    receive {'DOWN', Ref, process, Who, Why} -> P({down, Who, Why}) end,
    Ref2 = monitor(process, nosuch),
    receive {'DOWN', Ref2, process, Who2, Why2} -> P({down, Who2, Why2}) end,
    % OTP 25: link/1 to a dead local pid returns true and sends an exit signal noproc.
    process_flag(trap_exit, true),
    Dead = spawn(fun() -> ok end),
    Mref = monitor(process, Dead),
    receive {'DOWN', Mref, _, _, _} -> ok end,
    P({link, link(Dead)}),
    receive {'EXIT', Dead, R3} -> P({exit, R3}) end,
    ok.
