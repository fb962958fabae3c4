%% Strings, binaries, atoms, unicode with ~s, ~ts, ~p, ~tp and io:put_chars.
-module(strings).
-export([main/0]).

main() ->
    io:format("~s ~s ~s~n", ["plain", hello_atom, <<"a binary">>]),
    io:format("~s~n", [["deep ", ["io", $l, "ist"], <<" with binary">>]]),
    io:format("[~10s] [~-10s] [~.3s] [~10.3s] [~-10.3.*s]~n",
              ["right", "left", "truncate", "both", $., "pad"]),
    io:format("~p ~p ~p~n", ["with \"quotes\"", "tab\tand\nnewline", "back\\slash"]),
    io:format("~p ~lp~n", ["printable", "printable"]),
    io:format("~p~n", [[104, 101, 108, 108, 111, 0]]),
    io:format("~ts~n", [<<"caf", 195, 169>>]),
    io:format("~s~n", ["latin-1: caf\x{e9}"]),
    io:format("~tp ~p~n", ["caf\x{e9}", "caf\x{e9}"]),
    io:format("~tp~n", [[1087, 1088, 1080]]),
    io:format("~ts~n", [[1087, 1088, 1080, 1074, 1077, 1090]]),
    io:format("~tc~c~n", [1046, 1046]),
    io:format("~p ~w ~tw~n", ['\x{431}atom', 'with space', 'caf\x{e9}']),
    io:put_chars("put_chars line\n"),
    io:put_chars(["iolist ", <<"parts">>, $\n]),
    io:put_chars(standard_io, "to standard_io\n"),
    io:put_chars(user, "to user\n"),
    io:nl(),
    io:format(user, "format to ~s~n", [user]),
    io:fwrite("fwrite ~w~n", [ok]),
    io:format("no args~n"),
    io:format(<<"binary format ~w~n">>, [1]),
    io:format('atom format ~w~n', [2]),
    ok.
