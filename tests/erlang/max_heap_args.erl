-module(max_heap_args).
-export([main/0]).
%% max_heap_size's argument checks, as erl: through process_flag/2 (in a fresh process
%% each, which gives back the old setting and the new one) and spawn_opt. A size is 0 or
%% at least the minimum heap size (233, or min_heap_size rounded up to a heap size), and
%% a small integer; a map needs `size`, its flags must be booleans, other keys are
%% ignored. A limit below the process's current heap is accepted.
main() ->
    Vals = [0, 1, 100, 232, 233, 234, 1000, 10000, -1, 1.5, foo, 1 bsl 27, 1 bsl 31,
            1 bsl 59, #{}, #{size => 0}, #{size => 100}, #{size => 233}, #{size => 234},
            #{size => 10000}, #{size => 10000, kill => false},
            #{size => 10000, kill => maybe}, #{size => 10000, error_logger => 1},
            #{size => 10000, error_logger => false, kill => true},
            #{size => 10000, include_shared_binaries => true},
            #{size => 10000, include_shared_binaries => 0},
            #{size => 10000, foo => bar}, #{kill => true}, #{size => -5}, #{size => foo},
            #{size => 1 bsl 59}, [], {size, 10}],
    A = [{V, pf(V)} || V <- Vals],
    B = [{V, sp([{max_heap_size, V}])} || V <- Vals],
    C = [{Min, V, sp([{min_heap_size, Min}, {max_heap_size, V}])}
         || Min <- [0, 233, 234, 2000, 2586, 2587], V <- [1000, 2000, 2586, 3000, 4185, 4186,
                                                       #{size => 1500}, 0]],
    D = [{V, sp([{min_heap_size, V}])} || V <- [0, 1, 2000, -1, foo]],
    E = [{M, V, pf_min(M, V)} || M <- [233, 2000], V <- [1000, 2000, 2586, 2587, 0]],
    F = big_heap(),
    [A, B, C, D, E, F].

sp(Opts) ->
    try spawn_opt(fun() -> ok end, [monitor | Opts]) of
        {P, R} when is_pid(P) ->
            receive {'DOWN', R, process, P, Why} -> Why after 5000 -> no_down end
    catch C:R -> {C, R}
    end.

pf(V) ->
    in_process(fun() ->
        R = try process_flag(max_heap_size, V) catch C:E -> {C, E} end,
        {R, process_flag(max_heap_size, 0)}
    end).

pf_min(Min, V) ->
    in_process(fun() ->
        process_flag(min_heap_size, Min),
        try process_flag(max_heap_size, V) catch C:E -> {C, E} end
    end).

%% A process whose heap is larger than the limit it then sets: accepted.
big_heap() ->
    in_process(fun() ->
        L = lists:seq(1, 50000),
        R = process_flag(max_heap_size, #{size => 1000, kill => false, error_logger => false}),
        {length(L), R, process_flag(max_heap_size, 0)}
    end).

in_process(F) ->
    Me = self(),
    P = spawn(fun() -> Me ! {self(), F()} end),
    receive {P, R} -> R after 5000 -> timeout end.
