%% A supervisor reaching its restart intensity shuts down with reason `shutdown`, and
%% its parent, asleep in timer:sleep/1 while EXIT messages arrive, sees it (logging off:
%% the reports carry timestamps and pids).
-module(sup_limit).
-behaviour(supervisor).
-export([main/0, init/1, start_worker/0, worker/0]).

main() ->
    logger:set_primary_config(level, none),
    process_flag(trap_exit, true),
    {ok, Sup} = supervisor:start_link(?MODULE, []),
    crash(Sup),
    io:format("after one crash: ~p~n", [length(supervisor:which_children(Sup))]),
    crash(Sup),
    receive {'EXIT', Sup, R} -> io:format("supervisor exit: ~p~n", [R])
    after 2000 -> io:format("no exit~n")
    end,
    io:format("alive: ~p~n", [is_process_alive(Sup)]).

crash(Sup) ->
    [{w, Pid, worker, _}] = supervisor:which_children(Sup),
    Pid ! crash,
    timer:sleep(50).

init([]) ->
    {ok, {#{strategy => one_for_one, intensity => 1, period => 5},
          [#{id => w, start => {?MODULE, start_worker, []}}]}}.

start_worker() -> {ok, spawn_link(?MODULE, worker, [])}.

worker() -> receive crash -> exit(boom) end.
