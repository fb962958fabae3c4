-module(fun_info_external).
-export([main/0, id/1]).
%% External funs (`fun M:F/A`, literal or made at run time by erlang:make_fun/3, which
%% `fun M:F/A` with variable parts compiles to): fun_info/1,2 and fun_info_mfa/1 as erl
%% gives them, calls through them (a BIF, a module not loaded yet, a missing function),
%% equality with literals, term_to_binary round trips, make_fun's argument checks.
main() ->
    Lit = [fun lists:map/2, fun erlang:abs/1, fun ?MODULE:main/0, fun nomod:nofun/3],
    Items = [type, module, name, arity, env, pid, index, new_index, uniq, new_uniq, refc],
    Info = [[erlang:fun_info(X) | [erlang:fun_info(X, I) || I <- Items]] || X <- Lit],
    Bad = [c(fun() -> erlang:fun_info(fun lists:map/2, foo) end),
           c(fun() -> erlang:fun_info(1) end),
           c(fun() -> erlang:fun_info(fun lists:map/2, 1) end)],
    Mfa = [erlang:fun_info_mfa(X) || X <- Lit],
    M = id(lists), F = id(reverse), A = id(1),
    X = fun M:F/A,
    Y = erlang:make_fun(id(lists), id(seq), id(2)),
    Abs = erlang:make_fun(id(erlang), id(abs), id(1)),
    Leap = erlang:make_fun(id(calendar), id(is_leap_year), id(1)),
    Missing = erlang:make_fun(id(nomod), id(nofun), id(1)),
    Made = [erlang:fun_info(X), erlang:fun_info(Y), X([1, 2]), Y(1, 3), Abs(-3),
            [Leap(Yr) || Yr <- [1900, 2000, 2024]], lists:map(Abs, [-1, 2, -3]),
            c(fun() -> Missing(1) end), X =:= fun lists:reverse/1, Abs == fun erlang:abs/1,
            term_to_binary(X), binary_to_term(term_to_binary(Y)) =:= Y,
            erlang:fun_to_list(X), is_function(X, 1), is_function(X, 2),
            erlang:fun_info(erlang:make_fun(m, f, id(255)), arity)],
    MakeBad = [c(fun() -> erlang:make_fun(id(Mo), id(Fu), id(Ar)) end)
               || {Mo, Fu, Ar} <- [{1, f, 1}, {m, "f", 1}, {m, f, -1}, {m, f, 256}, {m, f, a}]],
    [Info, Bad, Mfa, Made, MakeBad].

c(F) -> try F() catch C:R -> {C, element(1, if is_tuple(R) -> R; true -> {R} end)} end.

id(X) -> X.
