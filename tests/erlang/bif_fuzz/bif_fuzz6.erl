%% Randomized differential test against erl, part 6 (driver and generator in
%% bif_fuzz_gen.hrl; erl's outcomes in bif_fuzz6_expected.hrl, rewritten by
%% `erl -noshell -pa DIR -eval 'bif_fuzz6:regen(), halt().'` from tests/erlang/bif_fuzz):
%% uri_string, io_lib:fread, zlib (not its stream API, which is not here), crypto's
%% hashes and MACs.
-module(bif_fuzz6).
-export([main/0, dump/0, regen/0]).

-include("bif_fuzz_gen.hrl").
-include("bif_fuzz6_expected.hrl").

regen() -> write_expected("bif_fuzz6_expected.hrl").

specs() ->
    [{uri_string, parse, [uri]},
     {uri_string, parse, 1, fun() -> [list_to_binary(gen(uri))] end},
     {uri_string, normalize, [uri]},
     {uri_string, recompose, 1, fun() -> [uri_map()] end},
     {uri_string, resolve, [uri, uri]},
     {uri_string, dissect_query, [query]},
     {uri_string, compose_query, 1, fun() -> [[{gen(str), pick([gen(str), true])} || _ <- lists:seq(1, range(0, 3))]] end},
     {uri_string, transcode, 2, fun() -> [gen(uri), [{in_encoding, pick([utf8, latin1])}, {out_encoding, pick([utf8, latin1, utf16])}]] end},
     {uri_string, percent_decode, [uri]},
     {uri_string, quote, [str]},
     {uri_string, unquote, [uri]},
     {io_lib, fread, [fmt_in, str]},
     {io_lib, fread, [fmt_in, str]},
     {io_lib, fread, [fmt_in, str]},
     {zlib, compress, [iolist]},
     {zlib, uncompress, [zdata]},
     {zlib, gzip, [iolist]},
     {zlib, gunzip, [zdata]},
     {zlib, zip, [iolist]},
     {zlib, unzip, [zdata]},
     {crypto, hash, [halg, iolist]},
     {crypto, mac, 4, fun() -> [hmac, pick([md5, sha, sha256, sha512, sha3_256, x]), arg(iolist), arg(iolist)] end},
     {crypto, macN, 5, fun() -> [hmac, pick([md5, sha, sha256]), arg(iolist), arg(iolist), arg(pos)] end},
     {crypto, exor, [bin, bin]},
     {crypto, bytes_to_integer, [bin]},
     {crypto, hash_equals, [bin, bin]},
     {crypto, pbkdf2_hmac, 5, fun() -> [pick([sha, sha256]), arg(bin), arg(bin), range(1, 3), range(1, 40)] end}
    ].

uri_map() ->
    maps:from_list([{K, V} || {K, V} <- [{scheme, pick(["http", "foo", <<"https">>])},
                                          {host, pick(["h.x", "[::1]", <<"a b">>, ""])},
                                          {port, pick([80, 0, 65536])},
                                          {path, pick(["/a/b", "", "x y", <<"/%41">>])},
                                          {query, pick(["a=1&b", "", <<"q">>])},
                                          {fragment, pick(["f", "#"])},
                                          {userinfo, pick(["u:p", "@"])}],
                             rand:uniform(2) =:= 1]).

gen2(uri) ->
    pick(["http://u@h.example:8080/p/a?q=1#f", "foo:bar", "//host", "/abs/../p/./x", "rel",
          "", "HTTP://H/%7e%41", "http://[::1]:80/", "mailto:a@b", "a%2", "http://h:x/",
          "?q", "#frag", "http://h/sp ace", "http://ü.x/ü", "urn:a:b", "file:///tmp/x",
          "http://h:65536", "s://h/%zz"]) ++ pick(["", "/x", "?y=2", "#z"]);
gen2(query) ->
    pick(["a=1&b=2", "a", "a=&=b", "x=%41%20y", "k=v;k2=v2", "a+b=c+d", "%", "", "a=1&a=2"]);
gen2(fmt_in) ->
    lists:append([pick(["~d", "~s", "~a", "~f", "~c", "~u", "~-", " ", "~l", "~3d", "~2c",
                        "~#", "~e", "~5s", "x", "~~"]) || _ <- lists:seq(1, range(1, 3))]);
gen2(zdata) ->
    B = pick([zlib:compress(gen(bytes)), zlib:gzip(gen(bytes)), zlib:zip(gen(bytes))]),
    case rand:uniform(3) of
        1 -> B;
        2 -> binary:part(B, 0, rand:uniform(byte_size(B)) - 1);
        3 -> bin()
    end;
gen2(halg) -> pick([md5, sha, sha224, sha256, sha384, sha512, sha3_224, sha3_256, sha3_512, md4, x]);
gen2(K) -> error({unknown_kind, K}).
