//! Lazy loading (docs/beam-machine.md §5): a module is compiled on its first call —
//! through a remote call's export cell, `apply` with a computed module name, a
//! `fun M:F/A`, `spawn/3` — while the caller is suspended in the runtime; a module or
//! function that does not exist raises `error:undef`. Expected values are what `erl`
//! prints for the same calls (OTP 25, `erl -pa main_dir -pa helper_dir`).

mod common;
use common::{erlc, erlc_all};

use std::path::PathBuf;

use beam_runtime::term::Term;
use beam_vm::{Options, RunOutcome, Vm};

const MAIN: &str = r#"-module(lz_main).
-export([computed/0, missing_mod/0, missing_fun/0, missing_remote/0, caught/0,
         midrun/1, ext_fun/0, spawned/0]).
computed() ->
    M = list_to_atom("lz_" ++ "helper"),
    apply(M, double, [21]).
missing_mod() -> apply(list_to_atom("lz_" ++ "nowhere"), f, [1]).
missing_fun() -> lz_helper:nope(1).
missing_remote() -> lz_nowhere:f(2).
caught() ->
    A = try lz_nowhere:f(2) catch C1:R1 -> {C1, R1} end,
    B = try lz_helper:nope() catch C2:R2 -> {C2, R2} end,
    C = (catch erlang:apply(lz_helper, double, [4])),
    {A, B, C}.
midrun(N) ->
    A = loop(N, 0),
    B = lz_helper:double(A),
    C = lz_helper:double(B),
    {A, B, C}.
loop(0, Acc) -> Acc;
loop(N, Acc) -> loop(N - 1, Acc + N).
ext_fun() ->
    F = fun lz_helper:triple/1,
    lists:map(F, [1, 2, 3]).
spawned() ->
    Self = self(),
    spawn(lz_helper, reply, [Self, 7]),
    receive {reply, V} -> V end.
"#;

/// Only ever reached through `lz_main`, from a second code-path directory (erl's `-pa`).
const HELPER: &str = r#"-module(lz_helper).
-export([double/1, triple/1, reply/2]).
double(X) -> 2 * X.
triple(X) -> 3 * X.
reply(Pid, V) -> Pid ! {reply, V * 6}.
"#;

/// `lz_main` and `lz_helper`, each in its own directory.
fn dirs(tag: &str) -> (PathBuf, PathBuf) {
    let main = erlc_all(&format!("{tag}-main"), &[("lz_main", MAIN)]);
    let helper = erlc_all(&format!("{tag}-helper"), &[("lz_helper", HELPER)]);
    (main, helper)
}

fn new_vm(path: Vec<PathBuf>, native: bool) -> Vm {
    let mut opts = Options::with_otp(path);
    opts.native = native;
    Vm::new(opts).unwrap()
}

fn value(s: &str) -> RunOutcome {
    RunOutcome::Exited {
        reason: "normal".into(),
        value: s.into(),
    }
}

fn undef() -> RunOutcome {
    RunOutcome::Error {
        class: "error".into(),
        reason: "undef".into(),
    }
}

fn cleanup(dirs: &[&PathBuf]) {
    for d in dirs {
        std::fs::remove_dir_all(d).ok();
    }
}

#[test]
fn apply_with_a_computed_module_name_loads_the_module() {
    let (main, helper) = dirs("computed");
    let mut vm = new_vm(vec![main.clone(), helper.clone()], false);
    vm.load("lz_main").unwrap();
    // Loading lz_main compiled it alone: lz_helper's cells hold lazy stubs.
    assert!(vm.module("lz_helper").is_none());
    let before = vm.load_stats();
    assert_eq!(before.modules, 1);
    assert!(before.stubs > 0, "{before:?}");
    assert_eq!(vm.run("lz_main", "computed", &[]).unwrap(), value("42"));
    // apply/3 found lz_helper on the code path and loaded it in the middle of the run.
    let helper_mod = vm.module("lz_helper").expect("loaded by apply");
    assert!(helper_mod.exports.contains_key(&("double".to_string(), 1)));
    assert_eq!(vm.load_stats().modules, 2);
    cleanup(&[&main, &helper]);
}

#[test]
fn missing_modules_and_functions_raise_undef() {
    let (main, helper) = dirs("undef");
    let mut vm = new_vm(vec![main.clone(), helper.clone()], false);
    for f in ["missing_mod", "missing_fun", "missing_remote"] {
        assert_eq!(vm.run("lz_main", f, &[]).unwrap(), undef(), "lz_main:{f}()");
    }
    // Caught like any error; the helper's existing function still works afterwards.
    assert_eq!(
        vm.run("lz_main", "caught", &[]).unwrap(),
        value("{{error,undef},{error,undef},8}")
    );
    assert!(vm.module("lz_nowhere").is_none());
    cleanup(&[&main, &helper]);
}

