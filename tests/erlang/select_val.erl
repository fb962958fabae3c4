-module(select_val).
-export([main/0]).
%% Dense and sparse select_val on integers and atoms, select_tuple_arity, default clauses.
main() ->
    {[day(N) || N <- lists:seq(0, 8)],
     [sparse(N) || N <- [-1000000, -5, 0, 7, 100, 65536, 134217727, 999]],
     [kind(A) || A <- [red, green, blue, cyan, magenta, yellow, black, white, 42]],
     [arity(T) || T <- [{}, {a}, {a, b}, {a, b, c}, {a, b, c, d}, [a]]]}.
day(1) -> mon; day(2) -> tue; day(3) -> wed; day(4) -> thu;
day(5) -> fri; day(6) -> sat; day(7) -> sun; day(_) -> none.
sparse(-1000000) -> a; sparse(-5) -> b; sparse(0) -> c; sparse(100) -> d;
sparse(65536) -> e; sparse(134217727) -> f; sparse(_) -> z.
kind(red) -> warm; kind(yellow) -> warm; kind(magenta) -> warm;
kind(green) -> cool; kind(blue) -> cool; kind(cyan) -> cool;
kind(black) -> none; kind(white) -> all; kind(_) -> unknown.
arity({}) -> 0; arity({_}) -> 1; arity({_, _}) -> 2; arity({_, _, _}) -> 3;
arity(T) when is_tuple(T) -> many; arity(_) -> not_a_tuple.
