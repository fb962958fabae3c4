-module(catch_errors).
-export([main/0]).
%% try/catch of every class; the caught reasons are values.
main() ->
    [t(fun() -> 1 div zero(0) end), t(fun() -> throw(oops) end), t(fun() -> exit(bye) end),
     t(fun() -> error({my, error}) end), t(fun() -> {ok} = {no} end),
     t(fun() -> element(0, {}) end), t(fun() -> ok end),
     (catch throw(caught)), nested()].
zero(X) -> X.
t(F) -> try F() of V -> {value, V} catch C:R -> {C, R} end.
nested() ->
    try try throw(inner) catch throw:inner -> error(outer) end
    catch error:outer -> recovered end.
