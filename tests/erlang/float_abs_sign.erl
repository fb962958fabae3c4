-module(float_abs_sign).
-export([main/0]).
%% The sign of -0.0 through abs/float/round/trunc/floor/ceil, arithmetic, unary minus,
%% conversions and printing, as erl keeps it: erl's abs negates only values below zero,
%% so abs(-0.0) is -0.0 (f64::abs would give 0.0). The values are made at run time
%% (id/1) so the compiler folds nothing; typed float code (float registers) too.
main() ->
    Z = id(-0.0),
    P = id(0.0),
    Bits = fun(F) -> <<F/float>> end,
    [abs(Z), Bits(abs(Z)), abs(P), Bits(abs(P)), erlang:abs(Z),
     float(Z), Bits(float(Z)), round(Z), trunc(Z), floor(Z), ceil(Z),
     trunc(id(-0.5)), round(id(-0.4)), floor(id(-0.0)), ceil(id(-0.5)),
     -Z, Bits(-Z), -P, Bits(-P), erlang:'-'(Z), Bits(erlang:'-'(P)),
     Z + P, P + Z, Z - P, Z + Z, Bits(Z + Z), Z * 1, Bits(Z * 1), Z * -1.0, P * -1.0,
     Bits(P * -1.0), Z / 1, Bits(Z / 1), P / -1.0, Bits(P / -1.0),
     abs(id(-0)), abs(id(-1.5)), abs(id(-(1 bsl 70))),
     Z == P, Z =:= P, Z < P, P < Z, lists:max([Z, P]), lists:min([P, Z]),
     math:sqrt(Z), Bits(math:sqrt(Z)), math:sin(Z), Bits(math:sin(Z)),
     float_to_list(Z), float_to_list(abs(Z)), float_to_binary(Z, [short]),
     float_to_list(Z, [{decimals, 2}]), float_to_list(abs(Z), [{scientific, 3}]),
     list_to_float("-0.0"), Bits(list_to_float("-0.0")), binary_to_float(<<"-0.0e0">>),
     term_to_binary(abs(Z)), binary_to_term(term_to_binary(Z)),
     Bits(binary_to_term(term_to_binary(Z))),
     lists:flatten(io_lib:format("~p ~w ~f ~e ~g ~.1f", [Z, abs(Z), Z, Z, Z, Z])),
     typed(Z, P), typed(P, Z), typed(-2.5, 0.0),
     [{X, abs(X), Bits(abs(X))} || X <- [id(-0.0), id(0.0), id(-1.0e-320), id(-5.0e-324)]]].

%% Float-register code: the compiler types these as floats (fmove/fsub/fmul/fnegate).
typed(A, B) when is_float(A), is_float(B) ->
    C = A * 1.0,
    D = -C,
    E = B - C,
    F = abs(C),
    {C, D, E, F, <<C/float, D/float, E/float, F/float>>}.

id(X) -> X.
