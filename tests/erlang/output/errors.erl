%% Bad formats and arguments raise error:badarg in the caller, as in OTP.
-module(errors).
-export([main/0]).

try_format(F, A) ->
    try io:format(F, A) of
        ok -> io:format(" -> ok~n")
    catch
        C:R -> io:format("~w:~w~n", [C, R])
    end.

try_lib(F, A) ->
    try io_lib:format(F, A) of
        S -> io:format("~ts~n", [S])
    catch
        C:R -> io:format("~w:~w~n", [C, R])
    end.

main() ->
    Cases = [{"~d", [1]}, {"~s", [1]}, {"~p ~p", [1]}, {"~p", [1, 2]}, {"~f", [1]},
             {"~e", [1.0e0 + 0]}, {"~c", [a]}, {"~.1e", [1.0]}, {"~-5p", [x]},
             {"~.37B", [1]}, {"~x", [1, <<"0x">>]}, {"~", []}, {"~s", [[300]]},
             {"~ts", [[300]]}, {"~w", [ok]}],
    [try_format(F, A) || {F, A} <- Cases],
    [try_lib(F, A) || {F, A} <- Cases],
    R1 = (catch io:format(nodevice, "x", [])),
    R2 = (catch io:put_chars(nodevice, "x")),
    R3 = (catch io:put_chars(an_atom)),
    io:format("~w ~w ~w~n", [element(1, element(2, R1)), element(1, element(2, R2)),
                             element(1, element(2, R3))]),
    ok.
