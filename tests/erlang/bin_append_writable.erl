%% Binaries built by appending (`<<B/binary, V:N>>`), which OTP and beam extend in place
%% while the binary is the writable result of the last append: random integer widths,
%% endianness and values (negative, beyond 32 bits, bignums: the general path), appending
%% twice to one version (only the first may write in place), old versions read after newer
%% ones were made, versions sent to other processes and stored in ETS while the writer
%% goes on, sub binaries and bitstrings as the start, and matching the results.
-module(bin_append_writable).
-export([main/0]).

main() ->
    rand:seed(exsss, {3, 1, 4}),
    Loops = [loop(rand:uniform(700), start(I)) || I <- lists:seq(1, 40)],
    {Branch1, Branch2, Old} = branches(),
    Shared = shared(),
    Ets = ets_versions(),
    Errors = [catch <<A/binary, V:8>> || {A, V} <- [{<<1:3>>, 1}, {<<1>>, a}, {a, 1}, {<<>>, 1.5}]],
    Sum = sum(build(100000, <<>>), 0),
    {[{byte_size(B), erlang:md5(B)} || B <- Loops], erlang:md5(Branch1), erlang:md5(Branch2),
     Old, Shared, Ets, [element(1, E) || E <- Errors], Sum}.

start(I) ->
    case I rem 5 of
        0 -> <<>>;
        1 -> <<"heap binary">>;
        2 -> binary:copy(<<7>>, 100);
        3 -> element(2, split_binary(list_to_binary(lists:seq(1, 200)), 13));
        4 -> <<(rand:uniform(255))>>
    end.

loop(0, B) -> B;
loop(N, B) ->
    V = case rand:uniform(6) of
            1 -> -rand:uniform(1000);
            2 -> rand:uniform(1 bsl 40);
            3 -> rand:uniform(1 bsl 70) - (1 bsl 69);
            _ -> rand:uniform(70000)
        end,
    B2 = case rand:uniform(8) of
             1 -> <<B/binary, V:16>>;
             2 -> <<B/binary, V:16/little>>;
             3 -> <<B/binary, V:24>>;
             4 -> <<B/binary, V:32/little>>;
             5 -> <<B/binary, V:32>>;
             6 -> <<B/binary, V:8, (V + 1):8>>;
             _ -> <<B/binary, V:8>>
         end,
    loop(N - 1, B2).

%% Two appends to the same version: the second must not see the first's bytes.
branches() ->
    B0 = build(300, <<>>),
    B1 = <<B0/binary, 1>>,
    B2 = <<B0/binary, 2, 3>>,
    B3 = <<B1/binary, 4>>,
    Old = {byte_size(B0), binary:last(B0), binary:last(B1), binary:last(B2), B3 =:= <<B0/binary, 1, 4>>},
    {<<B3/binary, B2/binary>>, build(50, B2), Old}.

%% A version sent away while the owner keeps appending: the receiver sees what was sent.
shared() ->
    Self = self(),
    B = build(1000, <<>>),
    Pid = spawn(fun() -> receive {B1} -> Self ! {self(), byte_size(B1), erlang:md5(B1), build(10, B1)} end end),
    Pid ! {B},
    B2 = build(5000, B),
    receive {Pid, N, Md5, Theirs} -> {N, Md5 =:= erlang:md5(B), erlang:md5(Theirs), byte_size(B2)} end.

ets_versions() ->
    T = ets:new(t, [set]),
    B = build(400, <<>>),
    ets:insert(T, {k, B}),
    B2 = build(400, B),
    [{k, Stored}] = ets:lookup(T, k),
    Grown = build(10, Stored),
    ets:delete(T),
    {Stored =:= B, byte_size(B2), erlang:md5(Grown)}.

build(0, B) -> B;
build(N, B) -> build(N - 1, <<B/binary, (N band 255)>>).

sum(<<X, Rest/binary>>, Acc) -> sum(Rest, Acc + X);
sum(<<>>, Acc) -> Acc.
