-module(guards).
-export([main/0]).
%% Comparison guards of every kind, on mixed types (term order).
main() -> [cmp(A, B) || {A, B} <- [{1, 2}, {2, 1}, {1, 1}, {1, 1.0}, {a, 1}, {[], a}, {{1}, [1]}, {3, 3}]].
cmp(A, B) when A =:= B -> exact;
cmp(A, B) when A == B -> equal;
cmp(A, B) when A < B -> less;
cmp(A, B) when A >= B -> greater_or_equal.
