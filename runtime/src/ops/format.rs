//! `io_lib:format(Format, Args)` as OTP 25's `io_lib_format` computes it: the control
//! sequences `~c ~f ~e ~g ~s ~w ~p ~W ~P ~B ~X ~# ~b ~x ~+ ~i ~n ~~` with field width,
//! precision, pad character, `*` arguments, the `t` and `l` modifiers and `-` (left
//! adjustment). The result is a flat list of characters (OTP returns a deep list with the
//! same characters).
//!
//! Restated from stdlib/src/io_lib_format.erl: the format is scanned into characters and
//! control specs (`collect_cseq`), then each spec is expanded left to right. `~p`/`~P`
//! start at the column where the current line of *this* output has reached (a newline
//! resets it, a tab rounds it up to a multiple of 8): the column is the `~p`'s precision
//! if it has one, its field width is the line length (default 80). `~w`, `~p` and atoms
//! come from [`super::print`] and [`super::pretty`]. Any mismatch between a control and
//! its argument is [`FormatError`], which the BIFs raise as `error:badarg` like OTP.
//!
//! Unicode: with `t`, `~s` accepts any code point and decodes binaries as UTF-8, `~c`
//! keeps the whole code point; everything else prints as without `t` (OTP's printable
//! range is latin-1 by default, so `~tp` prints the same strings as `~p`; atoms with
//! characters above 255 keep their `\x{…}` escapes, where OTP's `~tp` would keep the
//! character itself).

use super::compare::cell;
use super::pretty::{self, Options};
use super::print;
use super::view::{self, class, Class, Num};
use crate::term::Term;
use num_bigint::BigInt;

/// A format or argument OTP rejects with `badarg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("bad format or arguments (badarg)")]
pub struct FormatError;

type R<T> = Result<T, FormatError>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Adj {
    Left,
    Right,
}

struct Spec {
    ctrl: u32,
    width: Option<i64>,
    adj: Adj,
    prec: Option<i64>,
    pad: Term,
    unicode: bool,
    strings: bool,
    args: Vec<Term>,
}

enum Item {
    Char(u32),
    Ctl(Spec),
}

/// The elements of a proper list.
fn list_elems(t: Term) -> R<Vec<Term>> {
    let mut v = Vec::new();
    let mut cur = t;
    while !cur.is_nil() {
        let (h, tl) = cell(cur).map_err(|_| FormatError)?;
        v.push(h);
        cur = tl;
    }
    Ok(v)
}

fn atom_chars(t: Term) -> R<Vec<u32>> {
    Ok(view::atom_text(t)
        .map_err(|_| FormatError)?
        .chars()
        .map(|c| c as u32)
        .collect())
}

/// The characters of a format: a string, an atom or a binary (bytes as latin-1).
fn format_chars(fmt: Term) -> R<Vec<u32>> {
    match class(fmt).map_err(|_| FormatError)? {
        Class::Atom => atom_chars(fmt),
        Class::Binary => {
            let b = view::bits(fmt).map_err(|_| FormatError)?;
            if b.tail_bits() != 0 {
                return Err(FormatError);
            }
            Ok(b.bytes.iter().map(|&c| c as u32).collect())
        }
        // A deep list of characters too (`-run io format Word` passes `["Word"]`): OTP's
        // collect/2 copies a nested list to the output as it is, so a `~` in one is
        // literal (written here as `~~`).
        Class::Nil | Class::List => {
            let mut out = Vec::new();
            let mut todo: Vec<(Term, bool)> = list_elems(fmt)?
                .into_iter()
                .rev()
                .map(|t| (t, false))
                .collect();
            while let Some((c, nested)) = todo.pop() {
                if c.is_list() || c.is_nil() {
                    todo.extend(list_elems(c)?.into_iter().rev().map(|t| (t, true)));
                    continue;
                }
                let ch = c
                    .small_value()
                    .filter(|&c| c >= 0)
                    .map(|c| c as u32)
                    .ok_or(FormatError)?;
                if nested && ch == u32::from(b'~') {
                    out.push(ch);
                }
                out.push(ch);
            }
            Ok(out)
        }
        _ => Err(FormatError),
    }
}

