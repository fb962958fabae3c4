-module(module_meta).
-export([main/0, zeta/0, alpha/1, beta/2]).
-vsn("1.2").
-author(someone).
-custom_attr([x, {y, 2}]).
-custom_attr(again).
%% What module_info/0,1 and fun_info/1,2 tell about a module beyond its code, as erl
%% (OTP 25): exports and functions in code order (not sorted), the Attr chunk's
%% attributes, the CInf chunk's compile info, the module checksum (beam_lib:md5/1's),
%% which is also every fun's new_uniq, and a fun's name from the FunT table (the
%% function it runs, or the named function of `fun F/A`). fun_info_mfa names it too.
%% A local fun goes through term_to_binary and back. module_meta_peer's exports: one this module imports comes last (its export entry
%% was made when this module was loaded).
%% Pids are masked (they differ by run).

zeta() -> ok.
alpha(X) -> X.
beta(X, Y) -> {X, Y}.

main() ->
    Add = fun(X) -> X + 1 end,
    Ref = fun zeta/0,
    Y = id(7),
    Closure = fun(A, B) -> {A, B, Y} end,
    io:format("exports ~p~n", [module_info(exports)]),
    io:format("functions ~p~n", [module_info(functions)]),
    io:format("attributes ~p~n", [module_info(attributes)]),
    io:format("compile keys ~p~n", [[K || {K, _} <- module_info(compile)]]),
    io:format("compile options ~p~n", [proplists:get_value(options, module_info(compile))]),
    io:format("md5 ~p~n", [module_info(md5)]),
    io:format("md5 is 16 bytes ~p~n", [byte_size(module_info(md5))]),
    io:format("module_info/0 keys ~p~n", [[K || {K, _} <- module_info()]]),
    io:format("module_info/0 md5 ~p~n", [proplists:get_value(md5, module_info()) =:= module_info(md5)]),
    [begin
         io:format("fun_info ~p~n", [mask(erlang:fun_info(F))]),
         io:format("fun_info_mfa ~p~n", [erlang:fun_info_mfa(F)]),
         io:format("name ~p new_uniq is md5 ~p~n",
                   [erlang:fun_info(F, name), erlang:fun_info(F, new_uniq) =:= {new_uniq, module_info(md5)}])
     end || F <- [Add, Ref, Closure]],
    io:format("lists exports sorted ~p~n", [lists:sort(lists:module_info(exports)) =:= lists:usort(lists:module_info(exports))]),
    io:format("peer ~p~n", [module_meta_peer:called_early()]),
    io:format("lists md5 ~p~n", [lists:module_info(md5)]),
    io:format("external fun ~p~n", [erlang:fun_info(fun lists:reverse/1)]),
    %% A local fun in the external format (NEW_FUN_EXT): the module checksum as its
    %% Uniq, decoded back to an equal fun that runs.
    Bin = term_to_binary(Closure),
    io:format("encoded size ~p uniq is md5 ~p~n", [byte_size(Bin), binary:part(Bin, 7, 16) =:= module_info(md5)]),
    Back = binary_to_term(Bin),
    io:format("decoded equal ~p runs ~p~n", [Back =:= Closure, Back(1, 2)]),
    io:format("decoded info ~p~n", [mask(erlang:fun_info(Back))]),
    io:format("nested ~p~n", [(binary_to_term(term_to_binary({wrap, [Add]})))]),
    ok.

mask(T) when is_pid(T) -> pid;
mask(T) when is_tuple(T) -> list_to_tuple(mask(tuple_to_list(T)));
mask([H | T]) -> [mask(H) | mask(T)];
mask(T) -> T.

id(X) -> X.
