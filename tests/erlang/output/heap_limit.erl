%% max_heap_size (issue 12): a process past its limit is killed (reason `killed`, also
%% when it traps exits), others and the VM go on. (Its error report has times and sizes in
%% it: `error_logger => false` keeps it out of this comparison.)
-module(heap_limit).
-export([main/0, grow/1]).

grow(L) -> grow([x | L]).

main() ->
    Opt = {max_heap_size, #{size => 200000, error_logger => false}},
    {P, M} = spawn_opt(?MODULE, grow, [[]], [monitor, Opt]),
    receive {'DOWN', M, process, P, R} -> io:format("DOWN ~p~n", [R]) end,
    {P2, M2} = spawn_opt(fun() -> process_flag(trap_exit, true), grow([]) end, [monitor, Opt]),
    receive {'DOWN', M2, process, P2, R2} -> io:format("DOWN ~p~n", [R2]) end,
    % A process within its limit is not touched.
    {P3, M3} = spawn_opt(fun() -> exit(length(lists:seq(1, 10000))) end, [monitor, Opt]),
    receive {'DOWN', M3, process, P3, R3} -> io:format("DOWN ~p~n", [R3]) end,
    ok.
