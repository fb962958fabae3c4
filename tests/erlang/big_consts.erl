-module(big_consts).
-export([main/0]).

%% Big-integer and float constants in every operand position the compiler puts them:
%% map pairs (put_map_assoc/exact), select lists, tests, tuples, lists, calls.
main() ->
    A = id(5),
    M = #{d => A, 1 => 18446744073709551616, 2 => 134217728, 3 => -134217729, 4 => 2.5},
    M2 = M#{1 := 340282366920938463463374607431768211457, f => 1.0e300},
    [M, M2,
     sel(18446744073709551616), sel(134217728), sel(7),
     {A, 4294967296}, [A, -18446744073709551616],
     id(576460752303423488) + A,
     maps:get(2, M2) * 2,
     case A of 5 -> #{k => 9223372036854775808} end].

sel(18446744073709551616) -> big64;
sel(134217728) -> big27;
sel(_) -> other.

id(X) -> X.
