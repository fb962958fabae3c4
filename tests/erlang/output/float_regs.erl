-module(float_regs).
-export([main/0]).
%% Float code the compiler types: it keeps intermediates in float registers (fmove,
%% fconv, fadd, fsub, fmul, fdiv, fnegate). nbody/spectralnorm/mandelbrot in small,
%% averages, conversions of integers and bignums, and the badarith cases.
-record(pt, {x = 0.0, y = 0.0}).

main() ->
    io:format("~p~n", [avg([1, 2, 3, 4, 5, 6, 7])]),
    io:format("~p~n", [avg([1.5, 2.25, -3.0])]),
    io:format("~.9f~n", [nbody(100)]),
    io:format("~.9f~n", [spectral(20)]),
    io:format("~p~n", [[mandel(X / 10, Y / 10) || X <- lists:seq(-20, 5, 5), Y <- [-1.0, 0.0, 0.5]]]),
    io:format("~p~n", [poly(3, 1 bsl 70)]),
    io:format("~p~n", [[neg(F) || F <- [0.0, 1.5, -2.5e300]]]),
    io:format("~p~n", [[err(fun conv/1, A) || A <- [a, [], {1}, <<1>>, 1 bsl 2000, 3, 2.5, 1 bsl 100]]]),
    io:format("~p~n", [[err(fun big_mul/1, F) || F <- [1.0e300, -1.0e300, 2.0]]]),
    io:format("~p~n", [[err(fun fdiv/1, F) || F <- [0.0, 4.0]]]),
    io:format("~p~n", [dist(#pt{x = 3.0, y = 4.0}, #pt{})]),
    io:format("~p~n", [[err(fun px/1, R) || R <- [#pt{x = 1.5}, {other}, {pt, 1}, 7]]]),
    io:format("~p~n", [lerp_sum(1000)]),
    io:format("~p~n", [[err(fun rethrow/1, X) || X <- [{throw, t}, {error, e}, {exit, x}]]]),
    rand:seed(exsss, {1, 2, 3}),
    io:format("~p~n", [[rand:uniform() || _ <- lists:seq(1, 4)]]),
    io:format("~p~n", [[rand:uniform(100) || _ <- lists:seq(1, 4)]]),
    io:format("~p~n", [rand:normal()]),
    U = rand:uniform(),
    io:format("~p~n", [U >= 0.0 andalso U < 1.0]),
    ok.

err(F, A) ->
    try F(A) catch C:R -> {C, R} end.

rethrow({C, R}) ->
    try erlang:C(R) catch C2:R2:S -> erlang:raise(C2, {again, R2}, S) end.

px(R) -> R#pt.x + 1.0.

avg(L) -> lists:sum(L) / length(L).

%% A two-body step loop (nbody style): positions and velocities as floats.
nbody(N) -> nbody(N, 0.0, 0.0, 1.0, 0.5, 0.01).
nbody(0, X, Y, _, _, _) -> math:sqrt(X * X + Y * Y);
nbody(N, X, Y, Vx, Vy, Dt) when is_float(X), is_float(Y), is_float(Vx), is_float(Vy) ->
    D2 = X * X + Y * Y + 0.01,
    Mag = Dt / (D2 * math:sqrt(D2)),
    Vx1 = Vx - X * Mag,
    Vy1 = Vy - Y * Mag,
    nbody(N - 1, X + Dt * Vx1, Y + Dt * Vy1, Vx1, Vy1, Dt).

%% spectralnorm: A(i,j) = 1/((i+j)(i+j+1)/2+i+1).
a(I, J) -> 1 / ((I + J) * (I + J + 1) / 2 + I + 1).
mul_av(N, V) -> [lists:sum([a(I, J) * lists:nth(J + 1, V) || J <- lists:seq(0, N - 1)]) || I <- lists:seq(0, N - 1)].
mul_atv(N, V) -> [lists:sum([a(J, I) * lists:nth(J + 1, V) || J <- lists:seq(0, N - 1)]) || I <- lists:seq(0, N - 1)].
mul_atav(N, V) -> mul_atv(N, mul_av(N, V)).
spectral(N) ->
    U0 = lists:duplicate(N, 1.0),
    {U, V} = lists:foldl(fun(_, {U1, _}) -> V1 = mul_atav(N, U1), {mul_atav(N, V1), V1} end,
                         {U0, U0}, lists:seq(1, 5)),
    VBv = lists:sum(lists:zipwith(fun(A, B) -> A * B end, U, V)),
    Vv = lists:sum([X * X || X <- V]),
    math:sqrt(VBv / Vv).

mandel(Cr, Ci) -> mandel(0.0, 0.0, Cr, Ci, 0).
mandel(Zr, Zi, Cr, Ci, N) when N < 50 ->
    Zr2 = Zr * Zr,
    Zi2 = Zi * Zi,
    if Zr2 + Zi2 > 4.0 -> N;
       true -> mandel(Zr2 - Zi2 + Cr, 2.0 * Zr * Zi + Ci, Cr, Ci, N + 1)
    end;
mandel(_, _, _, _, N) -> N.

poly(A, B) -> A * 1.5 + B * 0.25 - A / 3.

neg(X) when is_float(X) -> -X * 2.0.

conv(A) -> A * 1.5.

big_mul(F) when is_float(F) -> F * F * 10.0.

fdiv(F) when is_float(F) -> 1.0 / F + 2.0.

dist(#pt{x = X1, y = Y1}, #pt{x = X2, y = Y2}) ->
    Dx = X1 - X2, Dy = Y1 - Y2,
    math:sqrt(Dx * Dx + Dy * Dy).

lerp_sum(N) -> lerp_sum(N, 0, 0.0).
lerp_sum(0, _, Acc) -> Acc;
lerp_sum(N, I, Acc) -> lerp_sum(N - 1, I + 1, Acc + (I / 1000) * 0.5 + (1 - I / 1000) * 2.0).
