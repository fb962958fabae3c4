-module(stacktraces_tail).
-export([main/0]).
%% Stack traces of BIFs that raise when called in tail position from funs (defined in
%% main/0 and elsewhere, nested, through apply) and from local functions, and in non-tail
%% position, under catch and try (issue 12: natively a tail-calling fun's frame was
%% reported where erl has none). OTP's loader turns a tail call of a BIF into a call and
%% a return, so the caller's frame shows at the call's line. Printed without erl's
%% launcher frames.

main() ->
    Cases = [{fun_tail_bif, fun() -> tail_fun() end},
             {fun_tail_bif_arg, fun() -> (tail_fun_arg())(a) end},
             {local_tail_bif, fun() -> local_tail(a) end},
             {local_tail_gc_bif, fun() -> local_tail_len(a) end},
             {local_tail_erlang_call, fun() -> local_tail_call(foo) end},
             {nontail_bif, fun() -> nontail(a) end},
             {nontail_fun_bif, fun() -> nontail_fun() end},
             {fun_tail_error, fun() -> (fun() -> error(boom) end)() end},
             {fun_tail_apply, fun() -> (fun(X) -> erlang:apply(erlang, atom_to_list, [X]) end)(1) end},
             {nested_fun_tail, fun() -> (fun() -> (fun(Y) -> list_to_atom(Y) end)({x}) end)() end},
             {fun_tail_element, fun() -> (fun(T) -> element(5, T) end)({a}) end},
             {fun_tail_arith, fun() -> (fun(X) -> X + 1 end)(id(a)) end},
             %% Funs called from lists, BIFs of arity 3 (arguments past x2 in the X
             %% array), a BIF passed as a fun, apply of a BIF.
             {foreach_fun_bif, fun() -> lists:foreach(fun(X) -> atom_to_list(X) end, [id(1)]) end},
             {map_fun_bif3, fun() -> lists:map(fun(X) -> setelement(9, X, x) end, [id({a})]) end},
             {fun_tail_keyfind, fun() -> (fun() -> lists:keyfind(a, 0, id([{a}])) end)() end},
             {fun_tail_part, fun() -> (fun() -> binary:part(<<1, 2>>, 1, id(5)) end)() end},
             {fun_tail_l2i, fun() -> (fun() -> erlang:list_to_integer(id("zz"), 99) end)() end},
             {bif_as_fun, fun() -> (fun(F) -> F(id(1)) end)(fun erlang:atom_to_list/1) end},
             {fun_tail_apply3, fun() -> (fun() -> apply(lists, keyfind, [a, 0, id([])]) end)() end},
             {fun_tail_make_tuple, fun() -> (fun() -> erlang:make_tuple(id(-1), x, []) end)() end}],
    [begin
         io:format("~p catch: ~p~n", [Name, clean(catch F())]),
         io:format("~p try: ~p~n", [Name, try F() catch C:R:S -> {C, R, strip(S)} end])
     end || {Name, F} <- Cases],
    ok.

id(X) -> X.

tail_fun() ->
    F = fun(X) -> atom_to_list(X) end,
    F(id(1)).

tail_fun_arg() ->
    fun(X) -> list_to_binary(X) end.

local_tail(X) ->
    atom_to_list(id(X) =:= a andalso 1).

local_tail_len(X) ->
    length(X).

local_tail_call(X) ->
    erlang:binary_to_atom(X, utf8).

nontail(X) ->
    L = length(X),
    {ok, L}.

nontail_fun() ->
    F = fun(X) -> R = tuple_size(X), {R} end,
    F(id(1)).

clean({'EXIT', {R, S}}) -> {'EXIT', {R, strip(S)}};
clean(X) -> X.

%% Without erl's launcher frames (beam run starts main/0 in a process of its own).
strip(S) -> [F || {M, _, _, _} = F <- S, M =/= init, M =/= erl_eval].
