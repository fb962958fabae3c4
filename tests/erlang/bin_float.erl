-module(bin_float).
-export([main/0]).
%% Float fields: 64, 32 and 16 bits, both endiannesses, integers stored as floats,
%% and the values (NaN, infinity) that do not match as floats.
main() ->
    B = <<1.5/float, 2.25:32/float, -0.5:64/little-float, 3:64/float, 1.0:16/float>>,
    <<Pi:64/float>> = <<3.141592653589793:64/float>>,
    <<A/float, C:32/float, D:64/float-little, E/float, F:16/float>> = B,
    {B, A, C, D, E, F,
     dec(<<16#7FF0000000000000:64>>), dec(<<16#7FF8000000000001:64>>),
     dec(<<16#3FF0000000000000:64>>), dec32(<<16#7F800000:32>>), dec32(<<16#40490FDB:32>>),
     [<<X:16/float>> || X <- [0.0, 1.0, -2.0, 65504.0, 0.000061035156, 0.1]],
     [begin <<Y:16/float>> = <<H:16>>, Y end || H <- [16#3C00, 16#C000, 16#7BFF, 16#0400, 16#3555]],
     try <<1.0e300:32/float>> catch error:R1 -> R1 end,
     try <<a:64/float>> catch error:R2 -> R2 end,
     try <<1.0:24/float>> catch error:R3 -> R3 end,
     <<3.0:32/float-little>>, Pi}.

dec(<<X/float>>) -> {ok, X};
dec(B) -> {nomatch, B}.

dec32(<<X:32/float>>) -> {ok, X};
dec32(B) -> {nomatch, B}.
