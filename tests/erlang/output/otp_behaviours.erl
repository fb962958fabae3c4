%% OTP behaviours run unmodified: supervisor (children, a crash and restart, shutdown),
%% gen_statem, gen_event, proc_lib and sys. Logging is turned off while children crash
%% (reports carry timestamps and pids, which differ between runs).
-module(otp_behaviours).
-export([main/0, init/1, start_worker/1, worker/1, callback_mode/0,
         locked/3, open/3, handle_event/2, handle_call/2, handle_info/2,
         terminate/2, plain_init/1, waiter/0]).

%% --- supervisor ---
init({sup, Strategy}) ->
    {ok, {#{strategy => Strategy, intensity => 3, period => 10},
          [#{id => w1, start => {?MODULE, start_worker, [w1]}},
           #{id => w2, start => {?MODULE, start_worker, [w2]}, restart => transient},
           #{id => w3, start => {?MODULE, start_worker, [w3]}, restart => temporary}]}};
%% --- gen_statem ---
init({lock, Code}) ->
    {ok, locked, #{code => Code, tries => 0}};
%% --- gen_event ---
init({counter, N}) ->
    {ok, N}.

start_worker(Name) ->
    Pid = spawn_link(?MODULE, worker, [Name]),
    register(Name, Pid),
    {ok, Pid}.

worker(Name) ->
    receive
        {ping, From} -> From ! {pong, Name}, worker(Name);
        crash -> exit(crashed);
        stop -> ok
    end.

callback_mode() -> state_functions.

locked({call, From}, {button, Code}, #{code := Code} = D) ->
    {next_state, open, D, [{reply, From, opened}, {state_timeout, 1000, lock}]};
locked({call, From}, {button, _}, #{tries := T} = D) ->
    {keep_state, D#{tries := T + 1}, [{reply, From, wrong}]};
locked({call, From}, state, D) ->
    {keep_state_and_data, [{reply, From, {locked, maps:get(tries, D)}}]};
locked(cast, _, D) ->
    {keep_state, D}.

open({call, From}, state, _) ->
    {keep_state_and_data, [{reply, From, open}]};
open({call, From}, lock, D) ->
    {next_state, locked, D, [{reply, From, locked}]};
open(state_timeout, lock, D) ->
    {next_state, locked, D};
open({call, From}, _, _) ->
    {keep_state_and_data, [{reply, From, busy}]}.

handle_event({add, K}, N) -> {ok, N + K};
handle_event(_, N) -> {ok, N}.
handle_call(get, N) -> {ok, N, N}.
handle_info(_, N) -> {ok, N}.
terminate(_, _) -> ok.

waiter() -> receive go -> ok end.

plain_init(Parent) ->
    proc_lib:init_ack(Parent, {ok, self()}),
    receive {From, hello} -> From ! {self(), world} end.

main() ->
    supervisor_part(),
    statem_part(),
    event_part(),
    proc_lib_part(),
    sys_part(),
    ok.

supervisor_part() ->
    process_flag(trap_exit, true),
    ok = logger:set_primary_config(level, none),
    {ok, Sup} = supervisor:start_link({local, the_sup}, ?MODULE, {sup, one_for_one}),
    io:format("children ~p~n", [supervisor:count_children(the_sup)]),
    io:format("ids ~p~n", [[Id || {Id, _, worker, [?MODULE]} <- supervisor:which_children(Sup)]]),
    W1 = whereis(w1),
    w1 ! {ping, self()},
    receive {pong, N} -> io:format("pong ~p~n", [N]) end,
    w1 ! crash,
    timer:sleep(20),
    W1b = whereis(w1),
    io:format("w1 restarted ~p~n", [is_pid(W1b) andalso W1b =/= W1]),
    w2 ! stop,
    w3 ! crash,
    timer:sleep(20),
    io:format("after w2 stop, w3 crash: ~p~n",
              [lists:sort([{Id, is_pid(P)} || {Id, P, _, _} <- supervisor:which_children(Sup)])]),
    io:format("terminate_child ~p~n", [supervisor:terminate_child(Sup, w1)]),
    io:format("restart_child ~p~n", [element(1, supervisor:restart_child(Sup, w1))]),
    io:format("delete_child ~p~n", [supervisor:delete_child(Sup, w1)]),
    io:format("delete running ~p~n", [supervisor:delete_child(Sup, w2)]),
    {ok, _} = supervisor:start_child(Sup, #{id => w4, start => {?MODULE, start_worker, [w4]}}),
    io:format("start_child again ~p~n",
              [element(1, supervisor:start_child(Sup, #{id => w4, start => {?MODULE, start_worker, [w4]}}))]),
    unlink(Sup),
    SupRef = monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', SupRef, process, Sup, SR} -> io:format("sup down ~p ~p~n", [SR, whereis(w4)]) end,
    {ok, Sup2} = supervisor:start_link(?MODULE, {sup, one_for_all}),
    A = whereis(w1), B = whereis(w2),
    w2 ! crash,
    timer:sleep(20),
    io:format("one_for_all restarted both ~p~n",
              [whereis(w1) =/= A andalso whereis(w2) =/= B andalso is_pid(whereis(w1))]),
    unlink(Sup2),
    Ref = monitor(process, Sup2),
    exit(Sup2, shutdown),
    receive {'DOWN', Ref, process, Sup2, R2} -> io:format("shutdown ~p ~p~n", [R2, whereis(w1)]) end,
    ok = logger:set_primary_config(level, notice),
    process_flag(trap_exit, false).

statem_part() ->
    {ok, P} = gen_statem:start(?MODULE, {lock, 42}, []),
    io:format("~p~n", [gen_statem:call(P, {button, 1})]),
    io:format("~p~n", [gen_statem:call(P, state)]),
    io:format("~p~n", [gen_statem:call(P, {button, 42})]),
    io:format("~p~n", [gen_statem:call(P, state)]),
    io:format("~p~n", [gen_statem:call(P, {button, 42})]),
    io:format("~p~n", [gen_statem:call(P, lock)]),
    io:format("~p~n", [gen_statem:call(P, {button, 42})]),
    timer:sleep(1100),
    io:format("after timeout ~p~n", [gen_statem:call(P, state)]),
    io:format("~p~n", [catch gen_statem:call(P, {button, 7}, 500)]),
    ok = gen_statem:stop(P),
    io:format("stopped ~p~n", [is_process_alive(P)]).

event_part() ->
    {ok, M} = gen_event:start_link(),
    ok = gen_event:add_handler(M, ?MODULE, {counter, 10}),
    ok = gen_event:notify(M, {add, 5}),
    ok = gen_event:sync_notify(M, {add, 2}),
    io:format("count ~p~n", [gen_event:call(M, ?MODULE, get)]),
    io:format("handlers ~p~n", [gen_event:which_handlers(M)]),
    io:format("delete ~p~n", [gen_event:delete_handler(M, ?MODULE, x)]),
    io:format("handlers ~p~n", [gen_event:which_handlers(M)]),
    io:format("call missing ~p~n", [gen_event:call(M, ?MODULE, get)]),
    gen_event:stop(M).

proc_lib_part() ->
    {ok, P} = proc_lib:start_link(?MODULE, plain_init, [self()]),
    P ! {self(), hello},
    receive {P, W} -> io:format("proc_lib ~p~n", [W]) end,
    Q = proc_lib:spawn(?MODULE, waiter, []),
    timer:sleep(10),
    {dictionary, D} = process_info(Q, dictionary),
    io:format("ancestors ~p~n", [proplists:get_value('$ancestors', D) =:= [self()]]),
    io:format("initial call ~p~n", [proc_lib:translate_initial_call(Q)]),
    Q ! go.

sys_part() ->
    {ok, P} = gen_statem:start(?MODULE, {lock, 7}, []),
    io:format("get_state ~p~n", [sys:get_state(P)]),
    ok = sys:suspend(P),
    {'EXIT', {timeout, _}} = (catch gen_statem:call(P, state, 100)),
    io:format("suspended call timed out~n"),
    ok = sys:resume(P),
    io:format("replace_state ~p~n",
              [sys:replace_state(P, fun({S, D}) -> {S, D#{tries := 99}} end)]),
    io:format("state ~p~n", [gen_statem:call(P, state)]),
    {status, P, {module, gen_statem}, _} = sys:get_status(P),
    io:format("status ok~n"),
    gen_statem:stop(P).
