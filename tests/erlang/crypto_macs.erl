-module(crypto_macs).
-export([main/0]).
-compile([{nowarn_deprecated_function, [{crypto, rand_uniform, 2}]}]).
%% crypto's CMAC (AES-CBC, every key size, and the aes_cbc alias) and Poly1305 MACs
%% through mac/3,4, macN/4,5 and mac_init/update/final(N) (random chunks) on random keys
%% and data of many lengths (rand seeded), their errors (class, first element,
%% description), and rand_uniform/2's range, against erl.
main() ->
    rand:seed(exsss, {3, 2, 1}),
    Lens = [0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 1000],
    Cmac = [{C, [crypto:mac(cmac, C, K, bytes(N)) || N <- Lens,
                                                      K <- [bytes(KL)]]}
            || {C, KL} <- [{aes_128_cbc, 16}, {aes_192_cbc, 24}, {aes_256_cbc, 32},
                           {aes_cbc, 16}, {aes_cbc, 24}, {aes_cbc, 32}]],
    CmacN = [crypto:macN(cmac, aes_128_cbc, bytes(16), bytes(N), N rem 17) || N <- Lens],
    Poly = [crypto:mac(poly1305, bytes(32), bytes(N)) || N <- Lens],
    PolyN = [crypto:macN(poly1305, bytes(32), bytes(N), N rem 17) || N <- Lens],
    %% Streamed through mac_init/update/final(N) in random chunks, against one-shot.
    Streamed = [begin
                    D = bytes(N), K = bytes(KL),
                    S0 = case C of
                             poly1305 -> crypto:mac_init(poly1305, K);
                             _ -> crypto:mac_init(cmac, C, K)
                         end,
                    S = lists:foldl(fun(P, St) -> crypto:mac_update(St, P) end, S0, chunks(D)),
                    One = case C of
                              poly1305 -> crypto:mac(poly1305, K, D);
                              _ -> crypto:mac(cmac, C, K, D)
                          end,
                    Final = case N rem 2 of
                                0 -> crypto:mac_final(S);
                                1 -> crypto:mac_finalN(S, 7)
                            end,
                    {C, N, Final, binary:part(One, 0, byte_size(Final)) =:= Final}
                end || {C, KL} <- [{aes_128_cbc, 16}, {aes_256_cbc, 32}, {aes_cbc, 24},
                                   {poly1305, 32}],
                       N <- Lens],
    K32 = binary:copy(<<7>>, 32), K16 = binary:copy(<<7>>, 16),
    Same = [crypto:mac(poly1305, sha, K32, "abc") =:= crypto:mac(poly1305, K32, <<"abc">>),
            crypto:mac(cmac, aes_128_cbc, [K16], [<<"a">>, "bc"]) =:=
                crypto:mac(cmac, aes_128_cbc, K16, <<"abc">>),
            crypto:macN(poly1305, sha, K32, "abc", 5) =:= crypto:macN(poly1305, K32, "abc", 5)],
    Errors = [try_(F) || F <- [fun() -> crypto:mac(cmac, aes_128_cbc, <<1:120>>, <<>>) end,
                               fun() -> crypto:mac(cmac, foo, K16, <<>>) end,
                               fun() -> crypto:mac(cmac, aes_128_cbc, foo, <<>>) end,
                               fun() -> crypto:mac(cmac, aes_128_cbc, K16, foo) end,
                               fun() -> crypto:mac(poly1305, K16, <<"abc">>) end,
                               fun() -> crypto:mac(poly1305, K32, foo) end,
                               fun() -> crypto:mac(hmac, K32, <<"abc">>) end,
                               fun() -> crypto:macN(cmac, aes_128_cbc, K16, <<>>, 17) end,
                               fun() -> crypto:macN(poly1305, K32, <<>>, -1) end,
                               fun() -> crypto:mac_init(cmac, aes_128_cbc, <<1>>) end,
                               fun() -> crypto:mac_init(cmac, foo, K16) end,
                               fun() -> crypto:mac_init(poly1305, K16) end,
                               fun() -> crypto:mac_init(foo, K32) end,
                               fun() -> crypto:mac_init(cmac, aes_128_cbc, foo) end,
                               fun() -> crypto:mac_update(crypto:mac_init(cmac, aes_128_cbc, K16), foo) end,
                               fun() -> crypto:rand_uniform(5, 5) end,
                               fun() -> crypto:rand_uniform(7, 2) end]],
    Uniform = [lists:all(fun(X) -> X >= Lo andalso X < Hi end,
                         [crypto:rand_uniform(Lo, Hi) || _ <- lists:seq(1, 50)])
               || {Lo, Hi} <- [{1, 2}, {1, 10}, {-5, 5}, {0, 1 bsl 70}, {-(1 bsl 65), -3}]],
    [digest([Cmac, CmacN, Poly, PolyN]), hd(element(2, hd(Cmac))), hd(Poly), Streamed,
     Same, Errors, Uniform].

chunks(<<>>) -> [];
chunks(B) ->
    N = min(byte_size(B), rand:uniform(41) - 1),
    <<H:N/binary, T/binary>> = B,
    [H | chunks(T)].

digest(T) -> crypto:hash(sha256, term_to_binary(T)).

bytes(N) -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, N)]).

try_(F) ->
    try F()
    catch
        C:{Tag, {File, _Line}, Desc} when is_list(File) -> {C, Tag, Desc};
        C:R -> {C, R}
    end.
