%% Randomized ETS workload: the same pseudo-random operation sequence (an LCG, so both
%% VMs draw the same numbers) on each table type, run here and in erl; the results of
%% every operation are compared. Results whose order OTP leaves to the hash (set/bag
%% traversals, select on them) are sorted first. BEAMJIT_ETS_OPS sets the number of
%% operations per table (400 by default; both VMs read it).
-module(ets_random).
-export([main/0]).

main() ->
    [run(Type, Seed) || Type <- [set, ordered_set, bag, duplicate_bag], Seed <- [1, 7]].

next(S) -> (S * 1103515245 + 12345) band 16#7fffffff.

pick(S, N) -> S1 = next(S), {(S1 bsr 8) rem N, S1}.

key(S) ->
    {K, S1} = pick(S, 16),
    {F, S2} = pick(S1, 5),
    case F of
        0 -> {lists:nth(K + 1, [float(I) || I <- lists:seq(0, 15)]), S2};
        1 -> {{k, K rem 4}, S2};
        _ -> {K, S2}
    end.

run(Type, Seed) ->
    T = ets:new(rnd, [Type, public]),
    {Rs, _} = lists:foldl(fun(_, {Acc, S}) ->
                                  {R, S1} = op(T, Type, S),
                                  {[R | Acc], S1}
                          end, {[], Seed}, lists:seq(1, ops())),
    Final = norm(Type, ets:tab2list(T)),
    Size = ets:info(T, size),
    ets:delete(T),
    {Type, Seed, erlang:phash2(lists:reverse(Rs)), Size, Final}.

ops() -> list_to_integer(os:getenv("BEAMJIT_ETS_OPS", "400")).

norm(ordered_set, L) -> L;
norm(_, L) -> lists:sort(fun le/2, L).

%% A total order: term order, then exact (3 before 3.0 whatever the hash order gave).
le(A, B) -> A < B orelse (A == B andalso term_to_binary(A) =< term_to_binary(B)).

op(T, Type, S0) ->
    {Op, S1} = pick(S0, 16),
    {K, S2} = key(S1),
    {V, S3} = pick(S2, 100),
    R = try do(Op, T, Type, K, V) catch error:E -> {error, E} end,
    {{Op, R}, S3}.

do(0, T, _, K, V) -> ets:insert(T, {K, V});
do(1, T, _, K, V) -> ets:insert(T, [{K, V}, {V, K, V}]);
do(2, T, _, K, V) -> ets:insert_new(T, {K, V, x});
do(3, T, _, K, _) -> ets:lookup(T, K);
do(4, T, _, K, _) -> ets:member(T, K);
do(5, T, _, K, _) -> ets:delete(T, K);
do(6, T, _, K, V) -> ets:delete_object(T, {K, V});
do(7, T, _, K, V) ->
    case ets:member(T, K) of
        true -> ets:update_counter(T, K, {2, V});
        false -> ets:insert(T, {K, 0})
    end;
do(8, T, _, K, _) -> ets:take(T, K);
do(9, T, Type, _, V) ->
    norm(Type, ets:select(T, [{{'$1', '$2'}, [{is_integer, '$2'}, {'<', '$2', V}], [{{'$2', '$1'}}]}]));
do(10, T, _, _, V) ->
    ets:select_count(T, [{{'_', '$1'}, [{'>', '$1', V}], [true]}]);
do(11, T, _, _, V) when V < 20 ->
    ets:select_delete(T, [{{'$1', '$2'}, [{'==', {'rem', '$2', 7}, 0}], [true]}]);
do(11, T, _, K, _) -> ets:lookup_element(T, K, 2);
do(12, T, Type, K, _) -> norm(Type, ets:match(T, {K, '$1'}));
do(13, T, Type, _, _) -> norm(Type, ets:match_object(T, {'_', '_', x}));
do(14, T, Type, _, _) -> walk(T, Type);
do(15, T, Type, _, V) -> chunks(T, Type, 1 + V rem 5).

walk(T, ordered_set) -> walk(T, ets:first(T), []);
walk(T, _) -> lists:sort(fun le/2, walk(T, ets:first(T), [])).
walk(_, '$end_of_table', Acc) -> lists:reverse(Acc);
walk(T, K, Acc) -> walk(T, ets:next(T, K), [K | Acc]).

chunks(T, Type, N) ->
    MS = [{'$1', [], ['$1']}],
    Got = collect(ets:select(T, MS, N), []),
    Rev = case Type of
              ordered_set -> collect(ets:select_reverse(T, MS, N), []);
              _ -> []
          end,
    {norm(Type, Got), Rev, ets:select(T, MS) =:= [] orelse length(Got) =:= ets:info(T, size)}.

collect('$end_of_table', Acc) -> lists:append(lists:reverse(Acc));
collect({L, C}, Acc) -> collect(ets:select(C), [L | Acc]).
