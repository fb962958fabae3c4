-module(crypto_ciphers).
-export([main/0]).
%% crypto's symmetric ciphers against erl's OpenSSL: every AES mode (ECB, CBC, CTR,
%% CFB128, GCM) at every key size, ChaCha20 and ChaCha20-Poly1305, on random keys, IVs
%% and data of many lengths (rand seeded, so the same in both VMs). One-shot against
%% streaming in random chunks, encrypt-then-decrypt, every padding, AEAD tags of every
%% length and tampered ones, crypto_get_data/1, cipher_info/1, and the errors (class,
%% first element and description; not the NIF's line). main/0 gives a digest per
%% cipher, so a mismatch shows where.

-define(STREAM, [aes_128_ctr, aes_192_ctr, aes_256_ctr, aes_128_cfb128, aes_192_cfb128,
                 aes_256_cfb128, chacha20]).
-define(BLOCK, [aes_128_ecb, aes_192_ecb, aes_256_ecb, aes_128_cbc, aes_192_cbc,
                aes_256_cbc]).
-define(AEAD, [aes_128_gcm, aes_192_gcm, aes_256_gcm, chacha20_poly1305]).
-define(LENS, [0, 1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 255, 256, 1000]).

main() ->
    rand:seed(exsss, {1, 2, 3}),
    Stream = [{C, digest(stream(C))} || C <- ?STREAM],
    Block = [{C, digest(block(C))} || C <- ?BLOCK],
    Aead = [{C, digest(aead(C))} || C <- ?AEAD],
    Aliases = digest(aliases()),
    Info = [crypto:cipher_info(C) || C <- ?STREAM ++ ?BLOCK ++ ?AEAD ++
                                         [aes_ecb, aes_cbc, aes_ctr, aes_cfb128, aes_gcm]],
    Supported = [lists:member(C, crypto:supports(ciphers)) || C <- ?STREAM ++ ?BLOCK ++ ?AEAD],
    [Stream, Block, Aead, Aliases, Info, Supported, literals(), states(), errors()].

digest(T) -> crypto:hash(sha256, term_to_binary(T)).

bytes(N) -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, N)]).

info(C) ->
    #{key_length := K, iv_length := I} = crypto:cipher_info(C),
    {K, I}.

%% Random chunks of 0..40 bytes (empty updates included).
chunks(<<>>) -> [];
chunks(B) ->
    N = min(byte_size(B), rand:uniform(41) - 1),
    <<H:N/binary, T/binary>> = B,
    [H | chunks(T)].

streamed(C, K, IV, Data, Opts) ->
    S = crypto:crypto_init(C, K, IV, Opts),
    Out = [crypto:crypto_update(S, P) || P <- chunks(Data)],
    iolist_to_binary([Out, crypto:crypto_final(S)]).

stream(C) ->
    {KL, IL} = info(C),
    [begin
         K = bytes(KL), IV = bytes(IL), D = bytes(N),
         E = crypto:crypto_one_time(C, K, IV, D, true),
         Streamed = streamed(C, K, IV, D, true),
         Back = crypto:crypto_one_time(C, K, IV, E, [{encrypt, false}]),
         BackStreamed = streamed(C, K, IV, E, false),
         {N, E, Streamed =:= E, Back =:= D, BackStreamed =:= D}
     end || N <- ?LENS].

