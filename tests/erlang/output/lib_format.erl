%% io_lib:format results used as values: flattened, measured, concatenated.
-module(lib_format).
-export([main/0]).

pad(N) -> lists:flatten(io_lib:format("~5..0w", [N])).

main() ->
    S = lists:flatten(io_lib:format("~w + ~w = ~w", [2, 3, 2 + 3])),
    io:format("~s (~w characters)~n", [S, length(S)]),
    Names = [pad(N) || N <- [1, 22, 333, 4444]],
    io:format("~p~n", [Names]),
    Line = lists:flatten([io_lib:format("~-6s", [A]) || A <- ["a", "bb", "ccc"]]),
    io:format("[~s]~n", [Line]),
    F = io_lib:fwrite("~.2f", [2.0 / 3]),
    io:format("~s ~w~n", [F, lists:flatten(F) =:= "0.67"]),
    P = lists:flatten(io_lib:format("~p", [{a, [1, 2, 3], "str"}])),
    io:format("~s~n", [P]),
    io:write({written, [1, 2], "x"}),
    io:nl(),
    io:format("~s~n", [lists:flatten(io_lib:format("~10.3f|~-8w|", [3.14159, ab]))]),
    Csv = lists:flatten(lists:join(",", [io_lib:format("~w", [X]) || X <- [1, 2.5, abc]])),
    io:format("~s~n", [Csv]),
    ok.
