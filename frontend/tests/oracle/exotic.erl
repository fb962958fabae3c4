%% Literals and instructions the installed OTP modules may not contain, compiled at test
%% time by disasm_oracle.rs and compared with beam_disasm like every other module.
-module(exotic).
-export([literals/0, floats/1, bits/1, big/1, funs/0, recv/1, 'ünïcödé_ätöm'/0]).

literals() ->
    {[1 | 2], [a | "bc"], <<1:3>>, <<"bin">>, <<>>, 1 bsl 100, -(1 bsl 70), 3.14, -0.0,
     'äöü', '日本', "string", [], {}, {{{deep}}}, fun lists:map/2,
     maps:from_list([{K, K * K} || K <- lists:seq(1, 40)]),
     #{[1] => {a}, <<"k">> => 1.5, 2.0 => x},
     [1.0e300, -1.0e-300, 16#7fffffffffffffff, -16#8000000000000000]}.

floats(X) when is_float(X) -> X * 2.5 + 1.0 / X;
floats(X) -> X.

bits(<<A:3, B:5/little-signed, C/utf8, D:2/binary, Rest/bits>>) ->
    <<Rest/bits, C/utf16, D/binary, A:7, B:16/float>>;
bits(B) -> B.

big(X) ->
    X + 123456789012345678901234567890 - 16#ffffffffffffffffff.

funs() ->
    Y = 7,
    F = fun(Z) -> Z + Y end,
    {F, fun erlang:abs/1}.

recv(T) ->
    Ref = make_ref(),
    self() ! {Ref, ok},
    receive
        {Ref, R} -> R
    after T -> timeout
    end.

'ünïcödé_ätöm'() -> 'ünïcödé_ätöm'.
