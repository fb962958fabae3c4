%% Stack traces as erl builds them (issue 12): every error class raised from nested
%% calls, seen by `try ... catch C:R:S`, by `catch`, after a rethrow; the depth limit.
%% erl's own launcher frames (`init`) are left out: they are below `main/0` and not part
%% of the program.
-module(stacktraces).
-export([main/0, exported/1, fc/2]).

id(X) -> X.

%% The trace without the launcher's frames.
own(S) -> [F || {M, _, _, _} = F <- S, M =/= init].

t(F) ->
    try F() of
        V -> io:format("value ~p~n", [V])
    catch
        C:R:S -> io:format("~p~n", [{C, R, own(S)}])
    end.

c(F) ->
    case catch F() of
        {'EXIT', {R, S}} when is_list(S) -> io:format("~p~n", [{'EXIT', R, own(S)}]);
        V -> io:format("caught ~p~n", [V])
    end.

main() ->
    t(fun() -> element(5, id({a})) end),
    t(fun() -> X = element(5, id({a})), {X} end),
    t(fun() -> X = id(1) + id(a), {X} end),
    t(fun() -> X = id(1) div id(0), {X} end),
    t(fun() -> X = atom_to_list(id(1)), {X} end),
    t(fun() -> X = length(id(a)), {X} end),
    t(fun() -> X = hd(id(a)), {X} end),
    t(fun() -> X = id(#{}), X#{a := 1} end),
    t(fun() -> X = id(#{}), #{a := V} = X, V end),
    t(fun() -> maps:get(a, id(#{})) end),
    t(fun() -> X = id(a), X(1) end),
    t(fun() -> error(foo, [1, 2]) end),
    t(fun() -> error(foo, [1, 2], [{error_info, #{cause => x}}]) end),
    t(fun() -> error(foo, none) end),
    t(fun() -> lists:nosuch(1), ok end),
    t(fun() -> lists:nosuch(1) end),
    t(fun() -> fc(1, b) end),
    t(fun() -> X = id(x), if X =:= y -> ok end end),
    t(fun() -> X = id(x), case X of y -> ok end end),
    t(fun() -> try id(x) of y -> ok after ok end end),
    t(fun() -> try id(x) of y -> ok catch _ -> ok end end),
    t(fun() -> try error(inner) after ok end end),
    t(fun() -> try a(3) catch throw:nope -> ok end end),
    t(fun() -> throw(ball) end),
    t(fun() -> exit(bye) end),
    t(fun() -> erlang:raise(error, given, [{a, b, 1, []}]) end),
    t(fun() -> list_to_atom(id(x)) end),
    t(fun() -> F = fun erlang:atom_to_list/1, F(id(1)) end),
    t(fun() -> apply(erlang, atom_to_list, [id(1)]) end),
    t(fun() -> apply(id(stacktraces), id(fc), [1, b]) end),
    t(fun() -> apply(id(stacktraces), id(exported), [1]) end),
    % Nested calls that return, a leaf without a frame, recursion folded into one frame.
    t(fun() -> a(1) end),
    t(fun() -> {a(2)} end),
    t(fun() -> {a(3)} end),
    t(fun() -> {a(4)} end),
    t(fun() -> {leaf(x)} end),
    t(fun() -> {deep(3)} end),
    t(fun() -> {deep(30)} end),
    t(fun() -> {mutual(12, a)} end),
    t(fun() -> {via_fun(fun leaf/1, x)} end),
    t(fun() -> {via_apply(id(stacktraces), x)} end),
    c(fun() -> {a(1)} end),
    c(fun() -> {deep(5)} end),
    c(fun() -> atom_to_list(id(1)) end),
    c(fun() -> lists:nosuch(2) end),
    c(fun() -> throw(ball) end),
    c(fun() -> exit(bye) end),
    % (Crashed processes, whose DOWN and EXIT reasons carry the trace, print an error
    % report with the time in it: beam/tests/run_exit.rs compares those.)
    % The depth: 3 frames in all, then the default again.
    Old = erlang:system_flag(backtrace_depth, 3),
    t(fun() -> {a(1)} end),
    t(fun() -> {a(2)} end),
    Three = erlang:system_flag(backtrace_depth, Old),
    io:format("depth ~p ~p~n", [Old, Three]),
    t(fun() -> {deep(2)} end),
    ok.

a(N) -> R = b(N), {R}.
b(N) -> R = c1(N), [R].
c1(1) -> erlang:error(id(foo));
c1(2) -> 1 + id(a);
c1(3) -> throw(id(nope));
c1(4) -> {ok} = id(N = 4), N.

leaf(X) -> X = id(y).

deep(0) ->
    case id(x) of
        x -> error(bottom);
        _ -> 0
    end;
deep(N) -> 1 + deep(N - 1).

mutual(0, _) ->
    case id(x) of
        x -> error(done);
        _ -> 0
    end;
mutual(N, a) -> 1 + mutual(N - 1, b);
mutual(N, b) -> 2 + mutual(N - 1, a).

fc(a, X) -> X.

exported(a) -> ok.

%% A fun called last with a frame to drop (`call_fun; deallocate; return`, which OTP's
%% loader makes a tail call) and apply/3 the same way.
via_fun(F, X) ->
    Y = id(X),
    G = id(F),
    G(Y).

via_apply(M, X) ->
    Y = id(X),
    apply(M, fc, [Y, b]).
