%% ERTS's loading BIFs as OTP's init and code_server use them: prepare_loading/2,
%% has_prepared_code_on_load/1, finish_loading/1, load_module/2, check_old_code/1
%% and delete_module/1, on modules compiled at run time.
-module(prepare_loading).
-export([main/0]).

forms(Mod, K) ->
    [{attribute, 1, module, Mod}, {attribute, 2, export, [{f, 1}]},
     {function, 3, f, 1, [{clause, 3, [{var, 3, 'X'}], [],
                           [{op, 3, '*', {var, 3, 'X'}, {integer, 3, K}}]}]}].

bin(Mod, K) ->
    {ok, Mod, Bin} = compile:forms(forms(Mod, K), []),
    Bin.

err(F) ->
    try F() catch C:R -> {C, R} end.

main() ->
    B1 = bin(pl_dyn, 2),
    Bad = [erlang:prepare_loading(pl_dyn, <<"junk">>),
           erlang:prepare_loading(pl_other, B1),
           err(fun() -> erlang:prepare_loading(pl_dyn, not_a_binary) end),
           err(fun() -> erlang:finish_loading([make_ref()]) end),
           err(fun() -> erlang:has_prepared_code_on_load(make_ref()) end)],
    P = erlang:prepare_loading(pl_dyn, B1),
    Prepared = [is_reference(P), erlang:has_prepared_code_on_load(P),
                erlang:module_loaded(pl_dyn)],
    Finished = erlang:finish_loading([P]),
    First = [pl_dyn:f(21), erlang:module_loaded(pl_dyn), erlang:check_old_code(pl_dyn)],
    %% Loading it again makes the first version old: a third load is refused until
    %% the old code is purged.
    P2 = erlang:prepare_loading(pl_dyn, bin(pl_dyn, 3)),
    Again = [erlang:finish_loading([P2]), pl_dyn:f(21), erlang:check_old_code(pl_dyn)],
    P3 = erlang:prepare_loading(pl_dyn, bin(pl_dyn, 4)),
    Third = [erlang:finish_loading([P3]), pl_dyn:f(21)],
    LoadModule = [erlang:load_module(pl_dyn2, bin(pl_dyn2, 5)), pl_dyn2:f(2),
                  erlang:load_module(pl_dyn2, <<"junk">>),
                  erlang:load_module(pl_dyn2, bin(pl_dyn2, 6)), pl_dyn2:f(2),
                  erlang:load_module(pl_dyn2, bin(pl_dyn2, 7))],
    Delete = [erlang:delete_module(pl_nosuch)],
    [Bad, Prepared, Finished, First, Again, Third, LoadModule, Delete].
