//! `beam [erl flags]` against `erl -noshell` with the same flags: standard output and
//! exit status, for the start items (-eval, -s, -run), init's arguments, crashes during
//! the boot, `+P`, module `code`, `os:cmd`, `io:get_line` on piped standard input, and
//! `compile:forms/2` + `code:load_binary/3` (docs/boot.md); with the real OTP boot
//! (beam's default) and with the stand-in (`--stand-in-boot`).

#![cfg(not(target_arch = "arm"))]

mod common;
use common::run;

use std::path::{Path, PathBuf};
use std::process::Command;

const BOOT_T: &str = r#"
-module(boot_t).
-export([start/0, hello/0, hello/1, crash/1]).
start() -> io:format("start~n").
hello() -> io:format("hello/0~n").
hello(Args) -> io:format("hello ~p~n", [Args]).
crash(_) -> exit(bye).
"#;

/// A directory with boot_t.beam, one per test (`tag`): each test removes its own.
/// ERTS's loading BIFs as OTP's init and code_server use them (prepare_loading/2,
/// has_prepared_code_on_load/1, finish_loading/1 with `not_purged`, load_module/2,
/// check_old_code/1, delete_module/1) on modules compiled at run time. (Not in
/// tests/erlang: the compiler does not load in T32 mode yet. No junk binaries: erl
/// reports those through logger on standard output.)
const LOADING_T: &str = r#"
-module(loading_t).
-export([main/0]).
forms(Mod, K) ->
    [{attribute, 1, module, Mod}, {attribute, 2, export, [{f, 1}]},
     {function, 3, f, 1, [{clause, 3, [{var, 3, 'X'}], [],
                           [{op, 3, '*', {var, 3, 'X'}, {integer, 3, K}}]}]}].
bin(Mod, K) ->
    {ok, Mod, Bin} = compile:forms(forms(Mod, K), []),
    Bin.
err(F) ->
    try F() catch C:R -> {C, R} end.
main() ->
    B1 = bin(pl_dyn, 2),
    Bad = [err(fun() -> erlang:prepare_loading(pl_dyn, not_a_binary) end),
           err(fun() -> erlang:finish_loading([make_ref()]) end),
           err(fun() -> erlang:has_prepared_code_on_load(make_ref()) end)],
    P = erlang:prepare_loading(pl_dyn, B1),
    Prepared = [is_reference(P), erlang:has_prepared_code_on_load(P),
                erlang:module_loaded(pl_dyn)],
    Finished = erlang:finish_loading([P]),
    First = [pl_dyn:f(21), erlang:module_loaded(pl_dyn), erlang:check_old_code(pl_dyn)],
    P2 = erlang:prepare_loading(pl_dyn, bin(pl_dyn, 3)),
    Again = [erlang:finish_loading([P2]), pl_dyn:f(21), erlang:check_old_code(pl_dyn)],
    P3 = erlang:prepare_loading(pl_dyn, bin(pl_dyn, 4)),
    Third = [erlang:finish_loading([P3]), pl_dyn:f(21)],
    LoadModule = [erlang:load_module(pl_dyn2, bin(pl_dyn2, 5)), pl_dyn2:f(2),
                  erlang:load_module(pl_dyn2, bin(pl_dyn2, 6)), pl_dyn2:f(2),
                  erlang:load_module(pl_dyn2, bin(pl_dyn2, 7))],
    io:format("~p~n", [[Bad, Prepared, Finished, First, Again, Third, LoadModule,
                        erlang:delete_module(pl_nosuch)]]),
    halt().
"#;

