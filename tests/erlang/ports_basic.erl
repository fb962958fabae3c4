-module(ports_basic).
-export([main/0]).
%% Ports to external programs as erl gives them: what comes back from `{spawn, Cmd}` and
%% `{spawn_executable, File}` in each mode (stream, packets, lines, binary or lists),
%% exit_status and eof, the close/connect messages, the BIFs and their badarg cases.
%% Stream data arrives in chunks that depend on timing, so it is joined before comparing;
%% packets and lines do not depend on it. The body runs in a process of its own, so
%% trap_exit and stray messages do not leak into the next program erl runs.
main() ->
    Me = self(),
    P = spawn(fun() -> Me ! {self(), body()} end),
    receive {P, R} -> R after 20000 -> timeout end.

body() ->
    process_flag(trap_exit, true),
    [echo(), exit_codes(), lines(), packets(), eof_option(), head(), close_msgs(),
     connect(), badsig(), info(), bad_args(), spawn_exec(), env_cd(), in_out()].

%% Everything a port sends until it closes (or `eof`), stream data joined.
collect(P) -> collect(P, []).
collect(P, Acc) ->
    receive
        {P, {data, D}} when is_list(D); is_binary(D) -> collect(P, join(D, Acc));
        {P, {data, L}} -> collect(P, [{data, L} | Acc]);
        {P, eof} -> lists:reverse([eof | Acc]);
        {P, {exit_status, N}} -> collect(P, [{exit_status, N} | Acc]);
        {'EXIT', P, R} -> lists:reverse([{'EXIT', R} | Acc])
    after 10000 -> lists:reverse([timeout | Acc])
    end.

join(D, [{stream, Prev} | Acc]) when is_binary(D) -> [{stream, <<Prev/binary, D/binary>>} | Acc];
join(D, [{stream, Prev} | Acc]) -> [{stream, Prev ++ D} | Acc];
join(D, Acc) -> [{stream, D} | Acc].

echo() ->
    P = open_port({spawn, "echo hello world"}, []),
    A = collect(P),
    P2 = open_port({spawn, "printf 'x\\ny'"}, [binary]),
    B = collect(P2),
    {A, B, is_port(P), erlang:port_info(P)}.

exit_codes() ->
    [collect(open_port({spawn, C}, [exit_status])) ||
        C <- ["sh -c 'exit 3'", "true", "printf abc; exit 7", "sh -c 'kill -9 $$'",
              "no_such_command_hopefully"]].

lines() ->
    Text = "printf 'ab\\ncd\\n\\nlong line here\\ntail'",
    [collect(open_port({spawn, Text}, O)) ||
        O <- [[{line, 1}], [{line, 4}, exit_status], [{line, 100}, binary],
              [{line, 3}, eof], [{line, 2}, exit_status, eof]]].

packets() ->
    [begin
         P = open_port({spawn, "cat"}, [{packet, N}, binary]),
         Msgs = [<<>>, <<"a">>, binary:copy(<<"xyz">>, 85), list_to_binary(lists:seq(1, 255))],
         [true = port_command(P, M) || M <- Msgs],
         port_command(P, ["io", [$l, <<"ist">>] | <<"!">>]),
         Got = [receive {P, {data, D}} -> D after 5000 -> timeout end || _ <- lists:seq(1, 5)],
         true = port_close(P),
         receive {'EXIT', P, normal} -> ok after 5000 -> ok end,
         {N, Got =:= Msgs ++ [<<"iolist!">>], lists:last(Got)}
     end || N <- [1, 2, 4]] ++
    %% A program writing packets itself (4-byte big-endian lengths).
    [collect(open_port({spawn, "printf '\\000\\000\\000\\003abc\\000\\000\\000\\000\\000\\000\\000\\001z'"},
                       [{packet, 4}, exit_status])),
     too_long()].

%% Too long for a 1-byte header: a list is refused, a binary is taken and fails the port.
too_long() ->
    P = open_port({spawn, "cat"}, [{packet, 1}]),
    A = reason(catch port_command(P, lists:seq(1, 256))),
    B = erlang:port_info(P, connected) =:= {connected, self()},
    C = port_command(P, list_to_binary(lists:seq(0, 255))),
    D = receive {'EXIT', P, R} -> R after 5000 -> timeout end,
    {A, B, C, D, erlang:port_info(P)}.

eof_option() ->
    P = open_port({spawn, "printf 'one\\ntwo'"}, [eof, {line, 10}]),
    A = collect(P),
    Open = erlang:port_info(P, connected),
    true = port_close(P),
    After = receive M -> M after 100 -> none end,
    P2 = open_port({spawn, "echo x"}, [eof, exit_status]),
    B = collect(P2),
    port_close(P2),
    flush(),
    {A, Open =:= {connected, self()}, normalize(P, After), B}.

head() ->
    P = open_port({spawn, "head -c 5"}, [exit_status]),
    port_command(P, "abcdefghij"),
    collect(P).

close_msgs() ->
    P = open_port({spawn, "cat"}, []),
    P ! {self(), close},
    A = [receive M -> M after 5000 -> timeout end || _ <- [1, 2]],
    P2 = open_port({spawn, "cat"}, []),
    B = port_close(P2),
    C = receive M2 -> M2 after 5000 -> timeout end,
    D = (catch port_close(P2)),
    P ! {self(), close},            % to a closed port: nothing happens
    E = receive M3 -> M3 after 100 -> none end,
    F = (catch port_command(P2, "x")),
    {[normalize(P, X) || X <- A], B, normalize(P2, C), reason(D), E, reason(F)}.

