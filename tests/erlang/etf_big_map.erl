-module(etf_big_map).
-export([main/0]).

%% term_to_binary of maps past 32 keys (HAMTs) writes the pairs in maps:to_list order,
%% as erl does; keys of several types (no atoms: their hash is node-local in OTP).
main() ->
    M1 = maps:from_list([{X, X * 2} || X <- lists:seq(1, 40)]),
    M2 = maps:from_list([{{X, [X]}, <<X>>} || X <- lists:seq(1, 100)]),
    M3 = maps:from_list([{integer_to_binary(X), float(X)} || X <- lists:seq(1, 33)]),
    M4 = #{nested => M1, list => [M3]},
    [term_to_binary(M) || M <- [M1, M2, M3, M4]] ++
        [binary_to_term(term_to_binary(M)) =:= M || M <- [M1, M2, M3, M4]].
