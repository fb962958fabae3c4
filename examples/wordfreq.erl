%% wordfreq: the ten most frequent words of a text, counted by worker processes.
%%
%% The text is split into lines; each of four workers counts the words of its share of
%% the lines into a map and sends the map back; the parent merges the maps, sorts the
%% words by count (then alphabetically) and prints a table. It exercises what most Erlang
%% programs use: processes and messages, maps, lists and funs, binaries, and io:format.
%%
%%   beam run examples/wordfreq.erl          (the ARM32 JIT)
%%   erlc examples/wordfreq.erl && erl -noshell -s wordfreq main -s init stop
-module(wordfreq).
-export([main/0]).

-define(WORKERS, 4).
-define(TOP, 10).

main() ->
    Lines = lines(text(), <<>>, []),
    Parent = self(),
    Workers = [spawn(fun() -> Parent ! {self(), count(Share)} end)
               || Share <- deal(Lines, ?WORKERS)],
    Counts = lists:foldl(fun(Pid, Acc) ->
                                 receive {Pid, Map} -> merge(Map, Acc) end
                         end, #{}, Workers),
    Total = lists:sum(maps:values(Counts)),
    io:format("~b lines, ~b words, ~b distinct, counted by ~b processes~n",
              [length(Lines), Total, map_size(Counts), length(Workers)]),
    Ranked = lists:sort(fun({W1, N1}, {W2, N2}) -> {-N1, W1} =< {-N2, W2} end,
                        maps:to_list(Counts)),
    lists:foreach(fun({Rank, {Word, N}}) ->
                          Bar = lists:duplicate(N, $#),
                          io:format("~2b. ~-8s ~3b ~s~n", [Rank, Word, N, Bar])
                  end, lists:zip(lists:seq(1, ?TOP), lists:sublist(Ranked, ?TOP))),
    ok.

%% Splits a binary into its non-empty lines (bit syntax: binary:split/3 is one of the
%% C-implemented functions the runtime does not have yet).
lines(<<"\n", Rest/binary>>, <<>>, Acc) -> lines(Rest, <<>>, Acc);
lines(<<"\n", Rest/binary>>, Line, Acc) -> lines(Rest, <<>>, [Line | Acc]);
lines(<<C, Rest/binary>>, Line, Acc) -> lines(Rest, <<Line/binary, C>>, Acc);
lines(<<>>, <<>>, Acc) -> lists:reverse(Acc);
lines(<<>>, Line, Acc) -> lists:reverse([Line | Acc]).

%% Deals the lines round-robin into N shares.
deal(Lines, N) ->
    Tagged = lists:zip(lists:seq(0, length(Lines) - 1), Lines),
    [[L || {I, L} <- Tagged, I rem N =:= K] || K <- lists:seq(0, N - 1)].

%% Word counts of some lines: words are runs of letters, compared in lower case.
count(Lines) ->
    lists:foldl(fun(Word, Acc) -> maps:update_with(Word, fun(C) -> C + 1 end, 1, Acc) end,
                #{}, lists:flatmap(fun words/1, Lines)).

words(Line) -> words(binary_to_list(Line), [], []).

words([C | Rest], Word, Acc) when C >= $a, C =< $z -> words(Rest, [C | Word], Acc);
words([C | Rest], Word, Acc) when C >= $A, C =< $Z -> words(Rest, [C + 32 | Word], Acc);
words([_ | Rest], Word, Acc) -> words(Rest, [], flush(Word, Acc));
words([], Word, Acc) -> lists:reverse(flush(Word, Acc)).

flush([], Acc) -> Acc;
flush(Word, Acc) -> [lists:reverse(Word) | Acc].

merge(Map, Acc) ->
    maps:fold(fun(Word, N, A) -> maps:update_with(Word, fun(C) -> C + N end, N, A) end,
              Acc, Map).

text() ->
    <<"It was the best of times, it was the worst of times, it was the age of wisdom,\n"
      "it was the age of foolishness, it was the epoch of belief, it was the epoch of\n"
      "incredulity, it was the season of Light, it was the season of Darkness, it was\n"
      "the spring of hope, it was the winter of despair, we had everything before us,\n"
      "we had nothing before us, we were all going direct to Heaven, we were all going\n"
      "direct the other way - in short, the period was so far like the present period,\n"
      "that some of its noisiest authorities insisted on its being received, for good\n"
      "or for evil, in the superlative degree of comparison only.\n"
      "There were a king with a large jaw and a queen with a plain face, on the throne\n"
      "of England; there were a king with a large jaw and a queen with a fair face, on\n"
      "the throne of France. In both countries it was clearer than crystal to the lords\n"
      "of the State preserves of loaves and fishes, that things in general were\n"
      "settled for ever.\n">>.