normalize(P, {P, X}) -> {port, X};
normalize(P, {'EXIT', P, R}) -> {'EXIT', port, R};
normalize(_, X) -> X.

reason({'EXIT', {R, _}}) -> R;
reason(X) -> X.

connect() ->
    Me = self(),
    P = open_port({spawn, "cat"}, [binary]),
    Other = spawn(fun() ->
                          receive {P, {data, D}} -> Me ! {got, D} end,
                          receive done -> ok end
                  end),
    P ! {self(), {connect, Other}},
    A = receive {P, connected} -> connected after 5000 -> timeout end,
    Owner = erlang:port_info(P, connected) =:= {connected, Other},
    Links = erlang:port_info(P, links) =:= {links, [self()]},
    P ! {Other, {command, <<"via other">>}},
    B = receive {got, D} -> D after 5000 -> timeout end,
    true = erlang:port_connect(P, self()),
    Links2 = erlang:port_info(P, links) =:= {links, [self(), Other]},
    port_command(P, <<"back">>),
    C = receive {P, {data, D2}} -> D2 after 5000 -> timeout end,
    Other ! done,
    port_close(P),
    flush(),
    {A, Owner, Links, B, Links2, C}.

badsig() ->
    P = open_port({spawn, "cat"}, []),
    P ! hello,
    A = receive {'EXIT', P, R} -> R after 5000 -> timeout end,
    Open = erlang:port_info(P, name),
    P ! {self(), {command, foo}},
    B = receive {'EXIT', P, R2} -> R2 after 5000 -> timeout end,
    P ! {spawn(fun() -> ok end), close},
    C = receive {'EXIT', P, R3} -> R3 after 5000 -> timeout end,
    port_close(P),
    flush(),
    {A, Open, B, C}.

info() ->
    P = open_port({spawn, "cat"}, []),
    Items = [erlang:port_info(P, I) || I <- [name, connected, links, input, output]],
    {id, Id} = erlang:port_info(P, id),
    {os_pid, OsPid} = erlang:port_info(P, os_pid),
    All = [K || {K, _} <- erlang:port_info(P)],
    port_command(P, "12345"),
    D = receive {P, {data, X}} -> X after 5000 -> timeout end,
    IO = [erlang:port_info(P, I) || I <- [input, output]],
    Listed = lists:member(P, erlang:ports()),
    Bad = reason(catch erlang:port_info(P, bogus)),
    Ctl = reason(catch erlang:port_control(P, 1, "")),
    Cmd3 = [reason(catch erlang:port_command(P, "x", O)) || O <- [[], [nosuspend], [force], [bogus], bogus]],
    port_close(P),
    flush(),
    {Items -- [{connected, self()}, {links, [self()]}], is_integer(Id), is_integer(OsPid), All, D, IO,
     Listed, lists:member(P, erlang:ports()), Bad, Ctl, Cmd3,
     erlang:port_info(P), erlang:port_info(P, name), erlang:port_info(P, bogus),
     reason(catch erlang:port_info(self())), reason(catch erlang:port_connect(P, self()))}.

bad_args() ->
    Cases = [{{spawn, ""}, []}, {{spawn, "cat"}, foo}, {{spawn, "cat"}, [foo]},
             {{spawn, "cat"}, [{packet, 3}]}, {{spawn, "cat"}, [{line, 0}]},
             {{spawn, "cat"}, [{env, [{"A", 1}]}]}, {{spawn, "cat"}, [{env, foo}]},
             {{spawn, "cat"}, [{packet, 2}, {line, 5}]}, {{spawn, "cat"}, [{arg0, "x"}]},
             {{spawn, "cat"}, [{args, ["x"]}]}, {{foo, "x"}, []}, {{spawn, "cat"}, [{cd, 1}]},
             {{spawn_driver, "cat"}, []}, {{fd, -1, 1}, []}, {{fd, a, 1}, []},
             {{spawn_executable, "/nonexistent/program"}, []},
             {{spawn_executable, "/etc/passwd"}, []},
             {{spawn_executable, "/bin/echo"}, [{args, [1]}]}, {{spawn, [1000000000]}, []}],
    [reason(catch open_port(N, O)) || {N, O} <- Cases].

spawn_exec() ->
    P = open_port({spawn_executable, "/bin/sh"},
                  [{args, ["-c", "echo $0 $1 $2", "x1", 'x2']}, {arg0, "zero"}, exit_status]),
    A = collect(P),
    P2 = open_port({spawn_executable, <<"/bin/echo">>}, [{args, [<<"bin">>, "list", atom]}]),
    B = collect(P2),
    {A, B}.

env_cd() ->
    P = open_port({spawn, "echo $PORTS_T1 ${PORTS_T2:-unset} ${HOME:+home}; pwd; echo err >&2"},
                  [{env, [{"PORTS_T1", "one"}, {"PORTS_T2", false}, {"HOME", false}]},
                   {cd, "/"}, stderr_to_stdout, exit_status, hide, use_stdio, stream]),
    collect(P).

in_out() ->
    A = collect(open_port({spawn, "echo only in"}, [in])),
    %% Data for a port without output: taken, and the port fails with ebadf.
    P = open_port({spawn, "sleep 1"}, [in]),
    B = reason(catch port_command(P, "x")),
    C = receive {'EXIT', P, R} -> R after 5000 -> timeout end,
    P2 = open_port({spawn, "cat >/dev/null"}, [out, exit_status]),
    D = port_command(P2, "abc"),
    true = port_close(P2),
    E = receive M -> M after 200 -> none end,
    {A, B, C, D, normalize(P2, E)}.

flush() ->
    receive _ -> flush() after 0 -> ok end.
