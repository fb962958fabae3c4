//! `ops::format` (io_lib:format) against real OTP 25 `erl` on a seeded corpus: format
//! strings built from every control sequence with random field widths, precisions, pad
//! characters, `*` arguments, `-`, the `t`/`l` modifiers and literal text (so that `~p`
//! starts at varying columns, after tabs and newlines), applied to random terms from the
//! generator in `oracle/` (usually of the type the control wants, sometimes not, so that
//! the `badarg` cases are covered too), plus hand-picked cases.
//!
//! One `erl` run reads the cases as Erlang source text (formats written as integer lists,
//! arguments by `oracle::erl_text`) and writes `~w` of `lists:flatten(io_lib:format(F,
//! A))` per case, or `error:Reason`; ours is printed the same way and compared byte for
//! byte.
//!
//! `BEAMJIT_FORMAT_CASES` (default 3000; 600 on ARM, where tests run under qemu-arm) and
//! `BEAMJIT_ORACLE_SEED` (default 1) change the corpus. Skipped, loudly, only when `erl`
//! is not installed.

mod oracle;

use beam_runtime::heap::LiteralArea;
use beam_runtime::ops::format;
use num_bigint::BigInt;
use oracle::{build, erl_text, Gen, G};
use rand::Rng;
use std::fmt::Write as _;
use std::process::Command;

const ERL_MODULE: &str = r#"
-module(format_oracle).
-export([main/1]).

main(Dir) ->
    {ok, Cases} = file:consult(Dir ++ "/cases.txt"),
    ok = file:write_file(Dir ++ "/out.txt", [line(fix(C)) || C <- Cases]).

line({F, A}) ->
    R = try io_lib:format(F, A) of
            S -> io_lib:format("~w", [lists:flatten(S)])
        catch C:E -> io_lib:format("~w:~w", [C, E])
        end,
    [R, "\n"].

fix({'$pid', S}) -> list_to_pid(S);
fix({'$port', S}) -> list_to_port(S);
fix({'$ref', S}) -> list_to_ref(S);
fix([H | T]) -> [fix(H) | fix(T)];
fix(T) when is_tuple(T) -> list_to_tuple([fix(X) || X <- tuple_to_list(T)]);
fix(M) when is_map(M) -> maps:from_list([{fix(K), fix(V)} || {K, V} <- maps:to_list(M)]);
fix(X) -> X.
"#;

