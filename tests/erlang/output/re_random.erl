-module(re_random).
-export([main/0]).
%% Randomized differential test of re (compile/run/replace/split) against erl: patterns
%% from a small grammar, subjects over a small alphabet, options drawn at random, from a
%% fixed rand seed. A compile error prints only that it is one: PCRE2's messages and
%% offsets differ from those of the PCRE 8.44 that OTP 25 bundles (docs/re.md).

main() ->
    rand:seed(exsss, {3, 5, 8}),
    [io:format("~w~n", [one()]) || _ <- lists:seq(1, 250)],
    %% OTP's PCRE has Latin-1 character tables: which bytes each class matches, and
    %% caseless pairs, in byte and unicode mode.
    [io:format("~s ~w~n", [C, [B || B <- lists:seq(0, 255), re:run([B], C, M) =/= nomatch]])
     || C <- ["\\w", "\\d", "\\s", "[[:alpha:]]", "[[:upper:]]", "[[:lower:]]", "[[:punct:]]",
              "[[:print:]]", "[[:graph:]]", "[[:cntrl:]]", "[[:xdigit:]]", "\\W", "\\b."],
        M <- [[], [unicode]]],
    io:format("~w~n", [[{B, C} || B <- lists:seq(65, 255), C <- lists:seq(65, 255), B =/= C,
                                  re:run([B], hex(C), [caseless]) =/= nomatch]]),
    ok.

hex(C) -> "\\x{" ++ integer_to_list(C, 16) ++ "}".

pick(L) -> lists:nth(rand:uniform(length(L)), L).

atom_re() -> pick(["a", "b", ".", "[ab]", "[^a]", "\\d", "\\w", "x", "(a|b)", "(?<n>a)", "()", "(b)?", "é"]).
quant() -> pick(["", "", "*", "+", "?", "*?", "{1,2}"]).
pattern() ->
    P = lists:append([atom_re() ++ quant() || _ <- lists:seq(1, rand:uniform(3))]),
    case rand:uniform(8) of
        1 -> "^" ++ P;
        2 -> P ++ "$";
        3 -> P ++ "(";
        _ -> P
    end.
subject() -> [pick("ab1x\né") || _ <- lists:seq(1, rand:uniform(7) - 1)].

t(F) -> try F() catch C:R -> {C, R} end.

one() ->
    P = pattern(),
    S = subject(),
    Uni = pick([[], [unicode]]),
    Copts = Uni ++ [pick([caseless, multiline, dotall, ungreedy, extended]) || _ <- lists:seq(1, rand:uniform(2) - 1)],
    Cap = pick([[], [{capture, all, list}], [{capture, first, binary}], [{capture, all_but_first, index}],
                [{capture, [n, 1], list}], [{capture, none}], [{capture, all_names, binary}]]),
    Run = pick([[], [global], [notempty], [{offset, min(1, length(S))}], [global, notempty_atstart]]),
    case re:compile(P, Copts) of
        {error, {_, _}} -> {P, compile_error};
        {ok, MP} ->
            {P, S, Copts, Cap, Run,
             t(fun() -> re:run(S, MP, Cap ++ Run) end),
             t(fun() -> re:run(S, P, Copts ++ Cap ++ Run) end),
             t(fun() -> re:replace(S, MP, "<&>", [global, {return, list}]) end),
             t(fun() -> re:split(S, MP, [{return, binary}]) end),
             t(fun() -> re:split(S, MP, [{return, list}, trim, group]) end)}
    end.
