-module(bitops_edges).
-export([main/0]).

%% band/bor/bxor/bsl/bsr and + - * div rem on integers around the 28-bit small limit,
%% the 32- and 64-bit digit limits and beyond, with every shift 0..70 and negatives.
main() ->
    Edges = lists:usort(lists:append([[P - 1, P, P + 1, -P - 1, -P, -P + 1]
                                      || B <- [0, 1, 27, 28, 31, 32, 33, 62, 63, 64, 65, 100],
                                         P <- [id(1) bsl B]])),
    Shifts = [0, 1, 3, 27, 28, 31, 32, 33, 63, 64, 70, -1, -33],
    Bits = [erlang:phash2([{X band Y, X bor Y, X bxor Y} || Y <- Edges]) || X <- Edges],
    Sh = [erlang:phash2([{X bsl S, X bsr S} || S <- Shifts]) || X <- Edges],
    Ar = [erlang:phash2([{X + Y, X - Y, X * Y} || Y <- Edges]) || X <- Edges],
    Dv = [erlang:phash2([{X div Y, X rem Y} || Y <- Edges, Y =/= 0]) || X <- Edges],
    {length(Edges), Bits, Sh, Ar, Dv, [X band 255 || X <- Edges]}.

id(X) -> X.
