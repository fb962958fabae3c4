//! Printing terms as OTP 25's `io_lib:format("~w", [T])` does (`io_lib:write/1`, with the
//! `latin1` encoding `~w` uses when it has no `t` modifier), and the pieces `~p`
//! ([`super::pretty`]) shares with it: atoms, strings, floats, binaries.
//!
//! The rules below are facts from OTP 25's `stdlib/src/io_lib.erl`: an atom is quoted
//! unless it starts with a lowercase latin-1 letter and continues with latin-1 letters,
//! digits, `_` or `@`, or is a reserved word (`erl_scan:reserved_word/1`); inside quotes,
//! `\` and `'` are escaped, control characters become `\n`, `\t`… or octal `\NNN`, and
//! characters above 255 become `\x{HEX}`. Floats print as `float_to_list(F, [short])`:
//! the shortest digits that read back as the same double, in fixed or scientific
//! notation, whichever is shorter.
//!
//! The writer keeps its work on an explicit stack, so long lists and deep nesting do not
//! recurse.

use super::compare::{cell, elements};
use super::view::{self, bad, class, Class, Num, TermError};
use crate::construct;
use crate::term::Term;
use std::fmt::Write;

/// `io_lib:format("~w", [t])`.
pub fn write(t: Term) -> Result<String, TermError> {
    let mut out = String::new();
    write_into(t, &mut out)?;
    Ok(out)
}

