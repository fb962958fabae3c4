%% Integers in bases: ~b ~B ~x ~X ~# ~+ with widths, pad characters and bignums.
-module(bases).
-export([main/0]).

main() ->
    Ns = [0, 1, -1, 255, -255, 4096, 65535, 123456789, 1 bsl 40, -(1 bsl 70),
          170141183460469231731687303715884105727],
    lists:foreach(
      fun(N) ->
              io:format("~w ~.2B ~.8B ~.16B ~.16b ~.36B ~.16x ~.16X ~.16# ~.16+~n",
                        [N, N, N, N, N, N, N, "0x", N, '0X', N, N])
      end, Ns),
    io:format("[~8.16.0B] [~-8.2.0B] [~8.2.*B] [~3B]~n", [255, 5, $., 7, 123456]),
    io:format("~B ~b ~.10B~n", [42, 42, -42]),
    io:format("~s~n", [integer_to_list(1 bsl 100)]),
    io:format("~w ~p~n", [1 bsl 100, -(1 bsl 100)]),
    ok.
