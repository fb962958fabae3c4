-module(primes).
-export([main/0]).
%% Sieve by trial division with list comprehensions; rem and guards in filters.
main() -> P = sieve(lists:seq(2, 2000)), {length(P), lists:sublist(P, 10), lists:last(P)}.
sieve([]) -> [];
sieve([P | T]) -> [P | sieve([X || X <- T, X rem P =/= 0])].