/// A one_for_one supervisor whose gen_server child crashes: logger's error, crash and
/// supervisor reports, the restart, and the shutdown. The program waits for the restart
/// and for the default handler to have written (`logger_std_h:filesync/1`), so its own
/// lines come after the reports in erl as in beam, however slow the reports are.
const SUP_T: &str = r#"
-module(sup_t).
-export([main/0, init/1, wstart/0, handle_call/3, handle_cast/2]).
main() ->
    {ok, Sup} = supervisor:start_link({local, sup_t}, ?MODULE, sup),
    W1 = whereis(sup_w),
    ok = gen_server:cast(sup_w, boom),
    W2 = wait_new(W1),
    ok = logger_std_h:filesync(default),
    io:format("restarted: ~p~n", [is_pid(W2) andalso W1 =/= W2]),
    io:format("children: ~p~n",
              [[{Id, T, M} || {Id, _, T, M} <- supervisor:which_children(Sup)]]),
    unlink(Sup),
    Ref = monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, _, _, R} -> io:format("sup down: ~p~n", [R]) end,
    io:format("worker: ~p~n", [whereis(sup_w)]),
    init:stop().
wait_new(W1) ->
    case whereis(sup_w) of
        W when is_pid(W), W =/= W1 -> W;
        _ -> timer:sleep(10), wait_new(W1)
    end.
