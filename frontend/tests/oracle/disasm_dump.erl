%% Oracle for frontend/tests/disasm_oracle.rs: prints every function of each given .beam
%% file as OTP's own beam_disasm:file/1 sees it, in a normalised text form that the Rust
%% side (beam_frontend::text::oracle_module) prints from its decoded model.
%%
%% beam_disasm resolves and reshapes some operands. Both sides are normalised toward the
%% generic instruction in genop.tab order, with these resolutions kept on both sides:
%%
%%   beam_disasm shape                               normalised text
%%   {label,L} / {func_info,{atom,M},{atom,F},A}       label L / func_info 'M' 'F' A
%%   {test,Op,F,Args}                                  Op F Args...
%%   {test,has_map_fields,F,Src,{list,L}}              has_map_fields F Src [L]
%%   {bif,Name,nofail,[],Dst}                          bif0 bif('Name') Dst
%%   {bif,Name,F,[A..],Dst}                            bif1|bif2 F bif('Name') A.. Dst
%%   {gc_bif,Name,F,Live,[A..],Dst}                    gc_bifN F Live bif('Name') A.. Dst
%%   {arithfbif,Op,F,[A..],Dst}                        Op F A.. Dst
%%   {raise,{f,0},[R1,R2],{x,0}}                       raise R1 R2
%%   {bs_add,F,[A,B,C],Dst}                            bs_add F A B C Dst
%%   {call|call_last|call_only,N,{M,F,A}...}           call N local('M','F',A) ...
%%   {extfunc,M,F,A}                                   ext('M','F',A)
%%   {make_fun2|3,{M,F,A},OldIdx,OldUniq,...}          make_funN lambda('M','F',A,OldIdx,OldUniq) ...
%%   {bs_put_string,Len,{string,S}}                    bs_put_string Len str(<<hex>>)
%%   bs_match_string's binary                          str(<<hex>>)
%%   {bs_create_bin,[{A1..A5,Z,U,List}]}               bs_create_bin A1..A5 [List]
%% Before the functions, the tables decoded by OTP itself (see tables/1): atoms, imports,
%% exports (sorted lines), every literal, the Attr and CInf terms.
%% Leading labels/lines of every function but the first are listed reversed by beam_disasm
%% and put back in file order here.
%% Operands: {x,N} xN, {y,N} yN, {fr,N} frN, {f,N} fN, {atom,A} 'A' (bytes outside
%% 0x20..0x7e and ' \ as \xHH), nil, {u,N}/N/{field_flags,N} N, {i,N}/{integer,N} int(N),
%% {float,F} float(0x<IEEE bits>), {literal,T} lit(T), #tr{} tr(Reg,typeIdx) with Idx the
%% position of the decoded type in the Type chunk, {list,L} [..], alloc lists
%% alloc(words=N,...). Terms: integers in decimal, floats as above, tuples {..}, lists
%% [..] or [..|T] (strings are lists), binaries <<hex>> or <<hex|Bits:Value>>, maps
%% #{K=>V,...} with entries sorted by their text, export funs fun('M','F',A).
-module(disasm_dump).
-export([main/1]).

main([ListFile, OutFile]) ->
    {ok, Bin} = file:read_file(ListFile),
    Files = [binary_to_list(L) || L <- binary:split(Bin, <<"\n">>, [global]), L =/= <<>>],
    {ok, Out} = file:open(OutFile, [write, raw, binary, {delayed_write, 1 bsl 20, 2000}]),
    lists:foreach(fun(F) -> ok = file:write(Out, module(F)) end, Files),
    ok = file:close(Out).

module(File) ->
    Head = ["module ", File, "\n"],
    try beam_disasm:file(File) of
        {beam_file, _Mod, _Exports, _Attr, _CInf, Funs} ->
            put(types, type_index(File)),
            [Head, tables(File), functions(Funs, true), "end\n"];
        {error, _, Reason} ->
            [Head, "error ", io_lib:format("~0p", [Reason]), "\nend\n"]
    catch
        C:R -> [Head, "error ", io_lib:format("~0p:~0p", [C, R]), "\nend\n"]
    end.

%% The tables, straight from the chunks with OTP's own decoders (beam_lib,
%% binary_to_term, zlib): atoms, imports, exports (sorted), every literal,
%% and the Attr and CInf terms.
tables(File) ->
    {ok, {_, [{atoms, Atoms}, {indexed_imports, Imps}, {labeled_exports, Exps}]}} =
        beam_lib:chunks(File, [atoms, indexed_imports, labeled_exports]),
    Raw = fun(Id) ->
                  case beam_lib:chunks(File, [Id]) of
                      {ok, {_, [{Id, Bin}]}} -> Bin;
                      _ -> none
                  end
          end,
    Lits = case Raw("LitT") of
               none -> [];
               <<0:32, Table/binary>> -> literals(Table);
               <<_:32, Z/binary>> -> literals(zlib:uncompress(Z))
           end,
    Term = fun(none) -> "none"; (B) -> term(binary_to_term(B)) end,
    [[["atom ", integer_to_list(I), " ", atom(A), "\n"] || {I, A} <- lists:sort(Atoms)],
     [["import ", integer_to_list(I - 1), " ", arg({extfunc, M, F, A}), "\n"] || {I, M, F, A} <- Imps], % beam_lib counts from 1
     lists:sort([lists:flatten(["export ", atom(F), "/", integer_to_list(A), " ", integer_to_list(L), "\n"])
                 || {F, A, L} <- Exps]),
     [["literal ", integer_to_list(I), " ", term(T), "\n"]
      || {I, T} <- lists:zip(lists:seq(0, length(Lits) - 1), Lits)],
     ["attributes ", Term(Raw("Attr")), "\n"],
     ["compile_info ", Term(Raw("CInf")), "\n"]].

