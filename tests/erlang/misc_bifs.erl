%% float_to_list/2 and float_to_binary/2 on pseudo-random floats (an LCG, the same in
%% both VMs) with every option; checksums, time units, os environment, maps:update/take/
%% from_keys and list_to_existing_atom against erl.
-module(misc_bifs).
-export([main/0]).

e(F) -> try F() catch C:R -> {C, R} end.

main() -> [e(fun floats/0), e(fun checksums/0), e(fun units/0), e(fun env/0), e(fun maps/0)].

next(S) -> (S * 6364136223846793005 + 1442695040888963407) band 16#ffffffffffffffff.

float_of(S) ->
    Exp = case (S bsr 60) rem 4 of
              0 -> 1023 + (S bsr 40) rem 8;          % 1..256
              1 -> 1000 + (S bsr 40) rem 60;         % around 1e-7..1e11
              2 -> 1023 - (S bsr 40) rem 12;         % small fractions
              _ -> 900 + (S bsr 40) rem 250
          end,
    Frac = case (S bsr 50) rem 3 of
               0 -> (S bsr 4) band 16#fffffffffffff;
               1 -> (S band 16#ff) bsl 44;            % short binary fractions: ties
               _ -> 0
           end,
    Sign = (S bsr 33) band 1,
    <<F:64/float>> = <<Sign:1, Exp:11, Frac:52>>,
    F.

floats() ->
    Opts = [[], [short], [compact], [{decimals, 0}], [{decimals, 2}], [{decimals, 3}, compact],
            [{decimals, 10}], [{decimals, 20}, compact], [{scientific, 0}], [{scientific, 5}],
            [{scientific, 17}], [{decimals, 4}, {scientific, 3}], [{scientific, 3}, short]],
    {_, Out} = lists:foldl(
                 fun(_, {S, Acc}) ->
                         S1 = next(S),
                         F = float_of(S1),
                         {S1, [[float_to_list(F, O) || O <- Opts], float_to_binary(F, [{decimals, 3}]) | Acc]}
                 end, {42, []}, lists:seq(1, 150)),
    Errs = [e(fun() -> float_to_list(1.0, O) end)
            || O <- [[{decimals, 254}], [{scientific, 250}], [bad], x, [{decimals, -1}]]],
    {erlang:phash2(Out), lists:sublist(lists:reverse(Out), 6), Errs,
     float_to_list(0.125, [{decimals, 2}]), float_to_list(-0.0, [{decimals, 1}]),
     float_to_list(2.5, [{decimals, 0}]), float_to_list(1.0e20, [{decimals, 2}])}.

checksums() ->
    B1 = <<"hello ">>, B2 = [<<"wor">>, $l, "d"],
    C1 = erlang:crc32(B1), C2 = erlang:crc32(B2),
    A1 = erlang:adler32(B1), A2 = erlang:adler32(B2),
    [erlang:crc32(<<>>), C1, erlang:crc32(C1, B2), erlang:crc32_combine(C1, C2, 5),
     erlang:adler32(<<>>), A1, erlang:adler32(A1, B2), erlang:adler32_combine(A1, A2, 5),
     erlang:crc32(lists:seq(0, 255)), erlang:adler32(binary:copy(<<"x">>, 10000)),
     e(fun() -> erlang:crc32(atom) end), e(fun() -> erlang:adler32(-1, <<>>) end),
     erlang:md5(<<>>), erlang:md5([B1, B2]),
     erlang:md5_final(erlang:md5_update(erlang:md5_update(erlang:md5_init(), B1), B2)),
     e(fun() -> erlang:md5(x) end), e(fun() -> erlang:md5_final(<<"bad">>) end)].

units() ->
    Units = [second, millisecond, microsecond, nanosecond, native, perf_counter, 1, 7, 1000],
    [[erlang:convert_time_unit(V, F, T) || F <- Units, T <- Units]
     || V <- [0, 1, -1, 1999, -1999, 123456789012, -(1 bsl 70)]]
    ++ [e(fun() -> erlang:convert_time_unit(1, foo, second) end),
        e(fun() -> erlang:convert_time_unit(1.0, second, second) end),
        e(fun() -> erlang:convert_time_unit(1, 0, second) end),
        is_integer(erlang:time_offset()), is_integer(erlang:time_offset(second)),
        is_integer(os:system_time()), is_integer(os:system_time(millisecond)),
        is_integer(os:perf_counter()), tuple_size(os:timestamp()), is_list(os:getpid())].

env() ->
    true = os:putenv("BEAMJIT_TEST_VAR", "v1"),
    R1 = os:getenv("BEAMJIT_TEST_VAR"),
    true = os:unsetenv("BEAMJIT_TEST_VAR"),
    [R1, os:getenv("BEAMJIT_TEST_VAR"), os:getenv("BEAMJIT_TEST_VAR", dflt),
     lists:member("BEAMJIT_TEST_VAR=v1", os:getenv()), is_list(os:getenv()),
     e(fun() -> os:getenv(foo) end), os:type(),
     e(fun() -> {T, ok} = timer:tc(fun() -> ok end), is_integer(T) end),
     is_integer(os:perf_counter(millisecond))].

maps() ->
    M = #{a => 1, b => 2},
    [maps:update(a, 10, M), e(fun() -> maps:update(c, 1, M) end), e(fun() -> maps:update(a, 1, x) end),
     maps:take(a, M), maps:take(z, M), e(fun() -> maps:take(a, [x]) end),
     maps:from_keys([x, y, x], 0), maps:from_keys([], 0), e(fun() -> maps:from_keys(x, 0) end),
     maps:size(maps:from_keys(lists:seq(1, 100), v)),
     list_to_existing_atom("maps"), binary_to_existing_atom(<<"maps">>),
     e(fun() -> binary_to_existing_atom(<<"no_such_atom_xyzzy_43">>) end), e(fun() -> list_to_existing_atom("no_such_atom_xyzzy_42") end)].
