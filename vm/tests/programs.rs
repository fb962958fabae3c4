//! The seed's first milestone and the first programs, end to end: erlc-compiled modules
//! through the loader, specific instructions, CLIF segments, backend-arm32 and the runtime,
//! executed in the ARM32 simulator.

mod common;
use common::erlc;

use beam_runtime::atom;
use beam_vm::{Options, RunOutcome, Vm};

const PROGS: &str = r#"-module(progs).
-export([fib/1, len/1, rev/1, tup/1, cls/1, big/1, sum/2, deep/1, bad/1, nomatch/1]).
fib(N) when N < 2 -> N;
fib(N) -> fib(N-1) + fib(N-2).
len([]) -> 0;
len([_|T]) -> 1 + len(T).
rev(L) -> rev(L, []).
rev([], Acc) -> Acc;
rev([H|T], Acc) -> rev(T, [H|Acc]).
tup({A, B}) -> {B, A, element(1, {A}), tuple_size({A, B, A})}.
cls(a) -> 1; cls(b) -> 2; cls(X) when is_integer(X) -> X * 3; cls(_) -> other.
big(N) -> N * N * N * N * N.
sum(A, B) -> case A + B of 0 -> zero; S -> {S, A band B, A div B, A rem B, -A, A bsl 3} end.
deep(0) -> 0;
deep(N) -> 1 + deep(N - 1).
bad(X) -> X + 1.
nomatch(X) -> {ok, Y} = X, Y.
"#;

fn run(vm: &mut Vm, f: &str, args: &[beam_runtime::term::Term]) -> RunOutcome {
    vm.run("progs", f, args).unwrap()
}

fn value(s: &str) -> RunOutcome {
    RunOutcome::Exited {
        reason: "normal".into(),
        value: s.into(),
    }
}

/// Expected values are what `erl` prints for the same calls (OTP 25).
#[test]
fn sequential_programs_agree_with_erl() {
    use beam_runtime::term::Term;
    let dir = erlc("progs", PROGS);
    let mut vm = Vm::new(Options::with_otp(vec![dir.clone()])).unwrap();
    let int = |n: i64| Term::small(n).unwrap();
    let a = |s: &str| atom::intern(s).unwrap();
    assert_eq!(run(&mut vm, "fib", &[int(20)]), value("6765"));
    assert_eq!(run(&mut vm, "cls", &[a("b")]), value("2"));
    assert_eq!(run(&mut vm, "cls", &[int(7)]), value("21"));
    assert_eq!(run(&mut vm, "cls", &[a("zz")]), value("other"));
    assert_eq!(run(&mut vm, "big", &[int(1000)]), value("1000000000000000"));
    assert_eq!(
        run(&mut vm, "sum", &[int(7), int(-3)]),
        value("{4,5,-2,1,-7,56}")
    );
    assert_eq!(run(&mut vm, "sum", &[int(3), int(-3)]), value("zero"));
    assert_eq!(run(&mut vm, "deep", &[int(100_000)]), value("100000"));
    assert_eq!(
        run(&mut vm, "bad", &[a("x")]),
        RunOutcome::Error {
            class: "error".into(),
            reason: "badarith".into()
        }
    );
    assert_eq!(
        run(&mut vm, "nomatch", &[a("x")]),
        RunOutcome::Error {
            class: "error".into(),
            reason: "{badmatch,x}".into()
        }
    );
    std::fs::remove_dir_all(dir).ok();
}