struct Scan<'a> {
    f: &'a [u32],
    i: usize,
    args: std::collections::VecDeque<Term>,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u32> {
        self.f.get(self.i).copied()
    }
    fn peek2(&self) -> Option<u32> {
        self.f.get(self.i + 1).copied()
    }
    fn arg(&mut self) -> R<Term> {
        self.args.pop_front().ok_or(FormatError)
    }
    /// OTP's `field_value`: `*` (an integer argument), digits, or nothing.
    fn field_value(&mut self) -> R<Option<i64>> {
        match self.peek() {
            Some(0x2A) => {
                if let Some(n) = self.args.front().and_then(|a| a.small_value()) {
                    self.args.pop_front();
                    self.i += 1;
                    Ok(Some(n as i64))
                } else {
                    Ok(None)
                }
            }
            Some(c) if (0x30..=0x39).contains(&c) => {
                let mut n: i64 = 0;
                while let Some(c) = self.peek().filter(|c| (0x30..=0x39).contains(c)) {
                    n = n
                        .checked_mul(10)
                        .and_then(|n| n.checked_add((c - 0x30) as i64))
                        .ok_or(FormatError)?;
                    self.i += 1;
                }
                Ok(Some(n))
            }
            _ => Ok(None),
        }
    }

    fn spec(&mut self) -> R<Spec> {
        // Field width, with `-` for left adjustment (a negative `*` argument too).
        let neg = self.peek() == Some(b'-' as u32);
        if neg {
            self.i += 1;
        }
        let mut width = self.field_value()?;
        if neg {
            width = Some(-width.ok_or(FormatError)?);
        }
        let (width, adj) = match width {
            Some(w) if w < 0 => (Some(-w), Adj::Left),
            w => (w, Adj::Right),
        };
        let mut prec = None;
        if self.peek() == Some(b'.' as u32) {
            self.i += 1;
            // OTP 25 accepts a negative `*` precision (later OTPs raise badarg); only
            // `~p` survives one (as column 1), the other controls fail on it.
            prec = self.field_value()?;
        }
        let mut pad = Term::small(b' ' as i64).ok_or(FormatError)?;
        if self.peek() == Some(b'.' as u32) {
            match self.peek2() {
                Some(0x2A) => {
                    self.i += 2;
                    pad = self.arg()?;
                }
                Some(c) => {
                    self.i += 2;
                    pad = Term::small(c as i64).ok_or(FormatError)?;
                }
                None => {}
            }
        }
        let (mut unicode, mut strings) = (false, true);
        loop {
            match self.peek() {
                Some(0x74) => unicode = true,
                Some(0x6C) => strings = false,
                _ => break,
            }
            self.i += 1;
        }
        let ctrl = self.peek().ok_or(FormatError)?;
        self.i += 1;
        let n = match char::from_u32(ctrl).ok_or(FormatError)? {
            'w' | 'p' | 's' | 'e' | 'f' | 'g' | 'b' | 'B' | '+' | '#' | 'c' | 'i' => 1,
            'W' | 'P' | 'x' | 'X' => 2,
            '~' | 'n' => 0,
            _ => return Err(FormatError),
        };
        let args = (0..n).map(|_| self.arg()).collect::<R<Vec<_>>>()?;
        Ok(Spec {
            ctrl,
            width,
            adj,
            prec,
            pad,
            unicode,
            strings,
            args,
        })
    }
}

fn scan(fmt: Term, args: Term) -> R<Vec<Item>> {
    let f = format_chars(fmt)?;
    let args = list_elems(args)?.into();
    let mut s = Scan { f: &f, i: 0, args };
    let mut items = Vec::new();
    while let Some(c) = s.peek() {
        s.i += 1;
        if c == b'~' as u32 {
            items.push(Item::Ctl(s.spec()?));
        } else {
            items.push(Item::Char(c));
        }
    }
    if !s.args.is_empty() {
        return Err(FormatError);
    }
    Ok(items)
}

/// `io_lib:format(Format, Args)`, flattened: the characters (code points).
pub fn format(fmt: Term, args: Term) -> Result<Vec<u32>, FormatError> {
    let items = scan(fmt, args)?;
    let mut out = Vec::new();
    let mut col: i64 = 0;
    for it in items {
        match it {
            Item::Char(c) => {
                out.push(c);
                col = advance(col, c);
            }
            Item::Ctl(s) => {
                let cs = control(&s, col)?;
                for &c in &cs {
                    col = advance(col, c);
                }
                out.extend(cs);
            }
        }
    }
    Ok(out)
}

