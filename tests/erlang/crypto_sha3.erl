-module(crypto_sha3).
-export([main/0]).
%% crypto's SHA-3 digests (sha3_224/256/384/512) through hash/2, hash_init/update/final
%% and HMAC (mac/4, macN/5, mac_init/update/final) on generated data of 0..300 bytes,
%% against erl's OpenSSL.
main() ->
    Algs = [sha3_224, sha3_256, sha3_384, sha3_512],
    Data = [bytes(N, N * 7919 + 1) || N <- [0, 1, 55, 71, 72, 104, 135, 136, 137, 143, 144, 200, 300]],
    Hashes = [[crypto:hash(A, D) || D <- Data] || A <- Algs],
    Streamed = [begin
                    S0 = crypto:hash_init(A),
                    S1 = lists:foldl(fun(D, S) -> crypto:hash_update(S, D) end, S0, Data),
                    crypto:hash_final(S1)
                end || A <- Algs],
    Keys = [bytes(K, K + 3) || K <- [0, 16, 32, 100, 200]],
    Macs = [[crypto:mac(hmac, A, K, D) || K <- Keys, D <- lists:sublist(Data, 4)] || A <- Algs],
    MacN = [crypto:macN(hmac, A, hd(Keys), <<"abc">>, 10) || A <- Algs],
    MacStream = [begin
                     M0 = crypto:mac_init(hmac, A, lists:nth(3, Keys)),
                     M1 = lists:foldl(fun(D, M) -> crypto:mac_update(M, D) end, M0, Data),
                     crypto:mac_final(M1)
                 end || A <- Algs],
    Iolist = crypto:hash(sha3_256, [<<"a">>, "bc", [$d | <<"e">>]]),
    [Hashes, Streamed, Macs, MacN, MacStream, Iolist].

bytes(N, Seed) -> bytes(N, Seed, []).
bytes(0, _, Acc) -> list_to_binary(Acc);
bytes(N, S, Acc) ->
    S1 = (S * 1103515245 + 12345) band 16#7fffffff,
    bytes(N - 1, S1, [(S1 bsr 16) band 255 | Acc]).
