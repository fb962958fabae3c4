-module(process_current_self).
-export([main/0]).
%% process_info(self(), current_function | current_location) names the function that
%% calls it, as erl: the simulator records each BIF call's return address from its LR,
%% native code through the shim vm/src/native.rs puts in front of the BIF entry.
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
