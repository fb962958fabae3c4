-module(fold_sum).
-export([main/0]).
%% Tail-recursive accumulators over long lists (smalls overflowing into bignums).
main() ->
    L = lists:seq(1, 100000),
    {sum(L, 0), lists:foldl(fun(X, A) -> A + X * X end, 0, L), prod(lists:seq(1, 25), 1)}.
sum([], A) -> A;
sum([H | T], A) -> sum(T, A + H).
prod([], A) -> A;
prod([H | T], A) -> prod(T, A * H).
