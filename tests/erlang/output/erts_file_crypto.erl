%% file (through OTP's file_server and file_io_server on prim_file), crypto's common
%% functions, and erlang BIFs around identifiers, funs, memory and process flags.
-module(erts_file_crypto).
-export([main/0, id/1]).

id(X) -> X.

%% The class and reason of an exception (erl's stack traces name erl_eval and line
%% numbers this VM does not give yet).
c(F) -> try F() catch C:R -> {C, R} end.

main() ->
    files(),
    crypto_part(),
    bifs(),
    ok.

files() ->
    %% Unique to the run: the suite runs several VMs in one OS process at once.
    Dir = "/tmp/beamjit-erts-file-test-" ++ os:getpid() ++ "-" ++
        binary_to_list(binary:encode_hex(crypto:strong_rand_bytes(6))),
    _ = file:del_dir_r(Dir),
    ok = file:make_dir(Dir),
    io:format("make_dir again ~p~n", [file:make_dir(Dir)]),
    F = filename:join(Dir, "a.txt"),
    ok = file:write_file(F, ["hello ", <<"world">>, $\n, "{x, [1,2]}.\n"]),
    io:format("~p~n", [file:read_file(F)]),
    io:format("missing ~p~n", [file:read_file(filename:join(Dir, "nope"))]),
    io:format("dir as file ~p~n", [file:read_file(Dir)]),
    {ok, Info} = file:read_file_info(F),
    io:format("info ~p ~p ~p~n", [element(2, Info), element(3, Info), element(4, Info)]),
    {ok, D} = file:read_file_info(Dir),
    io:format("dir type ~p~n", [element(3, D)]),
    ok = file:write_file(filename:join(Dir, "t.conf"), "{a, 1}.\n{b, \"two\", [3]}.\n"),
    io:format("consult ~p~n", [file:consult(filename:join(Dir, "t.conf"))]),
    io:format("list_dir ~p~n", [lists:sort(element(2, file:list_dir(Dir)))]),
    {ok, Fd} = file:open(F, [read, binary]),
    io:format("read ~p~n", [file:read(Fd, 5)]),
    io:format("read_line ~p~n", [file:read_line(Fd)]),
    io:format("position ~p~n", [file:position(Fd, {cur, 0})]),
    io:format("pread ~p~n", [file:pread(Fd, 0, 5)]),
    io:format("rest ~p~n", [file:read(Fd, 100)]),
    io:format("eof ~p~n", [file:read(Fd, 1)]),
    ok = file:close(Fd),
    {ok, W} = file:open(filename:join(Dir, "w.txt"), [write]),
    ok = file:write(W, "line 1\n"),
    ok = file:close(W),
    {ok, R} = file:open(filename:join(Dir, "w.txt"), [read, raw, binary]),
    io:format("raw ~p~n", [file:read_line(R)]),
    ok = file:close(R),
    io:format("rename ~p~n", [file:rename(F, filename:join(Dir, "b.txt"))]),
    io:format("old gone ~p~n", [file:read_file_info(F)]),
    io:format("del_dir nonempty ~p~n", [file:del_dir(Dir)]),
    [ok = file:delete(filename:join(Dir, N)) || N <- element(2, file:list_dir(Dir))],
    io:format("delete missing ~p~n", [file:delete(F)]),
    io:format("del_dir ~p~n", [file:del_dir(Dir)]),
    io:format("cwd ~p~n", [element(1, file:get_cwd())]),
    io:format("open missing ~p~n", [file:open(filename:join(Dir, "x"), [read])]).

crypto_part() ->
    Hex = fun(B) -> binary:encode_hex(B) end,
    [io:format("~p ~s~n", [T, Hex(crypto:hash(T, "The quick brown fox"))])
     || T <- [md5, sha, sha224, sha256, sha384, sha512]],
    S0 = crypto:hash_init(sha256),
    S1 = crypto:hash_update(S0, <<"The quick ">>),
    S2 = crypto:hash_update(S1, "brown fox"),
    io:format("incremental ~p~n", [crypto:hash_final(S2) =:= crypto:hash(sha256, "The quick brown fox")]),
    io:format("state reused ~p~n", [crypto:hash_final(S1) =:= crypto:hash(sha256, "The quick ")]),
    [io:format("hmac ~p ~s~n", [T, Hex(crypto:mac(hmac, T, <<"key">>, <<"message">>))])
     || T <- [md5, sha, sha256, sha512]],
    io:format("macN ~s~n", [Hex(crypto:macN(hmac, sha256, "key", "message", 8))]),
    M0 = crypto:mac_init(hmac, sha, <<"key">>),
    M1 = crypto:mac_update(M0, <<"mess">>),
    M2 = crypto:mac_update(M1, <<"age">>),
    io:format("mac stream ~p~n", [crypto:mac_final(M2) =:= crypto:mac(hmac, sha, "key", "message")]),
    io:format("exor ~p~n", [crypto:exor(<<1,2,3>>, [<<255>>, 0, 7])]),
    io:format("exor bad ~p~n", [catch element(1, element(2, catch crypto:exor(<<1>>, <<1,2>>)))]),
    io:format("rand ~p ~p~n", [byte_size(crypto:strong_rand_bytes(17)), crypto:strong_rand_bytes(0)]),
    io:format("equals ~p ~p~n", [crypto:hash_equals(<<1,2>>, <<1,2>>), crypto:hash_equals(<<1,2>>, <<1,3>>)]),
    io:format("bytes_to_integer ~p~n", [crypto:bytes_to_integer(<<1, 0, 0, 0, 0, 0, 0, 0, 1>>)]),
    io:format("pbkdf2 ~s~n", [Hex(crypto:pbkdf2_hmac(sha256, <<"password">>, <<"salt">>, 2, 20))]),
    {'EXIT', {E1, _}} = (catch crypto:hash(foo, <<>>)),
    io:format("bad type ~p~n", [E1]),
    {'EXIT', {E2, _}} = (catch crypto:mac(hmac, foo, <<>>, <<>>)),
    io:format("bad mac ~p~n", [E2]).

bifs() ->
    P = list_to_pid("<0.5.0>"),
    io:format("~p ~p~n", [P, pid_to_list(P)]),
    io:format("~p~n", [c(fun() -> list_to_pid(id("<0.5>")) end)]),
    R = list_to_ref("#Ref<0.1.2.3>"),
    io:format("~p ~p~n", [R, ref_to_list(R) =:= "#Ref<0.1.2.3>"]),
    io:format("~p~n", [c(fun() -> list_to_ref("#Ref<0.1.2>") end)]),
    io:format("~p ~p~n", [list_to_port("#Port<0.7>"), port_to_list(list_to_port("#Port<0.7>"))]),
    %% (fun lists:map/2's module and name wait for the fun printer; not checked here)
    io:format("~p~n", [erlang:fun_info(fun lists:map/2, type)]),
    X = 5,
    F = fun(Y) -> X + Y end,
    io:format("~p ~p ~p~n", [erlang:fun_info(F, arity), erlang:fun_info(F, env), erlang:fun_info(F, type)]),
    io:format("~p~n", [c(fun() -> erlang:fun_info(F, foo) end)]),
    io:format("~p ~p~n", [erlang:garbage_collect(self()), erlang:garbage_collect(self(), [{type, minor}])]),
    Ref = make_ref(),
    async = erlang:garbage_collect(self(), [{async, Ref}]),
    receive {garbage_collect, Ref, GR} -> io:format("async gc ~p~n", [GR]) end,
    io:format("~p~n", [c(fun() -> erlang:garbage_collect(self(), [bad]) end)]),
    Mem = erlang:memory(),
    io:format("memory keys ~p~n", [[K || {K, _} <- Mem]]),
    io:format("~p~n", [[K || {K, V} <- erlang:memory([atom, ets]), is_integer(V)]]),
    io:format("~p~n", [c(fun() -> erlang:memory(foo) end)]),
    io:format("~p ~p~n", [process_flag(priority, high), process_flag(priority, normal)]),
    io:format("~p ~p~n", [process_flag(min_heap_size, 1000), process_flag(min_heap_size, 10)]),
    io:format("~p ~p~n", [process_flag(sensitive, true), process_flag(sensitive, false)]),
    io:format("~p ~p~n", [process_flag(message_queue_data, off_heap), process_flag(message_queue_data, on_heap)]),
    io:format("~p~n", [[c(fun() -> process_flag(K, V) end) || {K, V} <- [{priority, bogus}, {save_calls, 10001}, {sensitive, 1}, {foo, 1}]]]),
    T = ets:new(t, []),
    io:format("update_counter/4 ~p ~p~n", [ets:update_counter(T, k, 5, {k, 10}), ets:lookup(T, k)]),
    A = atomics:new(1, []),
    io:format("compare_exchange ~p ~p ~p~n",
              [atomics:compare_exchange(A, 1, 0, 7), atomics:compare_exchange(A, 1, 0, 9), atomics:get(A, 1)]).
