-module(bench_programs).
%% The programs scripts/bench-programs runs on the ARM32 JIT in the simulator to count
%% ARM instructions retired. Each export is a fixed workload; `empty/0` measures the cost of
%% starting and ending a process, which the script subtracts.
-export([empty/0, fib20/0, fib25/0, tak/0, nrev/0, qsort/0]).

empty() -> ok.

%% fib(N) makes 2*fib(N+1)-1 calls: 21,891 for N = 20 and 242,785 for N = 25.
fib20() -> fib(20).
fib25() -> fib(25).
fib(N) when N < 2 -> N;
fib(N) -> fib(N - 1) + fib(N - 2).

%% tak(18, 12, 6): deep non-tail recursion with three live values.
tak() -> tak(18, 12, 6).
tak(X, Y, Z) when Y < X -> tak(tak(X - 1, Y, Z), tak(Y - 1, Z, X), tak(Z - 1, X, Y));
tak(_, _, Z) -> Z.

%% Naive reverse of a 30-element list, 1000 times (the classic nrev benchmark: 496 calls
%% to app/nrev per reversal).
nrev() -> nrev_loop(1000, seq(1, 30), 0).
nrev_loop(0, _, Acc) -> Acc;
nrev_loop(N, L, Acc) -> [H | _] = nrev(L), nrev_loop(N - 1, L, Acc + H).
nrev([]) -> [];
nrev([H | T]) -> app(nrev(T), [H]).
app([], L) -> L;
app([H | T], L) -> [H | app(T, L)].
seq(N, M) when N > M -> [];
seq(N, M) -> [N | seq(N + 1, M)].

%% Quicksort of 2,000 pseudo-random integers (the ZX81 linear congruential generator, whose
%% values stay small integers).
qsort() -> length(qsort(rand_list(2000, 12345))).
rand_list(0, _) -> [];
rand_list(N, S) ->
    S1 = (S * 75 + 74) rem 65537,
    [S1 | rand_list(N - 1, S1)].
qsort([]) -> [];
qsort([P | T]) -> {L, G} = part(P, T, [], []), app(qsort(L), [P | qsort(G)]).
part(_, [], L, G) -> {L, G};
part(P, [H | T], L, G) when H < P -> part(P, T, [H | L], G);
part(P, [H | T], L, G) -> part(P, T, L, [H | G]).