init(sup) ->
    {ok, {#{strategy => one_for_one, intensity => 5, period => 10},
          [#{id => w, start => {?MODULE, wstart, []}}]}};
init(worker) -> {ok, 0}.
wstart() -> gen_server:start_link({local, sup_w}, ?MODULE, worker, []).
handle_call(_, _, S) -> {reply, ok, S}.
handle_cast(boom, S) -> erlang:error({boom, S}).
"#;

/// Old and current code as ERTS keeps them: four versions of module `ver` loaded at run
/// time (compile:forms + code:load_binary) while processes run them. A process keeps
/// running the version it is in (local calls) until a fully-qualified call takes it to
/// the current one; check_old_code, check_process_code, code:soft_purge (refused while
/// a process runs the old code), code:purge and loading over old code (which kill such
/// processes), code:delete and erlang:delete_module (ERTS's report when old code is
/// still there), erlang:purge_module. The reports go to a logger handler of the program
/// (`log/2`) that hands them to it, so their place among its lines does not depend on
/// timing (erl's default handler prints ERTS's reports at no fixed place).
const CODE_VER: &str = r#"
-module(code_ver).
-export([main/0, log/2]).

%% Version K of module `ver`: vsn() -> K; loop() waits for messages, answering
%% `which` from the version it runs and re-entering the current one on `upgrade`.
forms(K) ->
    Src = io_lib:format(
        "-module(ver).~n-export([vsn/0, loop/0, start/0]).~n"
        "vsn() -> ~p.~n"
        "start() -> spawn(fun() -> loop() end).~n"
        "loop() -> receive {From, which} -> From ! {self(), vsn()}, loop();~n"
        "  upgrade -> ver:loop();~n  stop -> ok end.~n", [K]),
    {ok, Toks, _} = erl_scan:string(lists:flatten(Src)),
    split(Toks, []).
split([], []) -> [];
split([{dot, _} = D | T], Acc) ->
    {ok, F} = erl_parse:parse_form(lists:reverse([D | Acc])),
    [F | split(T, [])];
split([H | T], Acc) -> split(T, [H | Acc]).

load(K) ->
    {ok, ver, Bin} = compile:forms(forms(K), []),
    code:load_binary(ver, "ver.beam", Bin).

ask(P) ->
    P ! {self(), which},
    ask_reply(P).
ask_reply(P) ->
    receive {P, V} -> V after 1000 -> timeout end.

p(Tag, X) -> io:format("~s: ~p~n", [Tag, X]).

err(F) -> try F() catch C:R -> {C, R} end.

%% A logger handler sending each event to the main process: ERTS's reports reach the
%% logger at no fixed point of the program's output.
log(#{msg := {F, A}}, #{config := Pid}) -> Pid ! {logged, lists:flatten(io_lib:format(F, A))};
log(_, _) -> ok.

logged() ->
    receive {logged, Text} -> p(logged, Text) after 5000 -> p(logged, nothing) end.

main() ->
    ok = logger:remove_handler(default),
    ok = logger:add_handler(fwd, ?MODULE, #{config => self()}),
    p(load1, load(1)),
    P1 = ver:start(),
    p(ask1, {ask(P1), ver:vsn(), erlang:check_old_code(ver)}),
    p(load2, load(2)),
    p(after2, {ask(P1), ver:vsn(), erlang:check_old_code(ver)}),
    p(cpc, {erlang:check_process_code(P1, ver), erlang:check_process_code(self(), ver),
            erlang:check_process_code(P1, lists)}),
    p(soft_purge_busy, code:soft_purge(ver)),
    P1 ! upgrade,
    p(upgraded, {ask(P1), erlang:check_process_code(P1, ver)}),
    p(soft_purge, {code:soft_purge(ver), erlang:check_old_code(ver)}),
    P2 = ver:start(),
    M2 = monitor(process, P2),
    p(load3, {load(3), ask(P2), ask(P1), erlang:check_process_code(P2, ver)}),
    p(load4_not_purged, load(4)),
    p(purge, code:purge(ver)),
    receive {'DOWN', M2, process, P2, R} -> p(p2_down, R) after 1000 -> p(p2_down, timeout) end,
    p(p1_alive, is_process_alive(P1)),
    p(purge_again, {code:purge(ver), erlang:check_old_code(ver)}),
    p(delete, {code:delete(ver), erlang:check_old_code(ver), code:is_loaded(ver),
               erlang:module_loaded(ver)}),
    p(call_deleted, err(fun() -> ver:vsn() end)),
    p(delete_again, code:delete(ver)),
    logged(),
    p(purge_deleted, code:purge(ver)),
    p(p1_after, is_process_alive(P1)),
    p(reload, {load(5), ver:vsn(), erlang:check_old_code(ver)}),
    p(erlang_delete, {erlang:delete_module(ver), erlang:delete_module(ver_nosuch)}),
    p(erlang_delete_old, err(fun() -> erlang:delete_module(ver) end)),
    logged(),
    p(erlang_purge, {erlang:purge_module(ver), erlang:check_old_code(ver)}),
    p(erlang_purge_none, err(fun() -> erlang:purge_module(ver) end)),
    p(cpc_dead, erlang:check_process_code(P2, ver)),
    p(cpc_badarg, err(fun() -> erlang:check_process_code(not_a_pid, ver) end)),
    init:stop().
"#;

/// `-on_load` functions under the real boot: code_server runs them through
/// `erlang:call_on_load_function/1` and `finish_after_on_load/2`; one that fails leaves
/// its module unloaded (calls raise `undef`). The warning code_server logs for it is
/// asynchronous, so the primary level is raised first.
const ONLOAD_T: &str = r#"
-module(onload_t).
-export([main/0]).
main() ->
    logger:set_primary_config(level, error),
    io:format("~p~n", [onload_ok:value()]),
    io:format("~p~n", [code:is_loaded(onload_ok) =/= false]),
    Bad = case catch onload_bad:f() of
              {'EXIT', {undef, [Top | _]}} -> {undef, Top};
              Other -> Other
          end,
    io:format("~p~n", [Bad]),
    io:format("~p~n", [code:is_loaded(onload_bad)]),
    init:stop().
"#;

const ONLOAD_OK: &str = r#"
-module(onload_ok).
-export([value/0]).
-on_load(init/0).
init() -> persistent_term:put(onload_ok, set_by_on_load), ok.
value() -> persistent_term:get(onload_ok, missing).
"#;

const ONLOAD_BAD: &str = r#"
-module(onload_bad).
-export([f/0]).
-on_load(init/0).
init() -> {error, refused}.
f() -> ok.
"#;

/// A directory with boot_t.beam, loading_t.beam, sup_t.beam and code_ver.beam, one per
/// test (`tag`): each test removes its own.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("beam-erl-boot-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        ("boot_t.erl", BOOT_T),
        ("loading_t.erl", LOADING_T),
        ("sup_t.erl", SUP_T),
        ("code_ver.erl", CODE_VER),
        ("onload_t.erl", ONLOAD_T),
        ("onload_ok.erl", ONLOAD_OK),
        ("onload_bad.erl", ONLOAD_BAD),
    ] {
        let src = dir.join(name);
        std::fs::write(&src, text).unwrap();
        let ok = Command::new("erlc")
            .arg("-o")
            .arg(&dir)
            .arg(&src)
            .status()
            .expect("erlc is installed by scripts/setup")
            .success();
        assert!(ok, "erlc failed on {name}");
    }
    dir
}

/// A case: erl's flags (after `-noshell`) and standard input.
struct Case {
    name: &'static str,
    args: Vec<String>,
    stdin: &'static str,
}

fn case(name: &'static str, args: &[&str], stdin: &'static str) -> Case {
    let mut v = vec!["-noshell".to_string()];
    v.extend(args.iter().map(|s| s.to_string()));
    Case {
        name,
        args: v,
        stdin,
    }
}

fn cases(dir: &Path) -> Vec<Case> {
    let d = dir.to_str().unwrap();
    let pa = |rest: &[&str]| -> Vec<String> {
        let mut v = vec!["-noshell".to_string(), "-pa".to_string(), d.to_string()];
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    };
    let mut cs = vec![
        case(
            "evals in order, halt status",
            &[
                "-eval",
                "io:format(\"a~n\")",
                "-eval",
                "io:format(\"b~p~n\", [1+1]), halt(3).",
            ],
            "",
        ),
        case(
            "init arguments",
            &[
                "-myflag",
                "a",
                "b",
                "-other",
                "-boot",
                "start_clean",
                "-eval",
                "io:format(\"~p~n~p~n~p~n~p~n\", [init:get_arguments(), \
                 init:get_argument(myflag), init:get_argument(nosuch), \
                 init:get_plain_arguments()]), init:stop(4).",
                "-extra",
                "x",
                "-y",
            ],
            "",
        ),
        case(
            "script_id and init:stop/0",
            &[
                "-eval",
                "io:format(\"~p~n\", [init:script_id()]), init:stop().",
            ],
            "",
        ),
        case("crash in -s", &["-s", "nomod", "nofun", "a", "b"], ""),
        case("parse error in -eval", &["-eval", "foo("], ""),
        case("throw in -eval", &["-eval", "throw(x)"], ""),
        case(
            "items after -s init stop",
            &[
                "-s",
                "init",
                "stop",
                "-eval",
                "io:format(\"A~n\")",
                "-run",
                "io",
                "format",
                "B",
            ],
            "",
        ),
        case(
            "+P",
            &[
                "+P",
                "5000",
                "-eval",
                "io:format(\"~p~n\", [erlang:system_info(process_limit)]), halt().",
            ],
            "",
        ),
        case(
            "os:cmd",
            &[
                "-eval",
                "io:format(\"~p~n~p~n\", [os:cmd(\"echo hi; echo err >&2; exit 3\"), \
                 os:cmd('true')]), halt().",
            ],
            "",
        ),
        case(
            "application:which_applications",
            &[
                "-eval",
                "io:format(\"~p~n\", [application:which_applications()]), halt().",
            ],
            "",
        ),
        case(
            "io:get_line on standard input",
            &[
                "-eval",
                "io:format(\"~p~n\", [io:get_line(\"P> \")]), \
                 io:format(\"~p~n\", [io:get_line(standard_io, '')]), \
                 io:format(\"~p~n\", [io:get_line(\"\")]), halt().",
            ],
            "hi\nthere",
        ),
    ];
    let mut more = vec![
        Case {
            name: "-s and -run items, -s init stop",
            args: pa(&[
                "-s", "boot_t", "hello", "a", "b", "-run", "boot_t", "hello", "x", "y", "-s",
                "boot_t", "-run", "boot_t", "hello", "-s", "init", "stop",
            ]),
            stdin: "",
        },
        Case {
            name: "exit in -s",
            args: pa(&["-s", "boot_t", "crash", "x"]),
            stdin: "",
        },
        Case {
            name: "code",
            args: pa(&[
                "-eval",
                "P = fun(X) -> io:format(\"~p~n\", [X]) end, \
                 P(code:which(boot_t)), P(code:is_loaded(boot_t)), \
                 P(code:ensure_loaded(boot_t)), P(code:is_loaded(boot_t)), \
                 P(code:which(lists)), P(code:which(nosuch)), P(code:is_loaded(nosuch)), \
                 P(code:ensure_loaded(nosuch)), P(code:add_patha(\"/nonexistent\")), \
                 P(hd(code:get_path())), P(code:add_pathz(\"/tmp\")), \
                 P(lists:last(code:get_path())), halt().",
            ]),
            stdin: "",
        },
        Case {
            name: "prepare_loading and finish_loading",
            args: pa(&["-s", "loading_t", "main"]),
            stdin: "",
        },
        Case {
            name: "compile:forms and code:load_binary",
            args: pa(&[
                "-eval",
                "Forms = [{attribute,1,module,dyn}, {attribute,2,export,[{f,1}]}, \
                 {function,3,f,1,[{clause,3,[{var,3,'X'}],[], \
                 [{op,3,'*',{var,3,'X'},{integer,3,2}}]}]}], \
                 {ok, dyn, Bin} = compile:forms(Forms, []), \
                 io:format(\"~p~n\", [code:load_binary(dyn, \"dyn.beam\", Bin)]), \
                 io:format(\"~p ~p~n\", [dyn:f(21), code:which(dyn)]), halt().",
            ]),
            stdin: "",
        },
    ];
    cs.append(&mut more);
    cs
}

/// Every case with beam's default boot, OTP's own.
#[test]
fn erl_command_line_matches_erl() {
    let dir = scratch("default-boot");
    let failed = compare(&cases(&dir), &[], true, &dir);
    std::fs::remove_dir_all(&dir).ok();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Every case with the init stand-in (`--stand-in-boot`), which prints what erl prints
/// for them too, pids included.
#[test]
fn stand_in_boot_matches_erl() {
    let dir = scratch("stand-in");
    let failed = compare(&cases(&dir), &["--stand-in-boot"], false, &dir);
    std::fs::remove_dir_all(&dir).ok();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Runs every case with erl and with beam (with `beam_flags` first), both in directory
/// `cwd`; the failures. With
/// `normalise`, what differs from run to run in logger's reports (see [`normalise`]) is
/// left out of both outputs.
fn compare(cases: &[Case], beam_flags: &[&str], normalise: bool, cwd: &Path) -> Vec<String> {
    let beam = env!("CARGO_BIN_EXE_beam");
    let both = |c: &Case| {
        let erl = run("erl", &c.args, c.stdin, cwd);
        let mut beam_args = vec!["--mode".to_string(), "sim".to_string()];
        beam_args.extend(beam_flags.iter().map(|f| f.to_string()));
        beam_args.extend(c.args.iter().cloned());
        let mut ours = run(beam, &beam_args, c.stdin, cwd);
        let mut erl = erl;
        if normalise {
            erl.0 = self::normalise(&erl.0);
            ours.0 = self::normalise(&ours.0);
        }
        (c.name, erl, ours)
    };
    // The first case alone: it fills the native-code cache with erl_scan, erl_parse and
    // erl_eval, which every other case then takes from it instead of compiling them
    // at once in a dozen processes. Then every case in its own thread: most of the
    // time goes to starting erl.
    let mut results = vec![both(&cases[0])];
    std::thread::scope(|s| {
        let handles: Vec<_> = cases[1..]
            .iter()
            .map(|c| s.spawn(move || both(c)))
            .collect();
        results.extend(handles.into_iter().map(|h| h.join().unwrap()));
    });
    let mut failed = Vec::new();
    for (name, erl, ours) in &results {
        if erl != ours {
            failed.push(format!(
                "{name}:\n erl (status {}):\n{}\n beam (status {}):\n{}",
                erl.1, erl.0, ours.1, ours.0
            ));
        }
    }
    failed
}

/// `out` without what differs between two runs of the same program in erl itself or
/// between erl and beam for reasons other than behaviour: a report header's time stamp
/// (`=CRASH REPORT==== 7-Dec-2026::05:27:17.098102 ===`), pids (`<0.80.0>`: erl's boot
/// and beam's number processes differently) and a crash report's memory and reduction
/// counts (`heap_size: 4185`, `stack_size: 28`, `reductions: 5470`).
fn normalise(out: &str) -> String {
    let mut res = String::new();
    for line in out.split_inclusive('\n') {
        let t = line.trim_end();
        if t.starts_with('=') && t.ends_with(" ===") {
            if let Some(i) = t.find("==== ") {
                res.push_str(&t[..i + 4]);
                res.push('\n');
                continue;
            }
        }
        let key = t.trim_start();
        if ["heap_size: ", "stack_size: ", "reductions: "]
            .iter()
            .any(|k| key.starts_with(k))
        {
            res.push_str(&line[..line.find(':').unwrap() + 1]);
            res.push('\n');
            continue;
        }
        res.push_str(&strip_pids(line));
    }
    res
}

/// `s` with every `<A.B.C>` of digits written `<pid>`.
fn strip_pids(s: &str) -> String {
    let mut res = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        res.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find('>');
        let is_pid = end.is_some_and(|e| {
            let parts: Vec<&str> = after[..e].split('.').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        match end {
            Some(e) if is_pid => {
                res.push_str("<pid>");
                rest = &after[e + 1..];
            }
            _ => {
                res.push('<');
                rest = after;
            }
        }
    }
    res.push_str(rest);
    res
}

/// The real OTP boot (beam's default; `--otp-boot` makes it an error when OTP cannot
/// boot: erl_init, init, the start_clean script, kernel's processes) against erl, for the "Done when" list of issue #16: kernel's applications
/// and registered processes, code server, file server (read, write, list), init's
/// arguments, the start items, a crash in the boot, `os:cmd/1` over a port,
/// `io:get_line/1` through `user`, compile:forms + code:load_binary, the loading BIFs, a
/// gen_server crashing under a supervisor, old and current code with purging. (The
/// stand-in's other cases pass too, but each real boot costs seconds in the simulator.)
#[test]
fn otp_boot_matches_erl() {
    let dir = scratch("otp-boot");
    let f = dir.join("f.txt");
    std::fs::write(&f, "some text\n").unwrap();
    let kernel_names = "[application_controller,code_server,erl_prim_loader,\
        erl_signal_server,erts_code_purger,file_server_2,global_group,global_name_server,\
        inet_db,init,kernel_refc,kernel_safe_sup,kernel_sup,logger,logger_handler_watcher,\
        logger_proxy,logger_std_h_default,logger_sup,rex,standard_error,\
        standard_error_sup,user]";
    let eval = format!(
        "P = fun(X) -> io:format(\"~p~n\", [X]) end, \
         P(application:which_applications()), \
         P(lists:sort([N || N <- registered(), lists:member(N, {kernel_names})])), \
         P(code:which(lists)), P(code:which(boot_t)), P(code:is_loaded(erlang)), \
         P(code:is_loaded(boot_t)), boot_t:start(), P(code:is_loaded(boot_t)), \
         P(catch no_such_module:f(1)), P(catch boot_t:no_such_function()), \
         P(file:read_file(\"{}\")), P(file:read_file(\"/nonexistent\")), \
         P(file:write_file(\"{d}/w.txt\", <<\"written\">>)), P(file:read_file(\"{d}/w.txt\")), \
         P(file:write_file(\"/nonexistent/w.txt\", \"x\")), \
         P(file:list_dir(\"{d}\")), P(file:list_dir(\"/nonexistent\")), \
         P(init:get_arguments()), P(init:get_plain_arguments()), init:stop(3).",
        f.display(),
        d = dir.display()
    );
    let all = cases(&dir);
    let mut cs: Vec<Case> = all
        .into_iter()
        .filter(|c| {
            [
                "-s and -run items, -s init stop",
                "throw in -eval",
                "os:cmd",
                "io:get_line on standard input",
                "compile:forms and code:load_binary",
                "prepare_loading and finish_loading",
            ]
            .contains(&c.name)
        })
        .collect();
    cs.push(Case {
        name: "a gen_server crashing under a supervisor",
        // No -pa: code_server's path starts with "." as erl's.
        args: ["-noshell", "-s", "sup_t", "main"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        stdin: "",
    });
    cs.insert(
        0,
        Case {
            name: "kernel, code, file, init",
            args: [
                "-noshell",
                "-pa",
                dir.to_str().unwrap(),
                "-eval",
                &eval,
                "-extra",
                "x",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            stdin: "",
        },
    );
    cs.push(Case {
        name: "old and current code, purge",
        args: ["-noshell", "-s", "code_ver", "main"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        stdin: "",
    });
    cs.push(Case {
        name: "on_load functions",
        args: ["-noshell", "-s", "onload_t", "main"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        stdin: "",
    });
    assert_eq!(cs.len(), 10);
    let failed = compare(&cs, &["--otp-boot"], true, &dir);
    // Pids as erl numbers them: init's is <0.0.0>, the -eval process one of the first.
    let pids = Case {
        name: "pids",
        args: [
            "-noshell",
            "-eval",
            "[P0, P1 | _] = processes(), io:format(\"~p ~p ~p~n\", [P0, P1, \
             erlang:process_info(P1, initial_call)]), halt().",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        stdin: "",
    };
    // Every process with its name and initial call: erl_init's socket_registry
    // (<0.7.0>) and inet_config's short-lived inet_gethost_native process are there, so
    // every pid is erl's.
    let processes = Case {
        name: "every process, as erl numbers them",
        args: [
            "-noshell",
            "-eval",
            "io:format(\"~p~n\", [[{P, erlang:process_info(P, [registered_name, \
             initial_call])} || P <- processes()]]), halt().",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        stdin: "",
    };
    // The host name comes from the udp_inet driver (vm/src/ports_inet.rs) as in erl;
    // the preloaded modules, the open ports and the first user port are erl's too
    // (erl's `forker` port #Port<0.0> aside, which beam has not).
    let host = Case {
        name: "host name, domain, preloaded modules, ports",
        args: [
            "-noshell",
            "-eval",
            "io:format(\"~p~n\", [{inet:gethostname(), inet_db:res_option(domain), \
             net_adm:localhost(), erlang:pre_loaded(), \
             [N || P <- erlang:ports(), {name, N} <- [erlang:port_info(P, name)], \
             N =/= \"forker\"], open_port({spawn, \"true\"}, [])}]), halt().",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        stdin: "",
    };
    let failed: Vec<String> = failed
        .into_iter()
        .chain(compare(&[pids, processes, host], &[], false, &dir))
        .collect();
    std::fs::remove_dir_all(&dir).ok();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// A generated module of about 500 lines using most of the language (records, maps,
/// binaries, funs, comprehensions, try, receive, floats, strings, guards), so the OTP
/// compiler's passes all have work on it.
fn big_module() -> String {
    let mut s = String::from(
        "-module(big_mod).\n-export([run/0]).\n-record(st, {a = 0, b = [], c = <<>>}).\n\n",
    );
    let mut calls = Vec::new();
    for i in 0..22 {
        s.push_str(&format!(
            r#"f{i}(X) when is_integer(X), X > {i} ->
    R = #st{{a = X * {i}, b = [X, {i}.5, "s{i}"]}},
    M = #{{k{i} => X, <<"b{i}">> => [a{i}, {{t, {i}}}]}},
    case maps:get(k{i}, M) of
        {i} -> {{exact, R#st.a}};
        V when V rem 2 =:= 0 -> {{even, V, [Y * 2 || Y <- lists:seq(1, V rem 7)]}};
        V -> {{odd, V, << <<B:8>> || B <- [V rem 256, {i}] >>}}
    end;
f{i}(X) when is_binary(X) ->
    <<H:8, T/binary>> = <<X/binary, {i}>>,
    try binary_to_atom(T, utf8) of
        A -> {{H, A, byte_size(T)}}
    catch
        error:E -> {{error, E}}
    end;
f{i}(X) when is_list(X) ->
    F = fun(E, Acc) -> [{{E, {i}}} | Acc] end,
    lists:foldl(F, [], X) ++ [math:sqrt({i}.0 + length(X))];
f{i}(X) when is_float(X) ->
    receive
        {{msg{i}, Y}} -> X + Y
    after 0 ->
        X * {i}.25 / ({i} + 1)
    end;
f{i}(X) ->
    io_lib:format("~p-{i}", [X]).

"#
        ));
        calls.push(format!(
            "f{i}({n}), f{i}(<<\"z{i}\">>), f{i}([{i}, b]), f{i}({i}.5), f{i}(atom)",
            n = i + 3
        ));
    }
    s.push_str("run() ->\n    [");
    s.push_str(&calls.join(",\n     "));
    s.push_str("].\n");
    s
}

/// The OTP compiler on the JIT: `compile:file/2` of a ~500-line module writes the .beam
/// erlc writes, byte for byte (with erlc's `{cwd, Dir}` option, which it records in the
/// debug-info chunk), with the real boot (beam's default, where `compile` writes through
/// file_server_2 and prim_file's Erlang code) and with the stand-in.
#[test]
fn compile_file_matches_erlc() {
    let dir = std::env::temp_dir().join(format!("beam-erl-compile-{}", std::process::id()));
    let theirs = dir.join("erlc");
    std::fs::create_dir_all(&theirs).unwrap();
    let src = big_module();
    assert!(src.lines().count() >= 450, "{} lines", src.lines().count());
    std::fs::write(dir.join("big_mod.erl"), &src).unwrap();
    let ok = Command::new("erlc")
        .current_dir(&dir)
        .args(["-o", "erlc", "big_mod.erl"])
        .status()
        .unwrap()
        .success();
    assert!(ok, "erlc failed");
    let b = std::fs::read(theirs.join("big_mod.beam")).unwrap();
    for (outdir, flags) in [
        ("beam", &[][..]),
        ("beam-stand-in", &["--stand-in-boot"][..]),
    ] {
        std::fs::create_dir_all(dir.join(outdir)).unwrap();
        let eval = format!(
            "io:format(\"~p~n\", [compile:file(\"big_mod.erl\", [{{outdir, \"{outdir}\"}}, \
             {{cwd, \"{}\"}}])]), halt().",
            dir.display()
        );
        let out = Command::new(env!("CARGO_BIN_EXE_beam"))
            .current_dir(&dir)
            .args(["--mode", "sim"])
            .args(flags)
            .args(["-noshell", "-eval", &eval])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            (stdout.as_ref(), out.status.code()),
            ("{ok,big_mod}\n", Some(0)),
            "{flags:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let a = std::fs::read(dir.join(outdir).join("big_mod.beam")).unwrap();
        assert!(
            a == b,
            "{flags:?}: the .beam files differ ({} and {} bytes)",
            a.len(),
            b.len()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
