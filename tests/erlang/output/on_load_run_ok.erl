-module(on_load_run_ok).
-export([main/0, hello/0, ran_in/0, report/1]).
-on_load(init/0).
%% Loaded by on_load_run: its on_load function prints, and runs in a process of its own.

init() ->
    io:format("on_load of on_load_run_ok~n"),
    persistent_term:put({?MODULE, ran_in}, self()),
    put(?MODULE, set_by_on_load),
    ok.

main() -> io:format("~p~n", [hello()]).
hello() -> hello_from_on_load_run_ok.
ran_in() -> persistent_term:get({?MODULE, ran_in}).
report(To) -> To ! {reported, self()}.
