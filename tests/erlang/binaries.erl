-module(binaries).
-export([main/0]).
%% Binaries: construction, matching, byte_size, binary_to_list, sub-binaries.
main() ->
    B = <<1, 2, 3, 255, "xyz">>,
    <<X:8, Rest/binary>> = B,
    <<W:16/big, _/binary>> = B,
    {B, X, Rest, W, byte_size(B), binary_to_list(Rest), list_to_binary([1, [2, 3]]),
     <<(3 + 4):8, 256:16>>, bit_size(<<1:3>>), binary:part(B, 2, 3), sum(B, 0)}.
sum(<<>>, A) -> A;
sum(<<H, T/binary>>, A) -> sum(T, A + H).
