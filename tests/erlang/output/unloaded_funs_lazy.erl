-module(unloaded_funs_lazy).
-export([main/0, tagger/1]).
%% Loaded, unloaded and loaded again by unloaded_funs: a fun of it decoded while it is
%% not loaded works once error_handler has loaded it from the code path.

main() -> io:format("~p~n", [(tagger(a))(b)]).
tagger(T) -> fun(X) -> {T, X} end.
