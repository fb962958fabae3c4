%% is_function(F, N) in guards and bodies checks the arity of every kind of fun:
%% closures, local funs and external funs (`fun M:F/A`, which logger's report
%% callbacks are), with constant and variable arities.
-module(is_function_arity).
-export([main/0]).

g(F) when is_function(F, 0) -> 0;
g(F) when is_function(F, 1) -> 1;
g(F) when is_function(F, 2) -> 2;
g(F) when is_function(F, 3) -> 3;
g(F) when is_function(F) -> many;
g(_) -> no.

v(F, N) when is_function(F, N) -> yes;
v(_, _) -> no.

main() ->
    Y = 7,
    Funs = [fun lists:map/2, fun supervisor:format_log/2, fun erlang:abs/1,
            fun lists:foldl/3, fun erlang:self/0, fun nosuch:f/4,
            fun() -> Y end, fun(A) -> A + Y end, fun(A, B) -> {A, B} end,
            fun g/1, fun v/2, atom, 3],
    [{g(F), [v(F, N) || N <- [0, 1, 2, 3, 4]], is_function(F, 2)} || F <- Funs].
