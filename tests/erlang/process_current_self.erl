-module(hosted_process_current_self).
-export([main/0]).
%% process_info(self(), current_function | current_location) names the function that
%% calls it, as erl. Hosted only: the simulator records each BIF call's return address;
%% native code does not yet (there it still gives {erlang, apply, 2}).
me() -> erlang:process_info(self(), current_function).
me2() -> X = erlang:process_info(self(), current_function), {X, ok}.
me3(N) -> [erlang:process_info(self(), current_location), N].
deeper(0) -> {me2(), erlang:process_info(self(), [current_function, current_location])};
deeper(N) -> {R, _} = {deeper(N - 1), N}, R.

main() ->
    [me(), me2(), me3(1), deeper(3),
     erlang:process_info(self(), [current_function]),
     [erlang:process_info(self(), current_function) || _ <- [1, 2]],
     (fun() -> {erlang:process_info(self(), current_function), x} end)()].
