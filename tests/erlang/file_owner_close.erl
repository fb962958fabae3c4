-module(file_owner_close).
-export([main/0]).
%% A file opened by a process is closed when the process ends, however it ends (its io
%% server monitors it and ends too; the file descriptor is released with it, as erl's
%% prim_file does): the VM's count of open descriptors (/proc/self/fd) is back where it
%% was (descriptors on this test's files in /proc/self/fd).
main() ->
    %% Unique per run: the test suite runs several VMs in one OS process at once.
    Dir = "/tmp/beamjit-owner-" ++ os:getpid() ++ "-" ++ integer_to_list(erlang:system_time(nanosecond))
        ++ "-" ++ integer_to_list(rand:uniform(1 bsl 30)),
    ok = filelib:ensure_dir(Dir ++ "/"),
    Before = fds(Dir),
    Me = self(),
    Ends = [normal, crash, kill, throw],
    Procs = [begin
                 Name = Dir ++ "/f" ++ integer_to_list(I),
                 {P, R} = spawn_monitor(fun() ->
                     {ok, Fd} = file:open(Name, [write]),
                     ok = file:write(Fd, integer_to_list(I)),
                     Me ! {self(), Fd},
                     receive How -> finish(How) end
                 end),
                 Fd = receive {P, F} -> F end,
                 {P, R, Fd, lists:nth(1 + I rem length(Ends), Ends)}
             end || I <- lists:seq(1, 12)],
    Open = fds(Dir) - Before,
    Ways = [begin
                case How of kill -> exit(P, kill); _ -> P ! How end,
                Why = receive {'DOWN', R, process, P, W} -> W after 5000 -> no_down end,
                Mr = monitor(process, Fd),
                receive {'DOWN', Mr, process, Fd, _} -> ok after 5000 -> io_server_alive end,
                {How, reason(Why)}
            end || {P, R, Fd, How} <- Procs],
    receive after 50 -> ok end,
    After = fds(Dir) - Before,
    Contents = [file:read_file(Dir ++ "/f" ++ integer_to_list(I)) || I <- lists:seq(1, 12)],
    Deleted = [file:delete(Dir ++ "/f" ++ integer_to_list(I)) || I <- lists:seq(1, 12)],
    ok = file:del_dir(Dir),
    [Open, Ways, After, Contents, Deleted].

finish(normal) -> ok;
finish(crash) -> error(boom);
finish(throw) -> throw(ball).

reason({R, _Stack}) when R =:= boom -> R;
reason({{nocatch, V}, _Stack}) -> {nocatch, V};
reason(R) -> R.

%% Descriptors of this VM open on the test's files (other threads of a test harness
%% open and close files of their own meanwhile).
fds(Dir) ->
    {ok, L} = file:list_dir("/proc/self/fd"),
    length([N || N <- L, case file:read_link("/proc/self/fd/" ++ N) of
                             {ok, T} -> lists:prefix(Dir ++ "/", T);
                             _ -> false
                         end]).
