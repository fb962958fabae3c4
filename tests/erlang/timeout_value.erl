-module(timeout_value).
-export([main/0]).
%% A receive whose `after` value is neither `infinity` nor a non-negative integer raises
%% error:timeout_value at the wait, which catch and try catch (the process goes on); a
%% message that matches first means no error; an uncaught one ends a spawned process
%% with {timeout_value, Stack}. Traces are cut to this module's frames (erl's own run
%% has its launcher's frames below them).
main() ->
    A = own(catch f(id(foo))),
    B = own(catch f(id(-1))),
    C = try f(id(bad)) of V -> V catch Cl:Rs:St -> {Cl, Rs, own(St)} end,
    D = own(catch g(id(bar))),
    self() ! m,
    E = own(catch f(id(-5))),
    F = receive M -> M after 0 -> none end,
    G = own(catch f(id(1.5))),
    H = own(catch timer:sleep(id(-1))),
    I = own(catch f(id(-(1 bsl 40)))),
    self() ! x,
    J = (catch f(id(foo))),
    K = own(catch h(id(2), id(nope))),
    {Pid, Ref} = spawn_monitor(fun() -> f(id(-2)) end),
    L = receive {'DOWN', Ref, process, Pid, Why} -> own(Why) after 5000 -> no_down end,
    N = [own(catch f(id(T))) || T <- [0, [], {}, <<>>, self(), 4294967295.0]],
    [A, B, C, D, E, F, G, H, I, J, K, L, N].

f(T) ->
    receive
        x -> got
    after T -> ok
    end.

g(T) ->
    R = (catch (receive after T -> ok end)),
    {own(R), self() ! hi}.

%% Deeper: the raising frame is below two calls with frames.
h(0, T) -> {deep, f(T)};
h(N, T) -> [_ | _] = [N | h(N - 1, T)].

own({'EXIT', {R, S}}) -> {'EXIT', {R, own(S)}};
own({R, S}) when is_list(S) -> {R, own(S)};
own(S) when is_list(S) -> [Fr || {M, _, _, _} = Fr <- S, M =:= ?MODULE orelse M =:= timer];
own(X) -> X.

id(X) -> X.
