-module(tuples_set).
-export([main/0]).
%% Tuple construction and update: setelement, element, tuple_size, list_to_tuple,
%% tuple_to_list, records.
-record(pt, {x = 0, y = 0, tag = none}).
main() ->
    T = erlang:make_tuple(5, z),
    T2 = setelement(2, setelement(4, T, four), two),
    P = #pt{x = 3},
    P2 = P#pt{y = 4, tag = moved},
    {T2, element(4, T2), tuple_size(T2), tuple_to_list({1, 2, 3}), list_to_tuple([a, b]),
     P2, P2#pt.x * P2#pt.y, is_record(P2, pt), bump(P2, 10)}.
bump(#pt{x = X, y = Y} = P, D) -> P#pt{x = X + D, y = Y - D}.
