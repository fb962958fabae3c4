-module(module_meta_peer).
-export([main/0, first/0, second/0, called_early/0, third/0]).
%% A module module_meta imports before this one is loaded: called_early/0's export
%% entry is made by that import, so erl lists it last in module_info(exports).

%% (Run on its own, sorted: the test harness may have run module_meta first.)
main() -> io:format("~p~n", [lists:sort(module_info(exports))]).
first() -> 1.
second() -> 2.
called_early() -> {module_info(exports), lists:sort(module_info(functions))}.
third() -> 3.
