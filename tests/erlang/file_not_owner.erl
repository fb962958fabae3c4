-module(file_not_owner).
-export([main/0]).
%% A raw file used by a process other than the one that opened it: every operation
%% raises error:not_on_controlling_process in erl (prim_file checks the owner before
%% the file), close included, and the file stays open and usable by its owner. Also
%% after the owner closed it (the check comes first) and through file:open/2's io
%% server (its own process owns the raw file, so other processes may use that one).
main() ->
    Dir = filename:join("/tmp", "file_not_owner_" ++ os:getpid() ++ "_" ++
                            integer_to_list(erlang:unique_integer([positive]))),
    ok = file:make_dir(Dir),
    Fn = filename:join(Dir, "data.txt"),
    ok = file:write_file(Fn, <<"hello world\nline2\n">>),
    {ok, Fd} = file:open(Fn, [raw, read, write, binary]),
    Ops = [fun() -> file:read(Fd, 3) end,
           fun() -> file:write(Fd, <<"x">>) end,
           fun() -> file:position(Fd, 0) end,
           fun() -> file:pread(Fd, 0, 3) end,
           fun() -> file:pwrite(Fd, 0, <<"a">>) end,
           fun() -> file:read_line(Fd) end,
           fun() -> file:truncate(Fd) end,
           fun() -> file:sync(Fd) end,
           fun() -> file:datasync(Fd) end,
           fun() -> file:advise(Fd, 0, 0, normal) end,
           fun() -> prim_file:read(Fd, 3) end,
           fun() -> file:close(Fd) end],
    Other = in_other(Ops),
    Mine = [file:read(Fd, 5), file:position(Fd, cur), file:pread(Fd, 6, 5)],
    ok = file:close(Fd),
    AfterClose = in_other([fun() -> file:read(Fd, 1) end, fun() -> file:close(Fd) end]),
    Closed = [file:read(Fd, 1), file:close(Fd)],
    {ok, Io} = file:open(Fn, [read, binary]),
    ViaServer = in_other([fun() -> file:read(Io, 5) end]),
    ok = file:close(Io),
    ok = file:delete(Fn),
    ok = file:del_dir(Dir),
    [Other, Mine, AfterClose, Closed, ViaServer].

in_other(Ops) ->
    Self = self(),
    Pid = spawn(fun() -> Self ! {self(), [try_(F) || F <- Ops]} end),
    receive {Pid, R} -> R end.

try_(F) ->
    try F() catch C:R -> {C, R} end.
