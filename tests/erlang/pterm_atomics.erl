%% persistent_term, atomics and counters against erl: values, wrap-around at 64 bits,
%% and the badarg cases.
-module(pterm_atomics).
-export([main/0]).

e(F) -> try F() catch C:R -> {C, R} end.

main() -> [e(fun pterm/0), e(fun atomics/0), e(fun counters/0)].

pterm() ->
    ok = persistent_term:put({my, key}, [1, <<"two">>, {3}]),
    ok = persistent_term:put(k2, v2),
    ok = persistent_term:put(k2, v3),
    R = [persistent_term:get({my, key}), persistent_term:get(k2),
         persistent_term:get(nokey, default), e(fun() -> persistent_term:get(nokey) end),
         lists:sort([X || {K, _} = X <- persistent_term:get(), K =:= k2 orelse K =:= {my, key}]),
         persistent_term:erase(k2), persistent_term:erase(k2),
         persistent_term:get(k2, gone)],
    erlang:garbage_collect(),
    {R, persistent_term:get({my, key})}.

atomics() ->
    A = atomics:new(3, []),
    U = atomics:new(2, [{signed, false}]),
    [atomics:put(A, 1, 10), atomics:get(A, 1),
     atomics:add(A, 1, 5), atomics:add_get(A, 1, -20),
     atomics:sub(A, 2, 7), atomics:sub_get(A, 2, 1), atomics:exchange(A, 3, 99), atomics:get(A, 3),
     atomics:put(A, 1, (1 bsl 63) - 1), atomics:add_get(A, 1, 1),
     atomics:sub_get(U, 1, 1), atomics:add_get(U, 1, 2),
     maps:get(size, atomics:info(A)), maps:get(max, atomics:info(A)), maps:get(min, atomics:info(U)),
     maps:get(max, atomics:info(U)),
     e(fun() -> atomics:get(A, 0) end), e(fun() -> atomics:get(A, 4) end),
     e(fun() -> atomics:put(U, 1, -1) end), e(fun() -> atomics:put(A, 1, 1 bsl 63) end),
     e(fun() -> atomics:new(0, []) end), e(fun() -> atomics:new(1, [bad]) end),
     e(fun() -> atomics:add(A, 1, 1 bsl 64) end), e(fun() -> atomics:get(nota, 1) end)].

counters() ->
    C = counters:new(2, []),
    W = counters:new(1, [write_concurrency]),
    [counters:add(C, 1, 5), counters:sub(C, 1, 2), counters:get(C, 1), counters:get(C, 2),
     counters:put(C, 2, -7), counters:get(C, 2), counters:add(W, 1, 3), counters:get(W, 1),
     maps:get(size, counters:info(C)),
     e(fun() -> counters:get(C, 3) end), e(fun() -> counters:add(C, 1, a) end),
     e(fun() -> counters:new(2, [bad]) end)].
