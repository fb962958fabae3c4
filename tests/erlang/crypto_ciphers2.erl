-module(crypto_ciphers2).
-export([main/0]).
-compile(nowarn_deprecated_function).
%% crypto's remaining symmetric ciphers against erl's OpenSSL (crypto_ciphers.erl has
%% AES ECB/CBC/CTR/CFB128/GCM and ChaCha20): AES OFB, CFB8 and CCM, DES (ECB, CBC, CFB,
%% 3DES CBC and CFB), Blowfish (ECB, CBC, CFB64, OFB64) and RC4, on random keys (of
%% every length Blowfish and RC4 take), IVs and data of many lengths. One-shot against
%% streaming in random chunks, encrypt-then-decrypt, every padding on the 8-byte block
%% ciphers, CCM's nonce and tag lengths, the aliases, cipher_info/1, the dynamic-IV calls
%% (refused by erl 25 on OpenSSL 3) and the errors.

-define(STREAM, [aes_128_ofb, aes_192_ofb, aes_256_ofb, aes_128_cfb8, aes_192_cfb8,
                 aes_256_cfb8, des_cfb, des_ede3_cfb, blowfish_cfb64, blowfish_ofb64, rc4]).
-define(BLOCK, [des_ecb, des_cbc, des_ede3_cbc, blowfish_ecb, blowfish_cbc]).
-define(CCM, [aes_128_ccm, aes_192_ccm, aes_256_ccm]).
-define(LENS, [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 256, 1000]).

main() ->
    rand:seed(exsss, {3, 2, 1}),
    Stream = [{C, digest(stream(C))} || C <- ?STREAM],
    Block = [{C, digest(block(C))} || C <- ?BLOCK],
    Ccm = [{C, digest(ccm(C))} || C <- ?CCM],
    Keys = digest(keys()),
    Info = [crypto:cipher_info(C) || C <- ?STREAM ++ ?BLOCK ++ ?CCM ++ [aes_cfb8, aes_ccm]],
    Supported = [lists:member(C, crypto:supports(ciphers))
                 || C <- ?STREAM ++ ?BLOCK ++ ?CCM ++ [aes_cfb8, aes_ccm]],
    [Stream, Block, Ccm, Keys, Info, Supported, aliases(), literals(), errors(), handoff()].

digest(T) -> crypto:hash(sha256, term_to_binary(T)).

bytes(N) -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, N)]).

info(C) ->
    #{key_length := K, iv_length := I, block_size := B} = crypto:cipher_info(C),
    {K, I, B}.

%% Random chunks of 0..20 bytes (empty updates included).
chunks(<<>>) -> [];
chunks(B) ->
    N = min(byte_size(B), rand:uniform(21) - 1),
    <<H:N/binary, T/binary>> = B,
    [H | chunks(T)].

streamed(C, K, IV, Data, Opts) ->
    S = crypto:crypto_init(C, K, IV, Opts),
    Out = [crypto:crypto_update(S, P) || P <- chunks(Data)],
    iolist_to_binary([Out, crypto:crypto_final(S)]).

stream(C) ->
    {KL, IL, _} = info(C),
    [begin
         K = bytes(KL), IV = bytes(IL), D = bytes(N),
         E = crypto:crypto_one_time(C, K, IV, D, true),
         Streamed = streamed(C, K, IV, D, true),
         Back = crypto:crypto_one_time(C, K, IV, E, [{encrypt, false}]),
         BackStreamed = streamed(C, K, IV, E, false),
         %% Padding options mean nothing to a stream cipher.
         Pkcs = crypto:crypto_one_time(C, K, IV, D, [{encrypt, true}, {padding, pkcs_padding}]),
         {N, E, Streamed =:= E, Back =:= D, BackStreamed =:= D, Pkcs =:= E}
     end || N <- ?LENS].

block(C) ->
    {KL, IL, BS} = info(C),
    Iv = fun(K) -> case IL of 0 -> K; _ -> bytes(IL) end end,
    [begin
         K = bytes(KL), IV = Iv(K), D = bytes(N),
         Aligned = binary:part(D, 0, N - N rem BS),
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
         S = crypto:crypto_init(C, K, IV, [{padding, pkcs_padding}]),
         _ = crypto:crypto_update(S, D),
         _ = crypto:crypto_final(S),
         Data = crypto:crypto_get_data(S),
         {N, Plain, Dropped =:= Plain, Pkcs, PkcsS =:= Pkcs, PkcsBack =:= D, Zero,
          ZeroS =:= Zero, ZeroBack, byte_size(Random),
          binary:part(RandomBack, 0, N) =:= D, None, Back =:= Aligned, Data}
     end || N <- ?LENS].

