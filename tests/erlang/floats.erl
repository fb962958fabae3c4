-module(floats).
-export([main/0]).
%% Float arithmetic and conversions, printed as OTP prints them.
main() ->
    {1.5 + 2, 10 / 4, 2 * 0.1, 1.0e10, -0.0 + 0.0, float(7), trunc(3.7), round(-2.5),
     math:sqrt(2.0), 1 / 3, 3.0 * 1.0e-5, float_to_list(1.25), abs(-1.5), 0.1 + 0.2}.
