-module(bench_runtime).
%% Workloads that spend their time in the runtime rather than in compiled code, for
%% scripts/bench-runtime (issue 14): message passing, lists:sort, large maps, binary append,
%% selective receive, messages to self, bignum products, big heaps. Each export returns a
%% small term that must be the same on every VM (the script checks it against erl).
-export([empty/0, ring/0, sort/0, maps1k/0, maps10k/0, bin100k/0, bin1m/0, selrecv/0,
         refcall/0, selfmail/0, bigmul/0, bigheap/0, ets100k/0]).
-export([relay/1]).

empty() -> ok.

%% A token passed 100 times round a ring of 1,000 processes.
ring() ->
    First = chain(999, self()),
    K = rounds(100, First, 0),
    First ! stop,
    receive stop -> K end.
chain(0, Next) -> Next;
chain(M, Next) -> chain(M - 1, spawn(?MODULE, relay, [Next])).
rounds(0, _, K) -> K;
rounds(R, First, K) ->
    First ! {token, K},
    receive {token, K1} -> rounds(R - 1, First, K1 + 1) end.
relay(Next) ->
    receive
        {token, K} -> Next ! {token, K + 1}, relay(Next);
        stop -> Next ! stop
    end.

%% lists:sort of 20,000 pseudo-random {Key, Index} tuples.
sort() ->
    S = lists:sort(tuples(20000, 4242, [])),
    {length(S), hd(S), weigh(S, 1, 0)}.
tuples(0, _, Acc) -> Acc;
tuples(N, Seed, Acc) ->
    Next = (Seed * 75 + 74) rem 65537,
    tuples(N - 1, Next, [{Next, N} | Acc]).
weigh([], _, C) -> C;
weigh([{_, I} | T], Pos, C) -> weigh(T, Pos + 1, (C + I * Pos) rem 999983).

%% A map of N integer keys built with maps:put, folded, and looked up key by key.
maps1k() -> maps(1000).
maps10k() -> maps(10000).
maps(N) ->
    M = put_keys(N, #{}),
    F = maps:fold(fun(K, V, A) -> (A + K * V) rem 999983 end, 0, M),
    {map_size(M), F, get_keys(N, M, 0)}.
put_keys(0, M) -> M;
put_keys(N, M) -> put_keys(N - 1, maps:put(N, N rem 101, M)).
get_keys(0, _, S) -> S;
get_keys(N, M, S) -> get_keys(N - 1, M, S + maps:get(N, M)).

%% A binary built by appending one byte at a time, then summed byte by byte.
bin100k() -> bin(102400).
bin1m() -> bin(1048576).
bin(N) ->
    B = append(N, <<>>),
    {byte_size(B), sum(B, 0)}.
append(0, B) -> B;
append(N, B) -> append(N - 1, <<B/binary, (N band 255)>>).
sum(<<X, Rest/binary>>, S) -> sum(Rest, S + X);
sum(<<>>, S) -> S.

%% 10,000 messages to self received newest first: each receive skips all older ones.
selrecv() ->
    [self() ! {m, I} || I <- lists:seq(1, 10000)],
    sel(10000, 0).
sel(0, S) -> S;
sel(I, S) -> receive {m, I} -> sel(I - 1, S + I) end.

%% 2,000 gen_server-style calls (make_ref, send, receive {Ref, Reply}) made while 10,000
%% unrelated messages wait in the caller's queue: with receive markers each reply is found
%% without scanning the queue (OTP 24+), without them each call scans all 10,000.
refcall() ->
    [self() ! {junk, I} || I <- lists:seq(1, 10000)],
    Server = spawn(fun echo/0),
    S = calls(2000, Server, 0),
    Server ! stop,
    S + drain(0).
calls(0, _, S) -> S;
calls(N, Server, S) ->
    Ref = make_ref(),
    Server ! {self(), Ref, N},
    receive {Ref, R} -> calls(N - 1, Server, S + R) end.
echo() ->
    receive {From, Ref, N} -> From ! {Ref, N}, echo(); stop -> ok end.

%% 160,000 messages to self, drained in order.
selfmail() ->
    [self() ! I || I <- lists:seq(1, 160000)],
    drain(0).
drain(C) -> receive _ -> drain(C + 1) after 0 -> C end.

%% A 60x60 matrix product with entries near 2^20 (products overflow 28-bit smalls).
bigmul() ->
    A = [[(I * 7919 + J * 104729) rem 1048573 + 1000000 || J <- lists:seq(1, 60)] || I <- lists:seq(1, 60)],
    B = [[(I * 15485863 + J * 7727) rem 1048573 + 1000000 || I <- lists:seq(1, 60)] || J <- lists:seq(1, 60)],
    S = lists:sum([lists:sum([dot(R, C, 0) || C <- B]) || R <- A]),
    {S rem 999983, S band 1023}.
dot([], [], Acc) -> Acc;
dot([X | Xs], [Y | Ys], Acc) -> dot(Xs, Ys, Acc + X * Y).

%% An ETS set of 100,000 integer keys: inserted, each looked up, one counter updated per key,
%% then folded over with ets:foldl (the table is the caller's and deleted at the end).
ets100k() ->
    T = ets:new(bench, [set]),
    ets_put(100000, T),
    L = ets_get(100000, T, 0),
    [ets:update_counter(T, K, {2, 1}) || K <- lists:seq(1, 100000, 7)],
    F = ets:foldl(fun({_, V}, A) -> (A + V) rem 999983 end, 0, T),
    Size = ets:info(T, size),
    true = ets:delete(T),
    {Size, L, F}.
ets_put(0, _) -> ok;
ets_put(N, T) -> ets:insert(T, {N, N rem 1009}), ets_put(N - 1, T).
ets_get(0, _, S) -> S;
ets_get(N, T, S) -> [{_, V}] = ets:lookup(T, N), ets_get(N - 1, T, S + V).

%% A process heap past 20 MB: 2,000,000-deep recursion and a 2,000,000-element list.
bigheap() ->
    {deep(2000000), length(lists:seq(1, 2000000))}.
deep(0) -> 0;
deep(N) -> 1 + deep(N - 1).
