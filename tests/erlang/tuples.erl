-module(tuples).
-export([main/0]).
%% Tuple construction, element access, setelement, tuple_size, tagged tuples.
main() ->
    T = {point, 3, 4},
    {point, X, Y} = T,
    T2 = setelement(2, T, X * 10),
    {X + Y, element(2, T2), tuple_size(T2), swap({a, b}), area({rect, 3, 5}), area({circle, 2})}.
swap({A, B}) -> {B, A}.
area({rect, W, H}) -> W * H;
area({circle, R}) -> {approx, 3 * R * R}.
