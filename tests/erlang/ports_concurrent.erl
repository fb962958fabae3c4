-module(ports_concurrent).
-export([main/0]).
%% Ports while other processes run: 1 MB through `cat` checked by its MD5, two ports at
%% once with processes computing meanwhile, a receive woken by port data only (no timer
%% running), and a process waiting in `receive ... after` while a port's output comes.
main() ->
    Me = self(),
    P = spawn(fun() -> Me ! {self(), body()} end),
    receive {P, R} -> R after 60000 -> timeout end.

body() ->
    process_flag(trap_exit, true),
    [big(), two_ports(), wake_on_data(), after_and_data()].

%% 1 MB of pseudo-random bytes in 16 commands of 64 kB; what comes back is compared by
%% size and MD5 (and by crypto's SHA-256 of the same).
big() ->
    Chunks = [chunk(I) || I <- lists:seq(1, 16)],
    Data = iolist_to_binary(Chunks),
    P = open_port({spawn, "cat"}, [binary, stream]),
    [true = port_command(P, C) || C <- Chunks],
    Back = take(P, byte_size(Data), []),
    true = port_close(P),
    {byte_size(Back), erlang:md5(Back) =:= erlang:md5(Data),
     crypto:hash(sha256, Back) =:= crypto:hash(sha256, Data), binary:part(Back, 1000, 8)}.

chunk(I) ->
    list_to_binary([(X * X + I * 7 + X div 251) band 255 || X <- lists:seq(1, 65536)]).

take(_, 0, Acc) -> iolist_to_binary(lists:reverse(Acc));
take(P, Left, Acc) ->
    receive
        {P, {data, D}} -> take(P, Left - byte_size(D), [D | Acc])
    after 20000 -> timeout
    end.

%% Two slow programs at once; three processes compute and report how far they got while
%% the programs ran (erl runs them meanwhile, and so must this VM).
two_ports() ->
    Me = self(),
    Workers = [spawn(fun() -> count(Me, 0) end) || _ <- [1, 2, 3]],
    %% (`spawn` runs `exec Cmd`: a command list needs a shell of its own.)
    A = open_port({spawn, "sh -c 'sleep 0.3; echo first'"}, [{line, 80}, exit_status]),
    B = open_port({spawn, "sh -c 'sleep 0.2; printf \"second\\n\"; sleep 0.2; echo third; exit 4'"},
                  [{line, 80}, exit_status]),
    RA = port_msgs(A),
    RB = port_msgs(B),
    [W ! {stop, self()} || W <- Workers],
    Counts = [receive {W, N} -> N after 5000 -> 0 end || W <- Workers],
    {RA, RB, [N > 10 || N <- Counts]}.

count(Me, N) ->
    receive {stop, Me} -> Me ! {self(), N}
    after 0 -> _ = fib(12), count(Me, N + 1)
    end.

fib(N) when N < 2 -> N;
fib(N) -> fib(N - 1) + fib(N - 2).

port_msgs(P) ->
    receive
        {P, {data, {eol, L}}} -> [L | port_msgs(P)];
        {P, {exit_status, S}} -> [{exit, S} | port_msgs(P)];
        {'EXIT', P, R} -> [{'EXIT', R}]
    after 10000 -> [timeout]
    end.

%% A receive with no timeout: only the port's data can wake the process.
wake_on_data() ->
    P = open_port({spawn, "sh -c 'sleep 0.1; echo woken'"}, []),
    D = receive {P, {data, X}} -> X end,
    receive {'EXIT', P, normal} -> ok end,
    D.

%% A process in `receive ... after` gets port data before its timer, and times out
%% after it when nothing more comes.
after_and_data() ->
    P = open_port({spawn, "sh -c 'sleep 0.05; echo soon; sleep 0.5'"}, [{line, 10}]),
    A = receive {P, {data, D}} -> D after 3000 -> late end,
    B = receive {P, _} -> more after 100 -> quiet end,
    port_close(P),
    receive {'EXIT', P, _} -> ok after 1000 -> ok end,
    {A, B}.
