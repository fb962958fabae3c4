-module(proc_dict_reg).
-export([main/0]).
%% The process dictionary, registered names, links with trap_exit, monitors, exit/2,
%% spawn_link/spawn_monitor, and the tuple/integer BIFs the compiler does not inline.
main() ->
    put(a, 1), put(b, 2), Old = put(a, 3),
    Dict = {Old, get(a), get(zz), erase(b), get(), lists:sort(get_keys())},
    register(me, self()), me ! hi,
    Reg = receive M -> {M, whereis(me) =:= self(), whereis(nobody)} end,
    unregister(me),
    process_flag(trap_exit, true),
    P = spawn_link(fun() -> exit(boom) end),
    Linked = receive {'EXIT', P, R} -> R end,
    {P2, Ref} = spawn_monitor(fun() -> ok end),
    Down = receive {'DOWN', Ref, process, P2, R2} -> R2 end,
    P3 = spawn(fun() -> receive _ -> ok end end),
    Ref3 = monitor(process, P3),
    exit(P3, kill),
    Killed = receive {'DOWN', Ref3, process, P3, R3} -> R3 end,
    {Dict, Reg, Linked, Down, Killed, is_process_alive(P3),
     integer_to_list(-255, 16), list_to_integer("7fffffffffff", 16), list_to_float("-1.25e2"),
     try list_to_float("1") catch error:E -> E end, erlang:append_element({a}, b), erlang:insert_element(2, {a, c}, b),
     erlang:delete_element(1, {a, b}), erlang:make_tuple(3, x, [{2, y}, {3, z}]),
     erlang:phash2({a, [1, 2], <<"bin">>}), erlang:phash2(abc, 100), node(), nodes(),
     is_alive()}.
