%% Closures of arity 0..3 capturing 0..3 variables of every kind, called directly, through
%% a higher-order function (call_fun2 on an argument register) and from a list. Issue 12
%% item 1: a 0-arity closure called as `F()` saw the fun itself as its first free variable.
-module(closures_env).
-export([main/0]).

id(X) -> X.

c0(F) -> F().
c1(F) -> F(1).
c2(F) -> F(1, 2).
c3(F) -> F(1, 2, 3).

main() ->
    A = id(a), B = id(<<"b">>), C = id({c, [1, 2]}), D = id(1 bsl 70), E = id(#{k => v}),
    F0 = [fun() -> ok end, fun() -> A end, fun() -> {A, B} end, fun() -> {A, B, C} end,
          fun() -> {D, E, A} end],
    F1 = [fun(X) -> X end, fun(X) -> {X, A} end, fun(X) -> {X, A, B} end,
          fun(X) -> {X, C, D, E} end],
    F2 = [fun(X, Y) -> X + Y end, fun(X, Y) -> {X, Y, A} end, fun(X, Y) -> {X, Y, B, C} end],
    F3 = [fun(X, Y, Z) -> X + Y + Z end, fun(X, Y, Z) -> {X, Y, Z, D, E} end],
    Nested = fun() -> G = fun() -> {A, C} end, c0(G) end,
    [[c0(F) || F <- F0], [F() || F <- F0], [c1(F) || F <- F1], [c2(F) || F <- F2],
     [c3(F) || F <- F3], c0(Nested), lists:map(fun(F) -> F() end, F0),
     apply(lists:nth(3, F0), [])].
