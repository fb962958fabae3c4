-module(ports_signals).
-export([main/0]).
%% Links and exit signals between processes and ports, as erl gives them: the port closes
%% when its owner ends (the program sees end of file on its stdin), with the owner's
%% reason when it is not normal; a linked process ending abnormally closes the port, one
%% ending normally only unlinks; exit/2 to a port; link/unlink; process_info links.
main() ->
    Me = self(),
    {P, Ref} = spawn_monitor(fun() -> Me ! {self(), body()} end),
    %% (No 'DOWN' may stay behind: erl runs the next program in this same process.)
    receive
        {P, R} -> demonitor(Ref, [flush]), R;
        {'DOWN', Ref, process, P, Why} when Why =/= normal -> {failed, Why}
    after 30000 -> timeout
    end.

body() ->
    process_flag(trap_exit, true),
    [owner_normal(), owner_crash(), linked_other(), exits(), link_unlink(), not_trapping(),
     monitors()].

%% Unique per run: the test suite runs several VMs in one OS process at once.
tmp(Tag) ->
    "/tmp/beamjit-ports-" ++ Tag ++ "-" ++ os:getpid() ++ "-"
        ++ integer_to_list(erlang:system_time(nanosecond)) ++ "-"
        ++ integer_to_list(rand:uniform(1 bsl 30)).

%% The owner writes to `sh -c 'cat > F; echo done >> F'` and ends normally: the port
%% closes, cat sees end of file and the shell writes `done`. (A `spawn` command runs as
%% `exec Cmd`, so the list needs its own shell.)
owner_normal() ->
    F = tmp("owner"),
    Me = self(),
    {Pid, Ref} = spawn_monitor(fun() ->
        P = open_port({spawn, "sh -c 'cat > " ++ F ++ "; echo done >> " ++ F ++ "'"}, []),
        port_command(P, "written by the owner\n"),
        Me ! {port, P},
        receive go -> ok end
    end),
    P = receive {port, X} -> X after 5000 -> exit(no_port_owner_normal) end,
    Before = erlang:port_info(P, connected) =:= {connected, Pid},
    Pid ! go,
    receive {'DOWN', Ref, process, Pid, _} -> ok after 5000 -> exit(no_down_owner_normal) end,
    Content = wait_file(F, 200),
    After = erlang:port_info(P),
    [] = os:cmd("rm -f " ++ F),
    {Before, Content, After}.

wait_file(_, 0) -> timeout;
wait_file(F, N) ->
    case cat(F) of
        <<"written by the owner\ndone\n">> = B -> B;
        _ -> receive after 20 -> wait_file(F, N - 1) end
    end.

%% The file's contents, read through a port too.
cat(F) ->
    P = open_port({spawn_executable, "/bin/cat"}, [{args, [F]}, binary, exit_status, stderr_to_stdout]),
    cat(P, <<>>).
cat(P, Acc) ->
    receive
        {P, {data, D}} -> cat(P, <<Acc/binary, D/binary>>);
        {P, {exit_status, _}} -> receive {'EXIT', P, _} -> Acc after 5000 -> Acc end
    after 5000 -> timeout
    end.

%% The owner crashes: a process linked to the port gets the owner's reason from it.
owner_crash() ->
    Me = self(),
    Pid = spawn(fun() ->
        P = open_port({spawn, "cat"}, []),
        Me ! {port, P},
        receive crash -> exit(boom) end
    end),
    P = receive {port, X} -> X after 5000 -> exit(no_port_owner_crash) end,
    true = link(P),
    Links = erlang:port_info(P, links) =:= {links, [Pid, self()]},
    Pid ! crash,
    R = receive {'EXIT', P, Why} -> Why after 5000 -> timeout end,
    {Links, R, erlang:port_info(P)}.

