%% ~p of nested and long terms at different columns, ~P and ~W depths.
-module(pretty).
-export([main/0]).

main() ->
    Person = {person, "Joe Armstrong", 1950, [erlang, prolog, smalltalk],
              #{city => "Stockholm", langs => [{erlang, 1986}, {prolog, 1972}]}},
    io:format("~p~n", [Person]),
    io:format("Person: ~p~n", [Person]),
    io:format("A somewhat longer prefix on this line: ~p~n", [Person]),
    io:format("~p~n", [lists:seq(1, 60)]),
    io:format("numbers ~p and more ~p~n", [lists:seq(1, 25), lists:seq(100, 130)]),
    io:format("~p~n", [[{I, I * I, [I, -I]} || I <- lists:seq(1, 12)]]),
    Deep = lists:foldl(fun(I, Acc) -> {level, I, Acc} end, done, lists:seq(1, 15)),
    io:format("~p~n", [Deep]),
    io:format("~P~n", [Deep, 5]),
    io:format("~W~n", [Deep, 4]),
    io:format("~P~n", [lists:seq(1, 100), 10]),
    io:format("~40p~n", [Person]),
    io:format("~p~n", [#{alpha => lists:seq(1, 20), beta => {a, b, c}, gamma => "a string",
                         delta => #{nested => true, list => [1.5, 2.25, -3.0e10]}}]),
    io:format("~p~n", [[<<"binary">>, <<1, 2, 3>>, <<>>, "string", 'quoted atom', [], {}]]),
    io:format("~p~n", [{[a | b], [1, 2 | 3], "tab\there", "quote\"s", 'it\'s'}]),
    io:format("\t~p~n", [lists:seq(1, 40)]),
    io:format("~w~n", [Person]),
    ok.