literals(<<_Count:32, Rest/binary>>) -> literals_1(Rest).
literals_1(<<Sz:32, Ext:Sz/binary, Rest/binary>>) -> [binary_to_term(Ext) | literals_1(Rest)];
literals_1(<<>>) -> [].

%% Map from decoded type to its (lowest) index in the Type chunk.
type_index(File) ->
    case beam_lib:chunks(File, ["Type"]) of
        {ok, {_, [{"Type", <<1:32, _Count:32, Table/binary>>}]}} ->
            Types = [beam_types:decode_ext(T) || <<T:18/binary>> <= Table],
            Idx = lists:zip(Types, lists:seq(0, length(Types) - 1)),
            lists:foldl(fun({T, I}, M) -> case M of #{T := _} -> M; _ -> M#{T => I} end end,
                        #{}, Idx);
        _ -> #{}
    end.

%% beam_disasm puts the labels and lines that precede a func_info into that function, but
%% for every function after the first it lists them in reverse order (its labels_r/2 walks
%% the previous function's code backwards). Restore file order.
functions([], _) -> [];
functions([{function, Name, Arity, Entry, Code0} | Fs], First) ->
    Code = case First of
               true -> Code0;
               false ->
                   {Lead, Rest} = lists:splitwith(fun({label, _}) -> true;
                                                     ({line, _}) -> true;
                                                     (_) -> false
                                                  end, Code0),
                   lists:reverse(Lead) ++ Rest
           end,
    ["function ", atom(Name), "/", integer_to_list(Arity), " ", integer_to_list(Entry), "\n",
     [instr(I) || I <- Code] | functions(Fs, false)].

instr(I) ->
    {Op, Args} = canon(I),
    ["  ", atom_to_list(Op), [[" ", arg(A)] || A <- Args], "\n"].

canon(I) when is_atom(I) -> {I, []};
canon({test, has_map_fields, F, Src, L}) -> {has_map_fields, [F, Src, L]};
canon({test, Op, F, Args}) when is_list(Args) -> {Op, [F | Args]};
canon({bif, Name, nofail, [], Dst}) -> {bif0, [{bif, Name}, Dst]};
canon({bif, Name, F, Args, Dst}) ->
    {list_to_atom("bif" ++ integer_to_list(length(Args))), [F, {bif, Name} | Args] ++ [Dst]};
canon({gc_bif, Name, F, Live, Args, Dst}) ->
    {list_to_atom("gc_bif" ++ integer_to_list(length(Args))), [F, Live, {bif, Name} | Args] ++ [Dst]};
canon({arithfbif, Op, F, Args, Dst}) -> {Op, [F | Args] ++ [Dst]};
canon({raise, {f, 0}, [R1, R2], {x, 0}}) -> {raise, [R1, R2]};
canon({bs_add, F, [A, B, C], Dst}) -> {bs_add, [F, A, B, C, Dst]};
canon({call, N, {M, F, A}}) -> {call, [N, {local, M, F, A}]};
canon({call_only, N, {M, F, A}}) -> {call_only, [N, {local, M, F, A}]};
canon({call_last, N, {M, F, A}, D}) -> {call_last, [N, {local, M, F, A}, D]};
canon({make_fun2, {M, F, A}, OldIdx, OldUniq, _NumFree}) ->
    {make_fun2, [{lambda, M, F, A, OldIdx, OldUniq}]};
canon({make_fun3, {M, F, A}, OldIdx, OldUniq, Dst, Env}) ->
    {make_fun3, [{lambda, M, F, A, OldIdx, OldUniq}, Dst, Env]};
canon({bs_put_string, Len, {string, S}}) -> {bs_put_string, [Len, list_to_binary(S)]};
canon({bs_create_bin, [{A1, A2, A3, A4, A5, _Z, _U, List}]}) ->
    {bs_create_bin, [A1, A2, A3, A4, A5, {list, List}]};
canon(T) when is_tuple(T) ->
    [Op | Args] = tuple_to_list(T),
    {Op, Args}.

arg({x, N}) -> ["x", integer_to_list(N)];
arg({y, N}) -> ["y", integer_to_list(N)];
arg({fr, N}) -> ["fr", integer_to_list(N)];
arg({f, N}) -> ["f", integer_to_list(N)];
arg({atom, A}) -> atom(A);
arg(nil) -> "nil";
arg({u, {alloc, L}}) -> alloc(L);
arg({alloc, L}) -> alloc(L);
arg({u, N}) when is_integer(N) -> integer_to_list(N);
arg({field_flags, N}) when is_integer(N) -> integer_to_list(N);
arg(N) when is_integer(N) -> integer_to_list(N);
arg({i, N}) -> ["int(", integer_to_list(N), ")"];
arg({integer, N}) -> ["int(", integer_to_list(N), ")"];
arg({h, N}) -> ["char(", integer_to_list(N), ")"];
arg({float, F}) -> flt(F);
arg({literal, T}) -> ["lit(", term(T), ")"];
arg({tr, Reg, Type}) ->
    Idx = case get(types) of #{Type := I} -> integer_to_list(I); _ -> "?" end,
    ["tr(", arg(Reg), ",type", Idx, ")"];
arg({list, L}) -> ["[", join([arg(A) || A <- L]), "]"];
arg({extfunc, M, F, A}) -> ["ext(", atom(M), ",", atom(F), ",", integer_to_list(A), ")"];
arg({local, M, F, A}) -> ["local(", atom(M), ",", atom(F), ",", integer_to_list(A), ")"];
arg({lambda, M, F, A, I, U}) ->
    ["lambda(", atom(M), ",", atom(F), ",", integer_to_list(A), ",", integer_to_list(I), ",",
     integer_to_list(U), ")"];
arg({bif, Name}) -> ["bif(", atom(Name), ")"];
arg(B) when is_binary(B) -> ["str(<<", hex(B), ">>)"];
arg(Other) -> ["?", io_lib:format("~0p", [Other])].

alloc(L) ->
    ["alloc(", join([[atom_to_list(K), "=", integer_to_list(V)] || {K, V} <- L]), ")"].

join([]) -> [];
join([H | T]) -> [H | [[",", X] || X <- T]].

atom(A) ->
    ["'", [esc(B) || <<B>> <= atom_to_binary(A, utf8)], "'"].

esc(B) when B >= 32, B =< 126, B =/= $', B =/= $\\ -> B;
esc(B) -> io_lib:format("\\x~2.16.0b", [B]).

hex(B) -> [io_lib:format("~2.16.0b", [X]) || <<X>> <= B].

flt(F) ->
    <<Bits:64>> = <<F/float>>,
    ["float(0x", string:lowercase(lists:flatten(io_lib:format("~16.16.0b", [Bits]))), ")"].

term(T) when is_integer(T) -> integer_to_list(T);
term(T) when is_float(T) -> flt(T);
term(T) when is_atom(T) -> atom(T);
term(T) when is_tuple(T) -> ["{", join([term(E) || E <- tuple_to_list(T)]), "}"];
term([]) -> "[]";
term(T) when is_list(T) -> ["[", list(T), "]"];
term(T) when is_binary(T) -> ["<<", hex(T), ">>"];
term(T) when is_bitstring(T) ->
    Full = bit_size(T) div 8,
    R = bit_size(T) rem 8,
    <<B:Full/binary, V:R>> = T,
    ["<<", hex(B), "|", integer_to_list(R), ":", integer_to_list(V), ">>"];
term(T) when is_map(T) ->
    Entries = lists:sort([lists:flatten(io_lib:format("~s", [[term(K), "=>", term(V)]]))
                          || {K, V} <- maps:to_list(T)]),
    ["#{", join(Entries), "}"];
term(T) when is_function(T) ->
    case erlang:fun_info(T, type) of
        {type, external} ->
            {module, M} = erlang:fun_info(T, module),
            {name, F} = erlang:fun_info(T, name),
            {arity, A} = erlang:fun_info(T, arity),
            ["fun(", atom(M), ",", atom(F), ",", integer_to_list(A), ")"];
        _ -> "localfun"
    end;
term(T) when is_pid(T) -> "pid";
term(T) when is_port(T) -> "port";
term(T) when is_reference(T) -> "ref".

list([H | T]) when is_list(T), T =/= [] -> [term(H), "," | list(T)];
list([H]) -> term(H);
list([H | T]) -> [term(H), "|", term(T)].