/// OTP's `indentation/2`, one character at a time.
fn advance(col: i64, c: u32) -> i64 {
    match c {
        0x0A => 0,
        0x09 => ((col + 8) / 8) * 8,
        _ => col + 1,
    }
}

fn chars_of(s: &str) -> Vec<u32> {
    s.chars().map(|c| c as u32).collect()
}

fn pad_char(s: &Spec) -> R<u32> {
    s.pad
        .small_value()
        .filter(|&c| c >= 0)
        .map(|c| c as u32)
        .ok_or(FormatError)
}

fn dup(c: u32, n: i64) -> Vec<u32> {
    vec![c; n.max(0) as usize]
}

/// OTP's `adjust/3`: `pad` before (right) or after (left) `data`.
fn adjust(mut data: Vec<u32>, pad: Vec<u32>, adj: Adj) -> Vec<u32> {
    match adj {
        Adj::Left => {
            data.extend(pad);
            data
        }
        Adj::Right => {
            let mut v = pad;
            v.extend(data);
            v
        }
    }
}

fn control(s: &Spec, col: i64) -> R<Vec<u32>> {
    if s.prec.is_some_and(|p| p < 0) && !matches!(s.ctrl, 0x70 | 0x50) {
        return Err(FormatError);
    }
    let a = s.args.first().copied();
    let arg = || a.ok_or(FormatError);
    match char::from_u32(s.ctrl).ok_or(FormatError)? {
        '~' => char_field(b'~' as u32, s),
        'n' => match (s.width, s.adj) {
            (None, _) => Ok(vec![0x0A]),
            (Some(f), Adj::Right) => Ok(dup(0x0A, f)),
            _ => Err(FormatError),
        },
        'i' => Ok(Vec::new()),
        'c' => {
            let c = integer(arg()?)?;
            let c = if s.unicode {
                u32::try_from(&c).map_err(|_| FormatError)?
            } else {
                let m: BigInt = c & BigInt::from(255);
                u32::try_from(&m).map_err(|_| FormatError)?
            };
            char_field(c, s)
        }
        'e' | 'f' | 'g' => {
            let x = float(arg()?)?;
            let text = match s.ctrl as u8 {
                b'e' => fwrite_e(x, s.prec)?,
                b'f' => fwrite_f(x, s.prec)?,
                _ => fwrite_g(x, s.prec)?,
            };
            match s.width {
                None => Ok(text),
                Some(f) => term_field(text, Some(f), s.adj, Some(f), s),
            }
        }
        'b' | 'B' | 'x' | 'X' | '+' | '#' => {
            let n = integer(arg()?)?;
            let base = match s.prec {
                None => 10,
                Some(b) if (2..=36).contains(&b) => b as u32,
                _ => return Err(FormatError),
            };
            let lower = matches!(s.ctrl as u8, b'b' | b'x' | b'+');
            let mut digits = n.magnitude().to_str_radix(base).to_uppercase();
            if lower {
                digits = digits.to_lowercase();
            }
            let prefix: Vec<u32> = match s.ctrl as u8 {
                b'x' | b'X' => {
                    let p = s.args[1];
                    if p.is_atom() {
                        atom_chars(p)?
                    } else {
                        deep_char_list(p)?
                    }
                }
                b'+' | b'#' => chars_of(&format!("{base}#")),
                _ => Vec::new(),
            };
            let mut text = Vec::new();
            if n.sign() == num_bigint::Sign::Minus {
                text.push(b'-' as u32);
            }
            text.extend(prefix);
            text.extend(chars_of(&digits));
            term_field(text, s.width, s.adj, None, s)
        }
        's' => {
            let t = arg()?;
            let text = if t.is_atom() {
                let cs = atom_chars(t)?;
                if !s.unicode && cs.iter().any(|&c| c > 255) {
                    return Err(FormatError);
                }
                cs
            } else {
                let mut v = Vec::new();
                chardata(t, s.unicode, &mut v)?;
                v
            };
            string_field(text, s)
        }
        'w' | 'W' => {
            let depth = depth_arg(s)?;
            let text = if depth < 0 {
                print::write(arg()?).map_err(|_| FormatError)?
            } else {
                let mut out = String::new();
                write_depth(arg()?, depth, &mut out)?;
                out
            };
            let text = if s.unicode {
                pretty::unescape_unicode(&text)
            } else {
                text
            };
            term_field(chars_of(&text), s.width, s.adj, s.prec, s)
        }
        'p' | 'P' => {
            let depth = depth_arg(s)?;
            if s.adj == Adj::Left {
                return Err(FormatError);
            }
            let o = Options {
                column: s.prec.unwrap_or(col + 1),
                line_length: s.width.unwrap_or(80),
                depth,
                strings: s.strings,
                unicode: s.unicode,
            };
            let text = pretty::pretty_with(arg()?, &o).map_err(|_| FormatError)?;
            Ok(chars_of(&text))
        }
        _ => Err(FormatError),
    }
}

