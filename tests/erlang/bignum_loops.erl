%% Integer arithmetic just past the small range in loops that also build terms: products
%% and sums of one- and two-digit bignums (the runtime's direct path from IR code) mixed
%% with list cells and tuples built right after, so a result that lands where the code's
%% heap test reserved room for what it builds next would show; results beyond 64 bits
%% and mixed with floats take the general path.
-module(bignum_loops).
-export([main/0]).

main() ->
    rand:seed(exsss, {11, 12, 13}),
    A = [[rand:uniform(1 bsl 27) + (1 bsl 26) || _ <- lists:seq(1, 40)] || _ <- lists:seq(1, 40)],
    B = [[rand:uniform(1 bsl 30) || _ <- lists:seq(1, 40)] || _ <- lists:seq(1, 40)],
    Dots = [[dot(R, C, 0) || C <- B] || R <- A],
    Pairs = [pairs(R, C, []) || R <- A, C <- lists:sublist(B, 3)],
    Tuples = [{X * Y, X - Y * 7, -X * Y, X + (1 bsl 40)} || X <- hd(A), Y <- hd(B)],
    Wide = lists:foldl(fun(X, Acc) -> Acc * X + 1 end, 1, lists:seq(1, 30)),
    Mixed = [X * 1.5 + Y * 3 || X <- lists:sublist(hd(A), 5), Y <- [1 bsl 40, -(1 bsl 62)]],
    Edges = [{X + Y, X - Y, X * Y} || X <- edges(), Y <- edges()],
    {erlang:md5(term_to_binary(Dots)), erlang:md5(term_to_binary(Pairs)),
     erlang:md5(term_to_binary(Tuples)), Wide, Mixed, erlang:md5(term_to_binary(Edges)),
     lists:sum(lists:append(Dots)) rem 1000003}.

dot([], [], Acc) -> Acc;
dot([X | Xs], [Y | Ys], Acc) -> dot(Xs, Ys, Acc + X * Y).

pairs([], [], Acc) -> Acc;
pairs([X | Xs], [Y | Ys], Acc) -> pairs(Xs, Ys, [{X * Y, [X * X | Y * Y]} | Acc]).

edges() ->
    [0, 1, -1, (1 bsl 27) - 1, -(1 bsl 27), 1 bsl 27, (1 bsl 31) - 1, 1 bsl 31, 1 bsl 32,
     -(1 bsl 32), (1 bsl 63) - 1, -(1 bsl 63), 1 bsl 63, 1 bsl 64, 3037000499, -3037000500].
