%% Message timers (erlang:send_after/3, start_timer/3, cancel_timer/1, read_timer/1):
%% the messages erl sends, in deadline order, and what cancel/read answer.
-module(timers).
-export([main/0]).

main() ->
    Self = self(),
    T1 = erlang:send_after(30, Self, late),
    T2 = erlang:start_timer(10, Self, early),
    T3 = erlang:send_after(5000, Self, never),
    Left = erlang:read_timer(T3),
    io:format("~p~n", [is_integer(Left) andalso Left > 4000 andalso Left =< 5000]),
    C = erlang:cancel_timer(T3),
    io:format("~p ~p~n", [is_integer(C), erlang:cancel_timer(T3)]),
    io:format("~p~n", [erlang:read_timer(T3)]),
    receive {timeout, T2, early} -> io:format("timeout early~n") end,
    receive late -> io:format("late~n") end,
    io:format("~p~n", [erlang:cancel_timer(T1)]),
    Dead = spawn(fun() -> ok end),
    erlang:send_after(1, Dead, x),
    receive after 20 -> ok end,
    {'EXIT', {Bad, _}} = (catch erlang:send_after(-1, Self, x)),
    io:format("~p~n", [Bad]),
    receive M -> io:format("unexpected ~p~n", [M]) after 10 -> io:format("done~n") end,
    timer:sleep(5),
    ok.
