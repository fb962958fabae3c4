-module(hibernate).
-export([main/0, loop/2, echo/1, done/1]).
%% erlang:hibernate/3: the process drops its stack, sleeps until a message comes and
%% then runs M:F(Args); it never returns to its caller. A server that hibernates after
%% every request is woken many times; deep recursion before hibernating leaves nothing
%% behind; a message already queued wakes it at once; when M:F returns the process ends
%% normally; bad arguments are badarg; an undefined M:F raises undef when it wakes.
main() ->
    Me = self(),
    S = spawn(fun() -> deep(2000, Me) end),
    R1 = [call(S, {add, N}) || N <- lists:seq(1, 25)],
    Status = wait_status(S),
    R2 = call(S, get),
    Stack = call(S, stack),
    {Pd, Rd} = spawn_monitor(fun() -> self() ! early, erlang:hibernate(?MODULE, echo, [Me]) end),
    Early = receive {echoed, M} -> M after 5000 -> timeout end,
    Down = receive {'DOWN', Rd, process, Pd, Why} -> Why after 5000 -> no_down end,
    {Pu, Ru} = spawn_monitor(fun() -> erlang:hibernate(?MODULE, no_such_fun, []) end),
    Pu ! wake,
    Undef = receive {'DOWN', Ru, process, Pu, {undef, [Top | _]}} -> Top after 5000 -> no_down end,
    Bad = [catch_class(fun() -> erlang:hibernate(A, B, C) end)
           || {A, B, C} <- [{1, f, []}, {m, "f", []}, {m, f, [a | b]}, {m, f, x}]],
    {Pt, Rt} = spawn_monitor(fun() -> try erlang:hibernate(?MODULE, done, [Me]) after Me ! not_here end end),
    Pt ! go,
    Tried = receive {'DOWN', Rt, process, Pt, W} -> W after 5000 -> no_down end,
    Notes = receive not_here -> after_ran after 200 -> no_after end,
    Done = receive {done, X} -> X after 1000 -> none end,
    [R1, Status, R2, Stack, Early, Down, Undef, Bad, Tried, Notes, Done].

deep(0, Me) -> erlang:hibernate(?MODULE, loop, [Me, 0]);
deep(N, Me) -> [N | deep(N - 1, Me)].

loop(Me, Acc) ->
    receive
        {From, {add, N}} -> From ! {self(), Acc + N}, erlang:hibernate(?MODULE, loop, [Me, Acc + N]);
        {From, get} -> From ! {self(), Acc}, loop(Me, Acc);
        {From, stack} ->
            {stack_size, Sz} = process_info(self(), stack_size),
            From ! {self(), Sz < 50},
            erlang:hibernate(?MODULE, loop, [Me, Acc])
    end.

echo(To) ->
    receive M -> To ! {echoed, M} end,
    returned_normally.

done(To) -> receive go -> To ! {done, woke} end.

call(P, Req) ->
    P ! {self(), Req},
    receive {P, R} -> R after 5000 -> timeout end.

wait_status(P) ->
    receive after 20 -> ok end,
    element(2, process_info(P, status)).

catch_class(F) ->
    {P, R} = spawn_monitor(fun() -> exit({ok, catch F()}) end),
    receive {'DOWN', R, process, P, {ok, {'EXIT', {E, _}}}} -> E; {'DOWN', R, process, P, O} -> O after 5000 -> no_down end.
