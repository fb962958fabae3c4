-module(process_current).
-export([main/0, loop/1, a/0, c/1, sleeper/0]).
%% process_info(P, current_function | current_location | current_stacktrace) of
%% processes waiting in receives in different functions (a server loop, a receive with
%% `after`, one three calls deep, one in a fun, one in timer:sleep/1), against erl.
%% The calling process's own: hosted_process_current_self.erl.
loop(N) -> receive {get, P} -> P ! N, loop(N + 1); stop -> ok end.
other_wait() -> receive x -> ok after 100000 -> timeout end.
a() -> X = b(), {X, ok}.
b() -> Y = receive stop -> ok end, [Y].
c(N) -> R = d(N), [R].
d(N) -> R = e(N), {R}.
e(N) -> receive stop -> N end.
sleeper() -> timer:sleep(100000).

main() ->
    P1 = spawn(?MODULE, loop, [0]),
    P2 = spawn(fun() -> other_wait() end),
    P3 = spawn(?MODULE, a, []),
    P4 = spawn(?MODULE, c, [1]),
    P5 = spawn(fun() -> receive stop -> ok end end),
    P6 = spawn(?MODULE, sleeper, []),
    Ps = [P1, P2, P3, P4, P5, P6],
    timer:sleep(20),
    P1 ! {get, self()},
    receive N -> N end,
    Items = [current_function, current_location, current_stacktrace],
    Others = [erlang:process_info(P, Items) || P <- Ps],
    One = [erlang:process_info(P, current_function) || P <- Ps],
    [exit(P, kill) || P <- Ps],
    [Others, One].