/// The first call of `lz_helper` comes after a loop has run: its code is written while
/// the process is suspended in `rt_load`, and the process continues into it.
fn loads_mid_run(native: bool, tag: &str) {
    let (main, helper) = dirs(tag);
    let mut vm = new_vm(vec![main.clone(), helper.clone()], native);
    let n = Term::small(1000).unwrap();
    assert_eq!(
        vm.run("lz_main", "midrun", &[n]).unwrap(),
        value("{500500,1001000,2002000}")
    );
    assert!(vm.module("lz_helper").is_some());
    if !native {
        assert!(vm.instructions().is_some_and(|i| i > 1000));
    }
    // `fun lz_helper:triple/1` and spawn/3 reach the (now loaded) module the same way;
    // lists is loaded by the first call of lists:map/2.
    assert_eq!(vm.run("lz_main", "ext_fun", &[]).unwrap(), value("[3,6,9]"));
    assert_eq!(vm.run("lz_main", "spawned", &[]).unwrap(), value("42"));
    cleanup(&[&main, &helper]);
}

#[test]
fn a_module_loads_mid_run_in_the_simulator() {
    loads_mid_run(false, "midrun-sim");
}

#[cfg(target_arch = "arm")]
#[test]
fn a_module_loads_mid_run_natively() {
    loads_mid_run(true, "midrun-native");
}

/// A fun and spawn/3 as the *first* way into a module (no earlier call loaded it).
#[test]
fn funs_and_spawn_load_their_module() {
    let (main, helper) = dirs("funs");
    let mut vm = new_vm(vec![main.clone(), helper.clone()], false);
    assert_eq!(vm.run("lz_main", "ext_fun", &[]).unwrap(), value("[3,6,9]"));
    let (main2, helper2) = dirs("spawn");
    let mut vm = new_vm(vec![main2.clone(), helper2.clone()], false);
    assert_eq!(vm.run("lz_main", "spawned", &[]).unwrap(), value("42"));
    cleanup(&[&main, &helper, &main2, &helper2]);
}

/// The remote call's target is only in a directory added to the code path, as with
/// `erl -pa`: without it the call raises `undef`, with it the module loads.
#[test]
fn remote_call_target_found_in_an_added_directory() {
    let (main, helper) = dirs("pa");
    let n = Term::small(10).unwrap();
    let mut without = new_vm(vec![main.clone()], false);
    assert_eq!(without.run("lz_main", "midrun", &[n]).unwrap(), undef());
    drop(without);
    let mut with = new_vm(vec![main.clone(), helper.clone()], false);
    assert_eq!(
        with.run("lz_main", "midrun", &[n]).unwrap(),
        value("{55,110,220}")
    );
    cleanup(&[&main, &helper]);
}

/// `Options::eager` keeps the old scheme: everything reachable is compiled up front.
#[test]
fn eager_loading_compiles_callees_before_running() {
    let dir = erlc("lz_eager", &MAIN.replace("lz_main", "lz_eager"));
    let helper = erlc_all("eager-helper", &[("lz_helper", HELPER)]);
    let mut opts = Options::with_otp(vec![dir.clone(), helper.clone()]);
    opts.native = false;
    opts.eager = true;
    let mut vm = Vm::new(opts).unwrap();
    vm.load("lz_eager").unwrap();
    assert!(vm.module("lz_helper").is_some());
    assert!(vm.module("lists").is_some());
    assert_eq!(vm.load_stats().stubs, 0);
    let n = Term::small(1000).unwrap();
    assert_eq!(
        vm.run("lz_eager", "midrun", &[n]).unwrap(),
        value("{500500,1001000,2002000}")
    );
    assert_eq!(vm.run("lz_eager", "missing_remote", &[]).unwrap(), undef());
    cleanup(&[&dir, &helper]);
}

/// One VM runs programs one after another (as the erlang_programs test does, so OTP
/// modules compile once): a run leaves nothing the next can see — here a registered name,
/// whose process is gone with its run's scheduler while the next run reuses its pid.
#[test]
fn a_run_leaves_no_registered_names_behind() {
    let src = "-module(lz_reg).\n-export([reg/0, look/0]).\n\
               reg() -> register(lz_name, self()), ok.\n\
               look() -> whereis(lz_name).\n";
    let dir = erlc_all("reg", &[("lz_reg", src)]);
    let mut vm = new_vm(vec![dir.clone()], false);
    assert_eq!(vm.run("lz_reg", "reg", &[]).unwrap(), value("ok"));
    assert_eq!(vm.run("lz_reg", "look", &[]).unwrap(), value("undefined"));
    cleanup(&[&dir]);
}
