-module(tiering).
-export([main/0, sq/1]).

%% What tiered mode (docs/tiered.md) must keep intact when a function is recompiled in the
%% middle of a run: funs made before and after (one identity), deep recursions that tier
%% up while template continuations are on the stack, throws and errors caught across
%% frames of both kinds, apply and remote calls through repointed export cells, and a
%% receive loop. The other modes run it too.
main() ->
    F0 = mk(1),
    Fs = [mk(1) || _ <- lists:seq(1, 50)],
    Same = lists:all(fun(F) -> F =:= F0 end, Fs),
    Sorted = lists:usort([F0 | Fs]),
    Sum = deep(2000),
    C = (catch thrower(100)),
    E = try boom(10) catch error:R -> R end,
    Apply = [apply(?MODULE, sq, [I]) || I <- lists:seq(1, 20)],
    Remote = [?MODULE:sq(I) || I <- lists:seq(1, 20)],
    H = lists:foldl(fun(F, A) -> F(A) end, 0, Fs),
    Self = self(),
    Pid = spawn(fun() -> Self ! {sum, collect(0)} end),
    [Pid ! {n, I} || I <- lists:seq(1, 30)],
    Pid ! stop,
    Got = receive {sum, S} -> S end,
    {Same, length(Sorted), Sum, C, E, lists:sum(Apply), lists:sum(Remote), H, Got}.

mk(N) -> fun(X) -> X + N end.

deep(0) -> 0;
deep(N) -> N + deep(N - 1).

thrower(0) -> throw(done);
thrower(N) -> 1 + thrower(N - 1).

boom(0) -> error(bang);
boom(N) -> [N | boom(N - 1)].

sq(X) -> X * X.

collect(Acc) ->
    receive
        {n, I} -> collect(Acc + I);
        stop -> Acc
    end.
