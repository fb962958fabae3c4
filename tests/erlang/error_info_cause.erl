%% The error_info maps of BIF errors against erl: `cause => id` for an ETS table that does
%% not exist, `access` for one the caller may not use, `badkey` for lookup_element's
%% missing key, `time` for a bad timer time, `badopt` for a bad timer option or process
%% flag, and none where erl gives none.
-module(error_info_cause).
-export([main/0]).

main() ->
    Self = self(),
    P = spawn(fun() -> T = ets:new(p, [protected]), U = ets:new(q, [private]), Self ! {T, U}, receive _ -> ok end end),
    {T0, U} = receive X -> X end,
    T = ets:new(t, [set, private]),
    ets:insert(T, {a, 1}),
    D = ets:new(d, []), ets:delete(D),
    Cases = [fun() -> ets:lookup(D, a) end,
             fun() -> ets:lookup(no_such_table, a) end,
             fun() -> ets:insert(D, {a}) end,
             fun() -> ets:insert(T, x) end,
             fun() -> ets:lookup_element(T, a, 5) end,
             fun() -> ets:lookup_element(T, b, 2) end,
             fun() -> ets:update_counter(T, a, x) end,
             fun() -> ets:new(t, [bad_opt]) end,
             fun() -> ets:info(D, size) end,
             fun() -> ets:delete(D) end,
             fun() -> ets:select(T, bad_ms) end,
             fun() -> ets:match(D, '_') end,
             fun() -> erlang:send_after(-1, self(), x) end,
             fun() -> erlang:send_after(10, 1.0, x) end,
             fun() -> erlang:start_timer(-1, self(), x) end,
             fun() -> erlang:send_after(10, self(), x, [bad]) end,
             fun() -> erlang:cancel_timer(x) end,
             fun() -> erlang:read_timer(x) end,
             fun() -> atom_to_list(1) end,
             fun() -> element(5, {a}) end,
             fun() -> binary_part(<<1>>, 5, 1) end,
             fun() -> list_to_atom([-1]) end,
             fun() -> maps:get(a, #{}) end,
             fun() -> lists:nth(0, [a]) end,
             fun() -> erlang:process_flag(bad, 1) end,
             fun() -> integer_to_list(1, 99) end,
             fun() -> ets:insert(T0, {a}) end, fun() -> ets:lookup(U, a) end,
             fun() -> ets:lookup_element(D, a, x) end, fun() -> ets:lookup_element(T0, a, x) end,
             fun() -> ets:update_counter(D, a, 1) end, fun() -> ets:first(D) end,
             fun() -> ets:tab2list(D) end, fun() -> ets:select_count(D, []) end,
             fun() -> ets:delete_all_objects(D) end, fun() -> ets:give_away(D, self(), x) end,
             fun() -> ets:rename(D, x) end, fun() -> ets:lookup(T0, a) end, fun() -> ets:safe_fixtable(D, true) end,
             fun() -> ets:foldl(fun(_, A) -> A end, 0, D) end, fun() -> ets:member(D, a) end,
             fun() -> ets:update_element(D, a, {2, x}) end, fun() -> ets:take(D, a) end,
             fun() -> ets:insert_new(D, {a}) end, fun() -> ets:match_object(D, '_') end,
             fun() -> ets:select(D, [{'_', [], ['$_']}], 10) end, fun() -> ets:next(D, a) end,
             fun() -> ets:slot(D, 0) end, fun() -> ets:delete_object(D, {a}) end,
             fun() -> ets:select_delete(D, []) end, fun() -> ets:setopts(D, []) end],
    R = [try F() of V -> {ok, V} catch C:Rs:S -> {C, Rs, info(S)} end || F <- Cases],
    P ! done,
    R.

info([{_, _, _, L} | _]) -> proplists:get_value(error_info, L, none);
info(_) -> none.
