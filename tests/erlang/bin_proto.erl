-module(bin_proto).
-export([main/0]).
%% A binary protocol header: mixed field sizes, endianness and signedness.
main() ->
    Hdr = build(3, 16#1234, -2, 70000, <<"payload!">>),
    {parse(Hdr), Hdr, parse(<<1:4, 0:4, 0:16, 0:16/little, 0:32/signed, 0:8, "x">>),
     [parse_ip(<<192, 168, 1, 254>>), parse_ip(<<10, 0, 0, 1>>)],
     tlv(<<1, 3, "abc", 2, 0, 7, 2, 16#ff, 16#fe>>, []),
     fields(<<16#ABCD:16, 16#80000000:32, 255, 16#8001:16/little>>)}.

build(Ver, Id, Delta, Seq, Payload) ->
    Len = byte_size(Payload),
    <<Ver:4, 0:4, Id:16, Delta:16/little-signed, Seq:32/big, Len:8, Payload/binary>>.

parse(<<Ver:4, _:4, Id:16, Delta:16/little-signed, Seq:32/big-signed, Len:8,
        Payload:Len/binary, Rest/binary>>) ->
    {Ver, Id, Delta, Seq, Len, Payload, Rest};
parse(_) -> bad.

parse_ip(<<A, B, C, D>>) -> {A, B, C, D}.

tlv(<<>>, Acc) -> lists:reverse(Acc);
tlv(<<T:8, L:8, V:L/binary, Rest/binary>>, Acc) -> tlv(Rest, [{T, V} | Acc]);
tlv(Other, Acc) -> {partial, Other, lists:reverse(Acc)}.

fields(<<A:16, B:32/signed, C:8/signed, D:16/little-signed>>) ->
    <<X:48>> = <<(1 bsl 40 + 5):48>>,
    <<Big:72/signed>> = <<-(1 bsl 70):72/signed>>,
    {A, B, C, D, <<A:16/little>>, <<B:32/little-signed>>, <<-1:24/big>>,
     <<(1 bsl 40 + 5):48>>, X, Big}.
