%% erlang:decode_packet/3 against erl: every packet type on fixed cases (headers, lines
%% with line_length/line_delimiter, packet_size limits, HTTP request/response/header
%% lines with continuations, URIs, ssl_tls, bitstrings), then random binaries built
%% from packet-like pieces, decoded repeatedly as a receiver would.
-module(decode_packet).
-export([main/0]).

main() ->
    Fixed = [{T, B, O, decode(T, B, O)} || {T, B, O} <- fixed()],
    rand:seed(exsss, {5, 6, 7}),
    Random = [run(pick(types()), rand_bin(), pick(opts())) || _ <- lists:seq(1, 300)],
    {Fixed, erlang:phash2(Random), lists:sublist(Random, 12)}.

%% Decodes packets from B until it runs out: the list of results.
run(T, B, O) ->
    case decode(T, B, O) of
        {ok, P, Rest} when byte_size(Rest) < byte_size(B) -> [{ok, P} | run(next(T, P), Rest, O)];
        Other -> [Other]
    end.

decode(T, B, O) ->
    try erlang:decode_packet(T, B, O) catch C:R -> {C, R} end.

%% After a request or response line come headers.
next(http, {http_request, _, _, _}) -> httph;
next(http, {http_response, _, _, _}) -> httph;
next(http_bin, {http_request, _, _, _}) -> httph_bin;
next(http_bin, {http_response, _, _, _}) -> httph_bin;
next(T, _) -> T.

types() -> [raw, 0, 1, 2, 4, asn1, sunrm, cdr, fcgi, tpkt, line, http, httph, http_bin, httph_bin].

opts() -> [[], [], [{packet_size, 7}], [{line_length, 5}], [{packet_size, 0}]].

pick(L) -> lists:nth(rand:uniform(length(L)), L).

rand_bin() ->
    iolist_to_binary([pick(pieces()) || _ <- lists:seq(1, rand:uniform(6))]).

pieces() ->
    [<<0, 3, "abc">>, <<2, "xy">>, <<0, 0, 0, 1, "z">>, <<"\r\n">>, <<"\n">>,
     <<"GET /a HTTP/1.1\r\n">>, <<"Host: h\r\n">>, <<"X-A: 1\r\n">>, <<" cont\r\n">>,
     <<"HTTP/1.0 404 Not Found\r\n">>, <<"line ">>, <<3, 0, 0, 6, 1, 2>>,
     <<1, 1, 0, 1, 0, 1, 0, 0, "q", 0>>, <<"GIOP", 1, 0, 0, 0, 0, 0, 0, 2, "hi">>,
     <<48, 2, 5, 5>>, <<128, 0, 0, 2, "ok">>, <<255>>, <<"POST http://x:8/p?q HTTP/1.1\r\n">>].

fixed() ->
    [{raw, <<1, 2, 3:4>>, []}, {1, <<1, 2, 3:4>>, []}, {0, <<>>, []}, {raw, <<>>, []},
     {ssl_tls, <<22, 3, 1, 0, 1, 9>>, []}, {ssl_tls, <<128, 5, 1, 3, 0, 7, 7>>, []},
     {line, <<"abcdef\nx">>, [{line_length, 3}]}, {line, <<"abcdef">>, [{line_length, 3}]},
     {line, <<"ab;c">>, [{line_delimiter, $;}]}, {raw, <<"ab">>, [{line_delimiter, $;}]},
     {line, <<"abc">>, [{packet_size, 2}]}, {2, <<0, 5, 1>>, [{packet_size, 2}]},
     {2, <<0, 5, 1>>, []}, {4, <<0, 0, 0, 2, 1, 2, 3>>, []},
     {http, <<"GET /x?y HTTP/1.1\r\n">>, []},
     {http_bin, <<"get http://h:80/p HTTP/1.0\r\n">>, []},
     {httph, <<"content-type: text/html\r\n  more\r\nX">>, []},
     {httph_bin, <<"X-my-HEADER:v\r\n\r\n">>, []}, {httph, <<"\r\n">>, []},
     {http, <<"HTTP/1.1 200 OK\r\n">>, []}, {http, <<"HTTP/1.1 200\r\n">>, []},
     {http, <<"HTTP/x 200\r\n">>, []}, {http, <<"junk\r\n">>, []},
     {httph, <<"bad header\r\n">>, []}, {httph, <<"bad header\r\nx">>, []},
     {http, <<"GET * \r\n">>, []}, {http, <<"OPTIONS foo:bar HTTP/1.1\n">>, []},
     {http, <<"PUT https://[::1]:443 HTTP/1.1\r\n">>, []},
     {http, <<"PUT HTTPS://host:0/x HTTP/1.1\r\n">>, []},
     {http, <<"DELETE relative HTTP/2.0\r\n">>, []},
     {httph, <<"Content-Length: 12\r\nHost: a\r\n">>, []},
     {httph, <<"An-Extremely-Long-Header-Name-That-Goes-On-And-On-Forever: v\r\nx">>, []},
     {http, <<"GET / HTTP/1.1\r\n">>, [{packet_size, 4}]},
     {http, <<"GET / HTTP/1.1">>, [{line_length, 4}]},
     {4, <<255, 255, 255, 255>>, []}, {tpkt, <<3, 0, 0, 2>>, []}, {tpkt, <<3, 0, 0, 5, 9>>, []},
     {asn1, <<48, 3, 1, 2, 3, 4>>, []}, {asn1, <<16#1f, 16#81, 1, 2, 9, 9>>, []},
     {asn1, <<48, 16#82, 0, 1, 7>>, []}, {asn1, <<48, 16#85, 0, 0, 0, 0, 1>>, []},
     {fcgi, <<1, 1, 0, 1, 0, 2, 1, 0, 65, 0, 0>>, []}, {fcgi, <<2, 1, 0, 1, 0, 2, 1, 0>>, []},
     {cdr, <<"GIOP", 1, 2, 1, 0, 2, 0, 0, 0, 7, 8>>, []}, {cdr, <<"GIOX", 1, 2, 1, 0, 2, 0, 0, 0>>, []},
     {sunrm, <<128, 0, 0, 1, 5, 6>>, []},
     {1, <<3, 1>>, [{packet_size, 1 bsl 32}]}, {1, <<3, 1>>, [{packet_size, -1}]},
     %% (Not tried: a bad option element or an improper option list; erl 25 reads past
     %% them and may crash.)
     {x, <<>>, []}, {3, <<>>, []}, {raw, not_binary, []}, {raw, <<>>, x}].
