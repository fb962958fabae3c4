//! Making cached code fit another VM: the values a module's code embeds that differ from
//! one VM to the next (atom numbers, addresses of literals in the literal area, catch
//! numbers) are found by compiling the module a second time with every such value moved
//! ([`ShiftedEnv`]) and comparing the two images word by word (docs/cache.md).
//!
//! Each word that differs must be a MOVW/MOVT pair, a lone MOVW or a data word whose two
//! values differ by exactly the shift of one value: that is a *site*. The derived sites
//! are then checked: patching the first image with the second's values must give the
//! second image exactly; a module for which anything does not fit is simply not cached.
//! Loading from the cache patches the sites with this VM's values, after checking what
//! the code may rely on: the module's literals at the same distances from each other, the same named atoms and BIF
//! numbers, and a MOVW's value still fitting 16 bits; otherwise the module is compiled.

use std::cell::RefCell;
use std::collections::BTreeMap;

use beam_frontend::AtomIndex;
use beam_ir::lower::Env;
use beam_runtime::term::{Term, IMMED2_CATCH, IMMED2_SIZE};
use num_bigint::BigInt;

use crate::cache::{put_bytes, put_u32, Image, Reader};
use crate::loader::{ModEnv, LITERAL_PIECE_ALIGN};

/// How far the second compilation moves each literal: a multiple of 16, because the loader
/// starts every module's literals at a multiple of 16 (`LITERAL_PIECE_ALIGN`), so bits 0-3 of
/// each literal's address are the same in every VM and code may fold them into a constant
/// (`and r0, r1, #10`, a tag test against a literal); bit 4 and up differ between VMs, and
/// code that folded those is found and not cached. Not a multiple of 64, so it is never an
/// atom's or a catch's shift.
const LIT_SHIFT: u32 = 0x0135_7910;
const _: () =
    assert!(LIT_SHIFT.is_multiple_of(LITERAL_PIECE_ALIGN) && !LIT_SHIFT.is_multiple_of(64));
/// How many catch numbers the second compilation adds.
const CATCH_SHIFT: u32 = 5;

/// The per-VM values a module was compiled with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// The module's atoms (by module atom number - 1).
    atoms: Vec<u32>,
    /// Literals, big-integer and float constants, in a fixed order.
    literals: Vec<u32>,
    catch_base: u32,
    named: BTreeMap<String, u32>,
    bifs: BTreeMap<(String, String, u32), Option<u32>>,
}

fn lit_values(e: &ModEnv) -> Vec<u32> {
    let mut v: Vec<u32> = e.literals.iter().map(|t| t.0).collect();
    let mut bigs: Vec<(&BigInt, &Term)> = e.bigs.iter().collect();
    bigs.sort();
    v.extend(bigs.iter().map(|(_, t)| t.0));
    let mut floats: Vec<(&u64, &Term)> = e.floats.iter().collect();
    floats.sort();
    v.extend(floats.iter().map(|(_, t)| t.0));
    v
}

/// The module's environment, recording the named atoms and BIFs the code asked for.
pub(crate) struct RecordingEnv<'a> {
    pub env: &'a ModEnv,
    named: RefCell<BTreeMap<String, u32>>,
    bifs: RefCell<BTreeMap<(String, String, u32), Option<u32>>>,
}

impl<'a> RecordingEnv<'a> {
    pub fn new(env: &'a ModEnv) -> Self {
        RecordingEnv {
            env,
            named: RefCell::default(),
            bifs: RefCell::default(),
        }
    }
    /// What a recording env made of this module's named atoms and BIFs ([`Self::resumed`]).
    #[allow(clippy::type_complexity)]
    pub fn recorded(
        &self,
    ) -> (
        BTreeMap<String, u32>,
        BTreeMap<(String, String, u32), Option<u32>>,
    ) {
        (self.named.borrow().clone(), self.bifs.borrow().clone())
    }
    /// A recording env that already saw what [`Self::recorded`] gave (vm/src/tier_cache.rs:
    /// a module lowered once, its functions' code derived one by one later).
    pub fn resumed(
        env: &'a ModEnv,
        named: BTreeMap<String, u32>,
        bifs: BTreeMap<(String, String, u32), Option<u32>>,
    ) -> Self {
        RecordingEnv {
            env,
            named: RefCell::new(named),
            bifs: RefCell::new(bifs),
        }
    }
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            atoms: self.env.atoms.iter().map(|t| t.0).collect(),
            literals: lit_values(self.env),
            catch_base: self.env.catch_base,
            named: self.named.borrow().clone(),
            bifs: self.bifs.borrow().clone(),
        }
    }
}

