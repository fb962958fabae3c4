-module(type_tests).
-export([main/0]).
%% Every type-test guard on values of every type.
main() ->
    Vals = [0, -1, 134217728, 1.5, atom, [], [1], {}, {1, 2}, <<1>>, "str",
            fun() -> ok end, self(), make_ref(), #{a => 1}],
    [{is_integer(V), is_float(V), is_number(V), is_atom(V), is_list(V), is_tuple(V),
      is_binary(V), is_function(V), is_pid(V), is_reference(V), is_map(V),
      is_boolean(V), classify(V)} || V <- Vals].
classify(V) when is_integer(V), V >= 0 -> nonneg_int;
classify(V) when is_integer(V) -> neg_int;
classify(V) when is_float(V) -> float;
classify(true) -> bool;
classify(V) when is_atom(V) -> atom;
classify([]) -> nil;
classify([_ | _]) -> cons;
classify(V) when is_tuple(V), tuple_size(V) =:= 0 -> empty_tuple;
classify(V) when is_tuple(V) -> tuple;
classify(_) -> other.
