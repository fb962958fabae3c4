%% gen_server started, called, cast to and stopped, unmodified OTP code.
-module(gen_server_basic).
-behaviour(gen_server).
-export([main/0, init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

init(N) -> {ok, N}.
handle_call(get, _From, N) -> {reply, N, N};
handle_call({add, K}, _From, N) -> {reply, ok, N + K}.
handle_cast({add, K}, N) -> {noreply, N + K}.
handle_info(_, N) -> {noreply, N}.
terminate(_, _) -> ok.

main() ->
    {ok, P} = gen_server:start(?MODULE, 10, []),
    io:format("~p~n", [gen_server:call(P, get)]),
    ok = gen_server:call(P, {add, 5}),
    gen_server:cast(P, {add, 1}),
    io:format("~p~n", [gen_server:call(P, get)]),
    P ! hello,
    ok = gen_server:stop(P),
    io:format("~p~n", [is_process_alive(P)]),
    ok.
