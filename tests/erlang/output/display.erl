%% erlang:display/1 (ERTS's own printer; erl writes CR LF). Only display here: erl's
%% display bypasses the io server, so mixing it with io:format has no fixed order there.
-module(display).
-export([main/0]).

main() ->
    [erlang:display(T) || T <- [ok, 'Quoted', 'it\'s', 'after', 'caf\x{e9}', 42, -7,
                                1 bsl 80, 1.5, -0.0, 1.0e-10, 123456789.0, 3.141592653589793,
                                "string", "tab\tnewline\n", "quote\"back\\", [1, 2, 3],
                                [a | b], [], {}, {a, {b, "c"}}, [$a, 1], "caf\x{e9}",
                                <<"bin">>, <<1, 2, 3>>, <<"quote\"">>, <<>>,
                                #{a => 1, "k" => [1]}, ["ab", [$c]], [127], [160]]],
    ok.
