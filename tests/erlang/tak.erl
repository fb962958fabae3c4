-module(tak).
-export([main/0]).
%% Takeuchi's function: deep mutual recursion with three live values per frame.
main() -> tak(18, 12, 6).
tak(X, Y, Z) when Y < X -> tak(tak(X - 1, Y, Z), tak(Y - 1, Z, X), tak(Z - 1, X, Y));
tak(_, _, Z) -> Z.