block(C) ->
    {KL, IL} = info(C),
    Iv = fun(K) -> case IL of 0 -> K; _ -> bytes(IL) end end,
    [begin
         K = bytes(KL), IV = Iv(K), D = bytes(N),
         Aligned = binary:part(D, 0, N - N rem 16),
         Plain = crypto:crypto_one_time(C, K, IV, Aligned, true),
         Dropped = crypto:crypto_one_time(C, K, IV, D, true),
         Pkcs = crypto:crypto_one_time(C, K, IV, D, [{encrypt, true}, {padding, pkcs_padding}]),
         PkcsS = streamed(C, K, IV, D, [{padding, pkcs_padding}]),
         PkcsBack = streamed(C, K, IV, Pkcs, [{encrypt, false}, {padding, pkcs_padding}]),
         Zero = crypto:crypto_one_time(C, K, IV, D, [{encrypt, true}, {padding, zero}]),
         ZeroS = streamed(C, K, IV, D, [{encrypt, true}, {padding, zero}]),
         ZeroBack = crypto:crypto_one_time(C, K, IV, Zero, [{encrypt, false}, {padding, zero}]),
         Random = crypto:crypto_one_time(C, K, IV, D, [{encrypt, true}, {padding, random}]),
         RandomBack = crypto:crypto_one_time(C, K, IV, Random, [{encrypt, false}, {padding, none}]),
         None = try_(fun() -> crypto:crypto_one_time(C, K, IV, D, [{padding, none}]) end),
         Back = streamed(C, K, IV, Plain, false),
         {N, Plain, Dropped =:= Plain, Pkcs, PkcsS =:= Pkcs, PkcsBack =:= D, Zero,
          ZeroS =:= Zero, ZeroBack, byte_size(Random),
          binary:part(RandomBack, 0, N) =:= D, None, Back =:= Aligned}
     end || N <- ?LENS].

aead(C) ->
    {KL, _} = info(C),
    [begin
         K = bytes(KL), D = bytes(N), Aad = bytes(rand:uniform(40) - 1),
         IV = case C of
                  chacha20_poly1305 -> bytes(12);
                  _ -> bytes(lists:nth(rand:uniform(6), [1, 8, 12, 12, 16, 60]))
              end,
         TL = rand:uniform(16),
         {E, Tag} = crypto:crypto_one_time_aead(C, K, IV, D, Aad, TL, true),
         {E, Full} = crypto:crypto_one_time_aead(C, K, IV, D, Aad, true),
         Back = crypto:crypto_one_time_aead(C, K, IV, E, Aad, Tag, false),
         <<T0, TR/binary>> = Tag,
         Tampered = crypto:crypto_one_time_aead(C, K, IV, E, Aad, <<(T0 bxor 1), TR/binary>>, false),
         BadAad = crypto:crypto_one_time_aead(C, K, IV, E, <<Aad/binary, 0>>, Full, false),
         Short = crypto:crypto_one_time_aead(C, K, IV, E, Aad, binary:part(Full, 0, 4), false),
         {N, byte_size(IV), E, Tag, Full, Back =:= D, Tampered, BadAad, Short =:= D}
     end || N <- ?LENS].

%% The aliases pick the cipher by the key's length.
aliases() ->
    [begin
         K = bytes(KL), IV = bytes(16), D = bytes(48),
         Sized = list_to_atom(lists:concat(["aes_", KL * 8, "_", M])),
         Alias = list_to_atom("aes_" ++ atom_to_list(M)),
         {Alias, KL, crypto:crypto_one_time(Alias, K, IV, D, true) =:=
              crypto:crypto_one_time(Sized, K, IV, D, true)}
     end || M <- [cbc, ctr, cfb128], KL <- [16, 24, 32]].

%% A few values to see when the digests differ.
literals() ->
    K16 = binary:copy(<<1>>, 16), IV = binary:copy(<<2>>, 16), K32 = binary:copy(<<1>>, 32),
    [crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [{encrypt, true}, {padding, pkcs_padding}]),
     crypto:crypto_one_time(aes_128_ctr, K16, IV, [<<"ab">>, "c"], true),
     crypto:crypto_one_time(aes_128_ecb, K16, <<0:128>>, true),
     crypto:crypto_one_time(aes_128_cfb128, K16, IV, <<"abcdefghijklmnopqrs">>, true),
     crypto:crypto_one_time(chacha20, K32, IV, <<"abc">>, true),
     %% OpenSSL's 32-bit block counter carries into the nonce's first word.
     crypto:crypto_one_time(chacha20, K32, <<255, 255, 255, 255, 0:96>>, <<0:640>>, false),
     crypto:crypto_one_time(aes_128_ctr, K16, binary:copy(<<255>>, 16), <<0:320>>, true),
     crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<"aad">>, true),
     crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:8>>, <<"abc">>, <<"aad">>, 8, true),
     crypto:crypto_one_time_aead(chacha20_poly1305, K32, <<1:96>>, <<"abc">>, <<"aad">>, true),
     crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<>>, <<>>, true)].