fn depth_arg(s: &Spec) -> R<i64> {
    match s.args.get(1) {
        None => Ok(-1),
        Some(d) => match view::number(*d).map_err(|_| FormatError)? {
            Num::Int(i) => Ok(i),
            Num::Big(b) if b.sign() == num_bigint::Sign::Minus => Ok(-1),
            Num::Big(_) => Ok(i64::MAX),
            Num::Float(_) => Err(FormatError),
        },
    }
}

fn integer(t: Term) -> R<BigInt> {
    match view::number(t).map_err(|_| FormatError)? {
        Num::Int(i) => Ok(BigInt::from(i)),
        Num::Big(b) => Ok(b),
        Num::Float(_) => Err(FormatError),
    }
}

fn float(t: Term) -> R<f64> {
    match view::number(t).map_err(|_| FormatError)? {
        Num::Float(f) => Ok(f),
        _ => Err(FormatError),
    }
}

/// `io_lib:deep_char_list/1` flattened (the prefix of `~x`/`~X`).
fn deep_char_list(t: Term) -> R<Vec<u32>> {
    let mut out = Vec::new();
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        if t.is_nil() {
            continue;
        }
        let (h, tl) = cell(t).map_err(|_| FormatError)?;
        stack.push(tl);
        if h.is_list() || h.is_nil() {
            stack.push(h);
        } else {
            let c = h.small_value().ok_or(FormatError)?;
            if !matches!(c, 0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF) {
                return Err(FormatError);
            }
            out.push(c as u32);
        }
    }
    Ok(out)
}

/// Characters of `~s`'s argument: OTP's `iolist_to_chars` (latin-1: characters up to
/// 255, binaries as bytes) or, with `t`, `cdata_to_chars` (any non-negative integer,
/// binaries decoded as UTF-8 or else taken as bytes). Deep, and a binary may end a list.
pub fn chardata(t: Term, unicode: bool, out: &mut Vec<u32>) -> Result<(), FormatError> {
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        match class(t).map_err(|_| FormatError)? {
            Class::Nil => {}
            Class::List => {
                let (h, tl) = cell(t).map_err(|_| FormatError)?;
                stack.push(tl);
                if let Some(c) = h.small_value() {
                    if c < 0 || (!unicode && c > 255) {
                        return Err(FormatError);
                    }
                    out.push(c as u32);
                } else if h.is_list() || h.is_nil() || is_binary(h) {
                    stack.push(h);
                } else {
                    return Err(FormatError);
                }
            }
            Class::Binary => {
                let b = view::bits(t).map_err(|_| FormatError)?;
                if b.tail_bits() != 0 {
                    return Err(FormatError);
                }
                match std::str::from_utf8(&b.bytes) {
                    Ok(s) if unicode => out.extend(s.chars().map(|c| c as u32)),
                    _ => out.extend(b.bytes.iter().map(|&c| c as u32)),
                }
            }
            _ => return Err(FormatError),
        }
    }
    Ok(())
}

fn is_binary(t: Term) -> bool {
    matches!(class(t), Ok(Class::Binary))
}