enum Work {
    Term(Term),
    Lit(&'static str),
    /// After a list head: the rest of the list.
    Tail(Term),
}

/// Appends `~w` of `t` to `out`.
pub fn write_into(t: Term, out: &mut String) -> Result<(), TermError> {
    let mut stack = vec![Work::Term(t)];
    while let Some(w) = stack.pop() {
        match w {
            Work::Lit(s) => out.push_str(s),
            Work::Tail(t) => {
                if t.is_nil() {
                    out.push(']');
                } else if t.is_list() {
                    let (h, tl) = cell(t)?;
                    out.push(',');
                    stack.push(Work::Tail(tl));
                    stack.push(Work::Term(h));
                } else {
                    out.push('|');
                    stack.push(Work::Lit("]"));
                    stack.push(Work::Term(t));
                }
            }
            Work::Term(t) => match class(t)? {
                Class::List => {
                    let (h, tl) = cell(t)?;
                    out.push('[');
                    stack.push(Work::Tail(tl));
                    stack.push(Work::Term(h));
                }
                Class::Tuple => {
                    let e = elements(t)?;
                    out.push('{');
                    stack.push(Work::Lit("}"));
                    for (i, x) in e.into_iter().enumerate().rev() {
                        stack.push(Work::Term(x));
                        if i > 0 {
                            stack.push(Work::Lit(","));
                        }
                    }
                }
                Class::Map => {
                    let e = map_entries(t)?;
                    out.push_str("#{");
                    stack.push(Work::Lit("}"));
                    for (i, (k, v)) in e.into_iter().enumerate().rev() {
                        stack.push(Work::Term(v));
                        stack.push(Work::Lit(" => "));
                        stack.push(Work::Term(k));
                        if i > 0 {
                            stack.push(Work::Lit(","));
                        }
                    }
                }
                c => write_atomic(t, c, out)?,
            },
        }
    }
    Ok(())
}

/// A map's entries in the order `maps:iterator/1` yields them: key order for flat maps
/// (as OTP), trie order for large maps (OTP's hash order differs; see docs/terms.md).
pub(crate) fn map_entries(t: Term) -> Result<Vec<(Term, Term)>, TermError> {
    crate::map::entries(t).map_or_else(|| bad(t, "unreadable map"), Ok)
}

/// Writes a term that has no subterms printed by the caller's walk (everything but
/// lists, tuples and maps; fun environments are not printed).
pub(crate) fn write_atomic(t: Term, c: Class, out: &mut String) -> Result<(), TermError> {
    match c {
        Class::Small | Class::Big | Class::Float => {
            match view::number(t)? {
                Num::Int(i) => {
                    let _ = write!(out, "{i}");
                }
                Num::Big(b) => {
                    let _ = write!(out, "{b}");
                }
                Num::Float(f) => out.push_str(&format_float(f)),
            }
            Ok(())
        }
        Class::Atom => {
            write_atom(&view::atom_text(t)?, out);
            Ok(())
        }
        Class::Nil => {
            out.push_str("[]");
            Ok(())
        }
        Class::Binary => {
            let b = view::bits(t)?;
            write_binary(&b, out);
            Ok(())
        }
        Class::Pid => {
            let d = t.pid_data().unwrap_or(0);
            let _ = write!(out, "<0.{}.{}>", d & 0x7FFF, d >> 15);
            Ok(())
        }
        Class::Port => {
            let _ = write!(out, "#Port<0.{}>", t.port_data().unwrap_or(0));
            Ok(())
        }
        Class::Ref => {
            let Some(n) = construct::ref_numbers(t) else {
                return bad(t, "unreadable reference");
            };
            let _ = write!(out, "#Ref<0.{}.{}.{}>", n[2], n[1], n[0]);
            Ok(())
        }
        Class::ExtPid | Class::ExtPort | Class::ExtRef => {
            // Node numbers belong to the distribution layer, which does not exist yet:
            // remote identifiers print with node number 1, as OTP's first connected node.
            let Some((_, _, data)) = construct::external_parts(t) else {
                return bad(t, "unreadable external identifier");
            };
            let ids = data.get(1..).unwrap_or(&[]);
            let _ = match c {
                Class::ExtPid => write!(
                    out,
                    "<1.{}.{}>",
                    ids.first().copied().unwrap_or(0),
                    ids.get(1).copied().unwrap_or(0)
                ),
                Class::ExtPort => write!(out, "#Port<1.{}>", ids.first().copied().unwrap_or(0)),
                _ => {
                    out.push_str("#Ref<1");
                    for n in ids.iter().rev() {
                        let _ = write!(out, ".{n}");
                    }
                    out.push('>');
                    Ok(())
                }
            };
            Ok(())
        }
        Class::Fun => {
            let Some((entry, _, _, _)) = construct::fun_parts(t) else {
                return bad(t, "unreadable fun");
            };
            match super::code_info().and_then(|c| c.fun_identity(entry)) {
                Some((m, i, u)) => {
                    out.push_str("#Fun<");
                    write_atom(&view::atom_text(m)?, out);
                    let _ = write!(out, ".{i}.{u}>");
                }
                None => {
                    let _ = write!(out, "#Fun<{entry:#x}>");
                }
            }
            Ok(())
        }
        Class::Export => {
            let Some(entry) = construct::export_entry(t) else {
                return bad(t, "unreadable export");
            };
            match super::code_info().and_then(|c| c.export_mfa(entry)) {
                Some((m, f, a)) => {
                    out.push_str("fun ");
                    write_atom(&view::atom_text(m)?, out);
                    out.push(':');
                    write_atom(&view::atom_text(f)?, out);
                    let _ = write!(out, "/{a}");
                }
                None => {
                    let _ = write!(out, "#Fun<export.{entry:#x}>");
                }
            }
            Ok(())
        }
        Class::List | Class::Tuple | Class::Map => bad(t, "compound term in write_atomic"),
    }
}

/// `<<1,2,3>>`, `<<1,2:3>>` (the last partial byte as `Bits:Value`), `<<>>`.
pub fn write_binary(b: &view::Bits, out: &mut String) {
    out.push_str("<<");
    let full = (b.bits / 8) as usize;
    for (i, byte) in b.bytes[..full].iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{byte}");
    }
    let rem = b.tail_bits();
    if rem != 0 {
        if full > 0 {
            out.push(',');
        }
        let v = b.bytes[full] >> (8 - rem);
        let _ = write!(out, "{v}:{rem}");
    }
    out.push_str(">>");
}

/// When the double lies exactly halfway between two shortest candidates, Ryu (and so
/// OTP) takes the one with the even last digit; Rust's formatter may take the other.
/// Returns the even candidate in that case.
fn tie_to_even(f: f64, digits: &str, sci_exp: i64) -> Option<String> {
    let n = digits.len();
    // Both n-digit neighbours can read back as the same double only when n-digit steps
    // are as fine as the double spacing (2^-52 relative): never below 15 digits.
    if n < 15 {
        return None;
    }
    // Exact decimal expansion (a double has at most 767 significant digits).
    let exact = format!("{:.800e}", f);
    let (m, e) = exact.split_once('e')?;
    if e.parse::<i64>().ok()? != sci_exp {
        return None;
    }
    let ed: Vec<u8> = m.bytes().filter(|&c| c != b'.').collect();
    if ed.get(n) != Some(&b'5') || ed[n + 1..].iter().any(|&c| c != b'0') {
        return None;
    }
    let mut p = ed[..n].to_vec();
    if (p[n - 1] - b'0') % 2 == 1 {
        // Round the odd lower candidate up; a carry out of the first digit would change
        // the digit count, which a tie between n-digit candidates cannot need.
        let mut i = n;
        loop {
            i = i.checked_sub(1)?;
            if p[i] == b'9' {
                p[i] = b'0';
            } else {
                p[i] += 1;
                break;
            }
        }
    }
    String::from_utf8(p).ok()
}

