-module(hosted_ports_exec_dir).
-export([main/0]).
%% `{spawn_executable, Dir}`: the directory passes the executable check and the exec
%% itself fails; erl reports the child's errno as its exit status (EACCES: 13).
%% Hosted only: under qemu-arm (the native half of the suite) the emulator's own execve
%% fails a directory with another errno than the kernel's, so the status differs there
%% without the product being wrong on a real ARM kernel.
main() ->
    process_flag(trap_exit, true),
    P = open_port({spawn_executable, "/tmp"}, [exit_status]),
    collect(P, []).

collect(P, Acc) ->
    receive
        {P, {exit_status, N}} -> collect(P, [{exit_status, N} | Acc]);
        {P, {data, D}} -> collect(P, [{data, D} | Acc]);
        {'EXIT', P, R} -> lists:reverse([{'EXIT', R} | Acc])
    after 10000 -> lists:reverse([timeout | Acc])
    end.
