-module(int64_edges).
-export([main/0]).
%% + - * rem div around the small (28-bit) and 64-bit boundaries, where the runtime's
%% 64-bit fast path hands over to bignums (i64::MIN div -1, zero divisors, carries
%% into a third digit), on randomized operands up to 66 bits; the results are
%% compared through a hash, with the first few spelled out.
main() ->
    rand:seed(exsss, {1, 2, 3}),
    Edges = [0, 1, -1, 7, -7, 134217727, -134217728, 134217728, -134217729,
             1 bsl 31, -(1 bsl 31), (1 bsl 32) - 1, -(1 bsl 32), 1 bsl 62, (1 bsl 63) - 1,
             -(1 bsl 63), 1 bsl 63, -(1 bsl 63) - 1, 1 bsl 64, 999983, -999983],
    Rand = [rnd() || _ <- lists:seq(1, 200)],
    R = [op(Op, A, B) || A <- Edges ++ Rand, B <- Edges ++ lists:sublist(Rand, 20),
                         Op <- ['rem', 'div', '+', '-', '*']],
    {length(R), lists:sublist(R, 40), erlang:phash2(R)}.

rnd() ->
    V = rand:uniform(1 bsl rand:uniform(66)),
    case rand:uniform(2) of 1 -> V; 2 -> -V end.

op(Op, A, B) ->
    try
        case Op of
            'rem' -> A rem B;
            'div' -> A div B;
            '+' -> A + B;
            '-' -> A - B;
            '*' -> A * B
        end
    catch error:E -> E
    end.
