-module(error_badmatch).
-export([main/0]).
%% A failed match raises {badmatch, Value}.
main() -> {ok, X} = check(7), X.
check(N) -> {error, N}.
