-module(float_typed).
-export([main/0]).
%% Float code the compiler keeps in float registers (fmove/fconv/fadd/fsub/fmul/fdiv/
%% fnegate): typed loops, averages, float guards, -0.0, overflow to badarith, integer/float
%% mixing and bignum conversion. main/0's value is compared with erl's.

main() ->
    [avg([1, 2, 3, 4]), avg([0.5, 1.5]), avg([1 bsl 80, 3]),
     mandel(60), spectral(8), nbody(200),
     [neg(F) || F <- [0.0, -0.0, 1.0, -2.5, 1.0e308]],
     [negsq(F) || F <- [0.0, -0.0, 3.0]],
     [sub0(F) || F <- [0.0, -0.0]],
     [err(fun ovf/1, F) || F <- [1.0e308, -1.0e308, 1.0e300, 1.0]],
     [err(fun divz/1, F) || F <- [0.0, -0.0, 2.0]],
     [err(fun conv/1, A) || A <- [1, -7, 1 bsl 64, -(1 bsl 100), 1 bsl 1100, 2.5, a, "x", {}]],
     [guarded(X) || X <- [1.5, 3, -0.0, 0.0, atom, 1 bsl 70]],
     mix(10, 0.0),
     poly(1.0e-3),
     fold_mul([1.5, 2.0, -0.5, 4.0e10]),
     {-0.0, 0.0 - 0.0, -0.0 * 1.0, 0.0 * -1.0},
     [X * 1.0 || X <- [0, 1, -1]],
     rand_ok()].

err(F, A) ->
    try F(A) catch C:R -> {C, R} end.

avg(L) -> lists:sum(L) / length(L).

neg(X) when is_float(X) -> -X.
negsq(X) when is_float(X) -> -X * X.
sub0(X) when is_float(X) -> 0.0 - X.

ovf(X) when is_float(X) -> X * 10.0 + 1.0.
divz(X) when is_float(X) -> 1.0 / X.
conv(A) -> A * 0.5 + 1.

guarded(X) when is_float(X), X > 1.0 -> big;
guarded(X) when is_float(X), X == 0.0 -> zero;
guarded(X) when is_number(X) -> {num, X / 2};
guarded(_) -> other.

mix(0, Acc) -> Acc;
mix(N, Acc) -> mix(N - 1, Acc + N / 3 + N * 0.25 - (N div 2)).

poly(X) when is_float(X) -> ((3.0 * X + 2.0) * X - 1.0) * X / 7.0.

fold_mul(L) -> lists:foldl(fun(X, A) when is_float(X), is_float(A) -> A * X - 1.0 end, 1.0, L).

%% mandelbrot: count of points of a small grid inside the set.
mandel(N) ->
    length([1 || Y <- lists:seq(0, N - 1), X <- lists:seq(0, N - 1),
                 iter(2.0 * X / N - 1.5, 2.0 * Y / N - 1.0, 0.0, 0.0, 0) =:= 50]).
iter(_, _, _, _, 50) -> 50;
iter(Cr, Ci, Zr, Zi, I) when is_float(Cr), is_float(Ci), is_float(Zr), is_float(Zi) ->
    Zr2 = Zr * Zr, Zi2 = Zi * Zi,
    case Zr2 + Zi2 > 4.0 of
        true -> I;
        false -> iter(Cr, Ci, Zr2 - Zi2 + Cr, 2.0 * Zr * Zi + Ci, I + 1)
    end.

%% spectralnorm with tuples.
a(I, J) -> 1.0 / ((I + J) * (I + J + 1) div 2 + I + 1).
av(N, V) -> list_to_tuple([dot(N, fun(J) -> a(I, J) end, V) || I <- lists:seq(0, N - 1)]).
atv(N, V) -> list_to_tuple([dot(N, fun(J) -> a(J, I) end, V) || I <- lists:seq(0, N - 1)]).
dot(N, F, V) -> dot(N - 1, F, V, 0.0).
dot(-1, _, _, Acc) -> Acc;
dot(J, F, V, Acc) when is_float(Acc) -> dot(J - 1, F, V, Acc + F(J) * element(J + 1, V)).
spectral(N) ->
    U0 = list_to_tuple(lists:duplicate(N, 1.0)),
    {U, V} = lists:foldl(fun(_, {U1, _}) -> V1 = atv(N, av(N, U1)), {atv(N, av(N, V1)), V1} end,
                         {U0, U0}, lists:seq(1, 4)),
    Vb = lists:sum([element(I, U) * element(I, V) || I <- lists:seq(1, N)]),
    Vv = lists:sum([element(I, V) * element(I, V) || I <- lists:seq(1, N)]),
    math:sqrt(Vb / Vv).

%% nbody: one body around a fixed centre.
nbody(N) -> nbody(N, 1.0, 0.0, 0.0, 1.0, 0.01).
nbody(0, X, Y, Vx, Vy, _) -> {X, Y, Vx, Vy};
nbody(N, X, Y, Vx, Vy, Dt) when is_float(X), is_float(Y), is_float(Vx), is_float(Vy), is_float(Dt) ->
    R2 = X * X + Y * Y,
    F = Dt / (R2 * math:sqrt(R2)),
    Vx1 = Vx - X * F, Vy1 = Vy - Y * F,
    nbody(N - 1, X + Dt * Vx1, Y + Dt * Vy1, Vx1, Vy1, Dt).

%% rand keeps its state in the process dictionary: erase it, since erl runs every test
%% program in one process (proc_dict_reg reads the whole dictionary).
rand_ok() ->
    L = [rand:uniform() || _ <- lists:seq(1, 50)],
    R = {lists:all(fun(U) -> is_float(U) andalso U >= 0.0 andalso U < 1.0 end, L),
         lists:all(fun(I) -> I >= 1 andalso I =< 6 end, [rand:uniform(6) || _ <- lists:seq(1, 50)])},
    erase(rand_seed),
    R.
