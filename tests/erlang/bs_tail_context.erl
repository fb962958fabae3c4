-module(bs_tail_context).
-export([main/0]).
%% bs_get_tail must leave a match context's position alone: here the compiler takes the
%% tail of the context after a failed utf8 field and then passes the context itself to
%% cbv/2, which resumes matching where the context stands (the shape of unicode.erl's
%% do_i_utf8/cbv, which gave error instead of incomplete for cut UTF-8).

cbv(utf8, <<1:1, 1:1, 0:1, _:5>>) -> 1;
cbv(utf8, <<1:1, 1:1, 1:1, 0:1, _:4, R/binary>>) ->
    case R of
        <<>> -> 2;
        <<1:1, 0:1, _:6>> -> 1;
        _ -> false
    end;
cbv(_, _) -> false.

do_i_utf8(<<U/utf8, Rest/binary>>) ->
    case do_i_utf8(Rest) of
        {error, Conv, Err} -> {error, [U | Conv], Err};
        {incomplete, Conv, Part, N} -> {incomplete, [U | Conv], Part, N};
        Conv -> [U | Conv]
    end;
do_i_utf8(<<>>) -> [];
do_i_utf8(Bin) when is_binary(Bin) ->
    case cbv(utf8, Bin) of
        N when is_integer(N) -> {incomplete, [], Bin, N};
        false -> {error, [], Bin}
    end.

main() ->
    [do_i_utf8(B) || B <- [<<200>>, <<"ab", 200>>, <<"a">>, <<"a", 255>>, <<16#e2, 16#82>>,
                           <<"é"/utf8, 16#e2>>]].
