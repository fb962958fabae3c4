%% ets:info(T, safe_fixed) and safe_fixed_monotonic_time against erl: false when not
%% fixed; when fixed, the time it became fixed (a timestamp triple / a monotonic time
%% no later than now, unchanged by further fixes) and each fixing process with its count,
%% the first first; a fixing process that ends releases its fixes.
-module(ets_safe_fixed).
-export([main/0]).

main() ->
    T = ets:new(t, [public]),
    Self = self(),
    S0 = shape(T, Self, none),
    true = ets:safe_fixtable(T, true),
    {M1, _} = ets:info(T, safe_fixed_monotonic_time),
    {W1, _} = ets:info(T, safe_fixed),
    true = ets:safe_fixtable(T, true),
    S1 = shape(T, Self, none),
    Same = {M1, W1} =:= {element(1, ets:info(T, safe_fixed_monotonic_time)),
                         element(1, ets:info(T, safe_fixed))},
    P = spawn(fun() -> ets:safe_fixtable(T, true), Self ! fixed, receive go -> ok end end),
    receive fixed -> ok end,
    S2 = shape(T, Self, P),
    Ref = monitor(process, P),
    P ! go,
    receive {'DOWN', Ref, _, _, _} -> ok end,
    S3 = shape(T, Self, P),
    true = ets:safe_fixtable(T, false),
    true = ets:safe_fixtable(T, false),
    S4 = shape(T, Self, P),
    {S0, S1, Same, S2, S3, S4, ets:info(T, fixed)}.

%% The info with pids named and times checked, not shown.
shape(T, Self, Other) ->
    Now = erlang:monotonic_time(),
    {WallMs, _} = {erlang:system_time(millisecond), 0},
    Name = fun(Pid) when Pid =:= Self -> self; (Pid) when Pid =:= Other -> other; (_) -> unknown end,
    F = fun(false, _) -> false;
           ({When, Fixers}, Kind) ->
                Ok = case Kind of
                         mono -> is_integer(When) andalso When =< Now;
                         wall ->
                             {Mega, S, Micro} = When,
                             Ms = (Mega * 1000000 + S) * 1000 + Micro div 1000,
                             Ms =< WallMs andalso WallMs - Ms < 60000
                     end,
                {Ok, [{Name(P), N} || {P, N} <- Fixers]}
        end,
    {F(ets:info(T, safe_fixed), wall), F(ets:info(T, safe_fixed_monotonic_time), mono)}.
