-module(bin_build).
-export([main/0]).
%% Building binaries in loops (append, private append), refc binaries (> 64 bytes),
%% sub-binaries that must survive collections, bignum fields.
main() ->
    B1 = append_loop(0, 1000, <<>>),
    B2 = iolist_to_binary([integer_to_binary(I) || I <- lists:seq(1, 200)]),
    Parts = split_every(B1, 100, []),
    Garbage = churn(2000, []),
    Subs = [binary:part(B1, I * 3, 5) || I <- lists:seq(0, 20)],
    Kept = keep_subs(B2, []),
    _ = churn(3000, []),
    {byte_size(B1), sum(B1, 0), binary:part(B1, 990, 10), byte_size(B2),
     binary:part(B2, 0, 20), length(Parts), [byte_size(P) || P <- Parts],
     length(Garbage), Subs, length(Kept), lists:last(Kept), hd(Kept),
     grow(<<>>, 0), bits_loop(<<>>, 0), prepend(<<"end">>, 5),
     big_fields()}.

append_loop(N, N, Acc) -> Acc;
append_loop(I, N, Acc) -> append_loop(I + 1, N, <<Acc/binary, (I rem 251):8>>).

sum(<<X, Rest/binary>>, S) -> sum(Rest, S + X);
sum(<<>>, S) -> S.

split_every(B, N, Acc) when byte_size(B) =< N -> lists:reverse([B | Acc]);
split_every(B, N, Acc) ->
    <<P:N/binary, Rest/binary>> = B,
    split_every(Rest, N, [P | Acc]).

churn(0, Acc) -> Acc;
churn(N, Acc) -> churn(N - 1, [{N, [N, N + 1], <<N:32>>} | Acc]).

keep_subs(<<A:7/binary, Rest/binary>>, Acc) ->
    _ = lists:seq(1, 50),
    keep_subs(Rest, [A | Acc]);
keep_subs(_, Acc) -> Acc.

grow(B, 100) -> {byte_size(B), binary:part(B, 0, 8), binary:last(B)};
grow(B, I) -> grow(<<B/binary, I:16, (I * 7):8>>, I + 1).

bits_loop(B, 50) -> {bit_size(B), B};
bits_loop(B, I) -> bits_loop(<<B/bits, (I rem 8):3>>, I + 1).

prepend(B, 0) -> B;
prepend(B, N) -> prepend(<<N, B/binary>>, N - 1).

big_fields() ->
    X = 16#123456789ABCDEF0123456789,
    B = <<X:128, (-X):128/signed-little>>,
    <<Y:128, Z:128/signed-little>> = B,
    {B, Y =:= X, Z =:= -X, <<(1 bsl 64):72>>}.