impl Env for RecordingEnv<'_> {
    fn atom(&self, a: AtomIndex) -> u32 {
        self.env.atom(a)
    }
    fn atom_named(&self, name: &str) -> u32 {
        let v = self.env.atom_named(name);
        self.named.borrow_mut().insert(name.to_string(), v);
        v
    }
    fn literal(&self, l: u32) -> u32 {
        self.env.literal(l)
    }
    fn big_int(&self, n: &BigInt) -> u32 {
        self.env.big_int(n)
    }
    fn float(&self, f: f64) -> u32 {
        self.env.float(f)
    }
    fn bif(&self, m: &str, f: &str, a: u32) -> Option<u32> {
        let v = self.env.bif(m, f, a);
        self.bifs
            .borrow_mut()
            .insert((m.to_string(), f.to_string(), a), v);
        v
    }
    fn catch_tag(&self, local: u32) -> u32 {
        self.env.catch_tag(local)
    }
    fn code_addr_bit(&self) -> u32 {
        self.env.code_addr_bit
    }
}

/// The module's environment with every per-VM value moved: the module's atoms are
/// permuted within three groups that must not change the shape of the code — atoms below
/// 0x100 (modified immediates for `MOV`/`CMP`) stay put, atoms up to 0xFFFF (one MOVW) and
/// atoms above are permuted among themselves — so code that depends on the atoms' order
/// or spacing (a sorted or dense table) shows up as a difference that is no site. Literals move by
/// [`LIT_SHIFT`], catch numbers by [`CATCH_SHIFT`].
pub(crate) struct ShiftedEnv<'a> {
    env: &'a ModEnv,
    /// Sorted distinct atom values of the module.
    ranked: Vec<u32>,
    /// How far each of them moves.
    shift: Vec<u32>,
}

/// Atom values below this stay put (see [`ShiftedEnv`]) and must be the same wherever the
/// code is used.
const PINNED: u32 = 0x100;

impl<'a> ShiftedEnv<'a> {
    pub fn new(env: &'a ModEnv) -> Self {
        let mut ranked: Vec<u32> = env.atoms.iter().map(|t| t.0).collect();
        ranked.sort_unstable();
        ranked.dedup();
        // Each group's values are permuted among themselves: neighbours in value order
        // swap (the last three of an odd group rotate), so every atom gets another value,
        // the order changes and no value leaves its group; a group of one moves up by one
        // atom.
        let mut shift = vec![0u32; ranked.len()];
        let groups = [(PINNED, 0xffff), (0x1_0000, u32::MAX)];
        for (lo, hi) in groups {
            let idx: Vec<usize> = (0..ranked.len())
                .filter(|&i| (lo..=hi).contains(&ranked[i]))
                .collect();
            let n = idx.len();
            let mut to: Vec<usize> = (0..n).collect();
            let mut k = 0;
            while k + 1 < n {
                if n - k == 3 {
                    (to[k], to[k + 1], to[k + 2]) = (k + 1, k + 2, k);
                    break;
                }
                to.swap(k, k + 1);
                k += 2;
            }
            for j in 0..n {
                let v = ranked[idx[j]];
                shift[idx[j]] = if n == 1 {
                    1 << IMMED2_SIZE
                } else {
                    ranked[idx[to[j]]].wrapping_sub(v)
                };
            }
        }
        ShiftedEnv { env, ranked, shift }
    }
    /// How far the atom `v` moves (0 for a value that is no atom of the module).
    fn atom_shift(&self, v: u32) -> u32 {
        match self.ranked.binary_search(&v) {
            Ok(r) => self.shift[r],
            Err(_) => 0,
        }
    }
}

impl Env for ShiftedEnv<'_> {
    fn atom(&self, a: AtomIndex) -> u32 {
        let v = self.env.atom(a);
        v.wrapping_add(self.atom_shift(v))
    }
    fn atom_named(&self, name: &str) -> u32 {
        // The same atom moves the same way however the code names it (a pool entry
        // shared by both must stay shared).
        let v = self.env.atom_named(name);
        v.wrapping_add(self.atom_shift(v))
    }
    fn literal(&self, l: u32) -> u32 {
        self.env.literal(l).wrapping_add(LIT_SHIFT)
    }
    fn big_int(&self, n: &BigInt) -> u32 {
        self.env.big_int(n).wrapping_add(LIT_SHIFT)
    }
    fn float(&self, f: f64) -> u32 {
        self.env.float(f).wrapping_add(LIT_SHIFT)
    }
    fn bif(&self, m: &str, f: &str, a: u32) -> Option<u32> {
        self.env.bif(m, f, a)
    }
    fn catch_tag(&self, local: u32) -> u32 {
        Term::catch(self.env.catch_base + CATCH_SHIFT + local).0
    }
    fn code_addr_bit(&self) -> u32 {
        self.env.code_addr_bit
    }
}

