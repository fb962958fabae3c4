//! `io_lib:format("~p", [T])`: OTP 25's `io_lib_pretty:print/2` with its defaults (column
//! 1, line length 80, no depth or character limit, latin-1, strings on, no records).
//!
//! The algorithm is OTP's, restated (stdlib/src/io_lib_pretty.erl): first every subterm
//! gets its one-line text or structure and its printed length ("intermediate format");
//! a term that fits in the line is written on one line; otherwise the *tag indentation*
//! is chosen (`cind`: -1, else 4, else 1 — how far elements of `{tag, …}` tuples and map
//! values are indented), and `pp` lays the term out, putting as many simple elements on a
//! line as fit and breaking before compound ones. Lists of printable latin-1 characters
//! print as strings, binaries of them as `<<"…">>`.
//!
//! The walk recurses on nesting depth (not on list length); terms nested deeper than
//! [`MAX_DEPTH`] are refused with an error rather than risking the Rust stack.

use super::compare::cell;
use super::print::{self, write_atom, write_quoted};
use super::view::{self, bad, class, Class, TermError};
use crate::term::Term;

/// Deepest nesting `pretty` accepts.
pub const MAX_DEPTH: usize = 1_000;

const LL: i64 = 80;

/// `io_lib:format("~p", [t])`.
pub fn pretty(t: Term) -> Result<String, TermError> {
    match class(t)? {
        Class::Atom => {
            let mut s = String::new();
            write_atom(&view::atom_text(t)?, &mut s);
            Ok(s)
        }
        Class::Tuple | Class::List | Class::Map | Class::Binary | Class::Nil => {
            let f = intermediate(t, 0)?;
            let col = 1;
            let m = f.len;
            let mut out = String::new();
            if f.len < LL - col && f.len <= m {
                write(&f, &mut out);
            } else {
                let tind = [-1, 4]
                    .into_iter()
                    .find(|&i| cind(&f, col, m, i, 0, 0).is_ok())
                    .unwrap_or(1);
                let p = Pp { m, tind };
                p.pp(&f, col, (col - 1) as usize, 0, 0, &mut out);
            }
            Ok(out)
        }
        _ => print::write(t),
    }
}

/// The intermediate format: what to print and how long it is on one line.
struct If {
    kind: Kind,
    len: i64,
}

enum Kind {
    /// Text printed as is (atomic terms, strings, printable binaries, `[]`, `{}`, `#{}`).
    Leaf(String),
    /// A binary printed as bytes: the byte texts and the partial last byte `(value,
    /// bits)`.
    Bin(Vec<String>, Option<(String, String)>),
    /// List elements and the improper tail, if any.
    List(Vec<If>, Option<Box<If>>),
    /// Tuple elements; `true` for a tagged tuple (an atom first, at least 2 elements).
    Tuple(bool, Vec<If>),
    /// Map pairs (each a `Pair`).
    Map(Vec<If>),
    Pair(Box<If>, Box<If>),
}

impl If {
    fn leaf(s: String) -> If {
        let len = s.chars().count() as i64;
        If {
            kind: Kind::Leaf(s),
            len,
        }
    }
    /// OTP's `?ATM`: printed as plain text.
    fn atm(&self) -> bool {
        matches!(self.kind, Kind::Leaf(_))
    }
    /// OTP's `?ATM_PAIR`.
    fn atm_pair(&self) -> bool {
        matches!(&self.kind, Kind::Pair(k, v) if k.atm() && v.atm())
    }
}

/// Length of a bracketed sequence: brackets, items, separators (OTP's `list_length`).
fn seq_len(brackets: i64, items: &[If], tail: Option<&If>) -> i64 {
    let n = items.len() as i64 + tail.is_some() as i64;
    brackets + items.iter().map(|i| i.len).sum::<i64>() + tail.map_or(0, |t| t.len) + (n - 1).max(0)
}

fn printable_latin1(c: i32) -> bool {
    matches!(c, 0x20..=0x7E | 0xA0..=0xFF | 0x08..=0x0D | 0x1B)
}

