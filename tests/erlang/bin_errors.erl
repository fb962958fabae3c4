-module(bin_errors).
-export([main/0]).
%% Match failures and badarg errors of bit syntax and the binary BIFs.
main() ->
    Bad = [fun() -> <<(a):8>> end,
           fun() -> S = neg(), <<1:S>> end,
           fun() -> <<1.5:8>> end,
           fun() -> X = <<1:3>>, <<X/binary>> end,
           fun() -> <<(list()):8/binary>> end,
           fun() -> <<(<<"ab">>):3/binary>> end,
           fun() -> S = atom(), <<1:S>> end,
           fun() -> binary_part(<<"abc">>, 2, 5) end,
           fun() -> binary_to_list(<<1:3>>) end,
           fun() -> byte_size(list()) end,
           fun() -> split_binary(<<"ab">>, 3) end,
           fun() -> binary_to_integer(<<"12x">>) end,
           fun() -> list_to_binary([256]) end,
           fun() -> iolist_size([a]) end,
           fun() -> <<X:8>> = <<1, 2>>, X end,
           fun() -> <<_:8, Y/binary>> = <<1:12>>, Y end],
    Errs = [try F() of V -> {ok, V} catch C:R -> {C, strip(R)} end || F <- Bad],
    Matches = [m(<<>>), m(<<1>>), m(<<1, 2>>), m(<<1, 2, 3>>), m(<<1:4>>), m(<<0:20>>),
               m(not_binary), m(<<7, "abc", 9>>), m(<<7, "abd", 9>>)],
    Guard = [g(X) || X <- [<<1, 2>>, <<1>>, <<>>, 42, <<1:1>>]],
    {Errs, Matches, Guard,
     case <<1, 2>> of <<A:4, _:4, _/binary>> when A > 0 -> A; _ -> zero end,
     case <<16#F0>> of <<A2:4, _:4>> when A2 > 0 -> A2; _ -> zero end}.

neg() -> -1.
atom() -> size.
list() -> [1, 2].

strip({badmatch, B}) -> {badmatch, B};
strip(R) -> R.

m(<<>>) -> empty;
m(<<X>>) -> {one, X};
m(<<7, "abc", Y>>) -> {string, Y};
m(<<X:16>>) -> {two, X};
m(<<X, Y, _/binary>>) -> {many, X, Y};
m(<<X:4>>) -> {nibble, X};
m(<<X:20>>) when X =:= 0 -> zero20;
m(B) when is_bitstring(B) -> {other, B};
m(_) -> not_bits.

g(B) when byte_size(B) =:= 2 -> two;
g(B) when is_binary(B), bit_size(B) > 0 -> nonempty;
g(B) when is_binary(B) -> empty;
g(B) when is_bitstring(B) -> bits;
g(_) -> other.
