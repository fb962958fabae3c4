-module(recv_markers).
-export([main/0]).
%% Receive markers (OTP 24+'s recv_marker_reserve/bind/use/clear): a receive for a fresh
%% reference starts past the messages queued before the reference was made. The answers
%% must not depend on it: messages that arrive between the marker and the receive, replies
%% already queued when the receive starts, more markers than a process keeps at once
%% (nested calls), a marker cleared by a timeout, and junk both before and after.
main() ->
    Server = spawn(fun server/0),
    %% 2,000 unrelated messages ahead of every call's reply.
    [self() ! {junk, N} || N <- lists:seq(1, 2000)],
    Sum = lists:sum([call(Server, {double, N}) || N <- lists:seq(1, 300)]),
    %% A reply that is already queued when the receive starts.
    Early = call_early(Server, 21),
    %% Twelve calls in flight at once: more markers than the runtime keeps.
    Nested = nested(Server, 12),
    %% A monitor reference as the marker's reference, with DOWN and a timeout.
    Dead = spawn(fun() -> ok end),
    Down = call_monitor(Dead, hello),
    Slow = spawn(fun() -> receive _ -> timer:sleep(200) end end),
    Timeout = call_monitor(Slow, hello),
    %% Messages that arrived after a reference was made are still found.
    Ref = make_ref(),
    self() ! {Ref, late},
    Late = receive {Ref, X} -> X after 100 -> missing end,
    Junk = drain(0),
    Server ! stop,
    {Sum, Early, Nested, Down, Timeout, Late, Junk}.

server() ->
    receive
        {From, Ref, {double, N}} -> From ! {Ref, 2 * N}, server();
        {From, Ref, {pause, Ms, N}} -> timer:sleep(Ms), From ! {Ref, N}, server();
        stop -> ok
    end.

call(Pid, Req) ->
    Ref = make_ref(),
    Pid ! {self(), Ref, Req},
    receive {Ref, Reply} -> Reply end.

call_early(Pid, N) ->
    Ref = make_ref(),
    Pid ! {self(), Ref, {double, N}},
    timer:sleep(20),
    self() ! {junk, after_reply},
    receive {Ref, Reply} -> Reply end.

nested(_, 0) -> [];
nested(Pid, K) ->
    Ref = make_ref(),
    Pid ! {self(), Ref, {pause, 1, K}},
    self() ! {junk, {nested, K}},
    Inner = nested(Pid, K - 1),
    receive {Ref, Reply} -> [Reply | Inner] end.

call_monitor(Pid, Req) ->
    Ref = erlang:monitor(process, Pid),
    Pid ! {self(), Ref, Req},
    receive
        {Ref, Reply} -> erlang:demonitor(Ref, [flush]), Reply;
        {'DOWN', Ref, _, _, R} -> {down, R}
    after 50 -> erlang:demonitor(Ref, [flush]), timeout
    end.

drain(N) ->
    receive {junk, _} -> drain(N + 1) after 0 -> N end.
