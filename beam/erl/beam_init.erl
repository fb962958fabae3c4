%% The stand-in for OTP's `init` when `beam` runs with erl's command line
%% (docs/boot.md). It is the first process: it registers as `init`, runs the
%% -eval/-s/-run items in a boot process, as erl's init does, and then serves
%% init's requests until init:stop/0,1 (OTP's own init.beam client functions send
%% {stop, _} and {From, Request} messages to the registered `init`) or halt/1.
%%
%% It does not boot a release: no boot script, no kernel application, no code
%% server (code, io and file are BIFs of the VM).

-module(beam_init).
-export([start/0, boot/1]).

start() ->
    register(init, self()),
    process_flag(trap_exit, true),
    Items = init:beam_boot_items(),
    Boot = spawn_link(?MODULE, boot, [Items]),
    loop(Boot, starting).

%% The boot process: each item in order, as init:start_em/1.
boot([Item | Items]) ->
    run_item(Item),
    boot(Items);
boot([]) ->
    ok.

%% An exception leaves the boot process with the reason erl's boot process has: the
%% stack trace's frames of this module stand for init's (start_it for -eval, then
%% start_em and do_boot).
run_item(Item) ->
    try
        start_it(Item)
    catch
        error:R:St -> exit({R, init_frames(St, Item)});
        throw:T:St -> exit({{nocatch, T}, init_frames(St, Item)});
        exit:R -> exit(R)
    end.

start_it({eval, Str}) ->
    {ok, Ts, _} = erl_scan:string(Str),
    Ts1 = case lists:reverse(Ts) of
              [{dot, _} | _] -> Ts;
              TsR -> lists:reverse([{dot, erl_anno:new(1)} | TsR])
          end,
    {ok, Expr} = erl_parse:parse_exprs(Ts1),
    {value, _Value, _Bs} = erl_eval:exprs(Expr, erl_eval:new_bindings()),
    ok;
start_it([]) ->
    ok;
start_it([M]) ->
    M:start();
start_it([M, F]) ->
    M:F();
start_it([M, F | Args]) ->
    M:F(Args).

init_frames(St, Item) ->
    Own = lists:takewhile(fun(Frame) -> element(1, Frame) =/= ?MODULE end, St),
    Tail = [{init, start_em, 1, []}, {init, do_boot, 3, []}],
    case Item of
        {eval, _} -> Own ++ [{init, start_it, 1, []} | Tail];
        _ -> Own ++ Tail
    end.

loop(Boot, Status) ->
    receive
        {'EXIT', Boot, normal} ->
            loop(Boot, started);
        {'EXIT', Boot, Reason} ->
            erlang:display({"init terminating in do_boot", Reason}),
            crash("init terminating in do_boot", Reason);
        {'EXIT', _, _} ->
            loop(Boot, Status);
        {stop, How} ->
            finish_boot(Boot, Status),
            stop(How);
        {From, Request} when is_pid(From) ->
            From ! {init, answer(Request, Status)},
            loop(Boot, Status);
        _ ->
            loop(Boot, Status)
    end.

answer(get_arguments, _) -> init:get_arguments();
answer(get_plain_arguments, _) -> init:get_plain_arguments();
answer({get_argument, A}, _) -> init:get_argument(A);
answer(get_status, Status) -> {Status, Status};
answer(script_id, _) -> {"Erlang/OTP", erlang:system_info(otp_release)};
answer(fetch_loaded, _) -> [];
answer({ensure_loaded, M}, _) -> code:ensure_loaded(M);
answer({notify_when_started, _}, started) -> started;
answer({notify_when_started, _}, _) -> ok;
answer({make_permanent, _, _}, _) -> {error, not_supported};
answer(_, _) -> undefined.

%% erl's init takes a while to stop the applications before it kills the boot
%% process, so items after `-s init stop` (quick ones) still run: here the boot
%% process gets up to 100 ms to finish.
finish_boot(Boot, starting) ->
    receive
        {'EXIT', Boot, _} -> ok
    after 100 -> ok
    end;
finish_boot(_, _) ->
    ok.

%% init:stop/0,1 (restart and reboot stop too: there is no boot to run again).
stop({stop, Status}) when is_integer(Status) -> halt(Status);
stop({stop, Slogan}) -> crash_slogan(Slogan);
stop(_) -> halt(0).

%% erl halts with a slogan on standard error (and writes a crash dump, which beam
%% does not) and status 1.
crash(What, Reason) ->
    crash_slogan(What ++ " (" ++ short(Reason, 0) ++ ")").

crash_slogan(Slogan) ->
    io:put_chars(standard_error, [Slogan, "\n\n"]),
    halt(1).

%% erl's slogan shows the reason cut at depth 4: deeper lists as [_], tuples as {_}.
short(X, D) when is_list(X), D < 4 ->
    case is_text(X) of
        true -> X;
        false -> "[" ++ join([short(E, D + 1) || E <- X]) ++ "]"
    end;
short(X, _) when is_list(X) -> "[_]";
short(X, D) when is_tuple(X), D < 4 ->
    "{" ++ join([short(E, D + 1) || E <- tuple_to_list(X)]) ++ "}";
short(X, _) when is_tuple(X) -> "{_}";
short(X, _) when is_atom(X) -> atom_to_list(X);
short(X, _) when is_integer(X) -> integer_to_list(X);
short(X, _) when is_float(X) -> float_to_list(X);
short(X, _) when is_pid(X) -> pid_to_list(X);
short(_, _) -> "".

is_text([]) -> false;
is_text(L) ->
    lists:all(fun(C) -> is_integer(C) andalso
                            ((C >= 32 andalso C =< 126) orelse C =:= $\n
                             orelse C =:= $\r orelse C =:= $\t)
              end, L).

join([]) -> "";
join([E]) -> E;
join([E | T]) -> E ++ "," ++ join(T).
