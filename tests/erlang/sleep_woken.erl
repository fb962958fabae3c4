-module(sleep_woken).
-export([main/0]).
%% A `receive ... after` woken by messages that do not match, while its timer runs:
%% timer:sleep/1 waits on x0, which nothing keeps across the wait (a supervisor reaching
%% its restart limit sent EXIT to a sleeping parent and the parent died of timeout_value).
main() ->
    process_flag(trap_exit, true),
    Me = self(),
    Pids = [spawn_link(fun() -> Me ! {noise, N}, exit({done, N}) end) || N <- lists:seq(1, 5)],
    ok = timer:sleep(30),
    T = {tick, make_ref()},
    spawn(fun() -> [Me ! {other, K} || K <- lists:seq(1, 3)], Me ! T end),
    Got = receive T -> tick after 1000 -> no_tick end,
    Exits = lists:sort([receive {'EXIT', P, R} -> R after 1000 -> missing end || P <- Pids]),
    Noise = lists:sort([receive {noise, N} -> N after 1000 -> missing end || _ <- Pids]),
    Others = [receive {other, K} -> K after 1000 -> missing end || K <- lists:seq(1, 3)],
    Late = receive never -> got after 20 -> timeout end,
    {Got, Exits, Noise, Others, Late}.
