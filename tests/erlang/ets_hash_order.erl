%% The order of set, bag and duplicate_bag tables as erl has it (its linear hash: the
%% bucket of a key's hash, chains in insertion order, growth and shrinking with the object
%% count), compared without sorting: tab2list, first/next chains, select, match,
%% match_object, foldl and slot, as the tables grow from 1 to 20,000 objects and shrink
%% again. The operations are drawn from rand:seed(exsss, {1,2,3}), so both VMs run the
%% same ones. Keys: integers, atoms, tuples and binaries of integers, floats, bignums
%% (below and above 2^59, erl's small limit on 64 bits). main/0 returns digests and a few
%% samples at each checkpoint.
-module(ets_hash_order).
-export([main/0]).

main() ->
    rand:seed(exsss, {1, 2, 3}),
    Main = [run(Type) || Type <- [set, bag, duplicate_bag]],
    {Main, small(), fine_locked(), keypos(), fixed(), slots(), misc(), chunks()}.

%% A key of each kind, by number.
key(I) ->
    case I rem 7 of
        0 -> I;
        1 -> list_to_atom("k" ++ integer_to_list(I));
        2 -> {I, I * 3};
        3 -> <<I:32, (I rem 5)>>;
        4 -> I / 7;
        5 -> I * (1 bsl 40) + 1;
        6 -> -(I * (1 bsl 64) + 3)
    end.

rnd_key(M) -> key(rand:uniform(M)).

%% A set's value follows from its key (one rand call less per operation: rand's
%% arithmetic is bignums on this 32-bit VM); a bag's is drawn, so keys get several.
obj(set, K) -> {K, erlang:phash2(K, 100) + 1};
obj(_, K) -> {K, rand:uniform(3)}.

run(Type) ->
    T = ets:new(t, [Type]),
    %% Past 4,352 slots a table shrinks as objects go; bags stop at 6,000 objects (the
    %% run's time is mostly rand's bignum arithmetic on this 32-bit VM).
    Big = case Type of set -> 20000; _ -> 6000 end,
    Steps = [{grow, 1}, {grow, 40}, {grow, 300}, {grow, 2600}, {shrink, 1000},
             {grow, Big}, {shrink, Big div 5}, {shrink, 200}, {grow, 700}],
    R = [step(T, Type, S) || S <- Steps],
    ets:delete(T),
    {Type, R}.

step(T, Type, {grow, N}) ->
    grow(T, Type, N, 2 * N + 10),
    check(T, {grow, N});
