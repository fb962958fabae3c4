%% Unicode text on erl's latin-1 stdout: characters above 255 come out as \x{HEX}.
-module(unitext).
-export([main/0]).

main() ->
    io:format("привет ~w~n", [1]),
    io:put_chars("привет\n"),
    io:put_chars(<<"привет\n"/utf8>>),
    io:format("~ts|~s~n", [<<"привет"/utf8>>, <<"привет"/utf8>>]),
    io:format("~p ~tp~n", [<<"привет"/utf8>>, <<"привет"/utf8>>]),
    io:format("~-8ts|~8ts|~n", ["при", "вет"]),
    io:format("~tp~n", [#{"ключ" => 'значение', <<"é"/utf8>> => "é"}]),
    {'EXIT', {Reason, _}} = (catch io:format(self(), "to myself~n", [])),
    io:format("~w~n", [Reason]),
    io:format(standard_io, "~p~n", [[{K, V} || {K, V} <- [{a, 1}, {b, "two"}]]]),
    ok.
