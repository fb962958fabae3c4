-module(file_io_device).
-export([main/0]).
%% io:format/io:fwrite/io:put_chars/io:nl/io:write to a file opened with file:open/2 write
%% that file (the device is the file's io server), interleaved with file:write on the
%% same and on another file, in write and append modes; read back as erl writes them.
main() ->
    %% Unique per run: the test suite runs several VMs in one OS process at once.
    Dir = "/tmp/beamjit-file-io-" ++ os:getpid() ++ "-" ++ integer_to_list(erlang:system_time(nanosecond))
        ++ "-" ++ integer_to_list(rand:uniform(1 bsl 30)),
    ok = filelib:ensure_dir(Dir ++ "/"),
    A = Dir ++ "/a.txt", B = Dir ++ "/b.txt",
    {ok, Fa} = file:open(A, [write]),
    {ok, Fb} = file:open(B, [write]),
    R1 = [io:format(Fa, "line ~p ~s~n", [N, lists:duplicate(N, $x)])
          || N <- lists:seq(1, 5)],
    R2 = [io:put_chars(Fb, ["chars ", integer_to_list(7), $\n]),
          file:write(Fa, <<"raw\n">>),
          io:fwrite(Fb, "~w ~p~n", [{a, [1, 2]}, #{k => v}]),
          io:nl(Fa),
          io:write(Fb, {term, 1.5}),
          io:put_chars(Fa, <<"bin chars\n">>),
          file:write(Fb, ["\n", "iolist", [$\n]])],
    ok = file:close(Fa),
    ok = file:close(Fb),
    {ok, Fc} = file:open(A, [append]),
    R3 = [io:format(Fc, "appended ~b~n", [255]), file:close(Fc)],
    {ok, DataA} = file:read_file(A),
    {ok, DataB} = file:read_file(B),
    ok = file:delete(A),
    ok = file:delete(B),
    ok = file:del_dir(Dir),
    [R1, R2, R3, DataA, DataB].
