%% The BIFs that stand in for the boot's servers (docs/boot.md): code, os:cmd, zlib,
%% application:which_applications, and term_to_binary's minor version 2, against erl.
-module(boot_bifs).
-export([main/0]).

main() ->
    T = {atom, [b, 'é', "str", <<"bin">>], #{k => v}, 1.5, -7, 1 bsl 70},
    io:format("~w~n", [term_to_binary(T, [{minor_version, 2}])]),
    io:format("~w~n", [term_to_binary(T, [{minor_version, 1}, deterministic])]),
    Data = term_to_binary(lists:seq(1, 500)),
    Z = zlib:compress(Data),
    io:format("~w ~p~n", [erlang:md5(Z), zlib:uncompress(Z) =:= Data]),
    io:format("~p~n", [zlib:compress(<<"hello hello hello hello">>)]),
    io:format("~p ~p ~p~n", [code:which(lists), code:which(no_such_module), code:is_loaded(no_such_module)]),
    io:format("~p ~p~n", [code:ensure_loaded(orddict), code:is_loaded(orddict)]),
    io:format("~p~n", [code:ensure_loaded(no_such_module)]),
    io:format("~p~n", [os:cmd("echo out; echo err 1>&2; printf 'no newline'")]),
    io:format("~p~n", [os:cmd(true)]),
    io:format(["deep ", ["list"], [], "~n"]),
    io:format("~p~n", [application:which_applications()]).