/// OTP's `char/5` (`~c` and `~~`).
fn char_field(c: u32, s: &Spec) -> R<Vec<u32>> {
    match (s.width, s.prec) {
        (None, None) => Ok(vec![c]),
        (Some(f), None) => Ok(dup(c, f)),
        (None, Some(p)) => Ok(dup(c, p)),
        (Some(f), Some(p)) if f >= p => Ok(adjust(dup(c, p), dup(pad_char(s)?, f - p), s.adj)),
        _ => Err(FormatError),
    }
}

/// OTP's `term/5`: `text` in a field of `f` characters, `*`s when it does not fit.
fn term_field(text: Vec<u32>, f: Option<i64>, adj: Adj, p0: Option<i64>, s: &Spec) -> R<Vec<u32>> {
    let f = match (f, p0) {
        (None, None) => return Ok(text),
        (None, Some(p)) => p,
        (Some(f), _) => f,
    };
    let l = text.len() as i64;
    let p = l.min(p0.map_or(f, |p0| p0.min(f)));
    if l > p {
        Ok(adjust(dup(b'*' as u32, p), pad_of(s, f - p)?, adj))
    } else {
        Ok(adjust(text, pad_of(s, f - l)?, adj))
    }
}

fn pad_of(s: &Spec, n: i64) -> R<Vec<u32>> {
    if n <= 0 {
        Ok(Vec::new())
    } else {
        Ok(dup(pad_char(s)?, n))
    }
}

/// `io_lib:chars_length/1`: the characters when all are Latin-1 (`iolist_size`), else
/// `string:length/1`, the extended grapheme clusters.
fn chars_length(text: &[u32]) -> i64 {
    if text.iter().all(|&c| c < 256) {
        text.len() as i64
    } else {
        clusters(text).len() as i64
    }
}

/// The extended grapheme clusters of `text` (as unicode_util:gc/1 splits them).
fn clusters(text: &[u32]) -> Vec<Vec<u32>> {
    use unicode_segmentation::UnicodeSegmentation;
    let st: String = text.iter().filter_map(|&c| char::from_u32(c)).collect();
    if st.chars().count() != text.len() {
        // Not all characters (cannot happen for checked chardata): one per code point.
        return text.iter().map(|&c| vec![c]).collect();
    }
    st.graphemes(true)
        .map(|g| g.chars().map(u32::from).collect())
        .collect()
}

/// OTP's `flat_trunc/3`: the first `n` characters (`~s`), or with `unicode` (`~ts`)
/// `string:slice(Text, 0, N)`, the first `n` grapheme clusters.
fn first_clusters(text: &[u32], n: i64, unicode: bool) -> Vec<u32> {
    let n = n.max(0) as usize;
    if !unicode {
        return text[..n.min(text.len())].to_vec();
    }
    clusters(text).into_iter().take(n).flatten().collect()
}

/// OTP's `string/6` and `string_field/6` (`~s`): widths count `chars_length`, a `~ts`
/// cut keeps whole grapheme clusters.
fn string_field(text: Vec<u32>, s: &Spec) -> R<Vec<u32>> {
    let n = chars_length(&text);
    let field = |text: Vec<u32>, f: i64, adj: Adj| -> R<Vec<u32>> {
        if n > f {
            Ok(first_clusters(&text, f, s.unicode))
        } else {
            Ok(adjust(text, pad_of(s, f - n)?, adj))
        }
    };
    match (s.width, s.prec) {
        (None, None) => Ok(text),
        (Some(f), None) => field(text, f, s.adj),
        (None, Some(p)) => field(text, p, Adj::Left),
        (Some(f), Some(p)) if f > p => {
            let body = if n > p {
                first_clusters(&text, p, s.unicode)
            } else {
                let mut t = text;
                t.extend(pad_of(s, p - n)?);
                t
            };
            Ok(adjust(body, pad_of(s, f - p)?, s.adj))
        }
        (Some(f), Some(p)) if f == p => field(text, f, s.adj),
        _ => Err(FormatError),
    }
}

/// `float_to_list(X)` digits (`%.20e`): all 21 significant digits and the exponent + 1.
fn float_data(x: f64) -> (Vec<u8>, i64) {
    let s = format!("{:.20e}", x.abs());
    let (m, e) = s.split_once('e').expect("exponent");
    let ds = m.bytes().filter(u8::is_ascii_digit).collect();
    (ds, e.parse::<i64>().expect("exponent") + 1)
}

