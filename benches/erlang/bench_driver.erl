-module(bench_driver).
%% For scripts/bench-native's marginal column: run a workload once or twice in one VM.
%% count(twice) - count(once) is the cost of one more run: VM start-up, module loading and
%% (on the JIT) compiling cancel. The value returned is the last run's.
-export([once/2, twice/2]).

once(M, F) -> M:F().

twice(M, F) ->
    _ = M:F(),
    M:F().
