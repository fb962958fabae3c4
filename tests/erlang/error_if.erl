-module(error_if).
-export([main/0]).
%% No if clause is true: if_clause.
main() -> f(0).
f(X) -> if X > 0 -> pos; X < 0 -> neg end.
