-module(funs).
-export([main/0]).
%% Funs: closures over free variables, funs passed to the real OTP lists module
%% (map, foldl, filter, any, all), fun M:F/A values, funs returning funs.
main() ->
    K = 10,
    Add = fun(X) -> X + K end,
    Twice = fun(F) -> fun(X) -> F(F(X)) end end,
    {lists:map(Add, [1, 2, 3]),
     lists:foldl(fun(A, B) -> A + B end, 0, lists:seq(1, 100)),
     lists:filter(fun(X) -> X rem 3 =:= 0 end, lists:seq(1, 20)),
     (Twice(Add))(1),
     lists:map(fun erlang:abs/1, [-1, 2, -3]),
     lists:any(fun(X) -> X > 5 end, [1, 7]), lists:all(fun is_integer/1, [1, a])}.
