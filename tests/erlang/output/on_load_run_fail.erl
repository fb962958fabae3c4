-module(on_load_run_fail).
-export([main/0, hello/0]).
-on_load(init/0).
%% Loaded by on_load_run: its on_load function returns what on_load_run stored (ok when
%% run on its own). An atom other than ok makes the load fail without a report.

init() ->
    R = persistent_term:get(?MODULE, ok),
    io:format("on_load of on_load_run_fail returns ~p~n", [R]),
    R.

main() -> io:format("~p~n", [hello()]).
hello() -> hello_from_on_load_run_fail.
