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

/// The options of `io_lib_pretty:print/2` that `io_lib:format` passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Column (1-based) where the term starts; continuation lines are indented to it.
    pub column: i64,
    /// Line length (`~Np`'s field width); 0 prints on one line.
    pub line_length: i64,
    /// Depth limit (`~P`); negative for none.
    pub depth: i64,
    /// Print printable lists and binaries as strings (false with `~lp`).
    pub strings: bool,
    /// Unicode atoms (`~tp`): characters above 255 in quoted atoms are kept, not
    /// written as `\x{…}`.
    pub unicode: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            column: 1,
            line_length: 80,
            depth: -1,
            strings: true,
            unicode: false,
        }
    }
}

/// `io_lib:format("~p", [t])`.
pub fn pretty(t: Term) -> Result<String, TermError> {
    pretty_with(t, &Options::default())
}

/// `io_lib_pretty:print(t, Options)` (latin-1, no records, no character limit).
pub fn pretty_with(t: Term, o: &Options) -> Result<String, TermError> {
    if o.depth == 0 {
        return Ok("...".into());
    }
    match class(t)? {
        Class::Atom => {
            let mut s = String::new();
            write_atom(&view::atom_text(t)?, &mut s);
            Ok(if o.unicode { unescape_unicode(&s) } else { s })
        }
        Class::Tuple | Class::List | Class::Map | Class::Binary | Class::Nil => {
            let cx = Cx {
                strings: o.strings,
                unicode: o.unicode,
            };
            let f = cx.intermediate(t, o.depth, 0)?;
            let col = o.column.max(1);
            let ll = o.line_length;
            let m = f.len;
            let mut out = String::new();
            if ll == 0 || (f.len < ll - col && f.len <= m) {
                write(&f, &mut out);
            } else {
                let tind = [-1, 4]
                    .into_iter()
                    .find(|&i| Ci { ll, m, ind: i }.cind(&f, col, 0, 0).is_ok())
                    .unwrap_or(1);
                let p = Pp { m, tind, ll };
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

/// What follows the last element of a list, tuple or map.
enum Tail {
    /// Nothing (a proper list, all elements of a tuple or map).
    End,
    /// An improper list's tail.
    Improper(Box<If>),
    /// The depth limit cut the rest: printed `...`.
    Dots,
}

enum Kind {
    /// Text printed as is (atomic terms, strings, printable binaries, `[]`, `{}`, `#{}`).
    Leaf(String),
    /// A binary printed as bytes: the byte texts (`...` last when cut by the depth) and
    /// the partial last byte `(value, bits)`.
    Bin(Vec<String>, Option<(String, String)>),
    /// List elements and what follows them.
    List(Vec<If>, Tail),
    /// Tuple elements; `true` for a tagged tuple (an atom first, at least 2 elements).
    Tuple(bool, Vec<If>, Tail),
    /// Map pairs (each a `Pair`).
    Map(Vec<If>, Tail),
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

/// Length of a bracketed sequence: brackets, items, separators (OTP's `list_length`);
/// `...` counts 3.
fn seq_len(brackets: i64, items: &[If], tail: &Tail) -> i64 {
    let (tn, tl) = match tail {
        Tail::End => (0, 0),
        Tail::Improper(t) => (1, t.len),
        Tail::Dots => (1, 3),
    };
    let n = items.len() as i64 + tn;
    brackets + items.iter().map(|i| i.len).sum::<i64>() + tl + (n - 1).max(0)
}

fn printable_latin1(c: i32) -> bool {
    matches!(c, 0x20..=0x7E | 0xA0..=0xFF | 0x08..=0x0D | 0x1B)
}

/// Settings of one `print_length` walk.
struct Cx {
    strings: bool,
    unicode: bool,
}

/// Undoes the `\x{HEX}` escapes the latin-1 writers use for characters above 255
/// (`io_lib:write_atom/1` instead of `write_atom_as_latin1/1`). Every backslash in
/// printed text starts an escape, so escapes are read pairwise from the left.
pub fn unescape_unicode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.peek() {
            Some('x') => {
                let rest: String = it.clone().skip(1).take_while(|&c| c != '}').collect();
                let hex = rest.strip_prefix('{').unwrap_or("");
                match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if rest.starts_with('{') => {
                        out.push(ch);
                        // `x`, `{`, the digits and `}`.
                        for _ in 0..rest.chars().count() + 2 {
                            it.next();
                        }
                    }
                    _ => out.push(c),
                }
            }
            Some(&n) => {
                out.push(c);
                out.push(n);
                it.next();
            }
            None => out.push(c),
        }
    }
    out
}

impl Cx {
    /// OTP's `print_length/6` with depth `d` (`1` cuts, negative is unlimited).
    fn intermediate(&self, t: Term, d: i64, nest: usize) -> Result<If, TermError> {
        if nest > MAX_DEPTH {
            return bad(t, "term nested too deeply for ~p");
        }
        match class(t)? {
            Class::Nil => Ok(If::leaf("[]".into())),
            Class::List => self.list(t, d, nest),
            Class::Tuple => {
                let e = super::compare::elements(t)?;
                if e.is_empty() {
                    return Ok(If::leaf("{}".into()));
                }
                if d == 1 {
                    return Ok(If::leaf("{...}".into()));
                }
                let tagged = e.len() > 1 && e[0].is_atom();
                let mut items = Vec::with_capacity(e.len());
                let mut tail = Tail::End;
                let mut d = d;
                for x in e {
                    if d == 1 {
                        tail = Tail::Dots;
                        break;
                    }
                    items.push(self.intermediate(x, d - 1, nest + 1)?);
                    d -= 1;
                }
                let len = seq_len(2, &items, &tail);
                Ok(If {
                    kind: Kind::Tuple(tagged, items, tail),
                    len,
                })
            }
            Class::Map => {
                let e = print::map_entries(t)?;
                if e.is_empty() {
                    return Ok(If::leaf("#{}".into()));
                }
                if d == 1 {
                    return Ok(If::leaf("#{...}".into()));
                }
                let d0 = d - 1;
                let mut pairs = Vec::with_capacity(e.len());
                let mut tail = Tail::End;
                let mut d = d;
                for (k, v) in e {
                    if d == 1 {
                        tail = Tail::Dots;
                        break;
                    }
                    let k = self.intermediate(k, d0, nest + 1)?;
                    let v = self.intermediate(v, d0, nest + 1)?;
                    let len = k.len + 4 + v.len;
                    pairs.push(If {
                        kind: Kind::Pair(Box::new(k), Box::new(v)),
                        len,
                    });
                    d -= 1;
                }
                let len = seq_len(3, &pairs, &tail);
                Ok(If {
                    kind: Kind::Map(pairs, tail),
                    len,
                })
            }
            Class::Binary => self.binary(t, d),
            Class::Atom => {
                let mut s = String::new();
                write_atom(&view::atom_text(t)?, &mut s);
                Ok(If::leaf(if self.unicode {
                    unescape_unicode(&s)
                } else {
                    s
                }))
            }
            _ => Ok(If::leaf(print::write(t)?)),
        }
    }

    fn list(&self, t: Term, d: i64, nest: usize) -> Result<If, TermError> {
        // Only flat proper lists of printable characters are strings, never at depth 1.
        if self.strings && d != 1 {
            let mut chars = Vec::new();
            let mut cur = t;
            let mut ok = true;
            while cur.is_list() {
                let (h, tl) = cell(cur)?;
                match h.small_value().filter(|&c| printable_latin1(c)) {
                    Some(c) => chars.push(c),
                    None => {
                        ok = false;
                        break;
                    }
                }
                cur = tl;
            }
            if ok && cur.is_nil() {
                let mut s = String::new();
                write_quoted(
                    chars.iter().filter_map(|&c| char::from_u32(c as u32)),
                    '"',
                    &mut s,
                );
                return Ok(If::leaf(s));
            }
        }
        let mut items = Vec::new();
        let mut cur = t;
        let mut d = d;
        let tail = loop {
            if cur.is_nil() {
                break Tail::End;
            }
            if d == 1 {
                break Tail::Dots;
            }
            if !cur.is_list() {
                break Tail::Improper(Box::new(self.intermediate(cur, d - 1, nest + 1)?));
            }
            let (h, tl) = cell(cur)?;
            items.push(self.intermediate(h, d - 1, nest + 1)?);
            cur = tl;
            d -= 1;
        };
        let len = seq_len(2, &items, &tail);
        Ok(If {
            kind: Kind::List(items, tail),
            len,
        })
    }

    fn binary(&self, t: Term, d: i64) -> Result<If, TermError> {
        let b = view::bits(t)?;
        if b.bits == 0 {
            return Ok(If::leaf("<<>>".into()));
        }
        if d == 1 {
            return Ok(If::leaf("<<...>>".into()));
        }
        let size = b.bytes.len();
        if self.unicode && self.strings && b.tail_bits() == 0 && d < 0 {
            // OTP's printable_unicode_bin (printable range latin-1): UTF-8 text of
            // printable characters with some non-ASCII prints as `<<"…"/utf8>>`; a
            // non-printable character means bytes; bad UTF-8 first means the latin-1 rules.
            let mut chars = Vec::new();
            let mut rest = &b.bytes[..];
            let mut verdict = None;
            while !rest.is_empty() && verdict.is_none() {
                match utf8_first(rest) {
                    None => verdict = Some(false),
                    Some((c, n)) => {
                        if !printable_latin1(c as i32) {
                            verdict = Some(true);
                        }
                        chars.push(c);
                        rest = &rest[n..];
                    }
                }
            }
            match verdict {
                // Not UTF-8: fall through to the latin-1 rules.
                Some(false) => {}
                Some(true) => return Ok(bytes_if(&b, d)),
                None if chars.len() == size => {}
                None => {
                    let mut s = String::from("<<");
                    write_quoted(chars.iter().filter_map(|&c| char::from_u32(c)), '"', &mut s);
                    s.push_str("/utf8>>");
                    return Ok(If::leaf(unescape_unicode(&s)));
                }
            }
        }
        if self.strings && b.tail_bits() == 0 {
            // OTP's printable_bin0: at most 4 characters per level of depth are looked at.
            let d1 = d - 1;
            let len = if d1 >= 0 {
                (4 * d1 as usize).min(size)
            } else {
                size
            };
            let n_ok = b.bytes[..len]
                .iter()
                .take_while(|&&c| printable_latin1(c as i32))
                .count();
            let prefix = if len == 0 {
                None
            } else if n_ok == len && len == size {
                Some((len, false))
            } else if d1 > 0 && n_ok as i64 >= d1 {
                Some((n_ok, true))
            } else {
                None
            };
            if let Some((n, cut)) = prefix {
                let mut s = String::from("<<");
                write_quoted(b.bytes[..n].iter().map(|&c| c as char), '"', &mut s);
                s.push_str(if cut { "...>>" } else { ">>" });
                return Ok(If::leaf(s));
            }
        }
        Ok(bytes_if(&b, d))
    }
}

/// The first UTF-8 character of `b` and its length in bytes.
fn utf8_first(b: &[u8]) -> Option<(u32, usize)> {
    let n = match b[0] {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let s = std::str::from_utf8(b.get(..n)?).ok()?;
    s.chars().next().map(|c| (c as u32, n))
}

/// A binary printed as bytes, the depth limiting how many.
fn bytes_if(b: &view::Bits, d: i64) -> If {
    {
        let full = (b.bits / 8) as usize;
        let rem = b.tail_bits();
        let mut items: Vec<String> = Vec::new();
        let mut tail = None;
        let mut d = d;
        let mut i = 0;
        loop {
            let left_bytes = full - i;
            if left_bytes == 0 && rem == 0 {
                break;
            }
            if d == 1 {
                items.push("...".into());
                break;
            }
            if left_bytes == 0 {
                tail = Some(((b.bytes[full] >> (8 - rem)).to_string(), rem.to_string()));
                break;
            }
            items.push(b.bytes[i].to_string());
            i += 1;
            d -= 1;
        }
        let mut len = 4 + items.iter().map(|s| s.len() as i64 + 1).sum::<i64>();
        match &tail {
            Some((v, n)) => len += (v.len() + 1 + n.len()) as i64,
            None => len -= 1,
        }
        If {
            kind: Kind::Bin(items, tail),
            len,
        }
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
            write_seq(items, tail, '|', out);
            out.push(']');
        }
        Kind::Tuple(_, items, tail) => {
            out.push('{');
            write_seq(items, tail, ',', out);
            out.push('}');
        }
        Kind::Map(pairs, tail) => {
            out.push_str("#{");
            write_seq(pairs, tail, ',', out);
            out.push('}');
        }
        Kind::Pair(k, v) => {
            write(k, out);
            out.push_str(" => ");
            write(v, out);
        }
    }
}

fn write_seq(items: &[If], tail: &Tail, sep: char, out: &mut String) {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(x, out);
    }
    match tail {
        Tail::End => {}
        Tail::Improper(t) => {
            out.push(sep);
            write(t, out);
        }
        Tail::Dots => {
            if !items.is_empty() {
                out.push(sep);
            }
            out.push_str("...");
        }
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
#[allow(clippy::too_many_arguments)]
fn fits_after(e_len: i64, atm: bool, col: i64, ll: i64, m: i64, ld1: i64, w: i64) -> bool {
    let elen = 1 + e_len;
    atm && if ld1 == 0 {
        elen + 1 < ll - col && w + elen < m
    } else {
        elen < ll - col - ld1 && w + elen + ld1 <= m
    }
}

/// Whether an improper tail or element fits on the line.
fn fits(f: &If, col: i64, ll: i64, m: i64, ld: i64, w: i64) -> bool {
    f.len < ll - col - ld && f.len + w + ld <= m
}

struct NoGood;

/// OTP's `cind/7` family: fails when the layout with tag indentation `ind` would need
/// more than half the line for indentation.
struct Ci {
    ll: i64,
    m: i64,
    ind: i64,
}

impl Ci {
    fn cind(&self, f: &If, col: i64, ld: i64, w: i64) -> Result<(), NoGood> {
        let (ll, m, ind) = (self.ll, self.m, self.ind);
        if fits(f, col, ll, m, ld, w) {
            return Ok(());
        }
        match &f.kind {
            Kind::List(items, tail) => self.cind_list(items, tail, col + 1, ld, w + 1),
            Kind::Tuple(true, items, tail) => {
                let tag = &items[0];
                let tag_ind = tag.len + 2;
                let tcol = col + tag_ind;
                if ind > 0 && tag_ind > ind {
                    let col1 = col + ind;
                    if m + col1 <= ll || col1 <= ll / 2 {
                        self.cind_tail(&items[1..], tail, col1, tcol, ld, w + tag.len)
                    } else {
                        Err(NoGood)
                    }
                } else if m + tcol < ll || tcol < ll / 2 {
                    self.cind_list(&items[1..], tail, tcol, ld, w + tag.len + 1)
                } else {
                    Err(NoGood)
                }
            }
            Kind::Tuple(false, items, tail) => self.cind_list(items, tail, col + 1, ld, w + 1),
            Kind::Map(pairs, tail) => {
                if pairs.is_empty() {
                    return Ok(());
                }
                let col = col + 2;
                let more = pairs.len() > 1;
                let pw = self.cind_pair(&pairs[0], col, last_depth(more, ld), w + 2)?;
                let (mut c, mut w) = (col + pw, w + 2 + pw);
                for (i, p) in pairs.iter().enumerate().skip(1) {
                    let ld1 = last_depth(i + 1 < pairs.len(), ld);
                    if fits_after(p.len, p.atm_pair(), c, ll, m, ld1, w) {
                        c += 1 + p.len;
                        w += 1 + p.len;
                    } else {
                        let pw = self.cind_pair(p, col, ld1, 0)?;
                        c = col + pw;
                        w = pw;
                    }
                }
                let _ = tail;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn cind_pair(&self, p: &If, col: i64, ld: i64, w: i64) -> Result<i64, NoGood> {
        if fits(p, col, self.ll, self.m, ld, w) {
            return Ok(if p.atm_pair() { p.len } else { self.ll });
        }
        if let Kind::Pair(k, v) = &p.kind {
            self.cind(k, col, ld, w)?;
            self.cind(v, col + value_indent(self.ind), ld, 0)?;
        }
        Ok(self.ll)
    }

    fn cind_list(
        &self,
        items: &[If],
        tail: &Tail,
        col0: i64,
        ld: i64,
        w: i64,
    ) -> Result<(), NoGood> {
        if items.is_empty() {
            return Ok(());
        }
        // An improper tail is not a cons: the last proper element counts as last.
        let more = items.len() > 1;
        let we = self.cind_element(&items[0], col0, last_depth(more, ld), w)?;
        self.cind_tail(&items[1..], tail, col0, col0 + we, ld, w + we)
    }

    fn cind_tail(
        &self,
        items: &[If],
        tail: &Tail,
        col0: i64,
        mut col: i64,
        ld: i64,
        mut w: i64,
    ) -> Result<(), NoGood> {
        let (ll, m) = (self.ll, self.m);
        for (i, e) in items.iter().enumerate() {
            let ld1 = last_depth(i + 1 < items.len(), ld);
            if fits_after(e.len, e.atm(), col, ll, m, ld1, w) {
                col += 1 + e.len;
                w += 1 + e.len;
            } else {
                let we = self.cind_element(e, col0, ld1, 0)?;
                col = col0 + we;
                w = we;
            }
        }
        if let Tail::Improper(e) = tail {
            let fits = e.len + 1 < ll - col - (ld + 1) && e.len + 1 + w + (ld + 1) <= m && e.atm();
            if !fits {
                self.cind(e, col, ld + 1, 0)?;
            }
        }
        Ok(())
    }

    fn cind_element(&self, e: &If, col: i64, ld: i64, w: i64) -> Result<i64, NoGood> {
        if fits(e, col, self.ll, self.m, ld, w) && e.atm() {
            return Ok(e.len);
        }
        self.cind(e, col, ld, w)?;
        Ok(self.ll)
    }
}

fn value_indent(tind: i64) -> i64 {
    if tind > 0 {
        tind
    } else {
        4
    }
}

/// OTP's `pp/8` and friends. `ind` is the indentation (a count of spaces).
struct Pp {
    m: i64,
    tind: i64,
    ll: i64,
}

impl Pp {
    fn pp(&self, f: &If, col: i64, ind: usize, ld: i64, w: i64, out: &mut String) {
        if fits(f, col, self.ll, self.m, ld, w) {
            write(f, out);
            return;
        }
        match &f.kind {
            Kind::List(items, tail) => {
                out.push('[');
                self.pp_list(items, tail, col + 1, ind + 1, ld, '|', w + 1, out);
                out.push(']');
            }
            Kind::Tuple(true, items, tail) => {
                out.push('{');
                self.pp_tag_tuple(items, tail, col, ind, ld, w + 1, out);
                out.push('}');
            }
            Kind::Tuple(false, items, tail) => {
                out.push('{');
                self.pp_list(items, tail, col + 1, ind + 1, ld, ',', w + 1, out);
                out.push('}');
            }
            Kind::Map(pairs, tail) => {
                out.push_str("#{");
                self.pp_map(pairs, tail, col + 2, ind + 2, ld, w + 1, out);
                out.push('}');
            }
            Kind::Bin(items, tail) => self.pp_binary(items, tail, col + 2, ind + 2, ld, w, out),
            Kind::Leaf(s) => out.push_str(s),
            Kind::Pair(..) => write(f, out),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pp_tag_tuple(
        &self,
        items: &[If],
        tail: &Tail,
        col: i64,
        ind: usize,
        ld: i64,
        w: i64,
        out: &mut String,
    ) {
        let tag = &items[0];
        let tag_ind = tag.len + 2;
        let tcol = col + tag_ind;
        write(tag, out);
        if self.tind > 0 && tag_ind > self.tind {
            let col1 = col + self.tind;
            let indent = ind + self.tind as usize;
            self.pp_tail(
                &items[1..],
                tail,
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
                tail,
                tcol,
                indent,
                ld,
                ',',
                w + tag.len + 1,
                out,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pp_map(
        &self,
        pairs: &[If],
        tail: &Tail,
        col: i64,
        ind: usize,
        ld: i64,
        w: i64,
        out: &mut String,
    ) {
        if pairs.is_empty() {
            out.push_str("...");
            return;
        }
        let pw = self.pp_pair(&pairs[0], col, ind, last_depth(pairs.len() > 1, ld), w, out);
        let (mut c, mut w) = (col + pw, pw);
        for (i, p) in pairs.iter().enumerate().skip(1) {
            let ld1 = last_depth(i + 1 < pairs.len(), ld);
            if fits_after(p.len, p.atm_pair(), c, self.ll, self.m, ld1, w) {
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
        if let Tail::Dots = tail {
            out.push_str(",...");
        }
    }

    fn pp_pair(&self, p: &If, col: i64, ind: usize, ld: i64, w: i64, out: &mut String) -> i64 {
        if fits(p, col, self.ll, self.m, ld, w) {
            write(p, out);
            return if p.atm_pair() { p.len } else { self.ll };
        }
        if let Kind::Pair(k, v) = &p.kind {
            let i = value_indent(self.tind);
            self.pp(k, col, ind, ld, w, out);
            out.push_str(" =>\n");
            spaces(out, ind + i as usize);
            self.pp(v, col + i, ind + i as usize, ld, 0, out);
        }
        self.ll
    }

    #[allow(clippy::too_many_arguments)]
    fn pp_list(
        &self,
        items: &[If],
        tail: &Tail,
        col0: i64,
        ind: usize,
        ld: i64,
        sep: char,
        w: i64,
        out: &mut String,
    ) {
        if items.is_empty() {
            out.push_str("...");
            return;
        }
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
        tail: &Tail,
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
            if fits_after(e.len, e.atm(), col, self.ll, self.m, ld1, w) {
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
        match tail {
            Tail::End => {}
            Tail::Dots => {
                out.push(sep);
                out.push_str("...");
            }
            Tail::Improper(e) => {
                out.push(sep);
                let fits =
                    e.len + 1 < self.ll - col - (ld + 1) && e.len + 1 + w + (ld + 1) <= self.m;
                if fits && e.atm() {
                    write(e, out);
                } else {
                    out.push('\n');
                    spaces(out, ind);
                    self.pp(e, col0, ind, ld + 1, 0, out);
                }
            }
        }
    }

    fn pp_element(&self, e: &If, col: i64, ind: usize, ld: i64, w: i64, out: &mut String) -> i64 {
        if fits(e, col, self.ll, self.m, ld, w) && e.atm() {
            write(e, out);
            return e.len;
        }
        self.pp(e, col, ind, ld, w, out);
        self.ll
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
        let n0 = 8.max((self.ll - col).min(self.m - 4 - w) - ld);
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
