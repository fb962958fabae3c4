//! Outputs recorded from OTP 25's `erl` (`io_lib:format("~w")`/`"~p"`), so the formatting
//! rules stay checked where `erl` is not installed (the oracle test then skips). Recorded
//! with a throwaway module printing each value; the oracle test checks the same rules on
//! thousands of random terms.

use beam_runtime::heap::LiteralArea;
use beam_runtime::ops::{pretty, print};
use beam_runtime::term::Term;
use beam_runtime::{atom, construct};

/// `(value, io_lib:format("~w", [value]))`; values written with 20 digits.
const FLOATS: &[(&str, &str)] = &[
    ("1.00000000000000005551e-01", "0.1"),
    ("1.00000000000000000000e+00", "1.0"),
    ("1.00000000000000000000e+02", "100.0"),
    ("1.00000000000000000000e+03", "1.0e3"),
    ("1.00000000000000000000e+15", "1.0e15"),
    ("1.00000000000000000000e+16", "1.0e16"),
    ("1.23456789000000000000e+08", "123456789.0"),
    ("9.00719925474099200000e+15", "9.007199254740992e15"),
    ("9.00719925474099400000e+15", "9.007199254740994e15"),
    ("1.00000000000000004792e-04", "0.0001"),
    ("1.00000000000000008180e-05", "1.0e-5"),
    ("4.94065645841246544177e-324", "5.0e-324"),
    ("1.79769313486231570815e+308", "1.7976931348623157e308"),
    ("2.57531292563791625000e+14", "257531292563791.62"),
    ("-0.00000000000000000000e+00", "-0.0"),
    ("3.00000000000000044409e-01", "0.30000000000000004"),
    ("1.23456789012300000000e+12", "1234567890123.0"),
    ("1.23456789012345680000e+16", "1.2345678901234568e16"),
    ("2.50000000000000011980e-05", "2.5e-5"),
    ("1.00000000000000002082e-03", "0.001"),
    ("2.00000000000000000000e+22", "2.0e22"),
    ("1.00000000000000000000e+21", "1.0e21"),
    ("3.00000000000000006245e-03", "0.003"),
];

/// `(atom text, io_lib:format("~w", [list_to_atom(text)]))`.
const ATOMS: &[(&str, &str)] = &[
    ("hello", "hello"),
    ("Hello", "'Hello'"),
    ("hello world", "'hello world'"),
    ("", "''"),
    ("[]", "'[]'"),
    ("a@b", "a@b"),
    ("after", "'after'"),
    ("maybe", "maybe"),
    ("else", "else"),
    ("\u{E9}", "\u{E9}"),
    ("\u{15D}", "'\\x{15D}'"),
    ("a\nb", "'a\\nb'"),
    ("\u{7F}", "'\\d'"),
    ("\u{80}", "'\\200'"),
    ("quo'te", "'quo\\'te'"),
    ("\u{DF}", "\u{DF}"),
    ("a\u{DC}", "a\u{DC}"),
    ("a\u{F7}", "'a\u{F7}'"),
    ("a\\b", "'a\\\\b'"),
];

#[test]
fn floats_print_like_otp() {
    for &(v, want) in FLOATS {
        let f: f64 = v.parse().unwrap();
        assert_eq!(print::format_float(f), want, "{v}");
    }
}

#[test]
fn atoms_print_like_otp() {
    for &(name, want) in ATOMS {
        let a = atom::intern(name).unwrap();
        assert_eq!(print::write(a).unwrap(), want, "{name:?}");
        assert_eq!(pretty::pretty(a).unwrap(), want, "{name:?}");
    }
}

fn ints(a: &mut LiteralArea, r: std::ops::RangeInclusive<i64>) -> Term {
    let v: Vec<Term> = r.map(|i| Term::small(i).unwrap()).collect();
    construct::list(a, &v).unwrap()
}

#[test]
fn pretty_layouts_like_otp() {
    let want: &[&str] = &[
    "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,\n 29,30,31,32,33,34,35,36,37,38,39,40]",
    "[{tag,[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,\n       27,28,29,30]},\n {other,\"defghijklmnopqrstuvwx\"}]",
    "[[\"some text here\",\"some text here\",\"some text here\",\"some text here\",\n  \"some text here\"]]",
    ];
    let mut a = LiteralArea::new();
    let l40 = ints(&mut a, 1..=40);
    let tag = atom::intern("tag").unwrap();
    let other = atom::intern("other").unwrap();
    let l30 = ints(&mut a, 1..=30);
    let t1 = construct::tuple(&mut a, &[tag, l30]).unwrap();
    let l100 = ints(&mut a, 100..=120);
    let t2 = construct::tuple(&mut a, &[other, l100]).unwrap();
    let tagged = construct::list(&mut a, &[t1, t2]).unwrap();
    let text: Vec<Term> = "some text here"
        .bytes()
        .map(|b| Term::small(b as i64).unwrap())
        .collect();
    let s = construct::list(&mut a, &text).unwrap();
    let inner = construct::list(&mut a, &[s; 5]).unwrap();
    let strings = construct::list(&mut a, &[inner]).unwrap();
    for (t, w) in [l40, tagged, strings].into_iter().zip(want) {
        assert_eq!(pretty::pretty(t).unwrap(), *w);
    }
}
