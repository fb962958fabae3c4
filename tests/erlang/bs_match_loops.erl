%% Match-context loops over random bitstrings: the context handed from one call to the
%% next (bs_start_match of a context), bs_test_unit with power-of-two and other units,
%% and bs_start_match of things that are not bitstrings (the slow path).
-module(bs_match_loops).
-export([main/0]).

main() ->
    rand:seed(exsss, {7, 8, 9}),
    Bins = [rand_bits(rand:uniform(800) - 1) || _ <- lists:seq(1, 60)],
    Rs = [one(B) || B <- Bins],
    Odd = [case catch sum8(T, 0) of {'EXIT', {R, [{_, F, A, _} | _]}} -> {R, F, A} end
           || T <- [a, 1, {<<1>>}, [<<2>>], 1.5, ok]],
    {length(Rs), erlang:md5(term_to_binary(Rs)), lists:sublist(Rs, 3), Odd}.

one(B) ->
    Sub = case bit_size(B) of
              N when N > 16 -> element(2, split_binary_bits(B, 9));
              _ -> B
          end,
    {sum8(B, 0), sum8(Sub, 0), u16(B, 0), u32(B, 0), u3(B, []), nibbles(B, 0),
     u5(Sub, 0), bytes_then_bits(B)}.

split_binary_bits(B, N) ->
    <<H:N/bits, T/bits>> = B,
    {H, T}.

rand_bits(N) ->
    << <<(rand:uniform(2) - 1):1>> || _ <- lists:seq(1, N) >>.

sum8(<<X, Rest/binary>>, S) -> sum8(Rest, S + X);
sum8(<<>>, S) -> S;
sum8(Other, S) when is_bitstring(Other) -> {rest, bit_size(Other), S}.

u16(<<X:16, Rest/binary-unit:16>>, S) -> u16(Rest, S + X);
u16(<<>>, S) -> S;
u16(Other, S) -> {rest16, bit_size(Other), S}.

u32(<<X:32/little, Rest/binary-unit:32>>, S) -> u32(Rest, S bxor X);
u32(Rest, S) -> {bit_size(Rest), S}.

u3(<<X:3, Rest/binary-unit:3>>, Acc) -> u3(Rest, [X | Acc]);
u3(<<>>, Acc) -> length(Acc);
u3(Other, Acc) -> {rest3, bit_size(Other), lists:sum(Acc)}.

u5(<<X:5, Rest/binary-unit:5>>, S) -> u5(Rest, S * 3 + X);
u5(Rest, S) -> {bit_size(Rest), S rem 1000003}.

nibbles(<<X:4, Rest/bits>>, S) -> nibbles(Rest, S + X);
nibbles(Rest, S) -> {bit_size(Rest), S}.

bytes_then_bits(B) ->
    case B of
        <<A:8, Rest/binary-unit:64>> -> {a, A, byte_size(Rest)};
        <<A:8, Rest/binary-unit:8>> -> {b, A, byte_size(Rest)};
        <<A:1, Rest/bits>> -> {c, A, bit_size(Rest)};
        <<>> -> empty
    end.
