%% Randomized differential test against erl, part 5 (driver and generator in
%% bif_fuzz_gen.hrl; erl's outcomes in bif_fuzz5_expected.hrl, rewritten by
%% `erl -noshell -pa DIR -eval 'bif_fuzz5:regen(), halt().'` from tests/erlang/bif_fuzz): more
%% cases of integer arithmetic and float printing, random expressions read by erl_scan
%% and erl_parse and evaluated by erl_eval, erl_scan on character soup, and the
%% C-implemented list and map functions with ill-typed arguments.
-module(bif_fuzz5).
-export([main/0, dump/0, regen/0, eval/1, scan_soup/1, format/2]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz5_expected.hrl").

regen() -> write_expected("bif_fuzz5_expected.hrl").

%% Flattened: io_lib:format returns a flat list here, a deep one in erl (docs/io.md).
format(F, A) -> lists:flatten(io_lib:format(F, A)).

specs() ->
    lists:append(
      [[{erlang, Op, [int, int]} || Op <- ['+', '-', '*', 'div', 'rem', 'band', 'bor', 'bxor']]
       || _ <- lists:seq(1, 3)]) ++
    [{erlang, Op, 2, fun() -> [int(), range(-70, 300)] end} || Op <- ['bsl', 'bsr'], _ <- [1, 2]] ++
    [{erlang, Op, [float, int]} || Op <- ['+', '*', '/', '<', '==', '=:=', max]] ++
    [{erlang, float_to_list, 2, fun() -> [float(), [short]] end} || _ <- lists:seq(1, 4)] ++
    [{erlang, float_to_binary, [float]} || _ <- [1, 2]] ++
    [{erlang, float, [int]} || _ <- [1, 2]] ++
    [{erlang, round, [float]}, {erlang, trunc, [float]}, {erlang, list_to_float, [fstr]},
     {erlang, binary_to_float, 1, fun() -> [list_to_binary(gen(fstr))] end},
     {io_lib, write, [float]}, {?MODULE, format, 2, fun() -> ["~w ~p", [float(), float()]] end}] ++
    [{?MODULE, eval, [expr]} || _ <- lists:seq(1, 10)] ++
    [{?MODULE, scan_soup, [soup]} || _ <- lists:seq(1, 3)] ++
    [{lists, F, [any, any]} || F <- [member, reverse, append, subtract, keydelete]] ++
    [{lists, F, [any, any, any]} || F <- [keyfind, keymember, keysearch, keytake]] ++
    [{lists, F, [any]} || F <- [reverse, flatten, sum, max, last, usort, sort, unzip]] ++
    [{maps, F, [any]} || F <- [keys, values, to_list, from_list, size, iterator, from_keys]] ++
    [{maps, F, [any, any]} || F <- [get, find, remove, is_key, merge, with, without, take]] ++
    [{maps, F, [any, any, any]} || F <- [put, update, get, update_with, fold]] ++
    [{erlang, F, [any, any]} || F <- [element, atom_to_binary, binary_to_atom, binary_part,
                                       split_binary, list_to_integer, integer_to_binary,
                                       make_tuple, append_element, is_function, map_get,
                                       is_map_key, phash2, '++', '--', apply]] ++
    [{erlang, F, [any, any, any]} || F <- [setelement, insert_element, binary_part, apply,
                                           raise, make_fun, binary_to_list]].

gen2(fstr) ->
    pick(["1.0", "-0.0", "1.5e10", "1.0e-320", "2.5E+3", "0.1e", "1e5", "1.", ".5", "1.0e400",
          "  1.0", "1.0 ", "+1.0", "1,5", "12345678901234567890.0", "0.000001", "4.9e-324"]);
gen2(expr) -> expr(range(1, 3)) ++ ".";
gen2(soup) ->
    [pick("abAB_01289 \t\n.,;:+-*/=<>()[]{}#|!?$'\"%\\^&@~`") || _ <- lists:seq(1, range(0, 12))];
gen2(K) -> error({unknown_kind, K}).

%% Reads and evaluates an expression: the value, or erl_scan's/erl_parse's error.
eval(S) ->
    case erl_scan:string(S) of
        {ok, Ts, _} ->
            case erl_parse:parse_exprs(Ts) of
                {ok, Es} ->
                    {value, V, B} = erl_eval:exprs(Es, erl_eval:add_binding('X', 7, erl_eval:new_bindings())),
                    {V, lists:sort(erl_eval:bindings(B))};
                E -> E
            end;
        E -> E
    end.

scan_soup(S) -> {erl_scan:string(S), erl_scan:string(S, {1, 1}, [text, return])}.

expr(0) ->
    pick(["X", "1", "-3", "2.5", "16#fF", "$a", "foo", "\"ab\"", "<<1,2>>", "[]", "{}",
          "1 bsl 70", "#{a => 1}", "'Q'", "self() =:= self()"]);
expr(D) ->
    E = fun() -> expr(D - 1) end,
    case rand:uniform(16) of
        1 -> E() ++ pick([" + ", " - ", " * ", " / ", " div ", " rem ", " band ", " bxor "]) ++ E();
        2 -> E() ++ pick([" < ", " == ", " =:= ", " >= ", " /= "]) ++ E();
        3 -> "[" ++ E() ++ ", " ++ E() ++ " | " ++ E() ++ "]";
        4 -> "{" ++ E() ++ ", " ++ E() ++ "}";
        5 -> "(" ++ E() ++ ")";
        6 -> pick(["abs", "length", "hd", "tl", "size", "atom_to_list", "integer_to_list",
                   "float", "round", "tuple_to_list", "list_to_tuple", "element(1, ",
                   "lists:reverse", "lists:sum", "erlang:phash2", "is_list", "-"])
             ++ "(" ++ E() ++ ")" ++ [$) || D rem 2 =:= 3];
        7 -> "case " ++ E() ++ " of 1 -> " ++ E() ++ "; _ -> " ++ E() ++ " end";
        8 -> "begin Y = " ++ E() ++ ", {Y, " ++ E() ++ "} end";
        9 -> "[Z * 2 || Z <- " ++ E() ++ "]";
        10 -> "<< " ++ E() ++ ":8, " ++ E() ++ "/binary >>";
        11 -> "(fun(A) -> {A, " ++ E() ++ "} end)(" ++ E() ++ ")";
        12 -> "try " ++ E() ++ " catch C:R -> {C, R} end";
        13 -> "#{" ++ E() ++ " => " ++ E() ++ "}";
        14 -> E() ++ " ++ " ++ E();
        15 -> "X =:= " ++ E();
        16 -> "not " ++ E()
    end.
