-module(after_self_send).
-export([main/0]).
%% A `receive ... after T` that finds only messages it does not want, one of them sent by
%% the process itself in the same time slice: the process must still wait T (it raised
%% error:timeout_value, its wait reading a dead register, when a message was already
%% queued before the self-send).
main() ->
    self() ! a,
    timer:sleep(10),
    self() ! b,
    T0 = erlang:monotonic_time(millisecond),
    timer:sleep(50),
    self() ! c,
    R = receive x -> x after 30 -> timeout end,
    T1 = erlang:monotonic_time(millisecond),
    Msgs = element(2, process_info(self(), messages)),
    [receive _ -> ok end || _ <- Msgs],
    {R, T1 - T0 >= 80, Msgs}.
