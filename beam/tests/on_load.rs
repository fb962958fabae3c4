//! `-on_load` functions that do not return `ok`, without the real boot (`beam run`,
//! `--stand-in-boot`: vm/src/on_load.rs) and with it (code_server): the function's
//! output, erl's reports (code_server's warning `The on_load function for module M
//! returned:` for a term that is not an atom or a crash, and the crash's error report)
//! and the `undef` of the call, against `erl -noshell -s`. Report blocks are compared
//! as a set without their times and pids (erl's logger prints them asynchronously)
//! and cut before code_server's stack frame (beam run has no code_server).

#![cfg(not(target_arch = "arm"))]

use std::path::{Path, PathBuf};
use std::process::Command;

const OLT_BAD: &str = r#"
-module(olt_bad).
-export([hello/0]).
-on_load(init/0).
init() -> io:format("on_load of olt_bad~n"), {error, {nope, [1, 2, 3]}}.
hello() -> hi.
"#;

const OLT_CRASH: &str = r#"
-module(olt_crash).
-export([hello/0]).
-on_load(init/0).
init() -> io:format("on_load of olt_crash~n"), erlang:error(boom).
hello() -> hi.
"#;

const OLT_ATOM: &str = r#"
-module(olt_atom).
-export([hello/0]).
-on_load(init/0).
init() -> io:format("on_load of olt_atom~n"), nope.
hello() -> hi.
"#;

const OLT_USER: &str = r#"
-module(olt_user).
-export([main/0]).
main() ->
    [begin
         R = try M:hello() catch C:E -> {C, E} end,
         timer:sleep(300),
         io:format("~p: ~p ~p~n", [M, R, erlang:module_loaded(M)])
     end || M <- [olt_bad, olt_crash, olt_atom]],
    timer:sleep(300).
"#;

fn compile(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut srcs = Vec::new();
    for (name, text) in [
        ("olt_bad", OLT_BAD),
        ("olt_crash", OLT_CRASH),
        ("olt_atom", OLT_ATOM),
        ("olt_user", OLT_USER),
    ] {
        let p = dir.join(format!("{name}.erl"));
        std::fs::write(&p, text).unwrap();
        srcs.push(p);
    }
    let ok = Command::new("erlc")
        .arg("-o")
        .arg(dir)
        .args(&srcs)
        .status()
        .expect("erlc is installed by scripts/setup")
        .success();
    assert!(ok, "erlc failed");
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The plain lines in order, and the report blocks (header to blank line) normalized
/// and sorted.
fn shape(s: &str) -> (Vec<String>, Vec<String>) {
    let (mut plain, mut blocks) = (Vec::new(), Vec::new());
    let mut block: Option<String> = None;
    for l in s.lines() {
        if let Some(b) = block.as_mut() {
            if l.is_empty() {
                blocks.push(normalized(&block.take().unwrap_or_default()));
            } else {
                b.push_str(l);
            }
        } else if let Some(rest) = l.strip_prefix('=') {
            let kind = rest.split("====").next().unwrap_or("");
            block = Some(format!("={kind}==== TIME ==="));
        } else {
            plain.push(l.to_string());
        }
    }
    blocks.extend(block.map(|b| normalized(&b)));
    blocks.sort();
    (plain, blocks)
}

/// Without whitespace, pid numbers and what follows the on_load function's frame.
fn normalized(b: &str) -> String {
    let mut t: String = b.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(i) = t.find(",{code_server") {
        t.truncate(i);
    }
    let t = t.trim_end_matches([']', '}']).to_string();
    let mut out = String::new();
    let mut rest = t.as_str();
    while let Some(i) = rest.find("<0.") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 3..];
        let j = tail.find('>').map_or(tail.len(), |j| j + 1);
        out.push_str("<PID>");
        rest = &tail[j..];
    }
    out.push_str(rest);
    out
}

#[test]
fn on_load_failures_report_as_erl() {
    let dir: PathBuf = std::env::temp_dir().join(format!("beam-on-load-{}", std::process::id()));
    compile(&dir);
    let d = dir.to_str().unwrap();
    let erl = stdout(
        Command::new("erl")
            .args([
                "-noshell", "-pa", d, "-s", "olt_user", "main", "-s", "init", "stop",
            ])
            .env("ERL_CRASH_DUMP_SECONDS", "0"),
    );
    let want = shape(&erl);
    assert_eq!(want.1.len(), 3, "erl's reports:\n{erl}");
    let beam = env!("CARGO_BIN_EXE_beam");
    let runs: [(&str, Vec<&str>); 2] = [
        ("beam run", vec!["run", "--pa", d, "olt_user", "main"]),
        (
            "--stand-in-boot",
            vec![
                "--stand-in-boot",
                "-noshell",
                "-pa",
                d,
                "-s",
                "olt_user",
                "main",
                "-s",
                "init",
                "stop",
            ],
        ),
    ];
    for (what, args) in runs {
        let out = stdout(Command::new(beam).args(&args));
        assert_eq!(shape(&out), want, "{what}:\n{out}\nerl:\n{erl}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
