%% lists:keysearch/3, maps:take/2 and maps:update/3: OTP implements them as BIFs
%% (their .beam bodies raise undef), gen_server/supervisor code calls them.
-module(maps_lists_bifs).
-export([main/0]).

main() ->
    P = fun(X) -> io:format("~p~n", [X]) end,
    P(lists:keysearch(b, 1, [{a, 1}, {b, 2}, {b, 3}])),
    P(lists:keysearch(2.0, 2, [{a, 1}, {b, 2}])),
    P(lists:keysearch(z, 1, [{a, 1}, x, {}])),
    {'EXIT', {R0, _}} = (catch lists:keysearch(a, 0, [])),
    P(R0),
    P(maps:take(a, #{a => 1, b => 2})),
    P(maps:take(c, #{a => 1})),
    {'EXIT', {R1, _}} = (catch maps:take(a, not_a_map)),
    P(R1),
    P(maps:update(a, 9, #{a => 1, b => 2})),
    {'EXIT', {R2, _}} = (catch maps:update(c, 9, #{a => 1})),
    P(R2),
    ok.
