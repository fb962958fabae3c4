%% RC2-CBC (crypto's rc2_cbc) against erl (OpenSSL's RC2 with effective key bits 8 x key
%% length): random keys of 1..140 bytes, one-shot encryption and decryption with and
%% without padding, streamed through crypto_init/update/final, cipher_info/1, errors.
-module(crypto_rc2).
-export([main/0]).

main() ->
    rand:seed(exsss, {8, 8, 8}),
    Cases = [one() || _ <- lists:seq(1, 60)],
    {erlang:phash2(Cases), lists:sublist(Cases, 3), crypto:cipher_info(rc2_cbc),
     lists:member(rc2_cbc, proplists:get_value(ciphers, crypto:supports())),
     try_(fun() -> crypto:crypto_one_time(rc2_cbc, <<1:128>>, <<1:32>>, <<0:64>>, true) end),
     try_(fun() -> crypto:crypto_one_time(rc2_cbc, <<1:128>>, <<1:64>>, <<"abc">>, true) end)}.

try_(F) -> try F() catch C:R -> {C, R} end.

bytes(N) -> << <<(rand:uniform(256) - 1)>> || _ <- lists:seq(1, N) >>.

one() ->
    Key = bytes(pick([1, 5, 8, 16, 24, 32, 64, 128, 129, 140, rand:uniform(140)])),
    IV = bytes(8),
    Data = bytes(8 * rand:uniform(4)),
    Odd = bytes(rand:uniform(20)),
    Enc = crypto:crypto_one_time(rc2_cbc, Key, IV, Data, true),
    Dec = crypto:crypto_one_time(rc2_cbc, Key, IV, Enc, false),
    Pad = crypto:crypto_one_time(rc2_cbc, Key, IV, Odd, [{encrypt, true}, {padding, pkcs_padding}]),
    Unpad = crypto:crypto_one_time(rc2_cbc, Key, IV, Pad, [{encrypt, false}, {padding, pkcs_padding}]),
    St = crypto:crypto_init(rc2_cbc, Key, IV, true),
    Streamed = [crypto:crypto_update(St, binary:part(Data, 0, 3)),
                crypto:crypto_update(St, binary:part(Data, 3, byte_size(Data) - 3)),
                crypto:crypto_final(St)],
    {byte_size(Key), Enc, Dec =:= Data, Pad, Unpad =:= Odd, iolist_to_binary(Streamed) =:= Enc}.

pick(L) -> lists:nth(rand:uniform(length(L)), L).
