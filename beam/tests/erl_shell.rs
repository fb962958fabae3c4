//! `beam erl` without `-noshell` runs kernel's shell as erl does when standard input is
//! not a terminal (the `tty_sl` driver refuses with `einval`, user_sup falls back to the
//! `user` process on the fd driver): the banner, the prompts, results, exceptions, shell
//! commands (`b()`, `f()`, `v(N)`, `rd/2`), `io:get_line/1` from the shell's own input,
//! and the endings (`halt()`, `q()`, end of input). Standard output and exit status
//! against `erl` fed the same input (docs/boot.md "The shell").

#![cfg(not(target_arch = "arm"))]

mod common;
use common::run;

/// (name, standard input) of each session.
const SESSIONS: &[(&str, &str)] = &[
    (
        "expressions and errors",
        "X = [1,2,3].\nlists:map(fun(E) -> E*E end, X).\n1/0.\nfoo:bar().\nb().\n\
         {ok, Y} = {error, 1}.\nio:format(\"~p~n\", [self() =:= self()]).\nhalt().\n",
    ),
    (
        "records, forgetting, q()",
        "rd(r, {a, b = 2}).\nR = #r{a = 1}.\nR#r.b.\nf(R).\nR.\nq().\n",
    ),
    (
        "terms and end of input",
        "[X || X <- lists:seq(1, 10), X rem 3 =:= 0].\nexit(foo).\nself() =:= self().\n\
         <<\"abc\">>.\n#{a => 1}.\n",
    ),
    (
        "multi-line input, v/1, get_line",
        "case 1 of\n1 -> one;\n_ -> other\nend.\nv(1).\nio:get_line(\"name? \").\nJoe\n\
         halt(3).\n",
    ),
    (
        "syntax error, then on",
        "1 + .\natom_to_list(ok).\nhalt().\n",
    ),
];

#[test]
fn shell_on_piped_input_matches_erl() {
    let beam = env!("CARGO_BIN_EXE_beam");
    let results: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = SESSIONS
            .iter()
            .map(|&(name, input)| {
                s.spawn(move || {
                    let here = std::path::Path::new(".");
                    let erl = run("erl", &[], input, here);
                    let args = ["--mode", "sim", "erl"].map(String::from);
                    let ours = run(beam, &args, input, here);
                    (name, erl, ours)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut failed = Vec::new();
    for (name, erl, ours) in &results {
        // A session that printed no prompt would compare equal to a broken erl too.
        assert!(
            erl.0.starts_with("Eshell V") && erl.0.contains("\n1> "),
            "{name}: erl printed no shell: {erl:?}"
        );
        if erl != ours {
            failed.push(format!(
                "{name}:\n erl (status {}):\n{}\n beam (status {}):\n{}",
                erl.1, erl.0, ours.1, ours.0
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
