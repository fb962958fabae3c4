-module(bin_append).
%% Binary append in place (OTP's writable binaries): the active writer grows in place, an
%% older version appended again is copied, bit-sized appends, binaries sent to another
%% process and sub binaries keep their contents.
-export([main/0]).
main() ->
    B0 = <<1,2,3>>,
    B1 = <<B0/binary, 4>>,
    B2 = <<B1/binary, 5, 6>>,
    B3 = <<B1/binary, 7>>,          % B1 is no longer the active writer: must copy
    B4 = <<B2/binary, 8:4, 9:4>>,
    B5 = <<B4/binary, 1:3>>,        % bits: general path
    Big = lists:foldl(fun(I, A) -> <<A/binary, I>> end, <<>>, lists:seq(1, 1000)),
    Self = self(),
    P = spawn(fun() -> receive X -> Self ! {back, X} end end),
    P ! Big,
    Big2 = <<Big/binary, "tail">>,
    R = receive {back, Y} -> Y end,
    Sub = binary:part(Big2, 10, 20),
    S2 = <<Sub/binary, 0>>,
    io:format("~w~n", [{B0, B1, B2, B3, B4, B5, byte_size(Big), R =:= Big, byte_size(R), byte_size(Big2),
                        binary:last(Big2), S2, erlang:phash2(Big2)}]).