%% crypto_get_data/1 through a stream's life, updates after the final call, a second
%% final call.
states() ->
    K16 = binary:copy(<<1>>, 16), IV = binary:copy(<<2>>, 16),
    Life = fun(C, Opts, D) ->
                   S = crypto:crypto_init(C, K16, IV, Opts),
                   D0 = crypto:crypto_get_data(S),
                   U = crypto:crypto_update(S, D),
                   D1 = crypto:crypto_get_data(S),
                   F = try_(fun() -> crypto:crypto_final(S) end),
                   D2 = crypto:crypto_get_data(S),
                   F2 = try_(fun() -> crypto:crypto_final(S) end),
                   U2 = crypto:crypto_update(S, <<"more data 123456789">>),
                   {D0, U, D1, F, D2, F2, U2}
           end,
    [Life(C, Opts, binary:copy(<<"x">>, N))
     || C <- [aes_128_cbc, aes_128_ecb, aes_128_ctr],
        Opts <- [true, false, [{padding, pkcs_padding}], [{padding, zero}], [{padding, none}],
                 [{encrypt, false}, {padding, pkcs_padding}]],
        N <- [0, 5, 16, 21]].

try_(F) ->
    try F()
    catch
        C:{Tag, {File, _Line}, Desc} when is_list(File) -> {C, Tag, Desc};
        C:R -> {C, R}
    end.

errors() ->
    K16 = binary:copy(<<1>>, 16), IV = binary:copy(<<2>>, 16), K32 = binary:copy(<<1>>, 32),
    S = crypto:crypto_init(aes_128_ctr, K16, IV, true),
    Cases =
        [fun() -> crypto:cipher_info(foo) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, <<1, 2>>, IV, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, <<1>>, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(foo, K16, IV, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_cbc, binary:copy(<<1>>, 20), IV, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, foo, IV, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time("aes", K16, IV, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, foo, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(foo, foo, foo, foo, foo) end,
         fun() -> crypto:crypto_one_time(aes_128_ecb, K16, foo, <<0:128>>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_gcm, K16, <<1:96>>, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [{padding, none}]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [{padding, bad}]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [{foo, bar}]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [{padding, none}, {padding, none}]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [{encrypt, x}]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [{encrypt, true}, {encrypt, true}]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [encrypt]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, [{encrypt, true} | x]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<"abc">>, x) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, binary:copy(<<"a">>, 32), [{encrypt, false}, {padding, pkcs_padding}]) end,
         fun() -> crypto:crypto_one_time(aes_128_cbc, K16, IV, <<>>, [{encrypt, false}, {padding, pkcs_padding}]) end,
         fun() -> crypto:crypto_init(aes_128_ctr, K16, true) end,
         fun() -> crypto:crypto_init(chacha20_poly1305, K32, <<1:96>>, true) end,
         fun() -> crypto:crypto_update(S, foo) end,
         fun() -> crypto:crypto_update(make_ref(), <<>>) end,
         fun() -> crypto:crypto_update(foo, <<>>) end,
         fun() -> crypto:crypto_final(foo) end,
         fun() -> crypto:crypto_get_data(foo) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<"aad">>, 0, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<"aad">>, 17, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<"aad">>, x, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<>>, <<"abc">>, <<"aad">>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, binary:copy(<<1>>, 129), <<"abc">>, <<"aad">>, true) end,
         fun() -> crypto:crypto_one_time_aead(chacha20_poly1305, K32, <<1:64>>, <<"abc">>, <<"aad">>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, <<1>>, <<1:96>>, <<"abc">>, <<"aad">>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, foo, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, foo, <<>>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, foo, <<"abc">>, <<>>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, foo, <<1:96>>, <<"abc">>, <<>>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<>>, x) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<>>, 16, x) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<>>, foo, false) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<>>, <<>>, false) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_gcm, K16, <<1:96>>, <<"abc">>, <<>>, <<1:136>>, false) end,
         fun() -> crypto:crypto_one_time_aead(foo, K16, <<1:96>>, <<"abc">>, <<>>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_cbc, K16, <<1:96>>, <<"abc">>, <<>>, true) end],
    [try_(F) || F <- Cases].
