-module(atoms).
-export([main/0]).
%% select_val over atoms and integers, is_atom/is_integer guards, booleans.
main() -> [classify(X) || X <- [a, b, c, 1, 2, 99, [], {x}]] ++ [day(N) || N <- [1, 3, 7, 9]].
classify(a) -> first;
classify(b) -> second;
classify(X) when is_atom(X) -> other_atom;
classify(1) -> one;
classify(X) when is_integer(X), X > 50 -> big;
classify(X) when is_integer(X) -> small;
classify([]) -> nil;
classify(_) -> unknown.
day(1) -> mon; day(2) -> tue; day(3) -> wed; day(4) -> thu;
day(5) -> fri; day(6) -> sat; day(7) -> sun; day(_) -> none.
