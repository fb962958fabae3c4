%% system_info/1 items that agree with erl (OTP 25) by design, process_info/1,2 items,
%% processes/0, and spawn_opt/2,4 with link and monitor.
-module(proc_info).
-export([main/0, idle/0]).

idle() -> receive stop -> ok end.

main() ->
    P = fun(X) -> io:format("~p~n", [X]) end,
    P([erlang:system_info(I) || I <- [otp_release, version, process_limit, atom_limit,
                                       port_limit, ets_limit, machine]]),
    P(is_integer(erlang:system_info(process_count))),
    P({'EXIT', badarg} =:= element(1, catch erlang:system_info(no_such_item)) orelse
      badarg_ok),
    process_flag(trap_exit, true),
    register(me, self()),
    self() ! hello,
    P(process_info(self(), [registered_name, message_queue_len, trap_exit, status,
                            priority])),
    P(process_info(self(), messages)),
    Pid = spawn_opt(fun idle/0, [link]),
    P({process_info(Pid, links) =:= {links, [self()]}, process_info(Pid, trap_exit)}),
    P(lists:member(Pid, processes()) andalso lists:member(self(), processes())),
    P(process_info(Pid, registered_name)),
    {Pid2, Ref} = spawn_opt(?MODULE, idle, [], [monitor, {priority, normal}]),
    Pid2 ! stop,
    receive {'DOWN', Ref, process, Pid2, R} -> P({down, R}) end,
    P(process_info(Pid2, status)),
    P(process_info(Pid2)),
    {'EXIT', {Bad, _}} = (catch spawn_opt(fun idle/0, [bogus])),
    P(Bad),
    Pid ! stop,
    receive {'EXIT', Pid, R2} -> P({exit, R2}) end,
    receive hello -> ok end,
    ok.
