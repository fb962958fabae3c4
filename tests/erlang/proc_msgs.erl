-module(proc_msgs).
-export([main/0]).
%% Processes and messages: spawn, send, receive with pattern and after, self().
main() ->
    Me = self(),
    Pids = [spawn(fun() -> Me ! {self(), N * N} end) || N <- lists:seq(1, 10)],
    Results = [receive {P, V} -> V end || P <- Pids],
    Timeout = receive never -> got after 10 -> timeout end,
    {Results, Timeout}.
