-module(bin_unicode_random).
-export([main/0]).
%% Randomized differential test of the C-implemented parts of binary, unicode and string
%% (binary:match/matches/split/compile_pattern/longest_common_*, unicode:characters_to_*,
%% string:to_integer/to_float and the Erlang code over them): inputs come from rand with
%% a fixed seed, so erl and the JIT see the same cases; every result (or error) is printed.

main() ->
    rand:seed(exsss, {7, 11, 13}),
    [p(binary_case()) || _ <- lists:seq(1, 150)],
    [p(unicode_case()) || _ <- lists:seq(1, 150)],
    [p(string_case()) || _ <- lists:seq(1, 100)],
    ok.

p(R) -> io:format("~w~n", [R]).

t(F) -> try F() catch C:R -> {C, R} end.

pick(L) -> lists:nth(rand:uniform(length(L)), L).

%% Small alphabets make matches frequent.
rbin(Max) -> list_to_binary([pick("ab,") || _ <- lists:seq(1, rand:uniform(Max + 1) - 1)]).

rpattern() ->
    case rand:uniform(6) of
        1 -> <<>>;
        2 -> [rbin(3) || _ <- lists:seq(1, rand:uniform(3))];
        3 -> [];
        4 -> binary:compile_pattern(pick([<<"a">>, <<",">>, [<<"a">>, <<"ab">>]]));
        _ -> pick([<<",">>, <<"a">>, <<"ab">>, <<"ba">>, <<"a,">>])
    end.

ropts(Size) ->
    Scope = fun() ->
                S = rand:uniform(Size + 3) - 2,
                L = rand:uniform(2 * Size + 3) - Size - 2,
                {scope, {S, L}}
            end,
    [pick([global, trim, trim_all, Scope(), global]) || _ <- lists:seq(1, rand:uniform(3) - 1)].

binary_case() ->
    S = rbin(12),
    P = rpattern(),
    binary_result(S, P).

%% A compiled pattern prints differently (erl holds a magic reference): print its kind.
binary_result(S, P) ->
    case binary_case(S, P) of
        R when is_tuple(P), is_tuple(R) -> setelement(3, R, element(1, P));
        R -> R
    end.

binary_case(S, P) ->
    O = ropts(byte_size(S)),
    case rand:uniform(8) of
        1 -> {match, S, P, t(fun() -> binary:match(S, P) end)};
        2 -> {match, S, P, O, t(fun() -> binary:match(S, P, [X || {scope, _} = X <- O]) end)};
        3 -> {matches, S, P, O, t(fun() -> binary:matches(S, P, [X || {scope, _} = X <- O]) end)};
        4 -> {split, S, P, O, t(fun() -> binary:split(S, P, O) end)};
        5 -> {replace, S, P, t(fun() -> binary:replace(S, P, <<"[]">>, [global]) end)};
        6 -> L = [rbin(5) || _ <- lists:seq(1, rand:uniform(4) - 1)],
             {lcp, L, t(fun() -> binary:longest_common_prefix(L) end),
              t(fun() -> binary:longest_common_suffix(L) end)};
        7 -> {string, t(fun() -> string:split(binary_to_list(S), ",", all) end),
              t(fun() -> string:lexemes(binary_to_list(S), ",") end),
              t(fun() -> string:replace(S, "a", "X", all) end),
              t(fun() -> string:find(S, "b,") end),
              t(fun() -> string:prefix(S, "a") end)};
        _ -> {split2, S, P, t(fun() -> binary:split(S, P) end)}
    end.

%% Code points of every UTF-8 length, invalid ones sometimes.
rcp() ->
    case rand:uniform(12) of
        1 -> pick([-1, 16#D800, 16#DFFF, 16#110000, 1 bsl 40]);
        2 -> 16#80 + rand:uniform(16#700);
        3 -> 16#800 + rand:uniform(16#C000);
        4 -> 16#10000 + rand:uniform(16#FFFF);
        _ -> $a + rand:uniform(25)
    end.

utf8(Cp) when Cp >= 0, Cp =< 16#10FFFF, (Cp < 16#D800 orelse Cp > 16#DFFF) -> <<Cp/utf8>>;
utf8(_) -> <<255>>.

%% Random chardata: code points, binaries (sometimes cut inside a character), nesting.
rdata(0) -> [];
rdata(D) ->
    [case rand:uniform(6) of
         1 -> rdata(D - 1);
         2 -> B = << <<(utf8(rcp()))/binary>> || _ <- lists:seq(1, rand:uniform(3)) >>,
              case rand:uniform(4) of
                  1 -> binary:part(B, 0, rand:uniform(byte_size(B)) - 1);
                  _ -> B
              end;
         3 -> pick([<<>>, [], <<"ok">>]);
         _ -> rcp()
     end || _ <- lists:seq(1, rand:uniform(4))].

unicode_case() ->
    D = case rand:uniform(10) of
            1 -> [rdata(2) | pick([<<"x">>, <<200>>, b])];
            2 -> pick([atom, [1.0], {}]);
            _ -> rdata(3)
        end,
    Enc = pick([unicode, unicode, utf8, latin1, utf16, {utf32, little}, bad]),
    {D, Enc,
     t(fun() -> unicode:characters_to_binary(D) end),
     t(fun() -> unicode:characters_to_list(D) end),
     t(fun() -> unicode:characters_to_binary(D, unicode, Enc) end),
     t(fun() -> unicode:characters_to_list(unicode:characters_to_binary(valid(D), unicode, Enc), Enc) end),
     t(fun() -> unicode:characters_to_binary(D, latin1) end),
     t(fun() -> unicode:bin_is_7bit(unicode:characters_to_binary(D)) end)}.

valid(D) ->
    case catch unicode:characters_to_list(D) of
        L when is_list(L) -> [L, <<"é"/utf8>>, 16#1F600];
        _ -> "x"
    end.

string_case() ->
    S = [pick("0123456789+-.eE x") || _ <- lists:seq(1, rand:uniform(8) - 1)],
    {S, t(fun() -> string:to_integer(S) end), t(fun() -> string:to_float(S) end),
     t(fun() -> string:to_integer(list_to_binary(S)) end)}.