/// How a site holds its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word = 0,
    MovwMovt = 1,
    /// `MOV rd, #imm` (modified immediate) or `MOVW rd, #imm16`, whichever fits, as
    /// the backends choose: a value of at most 16 bits.
    Mov16 = 2,
    /// Another data-processing instruction with a modified immediate (`CMP rn, #imm`):
    /// the value must stay encodable.
    DpImm = 3,
}

/// Which value a site holds (plus a constant addend the code keeps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    /// The atom of rank `r` among the module's atoms.
    Atom(u32),
    Literal,
    Catch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Site {
    piece: u32,
    offset: u32,
    kind: Kind,
    what: What,
}

/// Where the per-VM values sit in an image, and the values it was compiled with.
#[derive(Clone, Debug, Default)]
pub(crate) struct Relocs {
    snap: Snapshot,
    sites: Vec<Site>,
}

fn is_movw(w: u32) -> bool {
    w & 0x0ff0_0000 == 0x0300_0000
}
fn is_movt(w: u32) -> bool {
    w & 0x0ff0_0000 == 0x0340_0000
}
/// `MOV rd, #imm` (modified immediate, flags not set).
fn is_movimm(w: u32) -> bool {
    w & 0x0fff_0000 == 0x03a0_0000
}
/// A data-processing instruction with a modified immediate operand (not MOVW/MOVT).
fn is_dpimm(w: u32) -> bool {
    w & 0x0e00_0000 == 0x0200_0000 && !is_movw(w) && !is_movt(w)
}
fn dpimm_value(w: u32) -> u32 {
    (w & 0xff).rotate_right(2 * ((w >> 8) & 0xf))
}
fn is_mov16(w: u32) -> bool {
    is_movw(w) || is_movimm(w)
}
fn mov16_value(w: u32) -> u32 {
    if is_movw(w) {
        imm16(w)
    } else {
        (w & 0xff).rotate_right(2 * ((w >> 8) & 0xf))
    }
}
/// `rd := v` in the form of `w` (condition and register kept): MOV if `v` is a modified
/// immediate (the backends' first choice), else MOVW.
fn set_mov16(w: u32, v: u32) -> u32 {
    let keep = w & 0xf000_f000;
    match backend_arm32::asm::operand::encode_imm(v) {
        Some(imm) => keep | 0x03a0_0000 | imm.bits(),
        None => set_imm16(keep | 0x0300_0000, v),
    }
}
fn rd(w: u32) -> u32 {
    (w >> 12) & 0xf
}
fn imm16(w: u32) -> u32 {
    ((w >> 4) & 0xf000) | (w & 0xfff)
}
fn set_imm16(w: u32, v: u32) -> u32 {
    (w & !0x000f_0fff) | ((v & 0xf000) << 4) | (v & 0xfff)
}
fn word(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}
fn put_word(b: &mut [u8], i: usize, v: u32) {
    b[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
}

fn read_site(b: &[u8], s: &Site) -> Option<u32> {
    let i = s.offset as usize / 4;
    let n = b.len() / 4;
    match s.kind {
        Kind::Word if i < n => Some(word(b, i)),
        Kind::Mov16 if i < n && is_mov16(word(b, i)) => Some(mov16_value(word(b, i))),
        Kind::DpImm if i < n && is_dpimm(word(b, i)) => Some(dpimm_value(word(b, i))),
        Kind::MovwMovt if i + 1 < n && is_movw(word(b, i)) && is_movt(word(b, i + 1)) => {
            Some(imm16(word(b, i)) | (imm16(word(b, i + 1)) << 16))
        }
        _ => None,
    }
}

fn write_site(b: &mut [u8], s: &Site, v: u32) -> Option<()> {
    let i = s.offset as usize / 4;
    read_site(b, s)?;
    match s.kind {
        Kind::Word => put_word(b, i, v),
        Kind::Mov16 => {
            if v > 0xffff {
                return None;
            }
            put_word(b, i, set_mov16(word(b, i), v));
        }
        Kind::DpImm => {
            let imm = backend_arm32::asm::operand::encode_imm(v)?;
            put_word(b, i, (word(b, i) & !0xfff) | imm.bits());
        }
        Kind::MovwMovt => {
            put_word(b, i, set_imm16(word(b, i), v & 0xffff));
            put_word(b, i + 1, set_imm16(word(b, i + 1), v >> 16));
        }
    }
    Some(())
}

/// What a value that moved from `v1` to `v2` is, given how `sh` moved values.
fn classify(v1: u32, v2: u32, sh: &ShiftedEnv) -> Option<What> {
    let d = v2.wrapping_sub(v1);
    if d == LIT_SHIFT {
        return Some(What::Literal);
    }
    if d == CATCH_SHIFT << IMMED2_SIZE && v1 & 0x3f == IMMED2_CATCH {
        return Some(What::Catch);
    }
    match sh.ranked.binary_search(&v1) {
        Ok(r) if d != 0 && sh.atom_shift(v1) == d => Some(What::Atom(r as u32)),
        _ => None,
    }
}

/// The shift this VM needs for each kind of value, or why the code does not fit it.
fn shifts(old: &Snapshot, now: &Snapshot) -> Result<(Vec<u32>, u32, u32), String> {
    if old.named
        != now
            .named
            .iter()
            .filter(|(k, _)| old.named.contains_key(*k))
            .map(|(k, v)| (k.clone(), *v))
            .collect::<BTreeMap<_, _>>()
    {
        return Err("named atoms differ".into());
    }
    if old.bifs
        != now
            .bifs
            .iter()
            .filter(|(k, _)| old.bifs.contains_key(*k))
            .map(|(k, v)| (k.clone(), *v))
            .collect::<BTreeMap<_, _>>()
    {
        return Err("BIF numbers differ".into());
    }
    if old.atoms.len() != now.atoms.len() || old.literals.len() != now.literals.len() {
        return Err("another module shape".into());
    }
    // Atom ranks: the old values in order, and this VM's value of each.
    let mut pairs: Vec<(u32, u32)> = old
        .atoms
        .iter()
        .copied()
        .zip(now.atoms.iter().copied())
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut atom_shift = Vec::with_capacity(pairs.len());
    for (k, &(o, n)) in pairs.iter().enumerate() {
        if k > 0 && pairs[k - 1].0 == o {
            return Err("one atom, two values".into());
        }
        if o < PINNED && n != o {
            return Err("a pinned atom has another number".into());
        }
        atom_shift.push(n.wrapping_sub(o));
    }
    let lit = match (old.literals.first(), now.literals.first()) {
        (Some(&o), Some(&n)) => n.wrapping_sub(o),
        _ => 0,
    };
    if old
        .literals
        .iter()
        .zip(&now.literals)
        .any(|(&o, &n)| n.wrapping_sub(o) != lit)
    {
        return Err("literals laid out differently".into());
    }
    // The code may rely on the literals' low four address bits (see LIT_SHIFT).
    if !lit.is_multiple_of(LITERAL_PIECE_ALIGN) {
        return Err("literals moved by other than a multiple of 16".into());
    }
    let catch = (now.catch_base.wrapping_sub(old.catch_base)) << IMMED2_SIZE;
    Ok((atom_shift, lit, catch))
}

fn patch(im: &mut Image, sites: &[Site], shifts: &(Vec<u32>, u32, u32)) -> Result<(), String> {
    for s in sites {
        let code = &mut im
            .pieces
            .get_mut(s.piece as usize)
            .ok_or("site in no piece")?
            .1
            .code
            .bytes;
        let v = read_site(code, s).ok_or("site is not what it was")?;
        let d = match s.what {
            What::Atom(r) => *shifts.0.get(r as usize).ok_or("no such atom")?,
            What::Literal => shifts.1,
            What::Catch => shifts.2,
        };
        write_site(code, s, v.wrapping_add(d)).ok_or("value does not fit its site")?;
    }
    Ok(())
}

/// Finds the sites by comparing `a` (compiled with `rec`'s values) with `b` (compiled
/// with [`ShiftedEnv`]'s), and checks them.
pub(crate) fn derive(a: &Image, b: &Image, rec: &RecordingEnv) -> Result<Relocs, String> {
    let same_shape = a.pieces.len() == b.pieces.len()
        && a.catches == b.catches
        && a.piece_function == b.piece_function
        && a.pieces.iter().zip(&b.pieces).all(|((na, ca), (nb, cb))| {
            na == nb
                && ca.code.bytes.len() == cb.code.bytes.len()
                && ca.code.relocs == cb.code.relocs
                && ca.symbols == cb.symbols
        });
    if !same_shape {
        let at = a
            .pieces
            .iter()
            .zip(&b.pieces)
            .position(|(x, y)| x.1.code.bytes.len() != y.1.code.bytes.len());
        let first = at.and_then(|p| {
            let (x, y) = (&a.pieces[p].1.code.bytes, &b.pieces[p].1.code.bytes);
            (0..x.len().min(y.len()) / 4)
                .find(|&i| word(x, i) != word(y, i) && word(x, i) & 0x0e00_0000 != 0x0a00_0000)
                .map(|i| (i, format!("{:#010x} vs {:#010x}", word(x, i), word(y, i))))
        });
        return Err(format!(
            "the two compilations differ in shape (pieces {} and {}, first of another length: {at:?} {first:?})",
            a.pieces.len(),
            b.pieces.len()
        ));
    }
    let sh = ShiftedEnv::new(rec.env);
    let mut sites = Vec::new();
    for (p, ((_, ca), (_, cb))) in a.pieces.iter().zip(&b.pieces).enumerate() {
        let (x, y) = (&ca.code.bytes, &cb.code.bytes);
        let n = x.len() / 4;
        let mut i = 0;
        while i < n {
            let (wx, wy) = (word(x, i), word(y, i));
            let pair =
                i + 1 < n && is_movw(wx) && is_movt(word(x, i + 1)) && rd(wx) == rd(word(x, i + 1));
            let (kind, v1, v2, step) = if pair {
                let val = |c: &[u8]| imm16(word(c, i)) | (imm16(word(c, i + 1)) << 16);
                (Kind::MovwMovt, val(x), val(y), 2)
            } else if is_mov16(wx) && is_mov16(wy) && wx & 0xf000_f000 == wy & 0xf000_f000 {
                (Kind::Mov16, mov16_value(wx), mov16_value(wy), 1)
            } else if is_dpimm(wx) && is_dpimm(wy) && wx & !0xfff == wy & !0xfff {
                (Kind::DpImm, dpimm_value(wx), dpimm_value(wy), 1)
            } else {
                (Kind::Word, wx, wy, 1)
            };
            if v1 != v2 {
                let what = classify(v1, v2, &sh).ok_or_else(|| {
                    let near: Vec<String> = (i.saturating_sub(2)..(i + 2).min(n))
                        .map(|j| {
                            let at = 4 * j as u32;
                            let dis = backend_arm32::asm::disassemble;
                            format!("{} | {}", dis(word(x, j), at), dis(word(y, j), at))
                        })
                        .collect();
                    format!(
                        "piece {p} word {i}: {v1:#x} -> {v2:#x} (near, first | second: {near:?})"
                    )
                })?;
                sites.push(Site {
                    piece: p as u32,
                    offset: 4 * i as u32,
                    kind,
                    what,
                });
            }
            i += step;
        }
    }
    // Check: the first image patched with the second's values is the second.
    let snap = rec.snapshot();
    let mut moved = snap.clone();
    moved.atoms = rec
        .env
        .atoms
        .iter()
        .map(|t| t.0.wrapping_add(sh.atom_shift(t.0)))
        .collect();
    moved.literals = snap
        .literals
        .iter()
        .map(|v| v.wrapping_add(LIT_SHIFT))
        .collect();
    moved.catch_base = snap.catch_base + CATCH_SHIFT;
    let mut check = a.clone();
    patch(&mut check, &sites, &shifts(&snap, &moved)?)?;
    if check
        .pieces
        .iter()
        .zip(&b.pieces)
        .any(|(x, y)| x.1.code.bytes != y.1.code.bytes)
    {
        return Err("patched code differs from the second compilation".into());
    }
    Ok(Relocs { snap, sites })
}

/// Fits a cached image to this VM's values (`env`), or says why it cannot.
pub(crate) fn fit(im: &mut Image, r: &Relocs, env: &ModEnv) -> Result<(), String> {
    let now = Snapshot {
        atoms: env.atoms.iter().map(|t| t.0).collect(),
        literals: lit_values(env),
        catch_base: env.catch_base,
        named: r
            .snap
            .named
            .keys()
            .map(|k| (k.clone(), env.atom_named(k)))
            .collect(),
        bifs: r
            .snap
            .bifs
            .keys()
            .map(|(m, f, a)| ((m.clone(), f.clone(), *a), env.bif(m, f, *a)))
            .collect(),
    };
    let sh = shifts(&r.snap, &now)?;
    patch(im, &r.sites, &sh)
}

pub(crate) fn encode(r: &Relocs) -> Vec<u8> {
    let mut o = Vec::new();
    let s = &r.snap;
    let list = |o: &mut Vec<u8>, v: &[u32]| {
        put_u32(o, v.len() as u32);
        v.iter().for_each(|&x| put_u32(o, x));
    };
    list(&mut o, &s.atoms);
    list(&mut o, &s.literals);
    put_u32(&mut o, s.catch_base);
    put_u32(&mut o, s.named.len() as u32);
    for (k, v) in &s.named {
        put_bytes(&mut o, k.as_bytes());
        put_u32(&mut o, *v);
    }
    put_u32(&mut o, s.bifs.len() as u32);
    for ((m, f, a), v) in &s.bifs {
        put_bytes(&mut o, m.as_bytes());
        put_bytes(&mut o, f.as_bytes());
        put_u32(&mut o, *a);
        put_u32(&mut o, v.map_or(u32::MAX, |x| x));
    }
    put_u32(&mut o, r.sites.len() as u32);
    for st in &r.sites {
        put_u32(&mut o, st.piece);
        put_u32(&mut o, st.offset);
        put_u32(&mut o, st.kind as u32);
        let (w, x) = match st.what {
            What::Atom(r) => (0, r),
            What::Literal => (1, 0),
            What::Catch => (2, 0),
        };
        put_u32(&mut o, w);
        put_u32(&mut o, x);
    }
    o
}

pub(crate) fn decode(b: &[u8]) -> Result<Relocs, String> {
    let mut r = Reader::new(b);
    let list = |r: &mut Reader| -> Result<Vec<u32>, String> {
        let n = r.count(4)?;
        (0..n).map(|_| r.u32()).collect()
    };
    let string = |r: &mut Reader| -> Result<String, String> {
        String::from_utf8(r.bytes()?.to_vec()).map_err(|_| "bad name".to_string())
    };
    let mut s = Snapshot {
        atoms: list(&mut r)?,
        literals: list(&mut r)?,
        catch_base: r.u32()?,
        ..Snapshot::default()
    };
    for _ in 0..r.count(8)? {
        let k = string(&mut r)?;
        s.named.insert(k, r.u32()?);
    }
    for _ in 0..r.count(16)? {
        let (m, f) = (string(&mut r)?, string(&mut r)?);
        let a = r.u32()?;
        let v = r.u32()?;
        s.bifs.insert((m, f, a), (v != u32::MAX).then_some(v));
    }
    let mut sites = Vec::new();
    for _ in 0..r.count(20)? {
        let (piece, offset, kind, w, x) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?);
        let kind = match kind {
            0 => Kind::Word,
            1 => Kind::MovwMovt,
            2 => Kind::Mov16,
            3 => Kind::DpImm,
            _ => return Err("bad site kind".into()),
        };
        let what = match w {
            0 => What::Atom(x),
            1 => What::Literal,
            2 => What::Catch,
            _ => return Err("bad site value".into()),
        };
        if offset % 4 != 0 {
            return Err("unaligned site".into());
        }
        sites.push(Site {
            piece,
            offset,
            kind,
            what,
        });
    }
    if !r.rest().is_empty() {
        return Err("trailing bytes in relocations".into());
    }
    Ok(Relocs { snap: s, sites })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code may fold a literal's low four address bits into an immediate (LIT_SHIFT), so
    /// an entry fits only a VM whose literals moved by a multiple of 16 from the ones it
    /// was compiled with; any other move is refused.
    #[test]
    fn literals_must_move_by_a_multiple_of_16() {
        let old = Snapshot {
            literals: vec![0x4580_4002, 0x4580_4016, 0x4580_4031],
            ..Snapshot::default()
        };
        for (d, fits) in [
            (0u32, true),
            (16, true),
            (0x0135_7910, true),
            (0u32.wrapping_sub(32), true),
            (4, false),
            (8, false),
            (12, false),
            (0x0135_790c, false),
        ] {
            let now = Snapshot {
                literals: old.literals.iter().map(|v| v.wrapping_add(d)).collect(),
                ..Snapshot::default()
            };
            assert_eq!(shifts(&old, &now).is_ok(), fits, "moved by {d:#x}");
        }
    }
}