%% CCM: every nonce length erl takes (7..13) and every tag length (4..16, even), the
%% default tag (12 bytes), tampered tags and AAD, a truncated tag.
ccm(C) ->
    {KL, _, _} = info(C),
    [begin
         K = bytes(KL), D = bytes(N), Aad = bytes(rand:uniform(40) - 1),
         IV = bytes(6 + rand:uniform(7)),
         TL = 2 + 2 * rand:uniform(7),
         {E, Tag} = crypto:crypto_one_time_aead(C, K, IV, D, Aad, TL, true),
         {E2, Default} = crypto:crypto_one_time_aead(C, K, IV, D, Aad, true),
         Back = crypto:crypto_one_time_aead(C, K, IV, E, Aad, Tag, false),
         <<T0, TR/binary>> = Tag,
         Tampered = crypto:crypto_one_time_aead(C, K, IV, E, Aad, <<(T0 bxor 1), TR/binary>>, false),
         BadAad = crypto:crypto_one_time_aead(C, K, IV, E, <<Aad/binary, 0>>, Default, false),
         Short = crypto:crypto_one_time_aead(C, K, IV, E, Aad, binary:part(Default, 0, 8), false),
         {N, byte_size(IV), TL, E, E2 =:= E, Tag, Default, Back =:= D, Tampered, BadAad, Short}
     end || N <- ?LENS].

%% Blowfish and RC4 keys of every length they take (Blowfish's over 72 bytes are cut).
keys() ->
    [begin
         K = bytes(KL), D = bytes(40), IV = bytes(8),
         {KL, crypto:crypto_one_time(blowfish_cbc, K, IV, D, true),
          crypto:crypto_one_time(blowfish_ofb64, K, IV, D, true),
          try_(fun() -> crypto:crypto_one_time(rc4, K, D, true) end)}
     end || KL <- lists:seq(1, 80) ++ [255, 256, 300]].

%% The aliases pick the cipher by the key's length.
aliases() ->
    [begin
         K = bytes(KL), IV = bytes(12), IV16 = bytes(16), D = bytes(48), Aad = bytes(5),
         Sized = list_to_atom(lists:concat(["aes_", KL * 8, "_ccm"])),
         {KL, crypto:crypto_one_time(aes_cfb8, K, IV16, D, true) =:=
              crypto:crypto_one_time(list_to_atom(lists:concat(["aes_", KL * 8, "_cfb8"])),
                                     K, IV16, D, true),
          crypto:crypto_one_time_aead(aes_ccm, K, IV, D, Aad, true) =:=
              crypto:crypto_one_time_aead(Sized, K, IV, D, Aad, true)}
     end || KL <- [16, 24, 32]].

%% A few values to see when the digests differ.
literals() ->
    K8 = <<1, 2, 3, 4, 5, 6, 7, 8>>, K16 = binary:copy(<<1>>, 16), K24 = binary:copy(K8, 3),
    IV8 = binary:copy(<<2>>, 8), IV16 = binary:copy(<<2>>, 16),
    [crypto:crypto_one_time(des_cbc, K8, IV8, <<"abcdefgh12345">>, [{encrypt, true}, {padding, pkcs_padding}]),
     crypto:crypto_one_time(des_ecb, K8, <<"abcdefgh">>, true),
     crypto:crypto_one_time(des_cfb, K8, IV8, <<"abc">>, true),
     crypto:crypto_one_time(des_ede3_cbc, K24, IV8, <<"abcdefgh">>, true),
     crypto:crypto_one_time(des_ede3_cfb, K24, IV8, <<"abcdefghijk">>, true),
     crypto:crypto_one_time(blowfish_ecb, K16, <<"abcdefgh">>, true),
     crypto:crypto_one_time(blowfish_cfb64, K16, IV8, <<"abcdefghijk">>, true),
     crypto:crypto_one_time(rc4, <<"Key">>, <<"Plaintext">>, true),
     crypto:crypto_one_time(aes_128_ofb, K16, IV16, <<"abcdefghijklmnopqrs">>, true),
     crypto:crypto_one_time(aes_128_cfb8, K16, IV16, <<"abcdefghijklmnopqrs">>, true),
     crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:96>>, <<"abc">>, <<"aad">>, true),
     crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:56>>, <<"abc">>, <<>>, 4, true),
     crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:104>>, <<>>, <<>>, 16, true),
     %% A 7-byte nonce leaves 8 bytes to count in; 65,535 bytes is the 13-byte one's most.
     byte_size(element(1, crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:56>>, binary:copy(<<1>>, 70000), <<>>, 8, true))),
     byte_size(element(1, crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:104>>, binary:copy(<<1>>, 65535), <<>>, 8, true))),
     crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:104>>, binary:copy(<<1>>, 65536), <<>>, <<0:64>>, false)].

try_(F) ->
    try F()
    catch
        C:{Tag, {File, _Line}, Desc} when is_list(File) -> {C, Tag, Desc};
        C:R -> {C, R}
    end.