/// OTP's `float_man/3`: `i` digits, `.`, `dc` decimals, rounded half up on the next
/// digit; `true` when the rounding carried out of the first digit.
fn float_man(ds: &[u8], i: usize, dc: usize) -> (Vec<u8>, bool) {
    let need = i + dc;
    let mut d: Vec<u8> = (0..need).map(|k| *ds.get(k).unwrap_or(&b'0')).collect();
    let mut carry = ds.get(need).is_some_and(|&c| c >= b'5');
    for x in d.iter_mut().rev() {
        if !carry {
            break;
        }
        if *x == b'9' {
            *x = b'0';
        } else {
            *x += 1;
            carry = false;
        }
    }
    let mut out = d[..i].to_vec();
    out.push(b'.');
    out.extend_from_slice(&d[i..]);
    (out, carry)
}

fn sign(x: f64) -> &'static str {
    if x.is_sign_negative() {
        "-"
    } else {
        ""
    }
}

fn float_exp(e: i64) -> String {
    if e >= 0 {
        format!("e+{e}")
    } else {
        format!("e{e}")
    }
}

fn fwrite_e(x: f64, p: Option<i64>) -> R<Vec<u32>> {
    let p = p.unwrap_or(6);
    if p < 2 {
        return Err(FormatError);
    }
    let (ds, e) = float_data(x);
    let (fs, carry) = float_man(&ds, 1, (p - 1) as usize);
    let mut s = String::from(sign(x));
    if carry {
        s.push('1');
        s.push_str(std::str::from_utf8(&fs[1..]).expect("digits"));
        s.push_str(&float_exp(e));
    } else {
        s.push_str(std::str::from_utf8(&fs).expect("digits"));
        s.push_str(&float_exp(e - 1));
    }
    Ok(chars_of(&s))
}

fn fwrite_f(x: f64, p: Option<i64>) -> R<Vec<u32>> {
    let p = p.unwrap_or(6);
    if p < 1 {
        return Err(FormatError);
    }
    let (mut ds, mut e) = float_data(x);
    if e <= 0 {
        let mut z = vec![b'0'; (-e + 1) as usize];
        z.extend(ds);
        ds = z;
        e = 1;
    }
    let (fs, carry) = float_man(&ds, e as usize, p as usize);
    let mut s = String::from(sign(x));
    if carry {
        s.push('1');
    }
    s.push_str(std::str::from_utf8(&fs).expect("digits"));
    Ok(chars_of(&s))
}

fn fwrite_g(x: f64, p: Option<i64>) -> R<Vec<u32>> {
    let p = p.unwrap_or(6);
    if p < 1 {
        return Err(FormatError);
    }
    let a = x.abs();
    // `None`: OTP's atom `fwrite_f`, which compares greater than every number.
    let e: Option<i64> = if a < 1.0e-1 {
        Some(-2)
    } else if a < 1.0 {
        Some(-1)
    } else if a < 1.0e1 {
        Some(0)
    } else if a < 1.0e2 {
        Some(1)
    } else if a < 1.0e3 {
        Some(2)
    } else if a < 1.0e4 {
        Some(3)
    } else {
        None
    };
    match e {
        Some(-1) if p <= 1 => fwrite_f(x, Some(p - 1 - (-1))),
        Some(e) if p - 1 > e && e >= -1 => fwrite_f(x, Some(p - 1 - e)),
        _ if p <= 1 => fwrite_e(x, Some(2)),
        _ => fwrite_e(x, Some(p)),
    }
}

