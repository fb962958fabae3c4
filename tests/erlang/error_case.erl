-module(error_case).
-export([main/0]).
%% No case clause matches: {case_clause, Value}.
main() -> f(3).
f(X) -> case X of 1 -> one; 2 -> two end.