/// Reserved words of OTP 25 (`erl_scan:f_reserved_word/1`; the `maybe` feature, whose
/// keywords would join them, is off by default in OTP 25).
const RESERVED: &[&str] = &[
    "after", "begin", "case", "try", "cond", "catch", "andalso", "orelse", "end", "fun", "if",
    "let", "of", "receive", "when", "bnot", "not", "div", "rem", "band", "and", "bor", "bxor",
    "bsl", "bsr", "or", "xor",
];

fn is_lower(c: char) -> bool {
    c.is_ascii_lowercase() || (('\u{DF}'..='\u{FF}').contains(&c) && c != '\u{F7}')
}

fn is_name_char(c: char) -> bool {
    is_lower(c)
        || c.is_ascii_uppercase()
        || (('\u{C0}'..='\u{DE}').contains(&c) && c != '\u{D7}')
        || c.is_ascii_digit()
        || c == '_'
        || c == '@'
}

/// Whether an atom with this text must be quoted (`io_lib:quote_atom/2`).
pub fn atom_needs_quotes(name: &str) -> bool {
    if RESERVED.contains(&name) {
        return true;
    }
    let mut cs = name.chars();
    match cs.next() {
        Some(c) if is_lower(c) => !cs.all(is_name_char),
        _ => true,
    }
}

/// An atom as `~w`/`~p` write it (`io_lib:write_atom_as_latin1/1`).
pub fn write_atom(name: &str, out: &mut String) {
    if atom_needs_quotes(name) {
        write_quoted(name.chars(), '\'', out);
    } else {
        out.push_str(name);
    }
}

/// `Q ++ chars ++ Q` with `io_lib:string_char(unicode_as_latin1, …)` escapes.
pub fn write_quoted(cs: impl Iterator<Item = char>, q: char, out: &mut String) {
    out.push(q);
    for c in cs {
        string_char(c, q, out);
    }
    out.push(q);
}

fn string_char(c: char, q: char, out: &mut String) {
    let n = c as u32;
    match c {
        _ if c == q => {
            out.push('\\');
            out.push(q);
        }
        '\\' => out.push_str("\\\\"),
        ' '..='~' => out.push(c),
        _ if (0xA0..=0xFF).contains(&n) => out.push(c),
        _ if n > 0xFF => {
            let _ = write!(out, "\\x{{{n:X}}}");
        }
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{0B}' => out.push_str("\\v"),
        '\u{08}' => out.push_str("\\b"),
        '\u{0C}' => out.push_str("\\f"),
        '\u{1B}' => out.push_str("\\e"),
        '\u{7F}' => out.push_str("\\d"),
        _ => {
            let _ = write!(out, "\\{}{}{}", n >> 6, (n >> 3) & 7, n & 7);
        }
    }
}

/// A float as `float_to_list(F, [short])` writes it (what `~w` and `~p` print): the
/// shortest round-trip digits `D` with `value = D × 10^E`, in fixed notation when `E` lies
/// in a window that depends on the digit count (OTP 25's erts/emulator/ryu/to_chars.h:
/// `[-4, 2]` for one digit, `[-(n+2), 2]` when the scientific exponent is ≥ 10, else
/// `[-(n+2), 1]`), except for integers at or beyond 2^53, which are scientific.
pub fn format_float(f: f64) -> String {
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` gives the shortest round-trip digits (nearest on ties), as Ryu does.
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sci_exp: i64 = exp.parse().unwrap_or(0);
    if let Some(even) = tie_to_even(f.abs(), &digits, sci_exp) {
        digits = even;
    }
    let n = digits.len() as i64;
    let e = sci_exp - (n - 1);
    let d: u64 = digits.parse().unwrap_or(0);
    let (lower, upper) = if n == 1 {
        (-4, 2)
    } else if sci_exp >= 10 {
        (-(n + 2), 2)
    } else {
        (-(n + 2), 1)
    };
    let beyond_2_53 =
        (d >= 1 << 53 && e == 0) || (d > (1 << 52) / 5 && e == 1) || (d > (1 << 51) / 25 && e == 2);
    let body = if (lower..=upper).contains(&e) && !beyond_2_53 {
        let whole = n + e;
        if e >= 0 {
            format!("{digits}{}.0", "0".repeat(e as usize))
        } else if whole > 0 {
            format!(
                "{}.{}",
                &digits[..whole as usize],
                &digits[whole as usize..]
            )
        } else {
            format!("0.{}{digits}", "0".repeat((-whole) as usize))
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{first}.{rest}e{sci_exp}")
    };
    format!("{sign}{body}")
}