/// `io_lib:write(T, Depth)` for a non-negative depth (`~W`).
fn write_depth(t: Term, d: i64, out: &mut String) -> R<()> {
    if d == 0 {
        out.push_str("...");
        return Ok(());
    }
    match class(t).map_err(|_| FormatError)? {
        Class::List => {
            if d == 1 {
                out.push_str("[...]");
                return Ok(());
            }
            let (h, mut tl) = cell(t).map_err(|_| FormatError)?;
            out.push('[');
            write_depth(h, d - 1, out)?;
            let mut d = d - 1;
            loop {
                if tl.is_nil() {
                    break;
                }
                if d == 1 {
                    out.push_str("|...");
                    break;
                }
                if tl.is_list() {
                    let (h, t2) = cell(tl).map_err(|_| FormatError)?;
                    out.push(',');
                    write_depth(h, d - 1, out)?;
                    tl = t2;
                    d -= 1;
                } else {
                    out.push('|');
                    write_depth(tl, d - 1, out)?;
                    break;
                }
            }
            out.push(']');
        }
        Class::Tuple => {
            let e = super::compare::elements(t).map_err(|_| FormatError)?;
            if e.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            if d == 1 {
                out.push_str("{...}");
                return Ok(());
            }
            out.push('{');
            write_depth(e[0], d - 1, out)?;
            let mut d = d - 1;
            for &x in &e[1..] {
                if d == 1 {
                    out.push_str(",...");
                    break;
                }
                out.push(',');
                write_depth(x, d - 1, out)?;
                d -= 1;
            }
            out.push('}');
        }
        Class::Map => {
            let e = print::map_entries(t).map_err(|_| FormatError)?;
            if d == 1 || e.is_empty() {
                out.push_str("#{}");
                return Ok(());
            }
            // OTP's write_map/write_map_body: the depth is checked before looking for
            // another pair, so `...` can follow the last pair.
            let d0 = d - 1;
            out.push_str("#{");
            let mut pairs = e.into_iter();
            let (k, v) = pairs.next().expect("non-empty map");
            write_depth(k, d0, out)?;
            out.push_str(" => ");
            write_depth(v, d0, out)?;
            let mut d = d0;
            loop {
                if d == 1 {
                    out.push_str(",...");
                    break;
                }
                let Some((k, v)) = pairs.next() else { break };
                out.push(',');
                write_depth(k, d0, out)?;
                out.push_str(" => ");
                write_depth(v, d0, out)?;
                d -= 1;
            }
            out.push('}');
        }
        Class::Binary => {
            let b = view::bits(t).map_err(|_| FormatError)?;
            out.push_str("<<");
            let full = (b.bits / 8) as usize;
            let rem = b.tail_bits();
            let mut d = d;
            let mut i = 0;
            loop {
                if i == full && rem == 0 {
                    break;
                }
                if d == 1 {
                    out.push_str("...");
                    break;
                }
                if i == full {
                    out.push_str(&format!("{}:{}", b.bytes[full] >> (8 - rem), rem));
                    break;
                }
                out.push_str(&b.bytes[i].to_string());
                i += 1;
                if i < full || rem != 0 {
                    out.push(',');
                }
                d -= 1;
            }
            out.push_str(">>");
        }
        _ => out.push_str(&print::write(t).map_err(|_| FormatError)?),
    }
    Ok(())
}

/// `erlang:display/1`'s text (without the line end): ERTS's own term printer
/// (erl_printf_term.c), not io_lib's. Lists of latin-1 printable bytes (plus `\n`, which is
/// escaped, and a raw tab) print as strings with only `"` escaped; binaries of ASCII
/// printable bytes as `<<"…">>`; atoms are quoted unless a latin-1 lowercase letter
/// starts them and latin-1 letters, digits, `_` and `@` follow (reserved words are not
/// quoted), and are written in UTF-8; floats as C's `%e`; maps without spaces around `=>`.
/// Bytes, as ERTS writes them.
pub fn display(t: Term) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    display_into(t, &mut out, 0)?;
    Ok(out)
}

fn erts_lower(c: u32) -> bool {
    (0x61..=0x7A).contains(&c) || ((223..=255).contains(&c) && c != 247)
}

fn erts_upper(c: u32) -> bool {
    (0x41..=0x5A).contains(&c) || ((192..=222).contains(&c) && c != 215)
}

fn erts_cntrl(c: u32) -> bool {
    c < 0x20 || c == 127 || (128..160).contains(&c)
}

