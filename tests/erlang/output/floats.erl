%% ~f, ~e, ~g with precisions and widths; ~w and ~p of floats.
-module(floats).
-export([main/0]).

values() ->
    [0.0, -0.0, 1.0, -1.5, 0.1, 2.675, 1.005, 123.456, 99999.99, 1.0e10, 1.5e-7,
     3.141592653589793, 2.718281828459045, 1.0e100, -2.5e-300, 0.5, 9.995].

main() ->
    lists:foreach(
      fun(X) ->
              io:format("~w|~p|~f|~.2f|~.2e|~e|~.3e|~g|~.3g|~12.4f|~-12.4e|~n",
                        [X, X, X, X, X, X, X, X, X, X, X])
      end, values()),
    io:format("~.1f ~.1f ~.1f ~.1f~n", [0.05, 0.15, 0.25, 0.35]),
    io:format("~.10f~n", [1 / 3]),
    io:format("~.15g ~.17g~n", [0.1, 0.1]),
    io:format("~10.3.0f|~-10.3.*f|~n", [3.14159, $_, 2.5]),
    io:format("~5.1f|~3.1f|~n", [123.456, 123.456]),
    ok.
