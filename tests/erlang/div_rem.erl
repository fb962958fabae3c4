-module(div_rem).
-export([main/0]).
%% div and rem truncate toward zero; signs of every combination, bignum operands.
main() ->
    Pairs = [{7, 2}, {-7, 2}, {7, -2}, {-7, -2}, {0, 5}, {134217727, 1}, {-134217728, -1},
             {1 bsl 64, 3}, {-(1 bsl 64), 7}, {12345678901234567890, -98765}],
    [{A div B, A rem B} || {A, B} <- Pairs].
