%% ETS semantics that the randomized test does not reach: badarg cases, access rights,
%% named tables, owner death and the heir, give_away, info, select continuations and
%% match specification features.
-module(ets_basic).
-export([main/0]).

e(F) -> try F() catch C:R -> {C, R} end.

main() ->
    [e(F) || F <- [fun errors/0, fun access/0, fun named/0, fun heir/0, fun give_away/0,
                   fun counters/0, fun continuations/0, fun specs/0, fun misc/0,
                   fun survives/0]].

%% Objects live outside the inserting process's heap: they survive its collections and
%% its exit (the table's owner is another process); big binaries are shared.
survives() ->
    Self = self(),
    T = ets:new(surv, [public, bag]),
    P = spawn(fun() ->
                      [ets:insert(T, {I rem 7, lists:seq(1, I), <<I:8000>>, {I, [a | I]}})
                       || I <- lists:seq(1, 300)],
                      erlang:garbage_collect(),
                      Self ! done
              end),
    receive done -> ok end,
    Ref = monitor(process, P),
    receive {'DOWN', Ref, _, _, _} -> ok end,
    _ = [lists:seq(1, 100) || _ <- lists:seq(1, 2000)],
    erlang:garbage_collect(),
    L = ets:lookup(T, 3),
    {length(L), lists:sum([length(S) || {_, S, _, _} <- L]),
     lists:sum([byte_size(B) || {_, _, B, _} <- L]), lists:last(L), ets:info(T, size)}.

errors() ->
    T = ets:new(t, []),
    ets:insert(T, {a, 1}),
    B = ets:new(b, [bag]),
    [e(fun() -> ets:new("t", []) end),
     e(fun() -> ets:new(t, [bogus]) end),
     e(fun() -> ets:new(t, [{keypos, 0}]) end),
     e(fun() -> ets:insert(T, {}) end),
     e(fun() -> ets:insert(T, [{b, 1} | c]) end),
     e(fun() -> ets:insert(T, x) end),
     e(fun() -> ets:lookup(nosuch, 1) end),
     e(fun() -> ets:lookup_element(T, zz, 2) end),
     e(fun() -> ets:lookup_element(T, a, 3) end),
     e(fun() -> ets:update_counter(T, a, {1, 1}) end),
     e(fun() -> ets:update_counter(T, a, {3, 1}) end),
     e(fun() -> ets:update_counter(T, zz, 1) end),
     e(fun() -> ets:update_counter(B, a, 1) end),
     e(fun() -> ets:update_element(T, a, {1, x}) end),
     e(fun() -> ets:update_element(T, zz, {2, x}) end),
     e(fun() -> ets:next(T, zz) end),
     e(fun() -> ets:select(T, [{'$1', [], ['$2']}]) end),
     e(fun() -> ets:select(T, [{'$1', [{foo, '$1'}], ['$1']}]) end),
     e(fun() -> ets:select(T, nolist) end),
     e(fun() -> ets:select(T, [{'$1', [], ['$1']}], 0) end),
     e(fun() -> ets:info(T, nosuchitem) end),
     ets:info(nosuch), ets:info(nosuch, size),
     e(fun() -> ets:delete(T), ets:insert(T, {a, 2}) end)].

access() ->
    Self = self(),
    Prot = ets:new(p, [protected]),
    Priv = ets:new(q, [private]),
    Pub = ets:new(r, [public]),
    [ets:insert(X, {k, 1}) || X <- [Prot, Priv, Pub]],
    spawn(fun() ->
                  R = [e(fun() -> ets:lookup(Prot, k) end),
                       e(fun() -> ets:insert(Prot, {k, 2}) end),
                       e(fun() -> ets:lookup(Priv, k) end),
                       e(fun() -> ets:insert(Pub, {k, 3}) end),
                       e(fun() -> ets:delete(Prot) end)],
                  Self ! {access, R}
          end),
    receive {access, R} -> {R, ets:lookup(Pub, k)} end.

named() ->
    N = ets:new(my_named, [named_table, ordered_set]),
    ets:insert(my_named, [{2, b}, {1, a}, {3, c}]),
    Dup = e(fun() -> ets:new(my_named, [named_table]) end),
    Tid = ets:whereis(my_named),
    R1 = ets:lookup(Tid, 2),
    ets:rename(my_named, renamed),
    R2 = {ets:whereis(my_named), e(fun() -> ets:lookup(my_named, 1) end), ets:lookup(renamed, 1)},
    R3 = {ets:info(renamed, name), ets:info(renamed, named_table), ets:info(renamed, type),
          ets:info(renamed, size), ets:info(renamed, keypos), ets:info(renamed, protection)},
    ets:delete(renamed),
    {N, Dup, is_reference(Tid), R1, R2, R3, ets:info(renamed)}.

heir() ->
    Self = self(),
    Owner = spawn(fun() ->
                          T = ets:new(h, [{heir, Self, gift}, public]),
                          ets:insert(T, {x, 1}),
                          Self ! {tab, T},
                          receive stop -> ok end
                  end),
    T = receive {tab, Tab} -> Tab end,
    Owner ! stop,
    Got = receive {'ETS-TRANSFER', T, Owner, D} -> {transfer, D} after 1000 -> none end,
    R = {ets:info(T, owner) =:= Self, ets:lookup(T, x)},
    %% Without an heir the owner's exit deletes the table.
    P2 = spawn(fun() -> T2 = ets:new(g, [public]), Self ! {tab2, T2}, receive stop -> ok end end),
    T2 = receive {tab2, X} -> X end,
    Before = ets:info(T2, size),
    monitor(process, P2),
    P2 ! stop,
    receive {'DOWN', _, _, P2, _} -> ok end,
    {Got, R, Before, ets:info(T2), e(fun() -> ets:lookup(T2, x) end)}.

give_away() ->
    Self = self(),
    T = ets:new(gw, [named_table]),
    P = spawn(fun() -> receive M -> Self ! {got, M, ets:info(gw, owner) =:= self()} end end),
    true = ets:give_away(gw, P, data),
    R = receive {got, {'ETS-TRANSFER', Tab, From, Data}, Own} -> {Tab, From =:= Self, Data, Own} end,
    {T, R, e(fun() -> ets:give_away(gw, self(), x) end)}.

counters() ->
    T = ets:new(c, [set]),
    ets:insert(T, {a, 10, 20, 30}),
    [ets:update_counter(T, a, 5),
     ets:update_counter(T, a, {3, -1}),
     ets:update_counter(T, a, [{2, 1}, {4, 10, 35, 0}, {2, 100}]),
     ets:update_counter(T, a, {2, -500, -100, 7}),
     ets:update_counter(T, a, 1 bsl 40),
     ets:update_element(T, a, [{3, x}, {4, y}]),
     lists:sort(ets:tab2list(T)),
     ets:take(T, a), ets:take(T, a), ets:member(T, b)].

continuations() ->
    T = ets:new(o, [ordered_set]),
    ets:insert(T, [{I, I * I} || I <- lists:seq(1, 10)]),
    MS = [{{'$1', '$2'}, [{'>', '$2', 10}], ['$1']}],
    {A, C1} = ets:select(T, MS, 3),
    {B, C2} = ets:select(C1),
    {C, '$end_of_table'} = ets:select(C2),
    {R1, C4} = ets:select_reverse(T, MS, 4),
    {R2, '$end_of_table'} = ets:select_reverse(C4),
    {M1, MC} = ets:match(T, {'$1', '_'}, 4),
    {M2, MC2} = ets:match(MC),
    {O1, _} = ets:match_object(T, {'_', 4}, 2),
    Full = ets:select(T, [{'_', [], ['$_']}], 10),
    {_, FullC} = Full,
    [A, B, C, R1, R2, M1, M2, ets:match(MC2), O1, element(1, Full), ets:select(FullC),
     ets:select(T, [{{'$1', '_'}, [{'>', '$1', 100}], ['$1']}], 2), ets:select('$end_of_table')].

specs() ->
    T = ets:new(s, [ordered_set]),
    ets:insert(T, [{1, a, [x, y]}, {2, b, {p, q}}, {3, 3.5, <<"bin">>}, {4, 4, 4}]),
    Sel = fun(MS) -> ets:select(T, MS) end,
    [Sel([{{'$1', '$2', '$3'}, [{is_atom, '$2'}], ['$$']}]),
     Sel([{{'$1', '$2', '$3'}, [{is_list, '$3'}], [{hd, '$3'}, {tl, '$3'}]}]),
     Sel([{{'$1', '_', '$3'}, [{is_tuple, '$3'}], [{element, 2, '$3'}]}]),
     Sel([{{'$1', '$2', '$3'}, [{is_binary, '$3'}], [{byte_size, '$3'}]}]),
     Sel([{{'$1', '$1', '$1'}, [], ['$_']}]),
     Sel([{{'$1', '$2', '_'}, [{'orelse', {'==', '$1', 1}, {'andalso', {is_float, '$2'}, {'>', '$2', 3}}}], ['$1']}]),
     Sel([{{'$1', '_', '_'}, [{'=:=', {'rem', '$1', 2}, 0}], [{{'$1', {const, {c}}, [1, '$1']}}]}]),
     Sel([{{'$1', '_', '_'}, [], [{'div', 10, {'-', '$1', 2}}]}]),
     Sel([{{'$1', '_', '_'}, [{'div', 10, {'-', '$1', 2}}], ['$1']}]),
     Sel([{{'$1', '_', '_'}, [{'>', '$1', 3}], [{self}]}]) =:= [self()],
     Sel([{{1, '_', '_'}, [], [one]}, {{'$1', '_', '_'}, [{'<', '$1', 3}], [small]}]),
     Sel([{{'$1', '_', '_'}, [{'not', {'<', '$1', 3}}, {'xor', true, false}], [{abs, {'-', '$1'}}]}]),
     Sel([{{'$1', '_', '_'}, [{'and', {'>', '$1', 1}, {'=<', '$1', 3}}], [{'*', '$1', 1.5}]}]),
     ets:select_count(T, [{{'_', '$1', '_'}, [{is_number, '$1'}], [true]}]),
     ets:test_ms({a, 1}, [{{'$1', '$2'}, [{'>', '$2', 0}], [{{'$2', '$1'}}]}]),
     ets:test_ms({a, 1}, [{{'$1', '$2'}, [{'>', '$2', 5}], ['$_']}]),
     ets:match_spec_run([{1, 2}, {3, 4}, {5}], ets:match_spec_compile([{{'$1', '$2'}, [], [{'+', '$1', '$2'}]}])),
     ets:select_replace(T, [{{'$1', '$2', '$3'}, [{is_integer, '$2'}], [{{'$1', '$2', replaced}}]}]),
     ets:select_delete(T, [{{'$1', '_', '_'}, [{'<', '$1', 2}], [true]}]),
     ets:match_delete(T, {'_', b, '_'}),
     ets:tab2list(T)].

misc() ->
    T = ets:new(m, [bag]),
    ets:insert(T, [{a, 1}, {a, 2}, {a, 1}, {b, 3}]),
    D = ets:new(d, [duplicate_bag, {keypos, 2}]),
    ets:insert(D, [{x, k, 1}, {y, k, 1}, {y, k, 1}]),
    O = ets:new(os, [ordered_set]),
    ets:insert(O, [{1, int}, {1.0, float}, {2, two}]),
    S = ets:new(ss, [set]),
    ets:insert(S, [{1, int}, {1.0, float}]),
    W = ets:new(w, [bag]),
    ets:insert(W, [{1, a}, {1, b}, {1, c}]),
    ets:insert(W, [{2, a}, {2, b}, {1, d}, {1, a}]),
    DW = ets:new(dw, [duplicate_bag]),
    ets:insert(DW, [{1, a}, {1, b}, {1, a}]),
    [ets:lookup(W, 1), ets:lookup(W, 2), ets:lookup(DW, 1),
     ets:lookup(T, a), ets:lookup_element(T, a, 2), ets:delete_object(T, {a, 1}), ets:lookup(T, a),
     ets:lookup(D, k), ets:delete_object(D, {y, k, 1}), ets:lookup(D, k),
     ets:tab2list(O), ets:lookup(O, 1.0), ets:first(O), ets:last(O), ets:next(O, 1), ets:prev(O, 2),
     ets:next(O, 1.5), ets:next(O, 2), ets:slot(O, 0), ets:slot(O, 2), e(fun() -> ets:slot(O, 3) end),
     lists:sort(ets:tab2list(S)), ets:lookup(S, 1.0),
     ets:insert_new(S, [{2, x}, {1, y}]), ets:insert_new(S, [{2, x}, {3, y}]),
     ets:delete_all_objects(S), ets:info(S, size),
     ets:foldl(fun({K, _}, Acc) -> K + Acc end, 0, O),
     ets:setopts(O, {protection, public}), ets:info(O, protection),
     ets:insert(O, {big, <<0:8000>>}), byte_size(element(2, hd(ets:lookup(O, big))))].