/// OTP's `print_length/6`.
fn intermediate(t: Term, depth: usize) -> Result<If, TermError> {
    if depth > MAX_DEPTH {
        return bad(t, "term nested too deeply for ~p");
    }
    match class(t)? {
        Class::Nil => Ok(If::leaf("[]".into())),
        Class::List => {
            let mut elems = Vec::new();
            let mut cur = t;
            while cur.is_list() {
                let (h, tl) = cell(cur)?;
                elems.push(h);
                cur = tl;
            }
            let chars: Option<Vec<i32>> = if cur.is_nil() {
                elems
                    .iter()
                    .map(|e| e.small_value().filter(|&c| printable_latin1(c)))
                    .collect()
            } else {
                None
            };
            if let Some(cs) = chars {
                let mut s = String::new();
                write_quoted(
                    cs.iter().filter_map(|&c| char::from_u32(c as u32)),
                    '"',
                    &mut s,
                );
                return Ok(If::leaf(s));
            }
            let items = elems
                .into_iter()
                .map(|e| intermediate(e, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            let tail = if cur.is_nil() {
                None
            } else {
                Some(Box::new(intermediate(cur, depth + 1)?))
            };
            let len = seq_len(2, &items, tail.as_deref());
            Ok(If {
                kind: Kind::List(items, tail),
                len,
            })
        }
        Class::Tuple => {
            let e = super::compare::elements(t)?;
            if e.is_empty() {
                return Ok(If::leaf("{}".into()));
            }
            let tagged = e.len() > 1 && e[0].is_atom();
            let items = e
                .into_iter()
                .map(|x| intermediate(x, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            let len = seq_len(2, &items, None);
            Ok(If {
                kind: Kind::Tuple(tagged, items),
                len,
            })
        }
        Class::Map => {
            let e = print::map_entries(t)?;
            if e.is_empty() {
                return Ok(If::leaf("#{}".into()));
            }
            let mut pairs = Vec::with_capacity(e.len());
            for (k, v) in e {
                let k = intermediate(k, depth + 1)?;
                let v = intermediate(v, depth + 1)?;
                let len = k.len + 4 + v.len;
                pairs.push(If {
                    kind: Kind::Pair(Box::new(k), Box::new(v)),
                    len,
                });
            }
            let len = seq_len(3, &pairs, None);
            Ok(If {
                kind: Kind::Map(pairs),
                len,
            })
        }
        Class::Binary => {
            let b = view::bits(t)?;
            if b.bits == 0 {
                return Ok(If::leaf("<<>>".into()));
            }
            if b.tail_bits() == 0 && b.bytes.iter().all(|&c| printable_latin1(c as i32)) {
                let mut s = String::from("<<");
                write_quoted(b.bytes.iter().map(|&c| c as char), '"', &mut s);
                s.push_str(">>");
                return Ok(If::leaf(s));
            }
            let full = (b.bits / 8) as usize;
            let items: Vec<String> = b.bytes[..full].iter().map(|x| x.to_string()).collect();
            let rem = b.tail_bits();
            let tail =
                (rem != 0).then(|| ((b.bytes[full] >> (8 - rem)).to_string(), rem.to_string()));
            let mut len = 4 + items.iter().map(|s| s.len() as i64 + 1).sum::<i64>();
            match &tail {
                Some((v, n)) => len += (v.len() + 1 + n.len()) as i64,
                None => len -= 1,
            }
            Ok(If {
                kind: Kind::Bin(items, tail),
                len,
            })
        }
        Class::Atom => {
            let mut s = String::new();
            write_atom(&view::atom_text(t)?, &mut s);
            Ok(If::leaf(s))
        }
        _ => Ok(If::leaf(print::write(t)?)),
    }
}

/// The one-line form (OTP's `write/1` on the intermediate format).
fn write(f: &If, out: &mut String) {
    match &f.kind {
        Kind::Leaf(s) => out.push_str(s),
        Kind::Bin(items, tail) => {
            out.push_str("<<");
            out.push_str(&items.join(","));
            if let Some((v, n)) = tail {
                if !items.is_empty() {
                    out.push(',');
                }
                out.push_str(v);
                out.push(':');
                out.push_str(n);
            }
            out.push_str(">>");
        }
        Kind::List(items, tail) => {
            out.push('[');
            write_seq(items, out);
            if let Some(t) = tail {
                out.push('|');
                write(t, out);
            }
            out.push(']');
        }
        Kind::Tuple(_, items) => {
            out.push('{');
            write_seq(items, out);
            out.push('}');
        }
        Kind::Map(pairs) => {
            out.push_str("#{");
            write_seq(pairs, out);
            out.push('}');
        }
        Kind::Pair(k, v) => {
            write(k, out);
            out.push_str(" => ");
            write(v, out);
        }
    }
}

fn write_seq(items: &[If], out: &mut String) {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(x, out);
    }
}

fn spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// OTP's `last_depth/2`: 0 when more elements follow, else one more closing bracket.
fn last_depth(more: bool, ld: i64) -> i64 {
    if more {
        0
    } else {
        ld + 1
    }
}

/// Whether element `e` (`1 + e.len` with its comma) stays on the current line.
fn fits_after(e_len: i64, atm: bool, col: i64, m: i64, ld1: i64, w: i64) -> bool {
    let elen = 1 + e_len;
    atm && if ld1 == 0 {
        elen + 1 < LL - col && w + elen < m
    } else {
        elen < LL - col - ld1 && w + elen + ld1 <= m
    }
}

struct NoGood;

/// OTP's `cind/7`: fails when the layout with tag indentation `ind` would need more than
/// half the line for indentation.
fn cind(f: &If, col: i64, m: i64, ind: i64, ld: i64, w: i64) -> Result<(), NoGood> {
    if f.len < LL - col - ld && f.len + w + ld <= m {
        return Ok(());
    }
    match &f.kind {
        Kind::List(items, tail) => cind_list(items, tail.as_deref(), col + 1, m, ind, ld, w + 1),
        Kind::Tuple(true, items) => {
            let tag = &items[0];
            let tag_ind = tag.len + 2;
            let tcol = col + tag_ind;
            if ind > 0 && tag_ind > ind {
                let col1 = col + ind;
                if m + col1 <= LL || col1 <= LL / 2 {
                    cind_tail(&items[1..], None, col1, tcol, m, ind, ld, w + tag.len)
                } else {
                    Err(NoGood)
                }
            } else if m + tcol < LL || tcol < LL / 2 {
                cind_list(&items[1..], None, tcol, m, ind, ld, w + tag.len + 1)
            } else {
                Err(NoGood)
            }
        }
        Kind::Tuple(false, items) => cind_list(items, None, col + 1, m, ind, ld, w + 1),
        Kind::Map(pairs) => {
            let col = col + 2;
            let pw = cind_pair(
                &pairs[0],
                col,
                m,
                ind,
                last_depth(pairs.len() > 1, ld),
                w + 2,
            )?;
            let (mut c, mut w) = (col + pw, w + 2 + pw);
            for (i, p) in pairs.iter().enumerate().skip(1) {
                let ld1 = last_depth(i + 1 < pairs.len(), ld);
                if fits_after(p.len, p.atm_pair(), c, m, ld1, w) {
                    c += 1 + p.len;
                    w += 1 + p.len;
                } else {
                    let pw = cind_pair(p, col, m, ind, ld1, 0)?;
                    c = col + pw;
                    w = pw;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn cind_pair(p: &If, col: i64, m: i64, ind: i64, ld: i64, w: i64) -> Result<i64, NoGood> {
    if p.len < LL - col - ld && p.len + w + ld <= m {
        return Ok(if p.atm_pair() { p.len } else { LL });
    }
    if let Kind::Pair(k, v) = &p.kind {
        cind(k, col, m, ind, ld, w)?;
        cind(v, col + value_indent(ind), m, ind, ld, 0)?;
    }
    Ok(LL)
}

fn value_indent(tind: i64) -> i64 {
    if tind > 0 {
        tind
    } else {
        4
    }
}

fn cind_list(
    items: &[If],
    tail: Option<&If>,
    col0: i64,
    m: i64,
    ind: i64,
    ld: i64,
    w: i64,
) -> Result<(), NoGood> {
    // An improper tail is not a cons: the last proper element counts as last.
    let more = items.len() > 1;
    let we = cind_element(&items[0], col0, m, ind, last_depth(more, ld), w)?;
    cind_tail(&items[1..], tail, col0, col0 + we, m, ind, ld, w + we)
}

#[allow(clippy::too_many_arguments)]
fn cind_tail(
    items: &[If],
    tail: Option<&If>,
    col0: i64,
    mut col: i64,
    m: i64,
    ind: i64,
    ld: i64,
    mut w: i64,
) -> Result<(), NoGood> {
    for (i, e) in items.iter().enumerate() {
        let ld1 = last_depth(i + 1 < items.len(), ld);
        if fits_after(e.len, e.atm(), col, m, ld1, w) {
            col += 1 + e.len;
            w += 1 + e.len;
        } else {
            let we = cind_element(e, col0, m, ind, ld1, 0)?;
            col = col0 + we;
            w = we;
        }
    }
    if let Some(e) = tail {
        let fits = e.len + 1 < LL - col - (ld + 1) && e.len + 1 + w + (ld + 1) <= m && e.atm();
        if !fits {
            cind(e, col, m, ind, ld + 1, 0)?;
        }
    }
    Ok(())
}

fn cind_element(e: &If, col: i64, m: i64, ind: i64, ld: i64, w: i64) -> Result<i64, NoGood> {
    if e.len < LL - col - ld && e.len + w + ld <= m && e.atm() {
        return Ok(e.len);
    }
    cind(e, col, m, ind, ld, w)?;
    Ok(LL)
}

/// OTP's `pp/8` and friends. `ind` is the indentation (a count of spaces).
struct Pp {
    m: i64,
    tind: i64,
}

impl Pp {
    fn pp(&self, f: &If, col: i64, ind: usize, ld: i64, w: i64, out: &mut String) {
        if f.len < LL - col - ld && f.len + w + ld <= self.m {
            write(f, out);
            return;
        }
        match &f.kind {
            Kind::List(items, tail) => {
                out.push('[');
                self.pp_list(
                    items,
                    tail.as_deref(),
                    col + 1,
                    ind + 1,
                    ld,
                    '|',
                    w + 1,
                    out,
                );
                out.push(']');
            }
            Kind::Tuple(true, items) => {
                out.push('{');
                self.pp_tag_tuple(items, col, ind, ld, w + 1, out);
                out.push('}');
            }
            Kind::Tuple(false, items) => {
                out.push('{');
                self.pp_list(items, None, col + 1, ind + 1, ld, ',', w + 1, out);
                out.push('}');
            }
            Kind::Map(pairs) => {
                out.push_str("#{");
                self.pp_map(pairs, col + 2, ind + 2, ld, w + 1, out);
                out.push('}');
            }
            Kind::Bin(items, tail) => self.pp_binary(items, tail, col + 2, ind + 2, ld, w, out),
            Kind::Leaf(s) => out.push_str(s),
            Kind::Pair(..) => write(f, out),
        }
    }

    fn pp_tag_tuple(&self, items: &[If], col: i64, ind: usize, ld: i64, w: i64, out: &mut String) {
        let tag = &items[0];
        let tag_ind = tag.len + 2;
        let tcol = col + tag_ind;
        write(tag, out);
        if self.tind > 0 && tag_ind > self.tind {
            let col1 = col + self.tind;
            let indent = ind + self.tind as usize;
            self.pp_tail(
                &items[1..],
                None,
                col1,
                tcol,
                indent,
                ld,
                ',',
                w + tag.len,
                out,
            );
        } else {
            out.push(',');
            let indent = ind + tag_ind as usize;
            self.pp_list(
                &items[1..],
                None,
                tcol,
                indent,
                ld,
                ',',
                w + tag.len + 1,
                out,
            );
        }
    }

    fn pp_map(&self, pairs: &[If], col: i64, ind: usize, ld: i64, w: i64, out: &mut String) {
        let pw = self.pp_pair(&pairs[0], col, ind, last_depth(pairs.len() > 1, ld), w, out);
        let (mut c, mut w) = (col + pw, pw);
        for (i, p) in pairs.iter().enumerate().skip(1) {
            let ld1 = last_depth(i + 1 < pairs.len(), ld);
            if fits_after(p.len, p.atm_pair(), c, self.m, ld1, w) {
                out.push(',');
                write(p, out);
                c += 1 + p.len;
                w += 1 + p.len;
            } else {
                out.push_str(",\n");
                spaces(out, ind);
                let pw = self.pp_pair(p, col, ind, ld1, 0, out);
                c = col + pw;
                w = pw;
            }
        }
    }

    fn pp_pair(&self, p: &If, col: i64, ind: usize, ld: i64, w: i64, out: &mut String) -> i64 {
        if p.len < LL - col - ld && p.len + w + ld <= self.m {
            write(p, out);
            return if p.atm_pair() { p.len } else { LL };
        }
        if let Kind::Pair(k, v) = &p.kind {
            let i = value_indent(self.tind);
            self.pp(k, col, ind, ld, w, out);
            out.push_str(" =>\n");
            spaces(out, ind + i as usize);
            self.pp(v, col + i, ind + i as usize, ld, 0, out);
        }
        LL
    }

    #[allow(clippy::too_many_arguments)]
    fn pp_list(
        &self,
        items: &[If],
        tail: Option<&If>,
        col0: i64,
        ind: usize,
        ld: i64,
        sep: char,
        w: i64,
        out: &mut String,
    ) {
        // An improper tail is not a cons: the last proper element counts as last.
        let more = items.len() > 1;
        let we = self.pp_element(&items[0], col0, ind, last_depth(more, ld), w, out);
        self.pp_tail(
            &items[1..],
            tail,
            col0,
            col0 + we,
            ind,
            ld,
            sep,
            w + we,
            out,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn pp_tail(
        &self,
        items: &[If],
        tail: Option<&If>,
        col0: i64,
        mut col: i64,
        ind: usize,
        ld: i64,
        sep: char,
        mut w: i64,
        out: &mut String,
    ) {
        for (i, e) in items.iter().enumerate() {
            let ld1 = last_depth(i + 1 < items.len(), ld);
            if fits_after(e.len, e.atm(), col, self.m, ld1, w) {
                out.push(',');
                write(e, out);
                col += 1 + e.len;
                w += 1 + e.len;
            } else {
                out.push_str(",\n");
                spaces(out, ind);
                let we = self.pp_element(e, col0, ind, ld1, 0, out);
                col = col0 + we;
                w = we;
            }
        }
        if let Some(e) = tail {
            out.push(sep);
            let fits = e.len + 1 < LL - col - (ld + 1) && e.len + 1 + w + (ld + 1) <= self.m;
            if fits && e.atm() {
                write(e, out);
            } else {
                out.push('\n');
                spaces(out, ind);
                self.pp(e, col0, ind, ld + 1, 0, out);
            }
        }
    }

    fn pp_element(&self, e: &If, col: i64, ind: usize, ld: i64, w: i64, out: &mut String) -> i64 {
        if e.len < LL - col - ld && e.len + w + ld <= self.m && e.atm() {
            write(e, out);
            return e.len;
        }
        self.pp(e, col, ind, ld, w, out);
        LL
    }

    /// Bytes filled into lines of at most `n` characters (OTP's `pp_binary/7`).
    #[allow(clippy::too_many_arguments)]
    fn pp_binary(
        &self,
        items: &[String],
        tail: &Option<(String, String)>,
        col: i64,
        ind: usize,
        ld: i64,
        w: i64,
        out: &mut String,
    ) {
        let n0 = 8.max((LL - col).min(self.m - 4 - w) - ld);
        let mut n = n0;
        out.push_str("<<");
        // Every byte followed by a comma: all of them when a partial byte follows.
        let with_comma = if tail.is_some() {
            items.len()
        } else {
            items.len().saturating_sub(1)
        };
        for bs in &items[..with_comma] {
            let len = bs.len() as i64 + 1;
            if n - len < 0 {
                out.push('\n');
                spaces(out, ind);
                n = n0 - len;
            } else {
                n -= len;
            }
            out.push_str(bs);
            out.push(',');
        }
        let last = match tail {
            Some((v, b)) => format!("{v}:{b}"),
            None => items.last().cloned().unwrap_or_default(),
        };
        if last.len() as i64 > n {
            out.push('\n');
            spaces(out, ind);
        }
        out.push_str(&last);
        out.push_str(">>");
    }
}