fn display_atom(name: &str, out: &mut Vec<u8>) {
    let cs: Vec<u32> = name.chars().map(|c| c as u32).collect();
    let plain = cs.first().is_some_and(|&c| erts_lower(c))
        && cs.iter().all(|&c| {
            erts_lower(c) || erts_upper(c) || (0x30..=0x39).contains(&c) || c == 0x5F || c == 0x40
        });
    if plain {
        out.extend_from_slice(name.as_bytes());
        return;
    }
    out.push(b'\'');
    for ch in name.chars() {
        let c = ch as u32;
        match ch {
            '\'' => out.extend_from_slice(b"\\'"),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\x0C' => out.extend_from_slice(b"\\f"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\x08' => out.extend_from_slice(b"\\b"),
            '\x0B' => out.extend_from_slice(b"\\v"),
            _ if erts_cntrl(c) => out.extend_from_slice(format!("\\{c:03o}").as_bytes()),
            _ => {
                let mut b = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'\'');
}

/// C's `%e`: six decimals and an exponent of at least two digits.
fn c_e(f: f64) -> String {
    let s = format!("{f:.6e}");
    let (m, e) = s.split_once('e').expect("exponent");
    let (sign, digits) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    format!("{m}e{sign}{digits:0>2}")
}

fn display_into(t: Term, out: &mut Vec<u8>, nest: usize) -> R<()> {
    if nest > pretty::MAX_DEPTH {
        return Err(FormatError);
    }
    match class(t).map_err(|_| FormatError)? {
        Class::Atom => display_atom(&view::atom_text(t).map_err(|_| FormatError)?, out),
        Class::Float => match view::number(t).map_err(|_| FormatError)? {
            Num::Float(f) => out.extend_from_slice(c_e(f).as_bytes()),
            _ => return Err(FormatError),
        },
        Class::Nil => out.extend_from_slice(b"[]"),
        Class::List => {
            let elems = list_prefix(t)?;
            let string = elems.1.is_nil()
                && elems.0.iter().all(|e| {
                    e.small_value().is_some_and(|c| {
                        (0x20..=0x7E).contains(&c) || (160..=255).contains(&c) || c == 10 || c == 9
                    })
                });
            if string {
                out.push(b'"');
                for e in &elems.0 {
                    let c = e.small_value().expect("checked") as u8;
                    match c {
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'"' => out.extend_from_slice(b"\\\""),
                        _ => out.push(c),
                    }
                }
                out.push(b'"');
            } else {
                out.push(b'[');
                for (i, &e) in elems.0.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    display_into(e, out, nest + 1)?;
                }
                if !elems.1.is_nil() {
                    out.push(b'|');
                    display_into(elems.1, out, nest + 1)?;
                }
                out.push(b']');
            }
        }
        Class::Tuple => {
            out.push(b'{');
            let e = super::compare::elements(t).map_err(|_| FormatError)?;
            for (i, &x) in e.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                display_into(x, out, nest + 1)?;
            }
            out.push(b'}');
        }
        Class::Map => {
            out.extend_from_slice(b"#{");
            for (i, (k, v)) in print::map_entries(t)
                .map_err(|_| FormatError)?
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    out.push(b',');
                }
                display_into(k, out, nest + 1)?;
                out.extend_from_slice(b"=>");
                display_into(v, out, nest + 1)?;
            }
            out.push(b'}');
        }
        Class::Binary => {
            let b = view::bits(t).map_err(|_| FormatError)?;
            let full = (b.bits / 8) as usize;
            let rem = b.tail_bits();
            if full > 0 && rem == 0 && b.bytes.iter().all(|c| (0x20..=0x7E).contains(c)) {
                out.extend_from_slice(b"<<\"");
                for &c in &b.bytes {
                    if c == b'"' {
                        out.push(b'\\');
                    }
                    out.push(c);
                }
                out.extend_from_slice(b"\">>");
            } else {
                let mut parts: Vec<String> =
                    b.bytes[..full].iter().map(|x| x.to_string()).collect();
                if rem != 0 {
                    parts.push(format!("{}:{rem}", b.bytes[full] >> (8 - rem)));
                }
                out.extend_from_slice(format!("<<{}>>", parts.join(",")).as_bytes());
            }
        }
        _ => out.extend_from_slice(print::write(t).map_err(|_| FormatError)?.as_bytes()),
    }
    Ok(())
}

/// The elements of a list and its tail (`[]` for a proper list).
fn list_prefix(t: Term) -> R<(Vec<Term>, Term)> {
    let mut v = Vec::new();
    let mut cur = t;
    while cur.is_list() {
        let (h, tl) = cell(cur).map_err(|_| FormatError)?;
        v.push(h);
        cur = tl;
    }
    Ok((v, cur))
}
