%% Randomized term order against erl: pairs of random terms (tuples of mixed elements
%% above all, as sort keys and records are: smalls, bignums, floats equal to integers,
%% atoms, nested tuples, lists, binaries) compared with <, ==, =:=, and sorted with
%% lists:sort/usort and lists:keysort.
-module(compare_random).
-export([main/0]).

main() ->
    rand:seed(exsss, {11, 12, 13}),
    Ts = [term(3) || _ <- lists:seq(1, 400)],
    Pairs = lists:zip(Ts, tl(Ts) ++ [hd(Ts)]),
    Cmp = [{A < B, A == B, A =:= B, A >= B, A =/= B} || {A, B} <- Pairs],
    Tuples = [list_to_tuple([small(), elem(2), elem(1)]) || _ <- lists:seq(1, 300)],
    {erlang:md5(term_to_binary(Cmp)),
     erlang:md5(term_to_binary(lists:sort(Ts))),
     erlang:md5(term_to_binary(lists:usort(Tuples))),
     erlang:md5(term_to_binary(lists:keysort(2, Tuples))),
     lists:sublist(Cmp, 8), lists:sublist(lists:sort(Tuples), 4)}.

term(0) -> elem(0);
term(D) ->
    case rand:uniform(6) of
        1 -> list_to_tuple([term(D - 1) || _ <- lists:seq(1, rand:uniform(3) - 1)]);
        2 -> {small(), term(D - 1)};
        3 -> {small(), small(), elem(D - 1)};
        4 -> [term(D - 1) || _ <- lists:seq(1, rand:uniform(3) - 1)];
        _ -> elem(D - 1)
    end.

elem(D) ->
    case rand:uniform(9) of
        1 -> small();
        2 -> small() * 134217728 * (rand:uniform(3) - 2);
        3 -> float(small());
        4 -> lists:nth(rand:uniform(4), [a, b, ok, zz]);
        5 when D > 0 -> {small(), elem(D - 1)};
        6 -> list_to_binary([rand:uniform(3) || _ <- lists:seq(1, rand:uniform(3))]);
        7 -> [];
        8 -> small() / 4;
        _ -> small()
    end.

small() -> rand:uniform(7) - 4.
