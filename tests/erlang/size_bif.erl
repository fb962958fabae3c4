-module(size_bif).
-export([main/0]).
%% erlang:size/1 of tuples and of binaries and bitstrings (whole bytes), called as a
%% function (apply) and in a body, and its badarg.
main() ->
    Items = [{}, {a}, {a, b, c}, <<>>, <<1>>, <<1, 2, 3>>, <<1:9>>, <<1:7>>,
             binary:copy(<<"x">>, 1000), list_to_tuple(lists:seq(1, 300))],
    Applied = [erlang:apply(erlang, size, [X]) || X <- Items],
    Body = [sz(X) || X <- Items],
    Bad = [try erlang:apply(erlang, size, [X]) catch C:R -> {C, R} end
           || X <- [foo, [1, 2], 3, #{a => 1}]],
    [Applied, Body, Bad].

sz(X) -> size(X).
