-module(process_initial_call).
-behaviour(gen_server).
-export([main/0, w/0, w/2, init/1, handle_call/3, handle_cast/2]).
%% process_info(P, initial_call), alone and in process_info/1's list: {M, F, Arity} of a
%% spawn(M, F, Args) in each of its variants, {erlang, apply, 2} for a fun (erl's too),
%% {proc_lib, init_p, 3 | 5} for proc_lib's processes (a gen_server's included), and the
%% first process's own.

w() -> receive stop -> ok end.
w(_, _) -> w().

init([]) -> {ok, []}.
handle_call(_, _, S) -> {reply, ok, S}.
handle_cast(_, S) -> {noreply, S}.

%% Run in a process of its own: the linked ones below must not leave EXIT messages for
%% the programs that erl's harness runs after this one in the same process.
main() ->
    {P, R} = spawn_monitor(fun() -> exit({result, body()}) end),
    Body = receive {'DOWN', R, process, P, {result, V}} -> V end,
    {Body, process_info(self(), initial_call)}.

body() ->
    X = 5,
    {P9, M9} = spawn_monitor(?MODULE, w, [a, b]),
    {ok, Gs} = gen_server:start(?MODULE, [], []),
    Ps = [spawn(fun() -> receive stop -> X end end),
          spawn(fun() -> w() end),
          spawn(?MODULE, w, [1, 2]),
          spawn(fun ?MODULE:w/0),
          proc_lib:spawn(fun() -> w() end),
          proc_lib:spawn(?MODULE, w, []),
          spawn_link(?MODULE, w, []),
          spawn_opt(?MODULE, w, [], []),
          spawn_opt(fun w/0, [link]),
          P9, Gs],
    One = [process_info(P, initial_call) || P <- Ps],
    Listed = [proplists:get_value(initial_call, process_info(P)) || P <- Ps],
    Many = [process_info(P, [initial_call, trap_exit]) || P <- Ps],
    [P ! stop || P <- Ps -- [Gs]],
    ok = gen_server:stop(Gs),
    receive {'DOWN', M9, _, _, _} -> ok end,
    {One, Listed, Many, process_info(self(), initial_call)}.
