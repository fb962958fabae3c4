%% Unmodified stdlib: erl_scan/erl_parse/erl_eval evaluating expressions from strings,
%% calendar, base64, rand (seeded: the same numbers as erl), proplists.
-module(stdlib_eval).
-export([main/0]).

eval(S) ->
    {ok, Toks, _} = erl_scan:string(S),
    {ok, Exprs} = erl_parse:parse_exprs(Toks),
    {value, V, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
    V.

main() ->
    [io:format("~s => ~p~n", [S, eval(S)]) || S <- [
        "1 + 2 * 3.",
        "X = 10, Y = X * X, {X, Y}.",
        "lists:map(fun(A) -> A * 2 end, [1,2,3]).",
        "[{K, V} || K <- [a,b], V <- [1,2], V > 1].",
        "case {1, ok} of {N, ok} when N > 0 -> pos; _ -> other end.",
        "F = fun Fact(0) -> 1; Fact(N) -> N * Fact(N - 1) end, F(20).",
        "#{a => 1, b => [x]}.",
        "<<A:4, B:4>> = <<16#5A>>, {A, B}.",
        "try throw(x) catch throw:T -> {caught, T} end.",
        "lists:foldl(fun(E, Acc) -> E + Acc end, 0, lists:seq(1, 100)).",
        "string:uppercase(\"abc\") ++ integer_to_list(42, 16).",
        "begin M = maps:from_list([{I, I*I} || I <- lists:seq(1,5)]), maps:get(4, M) end."]],
    {ok, T1, _} = erl_scan:string("foo(X) -> X + 1."),
    {ok, Form} = erl_parse:parse_form(T1),
    io:format("form ~p~n", [element(1, Form)]),
    io:format("scan error ~p~n", [element(1, erl_scan:string("\"unterminated"))]),
    io:format("parse error ~p~n", [element(1, erl_parse:parse_exprs(element(2, erl_scan:string("1 + ."))))]),
    io:format("term ~p~n", [erl_parse:parse_term(element(2, erl_scan:string("{a, [1, \"s\"], #{k => v}}.")))]),
    io:format("~s~n", [erl_pp:expr(hd(element(2, erl_parse:parse_exprs(element(2, erl_scan:string("X + f(Y, [1]).")))))) ]),
    %% calendar
    io:format("~p~n", [calendar:date_to_gregorian_days(2024, 2, 29)]),
    io:format("~p~n", [calendar:gregorian_days_to_date(739000)]),
    io:format("~p~n", [calendar:day_of_the_week(2026, 12, 6)]),
    io:format("~p~n", [calendar:is_leap_year(2100)]),
    io:format("~p~n", [calendar:last_day_of_the_month(2024, 2)]),
    io:format("~p~n", [calendar:datetime_to_gregorian_seconds({{2000,1,1},{12,30,0}})]),
    io:format("~p~n", [calendar:gregorian_seconds_to_datetime(63000000000)]),
    io:format("~p~n", [calendar:time_difference({{2020,1,1},{0,0,0}}, {{2020,3,1},{1,2,3}})]),
    io:format("~p~n", [calendar:iso_week_number({2026,1,1})]),
    io:format("~s~n", [calendar:system_time_to_rfc3339(1700000000, [{offset, "Z"}])]),
    io:format("~p~n", [calendar:rfc3339_to_system_time("2023-11-14T22:13:20Z")]),
    io:format("~p~n", [calendar:valid_date(2023, 2, 29)]),
    %% base64
    io:format("~p~n", [base64:encode(<<"hello, world">>)]),
    io:format("~p~n", [base64:decode("aGVsbG8sIHdvcmxk")]),
    io:format("~p~n", [base64:encode_to_string(lists:seq(0, 20))]),
    io:format("~p~n", [base64:mime_decode(<<"aGVs\r\nbG8=">>)]),
    io:format("~p~n", [[base64:decode(base64:encode(B)) =:= B || B <- [<<>>, <<1>>, <<1,2>>, <<1,2,3>>, list_to_binary(lists:seq(0,255))]]]),
    %% rand, seeded
    [begin
         rand:seed(Alg, {1, 2, 3}),
         io:format("~p ~p ~p~n", [Alg, rand:uniform(1000), [rand:uniform(10) || _ <- lists:seq(1, 8)]]),
         io:format("  ~.6f ~.6f~n", [rand:uniform(), rand:normal()])
     end || Alg <- [exsss, exro928ss, exrop, exs1024s, exsp]],
    S0 = rand:seed_s(exsss, 42),
    {R1, S1} = rand:uniform_s(100, S0),
    {R2, _} = rand:uniform_s(100, S1),
    io:format("seed_s ~p ~p~n", [R1, R2]),
    io:format("bytes ~p~n", [byte_size(rand:bytes(13))]),
    %% proplists
    L = [{a, 1}, b, {c, 3}, {a, 4}, {d, [x]}, {no_e, true}],
    io:format("~p ~p ~p ~p~n", [proplists:get_value(a, L), proplists:get_all_values(a, L),
                                proplists:get_bool(b, L), proplists:lookup(c, L)]),
    io:format("~p~n", [proplists:get_keys(L)]),
    io:format("~p~n", [proplists:delete(a, L)]),
    io:format("~p~n", [proplists:expand([{foo, [bar, baz]}], [fie, foo, fum])]),
    io:format("~p~n", [proplists:normalize([a, {b, 1}, {no_c, true}], [{negations, [{no_c, c}]}])]),
    io:format("~p~n", [proplists:substitute_aliases([{color, colour}], [color, {color, red}])]),
    io:format("~p~n", [proplists:split([{c, 2}, {e, 1}, a, {c, 3, 4}, d, {b, 5}, b], [a, b, c])]),
    io:format("~p~n", [proplists:to_map([a, {b, 1}, {c, 2}, {c, 3}])]),
    ok.
