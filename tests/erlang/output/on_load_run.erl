-module(on_load_run).
-export([main/0]).
%% -on_load functions of modules loaded by their first call (remote call, apply, spawn,
%% fun M:F/A), without code_server's help under beam run: the function runs first, in
%% a process of its own; the call goes ahead when it returned ok. Any other value (an
%% atom here: erl reports other terms with a timestamped warning) leaves the module not
%% loaded and the call raises undef; the next call loads the module and runs the
%% function again. The modules are deleted at the end, so that running them on their own
%% afterwards (the test harness, one VM) loads them again, as erl's fresh node does.

main() ->
    Ok = list_to_atom("on_load_run_ok"),
    Fail = list_to_atom("on_load_run_fail"),
    io:format("loaded before ~p ~p~n", [erlang:module_loaded(Ok), erlang:module_loaded(Fail)]),
    io:format("call ~p~n", [Ok:hello()]),
    io:format("ran in another process ~p~n", [is_pid(Ok:ran_in()) andalso Ok:ran_in() =/= self()]),
    io:format("dictionary ~p~n", [get(Ok)]),
    io:format("loaded ~p~n", [erlang:module_loaded(Ok)]),
    io:format("call again ~p~n", [Ok:hello()]),
    persistent_term:put(Fail, nope),
    io:format("fail call ~p~n", [catch_first(fun() -> Fail:hello() end)]),
    io:format("fail loaded ~p~n", [erlang:module_loaded(Fail)]),
    io:format("fail apply ~p~n", [catch_first(fun() -> apply(Fail, hello, []) end)]),
    io:format("fail fun ~p~n", [catch_first(fun() -> (fun Fail:hello/0)() end)]),
    persistent_term:put(Fail, ok),
    io:format("now ok ~p~n", [catch_first(fun() -> Fail:hello() end)]),
    io:format("fail loaded now ~p~n", [erlang:module_loaded(Fail)]),
    unload(Ok),
    io:format("deleted ~p~n", [erlang:module_loaded(Ok)]),
    {Pid, Ref} = spawn_monitor(Ok, report, [self()]),
    receive {reported, Pid} -> io:format("spawned reported~n") end,
    receive {'DOWN', Ref, process, Pid, Why} -> io:format("spawned ~p~n", [Why]) end,
    unload(Ok),
    io:format("apply ~p~n", [apply(Ok, hello, [])]),
    unload(Ok),
    unload(Fail),
    persistent_term:erase(Fail),
    ok.

unload(M) ->
    true = erlang:delete_module(M),
    true = erlang:purge_module(M).

%% Class, reason and the first frame of the stack trace.
catch_first(Fun) ->
    try Fun() of
        V -> {ok, V}
    catch
        C:R:S -> {C, R, hd(S ++ [none])}
    end.
