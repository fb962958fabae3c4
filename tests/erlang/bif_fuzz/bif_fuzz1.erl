%% Randomized differential test of module erlang's pure BIFs against erl (the driver and
%% the generator are in bif_fuzz_gen.hrl; erl's outcomes in bif_fuzz1_expected.hrl,
%% rewritten by `erl -noshell -pa DIR -eval 'bif_fuzz1:regen(), halt().'` from
%% tests/erlang/bif_fuzz after the spec list changes).
-module(bif_fuzz1).
-export([main/0, dump/0, regen/0]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz1_expected.hrl").

regen() -> write_expected("bif_fuzz1_expected.hrl").

specs() ->
    [{erlang, abs, [num]},
     {erlang, '-', [num]},
     {erlang, '+', [num]},
     {erlang, 'bnot', [int]},
     {erlang, '+', [num, num]},
     {erlang, '-', [num, num]},
     {erlang, '*', [num, num]},
     {erlang, '/', [num, num]},
     {erlang, 'div', [int, int]},
     {erlang, 'rem', [int, int]},
     {erlang, 'band', [int, int]},
     {erlang, 'bor', [int, int]},
     {erlang, 'bxor', [int, int]},
     {erlang, 'bsl', [int, {s, small}]},
     {erlang, 'bsr', [int, {s, small}]},
     {erlang, '<', [any, any]},
     {erlang, '==', [num, num]},
     {erlang, '=:=', [any, any]},
     {erlang, '>=', [num, num]},
     {erlang, '=<', [any, any]},
     {erlang, max, [any, any]},
     {erlang, min, [num, num]},
     {erlang, 'not', [atom]},
     {erlang, 'and', [atom, atom]},
     {erlang, 'xor', [atom, atom]},
     {erlang, round, [num]},
     {erlang, trunc, [num]},
     {erlang, floor, [num]},
     {erlang, ceil, [num]},
     {erlang, float, [num]},
     {erlang, integer_to_list, [int]},
     {erlang, integer_to_list, [int, base]},
     {erlang, integer_to_binary, [int]},
     {erlang, integer_to_binary, [int, base]},
     {erlang, list_to_integer, [str]},
     {erlang, list_to_integer, [str, base]},
     {erlang, binary_to_integer, [bin]},
     {erlang, binary_to_integer, [bin, base]},
     {erlang, list_to_float, [str]},
     {erlang, binary_to_float, [bin]},
     {erlang, float_to_list, [float]},
     {erlang, float_to_list, 2, fun() -> [arg(float), float_opts()] end},
     {erlang, float_to_binary, [float]},
     {erlang, float_to_binary, 2, fun() -> [arg(float), float_opts()] end},
     {erlang, atom_to_list, [atom]},
     {erlang, atom_to_binary, [atom]},
     {erlang, atom_to_binary, 2, fun() -> [arg(atom), pick([latin1, utf8, unicode, x])] end},
     {erlang, binary_to_atom, 2, fun() -> [arg(ubin), pick([latin1, utf8, unicode, x])] end},
     {erlang, binary_to_atom, [ubin]},
     {erlang, list_to_atom, [ustr]},
     {erlang, binary_to_list, [bits]},
     {erlang, binary_to_list, [bin, idx, idx]},
     {erlang, list_to_binary, [iolist]},
     {erlang, bitstring_to_list, [bits]},
     {erlang, list_to_bitstring, 1, fun() -> [[pick([bits(), bin(), 7, [bits()]]) || _ <- lists:seq(1, range(0, 3))]] end},
     {erlang, binary_part, 2, fun() -> [arg(bin), tuple2()] end},
     {erlang, binary_part, [bin, small, small]},
     {erlang, split_binary, [bin, small]},
     {erlang, element, [idx, tuple]},
     {erlang, setelement, [idx, tuple, any]},
     {erlang, tuple_to_list, [tuple]},
     {erlang, list_to_tuple, [list]},
     {erlang, make_tuple, [{s, sint}, any]},
     {erlang, make_tuple, 3, fun() -> [range(0, 5), x, [{range(0, 6), y} || _ <- lists:seq(1, range(0, 3))]] end},
     {erlang, append_element, [tuple, any]},
     {erlang, delete_element, [idx, tuple]},
     {erlang, insert_element, [idx, tuple, any]},
     {erlang, tuple_size, [tuple]},
     {erlang, size, [any]},
     {erlang, byte_size, [bits]},
     {erlang, bit_size, [bits]},
     {erlang, length, [list]},
     {erlang, hd, [list]},
     {erlang, tl, [list]},
     {erlang, '++', [list, any]},
     {erlang, '--', [list, list]},
     {erlang, iolist_size, [iolist]},
     {erlang, iolist_to_binary, [iolist]},
     {erlang, iolist_to_iovec, [iolist]},
     {erlang, phash2, [any]},
     {erlang, phash2, 2, fun() -> [any(2), pick([1, 2, 7, 1 bsl 27, 1 bsl 32, 0, -1, a])] end},
     {erlang, phash, 2, fun() -> [any(2), pick([1, 2, 7, 1 bsl 27, 1 bsl 32, 0, -1])] end},
     {erlang, term_to_binary, [any]},
     {erlang, term_to_binary, 2, fun() -> [any(2), t2b_opts()] end},
     {erlang, binary_to_term, 1, fun() -> [etf()] end},
     {erlang, binary_to_term, 2, fun() -> [etf(), pick([[], [safe], [used], [safe, used], x])] end},
     {erlang, external_size, [any]},
     {erlang, crc32, [iolist]},
     {erlang, crc32, [int, iolist]},
     {erlang, adler32, [iolist]},
     {erlang, adler32, [int, iolist]},
     {erlang, crc32_combine, [int, int, sint]},
     {erlang, adler32_combine, [int, int, sint]},
     {erlang, md5, [iolist]},
     {erlang, map_size, [anymap]},
     {erlang, map_get, [key, anymap]},
     {erlang, is_map_key, [key, anymap]},
     {erlang, is_integer, [any]},
     {erlang, is_float, [any]},
     {erlang, is_number, [any]},
     {erlang, is_atom, [any]},
     {erlang, is_binary, [any]},
     {erlang, is_bitstring, [any]},
     {erlang, is_list, [any]},
     {erlang, is_tuple, [any]},
     {erlang, is_map, [any]},
     {erlang, is_boolean, [any]},
     {erlang, is_function, [any]},
     {erlang, is_function, [any, sint]},
     {erlang, is_record, [tuple, atom]},
     {erlang, is_record, [tuple, atom, sint]},
     {erlang, convert_time_unit, 3, fun() -> [arg(int), time_unit(), time_unit()] end},
     {erlang, decode_packet, 3, fun() -> [pick([raw, 0, 1, 2, 4, line, asn1, sunrm, cdr, fcgi, tpkt, http, httph, http_bin, httph_bin, x]), packet(), pick([[], [{packet_size, 5}], [{line_length, 3}], [x]])] end},
     {erlang, bit_size, [any]},
     {erlang, integer_to_list, [any, any]},
     {erlang, atom_to_list, [any]},
     {erlang, binary_to_term, 1, fun() -> [any(1)] end},
     {erlang, iolist_to_binary, [any]},
     {erlang, list_to_binary, [any]},
     {erlang, tuple_to_list, [any]},
     {erlang, fun_info, 2, fun() -> [pick([fun erlang:abs/1, fun lists:map/2, x]), pick([arity, module, name, type, env, x])] end},
     {erlang, fun_to_list, 1, fun() -> [pick([fun erlang:abs/1, fun lists:map/2, x])] end},
     {erlang, make_fun, 3, fun() -> [pick([lists, x, 1]), pick([map, y]), arg(sint)] end}
    ].

tuple2() -> {range(-2, 6), range(-3, 6)}.

gen2(K) -> error({unknown_kind, K}).

float_opts() ->
    [pick([compact, {decimals, range(0, 20)}, {scientific, range(0, 20)}, short,
           {decimals, 300}, {scientific, -1}, x])
     || _ <- lists:seq(1, range(0, 3))].

t2b_opts() ->
    [pick([compressed, {compressed, range(0, 9)}, {minor_version, range(0, 2)}, deterministic,
           x, {minor_version, 3}])
     || _ <- lists:seq(1, range(0, 2))].

time_unit() ->
    pick([second, millisecond, microsecond, nanosecond, native, perf_counter, 1, 1000,
          range(1, 10000), seconds, x, 0]).

%% External term format: valid encodings, some cut short or with one byte changed.
etf() ->
    B = term_to_binary(any(2), pick([[], [{minor_version, 1}], [compressed]])),
    case rand:uniform(4) of
        1 -> B;
        2 -> binary:part(B, 0, rand:uniform(byte_size(B)) - 1);
        3 ->
            P = rand:uniform(byte_size(B)) - 1,
            <<H:P/binary, _, T/binary>> = B,
            <<H/binary, (range(0, 255)), T/binary>>;
        4 -> <<B/binary, 0>>
    end.

packet() ->
    case rand:uniform(4) of
        1 -> bin();
        2 -> <<(range(0, 6)), (bin())/binary>>;
        3 -> pick([<<"GET / HTTP/1.1\r\nHost: x\r\n\r\n">>, <<"HTTP/1.0 200 OK\r\n">>,
                   <<"Content-Length: 5\r\n\r\n">>, <<"line1\nline2">>, <<0, 0, 0, 3, "abc">>,
                   <<0, 2, "xy">>, <<3, 0, 0, 7, 1, 2, 3>>]);
        4 -> <<(range(0, 3)):16, (bin())/binary>>
    end.
