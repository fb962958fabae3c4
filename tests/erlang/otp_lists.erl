-module(otp_lists).
-export([main/0]).
%% Calls into the real OTP lists module (loaded from the installed OTP and compiled by
%% the JIT): seq, reverse, sort, keysort, nth, last, sum, max, duplicate, member, keyfind.
main() ->
    S = lists:seq(1, 20),
    R = lists:reverse(S),
    {lists:sort([5, 3, 9, 1, 7, 3, 2]),
     lists:keysort(2, [{a, 3}, {b, 1}, {c, 2}, {d, 1}]),
     lists:nth(3, R), lists:last(S), lists:sum(S), lists:max(S),
     lists:duplicate(3, x), lists:member(7, S), lists:keyfind(b, 1, [{a, 1}, {b, 2}]),
     lists:sublist(R, 4), lists:append([[1], [2, 3], []]), lists:flatten([1, [2, [3, 4]], 5])}.
