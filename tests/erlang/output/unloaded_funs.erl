-module(unloaded_funs).
-export([main/0]).
%% binary_to_term of a fun whose code is not loaded (OTP 25): a NEW_FUN_EXT whose
%% checksum (Uniq, the module's md5) is not the loaded code's, or whose module is not
%% loaded, decodes into a fun. It prints, compares and hashes as any fun of its lambda
%% ({Module, OldIndex, OldUniq}), fun_info/1 gives its own new_uniq and name [], and
%% term_to_binary writes it back unchanged. Calling it raises {badfun, F} when its module
%% is loaded (other code), and error_handler:undefined_lambda/3's undef, first frame
%% {F, Args, []}, when the module cannot be loaded; a module on the code path is loaded
%% by that call and the fun runs if the checksum is the file's.
%% Pids are masked (they differ by run); stack traces are cut to their first frame.

main() ->
    Peer = unloaded_funs_peer,
    F = Peer:adder(10),
    B = term_to_binary(F),
    G = binary_to_term(flip_uniq(B)),
    io:format("decoded ~p~n", [G]),
    io:format("is_function ~p ~p ~p~n", [is_function(G), is_function(G, 1), is_function(G, 2)]),
    io:format("fun_info ~p~n", [mask(erlang:fun_info(G))]),
    io:format("name ~p mfa ~p~n", [erlang:fun_info(G, name), erlang:fun_info_mfa(G)]),
    io:format("new_uniq differs ~p~n",
              [erlang:fun_info(G, new_uniq) =/= erlang:fun_info(F, new_uniq)]),
    io:format("compare ~p ~p ~p ~p~n", [G =:= F, G == F, G < F, G > F]),
    io:format("sorted ~p~n", [lists:sort([G, F]) =:= [F, G]]),
    io:format("phash2 ~p~n", [erlang:phash2(G) =:= erlang:phash2(F)]),
    io:format("map key ~p~n", [maps:get(G, #{F => found}, missing)]),
    Big = maps:from_list([{F, found} | [{I, I} || I <- lists:seq(1, 40)]]),
    io:format("big map key ~p~n", [maps:get(G, Big, missing)]),
    Tab = ets:new(unloaded_funs, [set]),
    ets:insert(Tab, {F, in_ets}),
    io:format("ets key ~p~n", [ets:lookup(Tab, G) =:= [{F, in_ets}]]),
    ets:delete(Tab),
    io:format("round trip ~p~n", [term_to_binary(G) =:= flip_uniq(B)]),
    io:format("flat ~s~n", [io_lib:format("~w", [G])]),
    io:format("call ~p~n", [call(G, [1])]),
    io:format("call wrong arity ~p~n", [call(G, [1, 2])]),
    io:format("apply ~p~n", [catch_first(fun() -> apply(G, [1]) end)]),
    io:format("original still works ~p~n", [F(1)]),
    Z = binary_to_term(flip_uniq(term_to_binary(Peer:zero()))),
    %% (No crash report: it has a timestamp. erl's logger gets it asynchronously: the
    %% level goes back at the end, after a pause.)
    logger:set_primary_config(level, none),
    {Pid, Ref} = spawn_monitor(Z),
    receive
        {'DOWN', Ref, process, Pid, Why} -> io:format("spawned ~p~n", [element(1, Why)])
    end,
    %% A module that does not exist.
    Nx = binary_to_term(rename(term_to_binary(Peer:pair()))),
    io:format("no module ~p ~p~n", [Nx, is_function(Nx, 2)]),
    io:format("no module info ~p~n", [mask(erlang:fun_info(Nx))]),
    io:format("no module call ~p~n", [call(Nx, [a, b])]),
    io:format("no module call wrong arity ~p~n", [call(Nx, [a])]),
    io:format("no module loaded ~p~n", [erlang:module_loaded(unloaded_funs_pees)]),
    %% A module on the code path, not loaded when the fun is decoded.
    Lazy = list_to_atom("unloaded_funs_lazy"),
    T = Lazy:tagger(x),
    TB = term_to_binary(T),
    true = erlang:delete_module(Lazy),
    true = erlang:purge_module(Lazy),
    io:format("lazy loaded ~p~n", [erlang:module_loaded(Lazy)]),
    T2 = binary_to_term(TB),
    io:format("lazy decoded ~p ~p~n", [T2, T2 =:= T]),
    io:format("lazy name ~p~n", [erlang:fun_info(T2, name)]),
    io:format("lazy still not loaded ~p~n", [erlang:module_loaded(Lazy)]),
    io:format("lazy call ~p~n", [call(T2, [y])]),
    io:format("lazy loaded now ~p~n", [erlang:module_loaded(Lazy)]),
    io:format("lazy name now ~p~n", [erlang:fun_info(T2, name)]),
    io:format("lazy call again ~p~n", [call(T2, [z])]),
    io:format("lazy fresh equal ~p~n", [Lazy:tagger(x) =:= T2]),
    %% Not loaded, and a checksum the file does not have: loaded by the call, then badfun.
    true = erlang:delete_module(Lazy),
    true = erlang:purge_module(Lazy),
    T3 = binary_to_term(flip_uniq(TB)),
    %% (erl's first frame is error_handler's, which applied the fun again.)
    io:format("lazy other ~p~n", [element(2, call(T3, [w]))]),
    io:format("lazy loaded by it ~p~n", [erlang:module_loaded(Lazy)]),
    %% erlang:apply/2 as a process's function and as a fun (spawn(F) above starts there).
    {P3, R3} = spawn_monitor(erlang, apply, [fun() -> exit(applied) end, []]),
    receive {'DOWN', R3, process, P3, W3} -> io:format("spawned apply ~p~n", [W3]) end,
    io:format("fun apply ~p~n", [(fun erlang:apply/2)(fun(X) -> X * 2 end, [21])]),
    timer:sleep(200),
    logger:set_primary_config(level, notice),
    ok.

call(F, Args) ->
    catch_first(fun() -> apply(F, Args) end).

%% Class, reason and the first frame of the stack trace.
catch_first(Fun) ->
    try Fun() of
        V -> {ok, V}
    catch
        C:R:S -> {C, R, hd(S ++ [none])}
    end.

%% NEW_FUN_EXT: 131, 112, Size:32, Arity:8, Uniq:16/binary, ...: one bit of Uniq.
flip_uniq(<<131, 112, Size:32, Arity, U0, Rest/binary>>) ->
    <<131, 112, Size:32, Arity, (U0 bxor 1), Rest/binary>>.

%% The module atom unloaded_funs_peer becomes unloaded_funs_pees (not on the path).
rename(B) ->
    binary:replace(B, <<"unloaded_funs_peer">>, <<"unloaded_funs_pees">>).

mask(L) ->
    [case K of pid -> {pid, pid}; _ -> {K, V} end || {K, V} <- L].
