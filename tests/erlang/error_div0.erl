-module(error_div0).
-export([main/0]).
%% Integer division by zero: badarith.
main() -> f(10, 0).
f(A, B) -> A div B.
