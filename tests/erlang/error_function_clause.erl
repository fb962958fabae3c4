-module(error_function_clause).
-export([main/0]).
%% No function clause matches: function_clause.
main() -> g(foo).
g(X) when is_integer(X) -> X.
