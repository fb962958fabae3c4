-module(io_errors).
-export([main/0]).
%% The errors of io and io_lib functions this VM runs as BIFs in place of OTP's Erlang
%% code (io.erl, io_lib.erl): the frame erl shows is the Erlang function's, at the line
%% of io.erl or io_lib.erl that raised, with io.erl's error_info cause (a bad device,
%% the caller as its own device, a bad format or bad characters); io_lib:fwrite/2 shows
%% as format/2 (a tail call of it). Called in tail position from a fun, the fun's frame
%% is gone, as an Erlang function's caller's is; called in body position, the caller
%% shows. Printed without erl's launcher frames and with the pid masked.

main() ->
    B = id(nodev),
    E = id([]),
    Cases = [{put_chars_bad_dev, fun() -> io:put_chars(B, "x") end},
             {put_chars_bad_data, fun() -> io:put_chars(E ++ [foo]) end},
             {put_chars_both_bad, fun() -> io:put_chars(B, [foo]) end},
             {nl_bad_dev, fun() -> io:nl(B) end},
             {write_bad_dev, fun() -> io:write(B, x) end},
             {format_atom, fun() -> io:format(B) end},
             {format1_bad, fun() -> io:format(E ++ "~p") end},
             {fwrite1_bad, fun() -> io:fwrite(E ++ "~p") end},
             {format3_stderr_bad, fun() -> io:format(standard_error, E ++ "~p", []) end},
             {format3_bad_dev, fun() -> io:format(B, E ++ "~p", []) end},
             {format3_self, fun() -> io:format(self(), "x", []) end},
             {format2_too_few, fun() -> io:format(E ++ "~p ~p", [a]) end},
             {fwrite3_bad_dev, fun() -> io:fwrite(B, "~p", [1]) end},
             {lib_format_too_many, fun() -> io_lib:format(E ++ "~p", [a, b]) end},
             {lib_fwrite_too_many, fun() -> io_lib:fwrite(E ++ "~p", [a, b]) end},
             {lib_format_bad_directive, fun() -> io_lib:format(E ++ "~q", [a]) end},
             {lib_format_not_list, fun() -> io_lib:format(E ++ "~p", id(a)) end},
             {lib_format_body, fun() -> X = io_lib:format(E ++ "~w", []), {X} end},
             {format_body, fun() -> ok = io:format(E ++ "~w ~w", [a]), done end}],
    [io:format("~p: ~p~n", [Name, run(F)]) || {Name, F} <- Cases],
    ok.

run(F) ->
    try F() of
        V -> {ok, V}
    catch
        C:R:S -> {C, mask(R), [mask(Fr) || {M, _, _, _} = Fr <- S, lists:member(M, [io, io_lib, ?MODULE])]}
    end.

mask(T) when is_pid(T) -> pid;
mask(T) when is_tuple(T) -> list_to_tuple(mask(tuple_to_list(T)));
mask([H | T]) -> [mask(H) | mask(T)];
mask(T) -> T.

id(X) -> X.
