%% A report table: left/right adjusted text, fixed-point floats, padded integers.
-module(table).
-export([main/0]).

rows() ->
    [{"apples", 12, 0.5}, {"bananas", 7, 0.25}, {"cherries", 250, 0.0125},
     {"dragon fruit", 1, 3.999}, {"elderberries", 10000, 0.001}].

main() ->
    io:format("~-14s|~6s|~10s|~12s~n", ["item", "qty", "price", "total"]),
    io:format("~s~n", [lists:duplicate(45, $-)]),
    Total = lists:foldl(
              fun({Name, Qty, Price}, Acc) ->
                      T = Qty * Price,
                      io:format("~-14s|~6w|~10.4f|~12.2f~n", [Name, Qty, Price, T]),
                      Acc + T
              end, 0.0, rows()),
    io:format("~45..=s~n", [""]),
    io:format("~-14s|~6s|~10s|~12.2f~n", ["sum", "", "", Total]),
    io:format("~14.3.*s|~-6.3.*s|~n", [$., "abcdef", $_, "ab"]),
    io:format("[~5c][~-5c][~5.2c][~c]~n", [$x, $y, $z, $w]),
    io:format("[~10.5.0w][~-10.5.#w][~.3w][~4w]~n", [42, 42, 12345, 123456]),
    io:format("~*w|~-*w|~*.*.0f~n", [8, right, 8, left, 10, 3, 3.14159]),
    ok.
