//! The BIFs of module `string` (OTP 25's `bif.tab`: `string:list_to_integer/1` and
//! `string:list_to_float/1`, behind `string:to_integer/1` and `string:to_float/1`).
//!
//! Both read the longest prefix of the list that is a number (integer: an optional sign
//! and digits; float: an optional sign, digits, `.`, digits, and an exponent only when it
//! is complete) and return `{Number, Rest}`, `Rest` being the list's remaining cells as they
//! are (an improper tail too); `{error, no_integer | no_float}` when there is no such
//! prefix (or the float is out of range), `{error, not_a_list}` for anything but a list.
//! Checked against erl.

use beam_runtime::construct;
use beam_runtime::term::Term;
use num_bigint::BigInt;

use crate::bifs::{atom, heap_err, int_term, Bif, BifCx, Raise};

/// The leading characters of a list (until a non-byte head or the end) and the cells:
/// `cells[k]` is the list from character `k` on; `cells[len]` what follows the last one.
fn chars(t: Term) -> Option<(Vec<u8>, Vec<Term>)> {
    if t != Term::NIL && construct::head(t).is_none() {
        return None;
    }
    let (mut s, mut cells) = (Vec::new(), vec![t]);
    let mut cur = t;
    while let (Some(h), Some(tl)) = (construct::head(cur), construct::tail(cur)) {
        match h.small_value().and_then(|v| u8::try_from(v).ok()) {
            Some(b) => s.push(b),
            None => break,
        }
        cur = tl;
        cells.push(cur);
    }
    Some((s, cells))
}

fn digits(s: &[u8], from: usize) -> usize {
    s[from..].iter().take_while(|b| b.is_ascii_digit()).count()
}

fn sign(s: &[u8]) -> usize {
    usize::from(matches!(s.first(), Some(b'+' | b'-')))
}

fn pair(c: &mut BifCx<'_>, a: Term, b: Term) -> Result<Term, Raise> {
    construct::tuple(&mut c.heap, &[a, b]).map_err(heap_err)
}

fn fail(c: &mut BifCx<'_>, why: &str) -> Result<Term, Raise> {
    pair(c, atom("error"), atom(why))
}

fn list_to_integer(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let Some((s, cells)) = chars(a[0]) else {
        return fail(c, "not_a_list");
    };
    let start = sign(&s);
    let n = digits(&s, start);
    if n == 0 {
        return fail(c, "no_integer");
    }
    let end = start + n;
    let text = std::str::from_utf8(&s[..end]).map_err(|_| crate::bifs::error("badarg"))?;
    let v: BigInt = text
        .trim_start_matches('+')
        .parse()
        .map_err(|_| crate::bifs::error("badarg"))?;
    let v = int_term(c, &v)?;
    pair(c, v, cells[end])
}

fn list_to_float(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let Some((s, cells)) = chars(a[0]) else {
        return fail(c, "not_a_list");
    };
    let start = sign(&s);
    let int = digits(&s, start);
    let dot = start + int;
    if int == 0 || s.get(dot) != Some(&b'.') {
        return fail(c, "no_float");
    }
    let frac = digits(&s, dot + 1);
    if frac == 0 {
        return fail(c, "no_float");
    }
    let mut end = dot + 1 + frac;
    if matches!(s.get(end), Some(b'e' | b'E')) {
        let es = end + 1 + sign(&s[end + 1..]);
        let ed = digits(&s, es);
        if ed > 0 {
            end = es + ed;
        }
    }
    let text = std::str::from_utf8(&s[..end]).map_err(|_| crate::bifs::error("badarg"))?;
    let f: f64 = text.parse().map_err(|_| crate::bifs::error("badarg"))?;
    if !f.is_finite() {
        return fail(c, "no_float");
    }
    let v = construct::float(&mut c.heap, f).map_err(heap_err)?;
    pair(c, v, cells[end])
}

/// The BIFs of module `string`.
pub static STRING: &[Bif] = &[
    Bif {
        name: "list_to_integer",
        arity: 1,
        f: list_to_integer,
    },
    Bif {
        name: "list_to_float",
        arity: 1,
        f: list_to_float,
    },
];
