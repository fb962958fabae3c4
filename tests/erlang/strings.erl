-module(strings).
-export([main/0]).
%% Strings as lists of integers: ++, --, integer_to_list, list_to_integer, string module.
main() ->
    S = "Hello, " ++ "World",
    {S, length(S), lists:reverse(S), integer_to_list(-12345), list_to_integer("987654321"),
     integer_to_list(1 bsl 70), string:to_upper("abc"), string:tokens("a,b,,c", ","),
     lists:member($W, S), [C || C <- S, C >= $a, C =< $z], "abc" < "abd", hd(S)}.