const ERL_MAIN: &str = "Dir = os:getenv(\"ORACLE_DIR\"), \
    {ok, M, B} = compile:file(Dir ++ \"/format_oracle.erl\", [binary, report]), \
    {module, M} = code:load_binary(M, \"format_oracle.erl\", B), \
    ok = M:main(Dir), halt().";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn erl_available() -> bool {
    Command::new("erl")
        .args(["-noshell", "-eval", "halt()."])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn int(n: i64) -> G {
    G::Int(BigInt::from(n))
}

fn string(s: &str) -> G {
    G::List(s.chars().map(|c| int(c as i64)).collect(), None)
}

fn atom(s: &str) -> G {
    G::Atom(s.into())
}

fn bin(b: &[u8]) -> G {
    G::Bits(b.to_vec(), b.len() as u64 * 8, false)
}

/// Hand-picked cases: the examples of OTP's io documentation and the corners of each
/// control.
fn fixed_cases() -> Vec<(String, Vec<G>)> {
    let seq = |n: i64| G::List((1..=n).map(int).collect(), None);
    let long_tuple = G::Tuple(vec![
        atom("person"),
        string("Joe Armstrong"),
        int(1950),
        G::List(
            vec![atom("erlang"), atom("prolog"), atom("smalltalk")],
            None,
        ),
        G::Map(vec![
            (atom("city"), string("Stockholm")),
            (atom("zip"), int(12345)),
        ]),
    ]);
    let f = |s: &str, a: Vec<G>| (s.to_string(), a);
    vec![
        f("hello~n", vec![]),
        f(
            "~~ ~c ~3c ~-3c| ~3.2c|",
            vec![int(97), int(98), int(99), int(100)],
        ),
        f("~c", vec![int(256 + 97)]),
        f("~tc", vec![int(0x43F)]),
        f(
            "~s|~10s|~-10s|~.3s|~10.3s|~-10.3s|",
            vec![
                string("hello"),
                string("hello"),
                string("hello"),
                string("hello"),
                string("hello"),
                string("hello"),
            ],
        ),
        f(
            "~s ~s ~s",
            vec![
                atom("an atom"),
                bin(b"bin"),
                G::List(vec![string("deep"), bin(b"er")], None),
            ],
        ),
        f("~ts", vec![bin("héllo ☃".as_bytes())]),
        f("~s", vec![bin("héllo".as_bytes())]),
        f("~s", vec![G::List(vec![int(0x43F)], None)]),
        f("~ts", vec![G::List(vec![int(0x43F)], None)]),
        f("~10.5.*s|", vec![int(b'x' as i64), string("ab")]),
        f("~-10..s|", vec![string("ab")]),
        f(
            "~f ~e ~g",
            vec![
                G::Float(1.2345678),
                G::Float(1.2345678),
                G::Float(1.2345678),
            ],
        ),
        f(
            "~.2f ~.3e ~.3g ~10.2f ~-10.2f| ~10.3.0f",
            vec![
                G::Float(2.675),
                G::Float(1234.5678),
                G::Float(0.000123),
                G::Float(-1.005),
                G::Float(99.999),
                G::Float(1.5),
            ],
        ),
        f(
            "~f ~f ~f ~e ~g ~g ~g",
            vec![
                G::Float(0.0),
                G::Float(-0.0),
                G::Float(1.0e20),
                G::Float(9.9999999e-7),
                G::Float(1.0e4),
                G::Float(9999.5),
                G::Float(0.1),
            ],
        ),
        f("~.1f ~.1e", vec![G::Float(0.95), G::Float(9.96)]),
        f("~3f", vec![G::Float(123.456)]),
        f("~f", vec![int(1)]),
        f("~.1e", vec![G::Float(1.0)]),
        f("~.0f", vec![G::Float(1.0)]),
        f(
            "~b ~B ~x ~X ~.16b ~.16B ~.2b ~.36B ~+ ~.16# ~.16+",
            vec![
                int(255),
                int(-255),
                int(255),
                atom("0x"),
                int(255),
                string("#"),
                int(48879),
                int(48879),
                int(5),
                int(123_456_789),
                int(-255),
                int(255),
                int(255),
            ],
        ),
        f(
            "~8.16.0B|~-8.2.0b|~3B|",
            vec![int(255), int(5), int(123_456)],
        ),
        f("~.37B", vec![int(1)]),
        f(
            "~.16x",
            vec![int(-10), G::List(vec![string("0"), string("x")], None)],
        ),
        f("~B", vec![G::Int(BigInt::from(7).pow(80))]),
        f("~.16b", vec![G::Int(-BigInt::from(3).pow(90))]),
        f("~w ~p", vec![long_tuple.clone(), long_tuple.clone()]),
        f("~p~n", vec![seq(40)]),
        f("abc ~p~n", vec![seq(40)]),
        f("abc\t~p~n", vec![seq(40)]),
        f("abc~nde ~p~n", vec![seq(40)]),
        f("~p ~p~n", vec![seq(30), seq(30)]),
        f("~50p~n", vec![seq(30)]),
        f("~0p~n", vec![seq(30)]),
        f("~.10p~n", vec![seq(30)]),
        f("~30.10p~n", vec![seq(30)]),
        f("~-30p~n", vec![seq(30)]),
        f("~lp ~p", vec![string("abc"), string("abc")]),
        f(
            "~tp ~p",
            vec![string("héllo"), G::List(vec![int(0x43F)], None)],
        ),
        f(
            "~P ~P ~P ~P",
            vec![
                seq(10),
                int(5),
                long_tuple.clone(),
                int(3),
                string("abcdef"),
                int(2),
                long_tuple.clone(),
                int(0),
            ],
        ),
        f(
            "~W ~W ~W",
            vec![
                seq(10),
                int(5),
                long_tuple.clone(),
                int(3),
                long_tuple.clone(),
                int(1),
            ],
        ),
        f(
            "~10w|~-10w|~.2w|~3w|",
            vec![atom("abc"), atom("abc"), atom("abc"), seq(5)],
        ),
        f(
            "~*w|~-*w|~.*w|~*.*w|",
            vec![
                int(6),
                atom("ab"),
                int(6),
                atom("ab"),
                int(1),
                atom("ab"),
                int(6),
                int(1),
                atom("ab"),
            ],
        ),
        f("~*w", vec![int(-6), atom("ab")]),
        f("~5n|~i|~n", vec![atom("ignored")]),
        f("~-5n", vec![]),
        f("~d", vec![int(1)]),
        f("~p ~p", vec![int(1)]),
        f("~p", vec![int(1), int(2)]),
        f("~", vec![]),
        f("~s", vec![int(1)]),
        f("~s", vec![G::List(vec![int(-1)], None)]),
        f("~c", vec![atom("a")]),
        f("~e", vec![G::Float(1.0)]),
        f("~10.20s", vec![string("abc")]),
        f("~.*p", vec![int(-1), int(1)]),
        f("~x", vec![int(1), bin(b"0x")]),
        f("~kp", vec![int(1)]),
        f(
            "~p",
            vec![G::Map(vec![(atom("a"), seq(30)), (atom("b"), seq(30))])],
        ),
        f(
            "~p",
            vec![G::List(
                vec![bin(&[1; 60]), bin(b"printable text"), bin(&[1, 2, 3])],
                None,
            )],
        ),
    ]
}

/// Erlang map literals keep the last of equal keys; the heap builder may not: keep only
/// the last (keys compared by their source text).
fn dedupe(g: &mut G) {
    match g {
        G::Map(pairs) => {
            let mut seen = std::collections::HashSet::new();
            let mut kept = Vec::new();
            for (mut k, mut v) in std::mem::take(pairs).into_iter().rev() {
                let mut key = String::new();
                erl_text(&k, &mut key);
                if seen.insert(key) {
                    dedupe(&mut k);
                    dedupe(&mut v);
                    kept.push((k, v));
                }
            }
            kept.reverse();
            *pairs = kept;
        }
        G::Tuple(es) => es.iter_mut().for_each(dedupe),
        G::List(es, tail) => {
            es.iter_mut().for_each(dedupe);
            if let Some(t) = tail {
                dedupe(t);
            }
        }
        _ => {}
    }
}

/// A random control with a random prefix and arguments mostly of the right type.
fn random_case(gen: &mut Gen) -> (String, Vec<G>) {
    let r = &mut gen.rng;
    let ctrl = [
        'c', 'f', 'e', 'g', 's', 'w', 'p', 'W', 'P', 'B', 'X', '#', 'b', 'x', '+', 'i', 'n', '~',
    ][r.gen_range(0..18)];
    let mut args: Vec<G> = Vec::new();
    let mut fmt = String::new();
    // Literal text first: moves the column of ~p.
    match r.gen_range(0..8) {
        0 => fmt.push_str("abc "),
        1 => fmt.push_str("\tx"),
        2 => fmt.push_str("a\nbcdefghijklmnopqrstuvwxyz0123456789 "),
        3 => fmt.push_str(&" ".repeat(r.gen_range(1..70))),
        _ => {}
    }
    fmt.push('~');
    // Field width.
    match r.gen_range(0..6) {
        0 => {
            let _ = write!(fmt, "{}", r.gen_range(0..30));
        }
        1 => {
            let _ = write!(fmt, "-{}", r.gen_range(0..30));
        }
        2 => {
            fmt.push('*');
            args.push(int(r.gen_range(-20..40)));
        }
        _ => {}
    }
    // Precision and pad character.
    match r.gen_range(0..6) {
        0 => {
            let _ = write!(fmt, ".{}", r.gen_range(0..12));
        }
        1 => {
            fmt.push_str(".*");
            args.push(int(r.gen_range(0..12)));
        }
        2 => {
            let _ = write!(fmt, ".{}.0", r.gen_range(0..12));
        }
        3 => {
            fmt.push_str("..*");
            args.push(int([b'-', b'x', b'0'][r.gen_range(0..3)] as i64));
        }
        _ => {}
    }
    if r.gen_range(0..4) == 0 {
        fmt.push('t');
    }
    if r.gen_range(0..6) == 0 {
        fmt.push('l');
    }
    fmt.push(ctrl);
    let wrong = gen.rng.gen_range(0..12) == 0;
    let arg = |gen: &mut Gen| -> G {
        if wrong {
            return gen.term(2);
        }
        match ctrl {
            'c' => int(gen.rng.gen_range(0..600)),
            'f' | 'e' | 'g' => G::Float(gen.float()),
            's' => match gen.rng.gen_range(0..4) {
                0 => G::Atom(gen.atom()),
                1 => G::List(
                    (0..gen.rng.gen_range(0..20))
                        .map(|_| int(gen.rng.gen_range(32..256)))
                        .collect(),
                    None,
                ),
                2 => {
                    let n = gen.rng.gen_range(0..20);
                    bin(&(0..n)
                        .map(|_| gen.rng.gen_range(32..255u8))
                        .collect::<Vec<_>>())
                }
                _ => string("Hello, world"),
            },
            'B' | 'X' | '#' | 'b' | 'x' | '+' => G::Int(gen.int()),
            _ => gen.term(4),
        }
    };
    match ctrl {
        'n' | '~' => {}
        'W' | 'P' => {
            args.push(arg(gen));
            args.push(int(gen.rng.gen_range(-1..8)));
        }
        'x' | 'X' => {
            args.push(arg(gen));
            args.push(if gen.rng.gen_range(0..2) == 0 {
                atom("0x")
            } else {
                string("#")
            });
        }
        _ => args.push(arg(gen)),
    }
    if gen.rng.gen_range(0..3) == 0 {
        fmt.push_str("~n");
    }
    (fmt, args)
}

#[test]
fn io_lib_format_matches_erl() {
    if !erl_available() {
        eprintln!("!!!!!!!! SKIPPED: `erl` (OTP 25) is not installed; run scripts/setup !!!!!!!!");
        return;
    }
    let default_cases = if cfg!(target_arch = "arm") { 600 } else { 3000 };
    let n = env_num("BEAMJIT_FORMAT_CASES", default_cases) as usize;
    let seed = env_num("BEAMJIT_ORACLE_SEED", 1);
    let mut gen = Gen::new(seed);
    let mut cases = fixed_cases();
    while cases.len() < n {
        let (f, mut args) = random_case(&mut gen);
        args.iter_mut().for_each(dedupe);
        cases.push((f, args));
    }

    let dir = std::env::temp_dir().join(format!("beam-format-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = String::new();
    let mut ours = Vec::new();
    let mut area = LiteralArea::new();
    for (fmt, args) in &cases {
        let fchars: Vec<i64> = fmt.chars().map(|c| c as i64).collect();
        let _ = write!(text, "{{{fchars:?}, ");
        let mut list = G::List(args.clone(), None);
        erl_text(&list, &mut text);
        text.push_str("}.\n");
        let mut fg = G::List(fchars.iter().map(|&c| int(c)).collect(), None);
        let ft = build(&mut fg, &mut area);
        let at = build(&mut list, &mut area);
        ours.push(match format::format(ft, at) {
            Ok(cs) => format!("{cs:?}").replace(' ', ""),
            Err(_) => "error:badarg".to_string(),
        });
    }
    std::fs::write(dir.join("cases.txt"), &text).unwrap();
    std::fs::write(dir.join("format_oracle.erl"), ERL_MODULE).unwrap();
    let out = Command::new("erl")
        .args(["-noshell", "-eval", ERL_MAIN])
        .env("ORACLE_DIR", &dir)
        .env("ERL_CRASH_DUMP_SECONDS", "0")
        .output()
        .expect("run erl");
    assert!(
        out.status.success(),
        "erl failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let result = std::fs::read_to_string(dir.join("out.txt")).expect("erl output");
    let _ = std::fs::remove_dir_all(&dir);
    let erl: Vec<&str> = result.lines().collect();
    assert_eq!(erl.len(), cases.len(), "one line per case from erl");

    let mut fails = Vec::new();
    let mut errors = 0;
    for (i, (e, o)) in erl.iter().zip(&ours).enumerate() {
        if e.starts_with("error:") {
            errors += 1;
        }
        if e != o {
            fails.push(i);
        }
    }
    let show = |cs: &str| -> String {
        // `[104,105]` as text, for the report.
        cs.trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .filter_map(|n| n.parse::<u32>().ok().and_then(char::from_u32))
            .collect()
    };
    for &i in fails.iter().take(15) {
        let mut a = String::new();
        erl_text(&G::List(cases[i].1.clone(), None), &mut a);
        a.truncate(300);
        let (e, o) = (
            if erl[i].starts_with('[') {
                show(erl[i])
            } else {
                erl[i].to_string()
            },
            if ours[i].starts_with('[') {
                show(&ours[i])
            } else {
                ours[i].clone()
            },
        );
        let k = e.chars().zip(o.chars()).take_while(|(a, b)| a == b).count();
        let from = k.saturating_sub(100);
        let cut = |s: &str| s.chars().skip(from).take(200).collect::<String>();
        eprintln!(
            "case {i}: io_lib:format({:?}, {a})\n  first difference at character {k}\n  erl:  {:?}\n  ours: {:?}",
            cases[i].0,
            cut(&e),
            cut(&o),
        );
    }
    eprintln!(
        "format oracle: {} cases ({} errors in erl), {} identical",
        cases.len(),
        errors,
        cases.len() - fails.len()
    );
    assert!(
        fails.is_empty(),
        "{} of {} cases differ from erl",
        fails.len(),
        cases.len()
    );
}