%% Other linked processes: ending normally unlinks, ending with `bad` closes the port.
linked_other() ->
    P = open_port({spawn, "cat"}, []),
    Me = self(),
    Pid = spawn(fun() -> link(P), Me ! linked, receive stop -> ok end end),
    receive linked -> ok after 5000 -> exit(not_linked_1) end,
    L1 = erlang:port_info(P, links) =:= {links, [self(), Pid]},
    Ref = monitor(process, Pid),
    Pid ! stop,
    receive {'DOWN', Ref, _, _, _} -> ok after 5000 -> exit(no_down_linked) end,
    L2 = erlang:port_info(P, links) =:= {links, [self()]},
    Pid2 = spawn(fun() -> link(P), Me ! linked, receive stop -> exit(bad) end end),
    receive linked -> ok after 5000 -> exit(not_linked_2) end,
    Pid2 ! stop,
    R = receive {'EXIT', P, Why} -> Why after 5000 -> timeout end,
    {L1, L2, R, erlang:port_info(P, links)}.

%% exit/2 to a port: normal from its owner closes it, kill closes it with `killed`, any
%% other reason with that reason; a closed port ignores signals.
exits() ->
    [begin
         P = open_port({spawn, "cat"}, []),
         true = exit(P, Reason),
         R = receive {'EXIT', P, Why} -> Why after 300 -> still_open end,
         Open = erlang:port_info(P) =/= undefined,
         catch port_close(P),
         receive {'EXIT', P, _} -> ok after 0 -> ok end,
         {Reason, R, Open}
     end || Reason <- [normal, kill, shutdown, {some, reason}]].

%% unlink/1 and link/1 with ports; process_info(self(), links) lists them; link to a
%% closed port gets noproc.
link_unlink() ->
    P = open_port({spawn, "cat"}, []),
    In = lists:member(P, element(2, process_info(self(), links))),
    true = unlink(P),
    Out = lists:member(P, element(2, process_info(self(), links))),
    Links = erlang:port_info(P, links),
    true = port_close(P),
    Msg = receive M -> M after 200 -> none end,
    true = link(P),
    NoProc = receive {'EXIT', P, R} -> R after 1000 -> timeout end,
    {In, Out, Links, Msg, NoProc}.

%% Without trap_exit: a normal close is no signal; a `badsig` kills the sender.
not_trapping() ->
    Me = self(),
    {Pid, Ref} = spawn_monitor(fun() ->
        P = open_port({spawn, "echo hi"}, []),
        receive {P, {data, _}} -> ok end,
        receive after 100 -> ok end,
        Me ! {alive, erlang:port_info(P)},
        P2 = open_port({spawn, "cat"}, []),
        P2 ! not_a_port_message,
        receive after 1000 -> Me ! not_killed end
    end),
    A = receive {alive, I} -> I after 5000 -> timeout end,
    B = receive {'DOWN', Ref, process, Pid, Why} -> Why; not_killed -> not_killed after 5000 -> timeout end,
    {A, B}.

%% monitor(port, P): 'DOWN' after the link's 'EXIT' when the port closes, noproc for a
%% closed port, demonitor.
monitors() ->
    P = open_port({spawn, "echo hi"}, [exit_status]),
    R = monitor(port, P),
    Msgs = [receive M -> norm(P, R, M) after 5000 -> timeout end || _ <- [1, 2, 3, 4]],
    R2 = monitor(port, P),
    D2 = receive {'DOWN', R2, port, P, Why2} -> Why2 after 1000 -> timeout end,
    P3 = open_port({spawn, "cat"}, []),
    R3 = monitor(port, P3),
    Info = erlang:port_info(P3, monitors),
    Dm = demonitor(R3, [info]),
    port_close(P3),
    D3 = receive {'DOWN', R3, _, _, _} -> down after 100 -> none end,
    receive {'EXIT', P3, _} -> ok after 1000 -> ok end,
    {Msgs, D2, Info, Dm, D3}.

norm(P, R, {'DOWN', R, port, P, Why}) -> {'DOWN', ref, port, port, Why};
norm(P, _, {'EXIT', P, Why}) -> {'EXIT', port, Why};
norm(P, _, {P, X}) -> {port, X};
norm(_, _, X) -> X.