errors() ->
    K8 = <<1, 2, 3, 4, 5, 6, 7, 8>>, K16 = binary:copy(<<1>>, 16), IV8 = binary:copy(<<2>>, 8),
    IV16 = binary:copy(<<2>>, 16),
    S = crypto:crypto_init(aes_128_ctr, K16, IV16, true),
    Cases =
        [fun() -> crypto:crypto_one_time(des_cbc, K16, IV8, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(des_ecb, <<1>>, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(des_ede3_cbc, K8, IV8, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(des_ede3_cfb, K16, IV8, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(des_cbc, K8, <<1>>, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(des_cbc, <<1>>, <<1>>, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(des_cbc, K8, IV8, <<"abc">>, [{padding, none}]) end,
         fun() -> crypto:crypto_one_time(des_cbc, K8, IV8, <<"abcdefgh">>, [{encrypt, false}, {padding, pkcs_padding}]) end,
         fun() -> crypto:crypto_one_time(blowfish_ecb, K16, <<"abcdefghijk">>, [{padding, none}]) end,
         fun() -> crypto:crypto_one_time(blowfish_cbc, K16, IV16, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(rc4, binary:copy(<<1>>, 256), <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(rc4, K16, foo, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_ofb, K16, IV8, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_cfb8, K8, IV16, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_cfb8, K8, IV16, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(aes_ofb, K16, IV16, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time(des3_cbc, binary:copy(K8, 3), IV8, <<"abc">>, true) end,
         fun() -> crypto:crypto_init(aes_128_ccm, K16, <<1:96>>, true) end,
         fun() -> crypto:crypto_one_time(aes_128_ccm, K16, <<1:96>>, <<"abc">>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:48>>, <<"abc">>, <<>>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:112>>, <<"abc">>, <<>>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_128_ccm, K8, <<1:96>>, <<"abc">>, <<>>, true) end,
         fun() -> crypto:crypto_one_time_aead(aes_ccm, K8, <<1:96>>, <<"abc">>, <<>>, true) end]
        ++ [fun() -> crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:96>>, <<"abc">>, <<>>, TL, true) end
            || TL <- [0, 2, 3, 5, 15, 17, 18]]
        ++ [fun() -> crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:96>>, <<"abc">>, <<>>, <<1:(8 * TL)>>, false) end
            || TL <- [0, 2, 3, 5, 15, 17, 18]]
        ++ [fun() -> crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:104>>, binary:copy(<<1>>, 65536), <<>>, 8, true) end,
            fun() -> crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:96>>, <<"abc">>, foo, true) end,
            fun() -> crypto:crypto_one_time_aead(aes_128_ccm, K16, <<1:96>>, <<"abc">>, <<>>, x, true) end,
            fun() -> crypto:crypto_dyn_iv_init(aes_128_cbc, K16, true) end,
            fun() -> crypto:crypto_dyn_iv_init(aes_128_ecb, K16, [{encrypt, false}]) end,
            fun() -> crypto:crypto_dyn_iv_init(rc4, K16, false) end,
            fun() -> crypto:crypto_dyn_iv_init(aes_128_cbc, K16, 5) end,
            fun() -> crypto:crypto_dyn_iv_init(aes_128_cbc, <<1>>, true) end,
            fun() -> crypto:crypto_dyn_iv_init(aes_128_cbc, foo, true) end,
            fun() -> crypto:crypto_dyn_iv_init(foo, K16, true) end,
            fun() -> crypto:crypto_dyn_iv_init(aes_128_gcm, K16, true) end,
            fun() -> crypto:crypto_dyn_iv_update(S, <<"abc">>, IV16) end,
            fun() -> crypto:crypto_dyn_iv_update(S, foo, IV16) end,
            fun() -> crypto:crypto_dyn_iv_update(foo, <<"abc">>, IV16) end,
            fun() -> crypto:crypto_dyn_iv_update(S, <<"abc">>, foo) end],
    [try_(F) || F <- Cases].

%% A state made by one process and used by others, before and after its maker and one of
%% its users ended (this VM frees a state when the last process that used it ends).
handoff() ->
    Self = self(),
    K16 = binary:copy(<<1>>, 16), IV16 = binary:copy(<<2>>, 16),
    Maker = spawn(fun() ->
                          S = crypto:crypto_init(aes_128_ctr, K16, IV16, true),
                          Self ! {state, S},
                          receive go -> ok end
                  end),
    S = receive {state, S0} -> S0 end,
    A = crypto:crypto_update(S, <<"first">>),
    Ref = monitor(process, Maker),
    Maker ! go,
    receive {'DOWN', Ref, _, _, _} -> ok end,
    Worker = spawn(fun() ->
                           B = crypto:crypto_update(S, <<"second">>),
                           Self ! {worker, B}
                   end),
    B = receive {worker, B0} -> B0 end,
    _ = Worker,
    C = crypto:crypto_update(S, <<"third">>),
    Whole = crypto:crypto_one_time(aes_128_ctr, K16, IV16, <<"firstsecondthird">>, true),
    %% Many short-lived processes, each with states of its own.
    Outs = [begin
                P = spawn(fun() ->
                                  St = crypto:crypto_init(des_cbc, <<N:64>>, <<0:64>>, true),
                                  Self ! {self(), crypto:crypto_update(St, <<N:64>>)}
                          end),
                receive {P, O} -> O end
            end || N <- lists:seq(1, 200)],
    {iolist_to_binary([A, B, C]) =:= Whole, digest(Outs)}.