step(T, Type, {shrink, N}) ->
    %% Keys to delete drawn from the sorted keys (an order that is not the table's).
    Keys = list_to_tuple(lists:usort(ets:select(T, [{{'$1', '_'}, [], ['$1']}]))),
    shrink(T, Type, N, Keys),
    check(T, {shrink, N}).

grow(T, Type, N, M) ->
    case ets:info(T, size) >= N of
        true -> ok;
        false ->
            K = rnd_key(M),
            case rand:uniform(10) of
                1 -> ets:insert(T, [obj(Type, K), obj(Type, rnd_key(M))]);
                2 -> ets:insert_new(T, obj(Type, K));
                3 when Type =:= set -> ets:update_counter(T, K, {2, 1}, {K, 0});
                _ -> ets:insert(T, obj(Type, K))
            end,
            grow(T, Type, N, M)
    end.

shrink(T, Type, N, Keys) ->
    case ets:info(T, size) =< N of
        true -> ok;
        false ->
            K = element(rand:uniform(tuple_size(Keys)), Keys),
            case rand:uniform(6) of
                1 -> ets:take(T, K);
                2 -> ets:delete_object(T, obj(Type, K));
                _ -> ets:delete(T, K)
            end,
            shrink(T, Type, N, Keys)
    end.

chain(T) -> chain(T, ets:first(T), []).
chain(_, '$end_of_table', Acc) -> lists:reverse(Acc);
chain(T, K, Acc) -> chain(T, ets:next(T, K), [K | Acc]).

check(T, Step) ->
    L = ets:tab2list(T),
    C = chain(T),
    S = ets:select(T, [{{'$1', '$2'}, [{'=<', '$2', 2}], [{{'$2', '$1'}}]}]),
    M = ets:match(T, {'$1', 1}),
    F = ets:foldl(fun(O, A) -> [O | A] end, [], T),
    {Step, length(L), erlang:phash2(L), erlang:phash2(C), erlang:phash2(S),
     erlang:phash2(M), erlang:phash2(F), lists:sublist(L, 3), lists:sublist(C, 3),
     ets:last(T) =:= ets:first(T)}.

%% Small tables whole.
small() ->
    [begin
         T = ets:new(s, [Type]),
         [ets:insert(T, {key(I), I}) || I <- lists:seq(1, 30)],
         [ets:insert(T, {key(I), x}) || I <- lists:seq(1, 30, 4)],
         ets:insert(T, [{a, 1}, {a, 2}, {a, 3}]),
         R = {Type, ets:tab2list(T), chain(T), ets:lookup(T, a),
              ets:match_object(T, {'_', x}), ets:select(T, [{{a, '$1'}, [], ['$1']}])},
         ets:delete(T),
         R
     end || Type <- [set, bag, duplicate_bag]].

%% write_concurrency: 64 bucket locks, so traversal strides over the buckets.
fine_locked() ->
    T = ets:new(w, [set, public, {write_concurrency, true}]),
    [ets:insert(T, {I, I}) || I <- lists:seq(1, 3000)],
    [ets:delete(T, I) || I <- lists:seq(1, 3000, 3)],
    L = ets:tab2list(T),
    R = {lists:sublist(L, 10), erlang:phash2(L), erlang:phash2(chain(T))},
    ets:delete(T),
    R.

keypos() ->
    T = ets:new(k, [bag, {keypos, 2}]),
    [ets:insert(T, {I, I rem 13, <<I>>}) || I <- lists:seq(1, 200)],
    R = {lists:sublist(ets:tab2list(T), 8), chain(T)},
    ets:delete(T),
    R.

%% A fixed table neither grows nor shrinks, and next/2 goes on from a key deleted meanwhile.
fixed() ->
    T = ets:new(f, [set, public]),
    [ets:insert(T, {I}) || I <- lists:seq(1, 600)],
    Del = ets:foldl(fun({K}, N) when K rem 2 =:= 0 -> ets:delete(T, K), N + 1;
                       (_, N) -> N
                    end, 0, T),
    ets:safe_fixtable(T, true),
    [ets:insert(T, {I}) || I <- lists:seq(1000, 1400)],
    K0 = ets:first(T),
    ets:delete(T, K0),
    Next = ets:next(T, K0),
    ets:safe_fixtable(T, false),
    [ets:insert(T, {I}) || I <- lists:seq(2000, 2010)],
    %% A process that fixes the table and ends without unfixing it: its fixation goes.
    {P, Ref} = spawn_monitor(fun() -> ets:safe_fixtable(T, true) end),
    receive {'DOWN', Ref, process, P, _} -> ok end,
    Fixed = ets:info(T, fixed),
    [ets:insert(T, {I}) || I <- lists:seq(3000, 4000)],
    R = {Del, K0, Next, Fixed, erlang:phash2(ets:tab2list(T)), lists:sublist(chain(T), 10)},
    ets:delete(T),
    R.

slots() ->
    T = ets:new(sl, [duplicate_bag]),
    [ets:insert(T, {I rem 40, I}) || I <- lists:seq(1, 300)],
    R = slot_list(T, 0, []),
    {'EXIT', {E, _}} = (catch ets:slot(T, 100000)),
    ets:delete(T),
    {length(R), erlang:phash2(R), lists:sublist([S || S <- R, S =/= []], 4), E}.

slot_list(T, I, Acc) ->
    case ets:slot(T, I) of
        '$end_of_table' -> lists:reverse(Acc);
        L -> slot_list(T, I + 1, [L | Acc])
    end.

misc() ->
    T = ets:new(m, [set]),
    [ets:insert(T, {I}) || I <- lists:seq(1, 5000)],
    ets:delete_all_objects(T),
    [ets:insert(T, {I}) || I <- lists:seq(1, 20)],
    A = chain(T),
    ets:select_delete(T, [{{'$1'}, [{'<', '$1', 10}], [true]}]),
    [ets:insert(T, {-I}) || I <- lists:seq(1, 10)],
    B = ets:tab2list(T),
    N = (catch ets:next(T, nokey)),
    ets:delete(T),
    {A, B, element(1, N)}.

%% select/3, match/3, match_object/3 and their continuations: erl matches whole buckets
%% and keeps what exceeds the chunk for the next call.
chunks() ->
    [begin
         T = ets:new(c, [Type]),
         [ets:insert(T, {key(I), I rem 3}) || I <- lists:seq(1, N)],
         [ets:insert(T, {key(I), 7}) || I <- lists:seq(1, N, 5)],
         S = all_chunks(ets:select(T, [{{'$1', '$2'}, [{'=/=', '$2', 0}], ['$_']}], L)),
         M = all_chunks(ets:match(T, {'$1', 1}, L)),
         O = all_chunks(ets:match_object(T, {'_', 7}, L)),
         E = ets:select(T, [{{'$1', nomatch}, [], ['$1']}], L),
         ets:delete(T),
         {Type, N, L, [{length(X), erlang:phash2(X), lists:sublist(X, 2)} || X <- [S, M, O]], E}
     end || Type <- [set, bag, duplicate_bag], {N, L} <- [{10, 3}, {700, 7}, {3000, 100}]].

all_chunks('$end_of_table') -> [];
all_chunks({R, C}) -> [R | all_chunks(ets:select(C))].
