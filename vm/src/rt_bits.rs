//! Bit syntax in the runtime: [`RtFn::BsCreate`], [`RtFn::BsStartMatch`] and
//! [`RtFn::BsGet`] (docs/beam-machine.md §6).
//!
//! Construction reads every segment into a Rust buffer first and then allocates the
//! result, so a collection in between moves nothing it still needs. Matching works on a
//! match context (runtime `binary::match_state`: orig, base, offset and size in bits),
//! reading only the bytes a field covers; a field that needs a heap object (a bignum, a
//! float, a sub-binary) is allocated on the process heap after the collection, with the
//! context kept as an extra root in x(live) (free by BEAM's rules, as OTP's
//! `erts_bs_get_binary_2` does).

use beam_ir::rtcall::{bs_desc_parts, BsOp};
use beam_runtime::gc::GcKind;
use beam_runtime::heap::{Alloc, HeapError};
use beam_runtime::ops::view;
use beam_runtime::term::{BoxedKind, Term};
use beam_runtime::{bignum, binary, construct, mem};
use num_bigint::{BigInt, Sign};
use num_traits::{ToPrimitive, Zero};
use smallvec::SmallVec;

use crate::bifs::BifHeap;
use crate::rt::{self, RtStop};

fn fatal(e: impl std::fmt::Display) -> RtStop {
    RtStop::Fatal(e.to_string())
}

// --- bit buffers ---

/// A bitstring being built: `bits` bits, most significant bit of `bytes[0]` first. The
/// bytes are inline up to 32 (no allocation for the usual few-field `<<...>>`, built once
/// per appended byte in a loop).
#[derive(Default)]
pub(crate) struct BitBuf {
    pub bytes: SmallVec<[u8; 32]>,
    pub bits: u64,
}

impl BitBuf {
    /// Appends the top `n` (1..=8) bits of `b`.
    fn push8(&mut self, b: u8, n: u32) {
        let b = b & (0xFFu16 << (8 - n)) as u8;
        let used = (self.bits % 8) as u32;
        if used == 0 {
            self.bytes.push(b);
        } else {
            if let Some(last) = self.bytes.last_mut() {
                *last |= b >> used;
            }
            if n > 8 - used {
                self.bytes.push(b << (8 - used));
            }
        }
        self.bits += u64::from(n);
    }

    /// Appends `n` bits of `src` (MSB first) from bit `start`.
    pub(crate) fn push_bits(&mut self, src: &[u8], start: u64, n: u64) {
        if self.bits.is_multiple_of(8) && start.is_multiple_of(8) {
            let (from, whole) = ((start / 8) as usize, (n / 8) as usize);
            self.bytes.extend_from_slice(&src[from..from + whole]);
            self.bits += 8 * whole as u64;
            if !n.is_multiple_of(8) {
                self.push8(src[from + whole], (n % 8) as u32);
            }
            return;
        }
        let mut done = 0;
        while done < n {
            let k = (n - done).min(8) as u32;
            self.push8(byte_at(src, start + done), k);
            done += u64::from(k);
        }
    }
}

/// The 8 bits of `src` from bit `at` (zero past the end).
fn byte_at(src: &[u8], at: u64) -> u8 {
    let (i, sh) = ((at / 8) as usize, (at % 8) as u32);
    let hi = src.get(i).copied().unwrap_or(0);
    if sh == 0 {
        return hi;
    }
    let lo = src.get(i + 1).copied().unwrap_or(0);
    (hi << sh) | (lo >> (8 - sh))
}

/// `n` bits of `src` from bit `start`, left-aligned into fresh bytes.
fn extract(src: &[u8], start: u64, n: u64) -> Vec<u8> {
    let mut b = BitBuf::default();
    b.push_bits(src, start, n);
    b.bytes.into_vec()
}

// --- integers and floats as bits ---

/// The low `k` bytes of the two's complement of `v`, least significant first.
fn int_le_bytes(v: &BigInt, k: usize) -> Vec<u8> {
    let mut le = match v.to_i64() {
        Some(i) => i.to_le_bytes().to_vec(),
        None => v.to_signed_bytes_le(),
    };
    let fill = if v.sign() == Sign::Minus { 0xFF } else { 0 };
    le.resize(k.max(le.len()), fill);
    le.truncate(k);
    le
}

/// Appends integer `v` as an `n`-bit field (OTP's layout: little-endian fields put the
/// low bytes first and the remaining high bits last).
pub(crate) fn put_int(buf: &mut BitBuf, v: &BigInt, n: u64, little: bool) {
    if n == 0 {
        return;
    }
    let k = n.div_ceil(8) as usize;
    put_le_fields(buf, &int_le_bytes(v, k), n, little);
}

/// [`put_int`] of a small integer's value (`n` at most 64): no bignum, no allocation.
fn put_small_int(buf: &mut BitBuf, v: i64, n: u64, little: bool) {
    if n > 0 {
        // The sign-extended two's complement, so the low `k` bytes are the field's.
        put_le_fields(buf, &v.to_le_bytes()[..n.div_ceil(8) as usize], n, little);
    }
}

/// Appends the `n`-bit field whose value's two's complement bytes, least significant
/// first, are `le` (`n.div_ceil(8)` of them).
fn put_le_fields(buf: &mut BitBuf, le: &[u8], n: u64, little: bool) {
    let k = le.len();
    let r = (n - 8 * (k as u64 - 1)) as u32; // bits in the most significant field
    if little {
        for &b in &le[..k - 1] {
            buf.push8(b, 8);
        }
        buf.push8(le[k - 1] << (8 - r), r);
    } else {
        buf.push8(le[k - 1] << (8 - r), r);
        for &b in le[..k - 1].iter().rev() {
            buf.push8(b, 8);
        }
    }
}

/// The integer in `bits` (left-aligned, `n` bits), inverse of [`put_int`].
fn get_int(bits: &[u8], n: u64, little: bool, signed: bool) -> BigInt {
    if n == 0 {
        return BigInt::zero();
    }
    let k = n.div_ceil(8) as usize;
    let r = (n - 8 * (k as u64 - 1)) as u32;
    // Fields in order, then as little-endian bytes of the value.
    let mut le = vec![0u8; k];
    if little {
        le[..k - 1].copy_from_slice(&bits[..k - 1]);
        le[k - 1] = bits[k - 1] >> (8 - r);
    } else {
        le[k - 1] = bits[0] >> (8 - r);
        for i in 0..k - 1 {
            le[k - 2 - i] = byte_at(bits, u64::from(r) + 8 * i as u64);
        }
    }
    let v = if n <= 64 {
        let mut w = [0u8; 8];
        w[..k].copy_from_slice(&le);
        BigInt::from(u64::from_le_bytes(w))
    } else {
        BigInt::from_bytes_le(Sign::Plus, &le)
    };
    if signed && le[k - 1] >> (r - 1) & 1 == 1 {
        v - (BigInt::from(1) << n)
    } else {
        v
    }
}

/// f64 → IEEE half precision bits (round to nearest even); `None` when out of range.
fn f16_bits(f: f64) -> Option<u16> {
    let x = f as f32;
    let b = x.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let exp = ((b >> 23) & 0xFF) as i32;
    let mant = b & 0x7F_FFFF;
    if x == 0.0 {
        return Some(sign);
    }
    let e = exp - 127 + 15;
    if e >= 31 {
        return None;
    }
    if e <= 0 {
        // Subnormal half.
        if e < -10 {
            return Some(sign);
        }
        let m = mant | 0x80_0000;
        let shift = (14 - e) as u32;
        let half = m >> shift;
        let rem = m & ((1 << shift) - 1);
        let mid = 1 << (shift - 1);
        let round = (rem > mid || (rem == mid && half & 1 == 1)) as u32;
        return Some(sign | (half + round) as u16);
    }
    let half = ((e as u32) << 10) | (mant >> 13);
    let rem = mant & 0x1FFF;
    let round = (rem > 0x1000 || (rem == 0x1000 && half & 1 == 1)) as u32;
    let h = half + round;
    if h >= 0x7C00 {
        return None;
    }
    Some(sign | h as u16)
}

fn f16_value(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1F) as i32;
    let mant = f64::from(h & 0x3FF);
    match exp {
        0 => sign * mant * 2f64.powi(-24),
        31 if mant == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        _ => sign * (1.0 + mant / 1024.0) * 2f64.powi(exp - 15),
    }
}

/// Appends float `f` as an `n`-bit field; false for a size or value that cannot be.
fn put_float(buf: &mut BitBuf, f: f64, n: u64, little: bool) -> bool {
    let mut bytes = match n {
        64 => f.to_be_bytes().to_vec(),
        32 => {
            let x = f as f32;
            if !x.is_finite() {
                return false;
            }
            x.to_be_bytes().to_vec()
        }
        16 => match f16_bits(f) {
            Some(h) => h.to_be_bytes().to_vec(),
            None => return false,
        },
        _ => return false,
    };
    if little {
        bytes.reverse();
    }
    let len = bytes.len() as u64 * 8;
    buf.push_bits(&bytes, 0, len);
    true
}

fn get_float(bits: &[u8], n: u64, little: bool) -> Option<f64> {
    let mut b = bits.to_vec();
    if little {
        b.reverse();
    }
    let f = match n {
        64 => f64::from_be_bytes(b.try_into().ok()?),
        32 => f64::from(f32::from_be_bytes(b.try_into().ok()?)),
        16 => f16_value(u16::from_be_bytes(b.try_into().ok()?)),
        _ => return None,
    };
    f.is_finite().then_some(f)
}

fn valid_code_point(c: u32) -> bool {
    c <= 0x10FFFF && !(0xD800..=0xDFFF).contains(&c)
}

fn put_utf(buf: &mut BitBuf, op: BsOp, c: u32, little: bool) {
    match op {
        BsOp::Utf8 => {
            let ch = char::from_u32(c).expect("checked code point");
            let mut tmp = [0u8; 4];
            let s = ch.encode_utf8(&mut tmp);
            buf.push_bits(s.as_bytes(), 0, 8 * s.len() as u64);
        }
        BsOp::Utf16 => {
            let ch = char::from_u32(c).expect("checked code point");
            let mut tmp = [0u16; 2];
            for u in ch.encode_utf16(&mut tmp) {
                put_int(buf, &BigInt::from(*u), 16, little);
            }
        }
        _ => put_int(buf, &BigInt::from(c), 32, little),
    }
}

// --- bitstring terms ---

/// Where a bitstring term's bits are: its heap binary or ProcBin, the address of that
/// object's bytes, the first bit and the length in bits.
struct View {
    orig: Term,
    base: u32,
    start: u64,
    bits: u64,
}

fn view_of(t: Term) -> Option<View> {
    if !t.is_boxed() {
        return None;
    }
    let p = t.ptr();
    match construct::boxed_kind(t)? {
        BoxedKind::HeapBinary | BoxedKind::RefcBinary => Some(View {
            orig: t,
            // SAFETY: a live heap binary or ProcBin (kind checked).
            base: unsafe { binary::data_address(p) },
            start: 0,
            bits: u64::from(mem::read(p + 4)?) * 8,
        }),
        BoxedKind::SubBinary => {
            let (size, offs, w3, orig) = (
                mem::read(p + 4)?,
                mem::read(p + 8)?,
                mem::read(p + 12)?,
                Term(mem::read(p + 16)?),
            );
            let inner = view_of(orig)?;
            Some(View {
                orig,
                base: inner.base,
                start: u64::from(offs) * 8 + u64::from((w3 >> 8) & 0xFF),
                bits: u64::from(size) * 8 + u64::from(w3 & 0xFF),
            })
        }
        _ => None,
    }
}

/// `n` bits at bit `start` of the bytes at `base`, left-aligned.
fn read_bits(base: u32, start: u64, n: u64) -> Option<Vec<u8>> {
    let first = (start / 8) as u32;
    let sh = start % 8;
    let len = (sh + n).div_ceil(8) as u32;
    let src = mem::read_bytes(base.checked_add(first)?, len)?;
    Some(if sh == 0 { src } else { extract(&src, sh, n) })
}

/// The whole contents of a bitstring term.
pub(crate) fn bits_of(t: Term) -> Option<(Vec<u8>, u64)> {
    let v = view_of(t)?;
    Some((read_bits(v.base, v.start, v.bits)?, v.bits))
}

/// An integer term's value.
fn int_value(t: Term) -> Option<BigInt> {
    match t.small_value() {
        Some(n) => Some(BigInt::from(n)),
        None => bignum::value(t),
    }
}

/// A size operand: a non-negative small integer.
fn size_value(t: Term) -> Option<u64> {
    t.small_value().and_then(|n| u64::try_from(n).ok())
}

// --- allocation ---

/// Runs `build` with at least `words` words free: on the process heap (collecting with
/// x0..x(live-1) and `keep` as roots when short; `keep` is updated to where they moved),
/// or in a fragment attached to the heap when there is no live count.
fn allocate<R>(
    s: u32,
    words: u32,
    live: Option<u32>,
    keep: &mut [Term],
    build: impl FnOnce(&mut dyn Alloc, &[Term]) -> Result<R, HeapError>,
) -> Result<R, RtStop> {
    let (cx, s) = rt::block(s)?;
    let Some(live) = live else {
        let mut h = BifHeap::default();
        let r = build(&mut h, keep).map_err(fatal)?;
        for f in h.frags {
            cx.heap().attach(f);
        }
        return Ok(r);
    };
    rt::sync_heap_in(cx, s)?;
    if cx.heap().free_words() < words {
        for (i, t) in keep.iter().enumerate() {
            cx.set_x(live as usize + i, *t).map_err(fatal)?;
        }
        cx.garbage_collect(words, live + keep.len() as u32, GcKind::Auto)
            .map_err(|e| RtStop::Fatal(format!("garbage collection failed: {e}")))?;
        for (i, t) in keep.iter_mut().enumerate() {
            *t = cx.x(live as usize + i).map_err(fatal)?;
        }
    }
    let r = build(cx.heap(), keep).map_err(fatal)?;
    rt::sync_heap_out(cx, s);
    Ok(r)
}

// --- construction ---

/// Why a segment cannot be built: OTP raises `badarg` for all of these.
struct Bad;

/// Appends one segment to `buf`.
fn put_segment(buf: &mut BitBuf, desc: u32, value: Term, size: Term) -> Result<(), Bad> {
    let (op, unit, signed, little) = bs_desc_parts(desc).ok_or(Bad)?;
    let _ = signed; // the two's complement bits are the same either way
    let sized = |u: u32| -> Result<u64, Bad> {
        size_value(size)
            .and_then(|n| n.checked_mul(u64::from(u)))
            .ok_or(Bad)
    };
    match op {
        BsOp::Integer => {
            let n = sized(unit)?;
            match value.small_value() {
                Some(v) if n <= 64 => put_small_int(buf, i64::from(v), n, little),
                _ => put_int(buf, &int_value(value).ok_or(Bad)?, n, little),
            }
        }
        BsOp::Float => {
            let n = sized(unit)?;
            let f = match construct::float_value(value) {
                Some(f) => f,
                None => beam_runtime::bignum::to_f64_as_otp(&int_value(value).ok_or(Bad)?),
            };
            if !f.is_finite() || !put_float(buf, f, n, little) {
                return Err(Bad);
            }
        }
        BsOp::Binary | BsOp::Append => {
            let v = view_of(value).ok_or(Bad)?;
            let n = if size.0 == 0 {
                if unit > 1 && v.bits % u64::from(unit) != 0 {
                    return Err(Bad);
                }
                v.bits
            } else {
                let n = sized(unit)?;
                if n > v.bits {
                    return Err(Bad);
                }
                n
            };
            let bytes = read_bits(v.base, v.start, n).ok_or(Bad)?;
            buf.push_bits(&bytes, 0, n);
        }
        BsOp::Utf8 | BsOp::Utf16 | BsOp::Utf32 => {
            let c = value
                .small_value()
                .and_then(|c| u32::try_from(c).ok())
                .filter(|&c| valid_code_point(c))
                .ok_or(Bad)?;
            put_utf(buf, op, c, little);
        }
        _ => return Err(Bad),
    }
    Ok(())
}

/// `RtFn::BsCreate`.
pub(crate) fn bs_create(s: u32, first: u32, n: u32, live: u32, alloc: u32) -> Result<u32, RtStop> {
    if let Some(t) = bs_append(s, first, n, live, alloc)? {
        return Ok(t);
    }
    let (cx, s) = rt::block(s)?;
    let mut buf = BitBuf::default();
    for i in 0..n {
        let at = (first + 3 * i) as usize;
        let x = |j: usize| cx.x(at + j).map_err(fatal);
        let (desc, value, size) = (x(0)?.0, x(1)?, x(2)?);
        if put_segment(&mut buf, desc, value, size).is_err() {
            rt::pend_error(s, rt::atom("badarg"));
            return Ok(0);
        }
    }
    let live = (live & (1 << 31) == 0).then_some(live);
    // The words of the instructions after this one are reserved too (as `test_heap`).
    let words = view::bits_words(buf.bits) + alloc;
    let t = allocate(s, words, live, &mut [], |a, _| {
        view::make_bits(a, &buf.bytes, buf.bits)
    })?;
    Ok(t.0)
}

/// `<<B/binary, ...>>` whose first segment is an `append` of a whole byte-aligned binary
/// and whose other segments make whole bytes: extends `B` in place when it is the active
/// writer of a writable binary, as OTP's `bs_append` ([`binary::append`]); `None` when the
/// general path must build it (including every error case, which it reports).
fn bs_append(s: u32, first: u32, n: u32, live: u32, alloc: u32) -> Result<Option<u32>, RtStop> {
    let (cx, _) = rt::block(s)?;
    let x = |j: u32| cx.x((first + j) as usize).map_err(fatal);
    if n == 0 {
        return Ok(None);
    }
    let (desc, value, size) = (x(0)?.0, x(1)?, x(2)?);
    if !matches!(bs_desc_parts(desc), Some((BsOp::Append, _, _, _)))
        || size.0 != 0
        || !binary::appendable(value)
    {
        return Ok(None);
    }
    let mut buf = BitBuf::default();
    for i in 1..n {
        if put_segment(&mut buf, x(3 * i)?.0, x(3 * i + 1)?, x(3 * i + 2)?).is_err() {
            return Ok(None);
        }
    }
    if buf.bits % 8 != 0 {
        return Ok(None);
    }
    let live = (live & (1 << 31) == 0).then_some(live);
    let words = binary::APPEND_WORDS + alloc;
    let r = allocate(s, words, live, &mut [value], |a, keep| {
        binary::append(a, keep[0], &buf.bytes)
    })?;
    Ok(r.map(|t| t.0))
}

// --- matching ---

/// A match context's fields.
struct MatchCtx {
    addr: u32,
    orig: Term,
    base: u32,
    offset: u64,
    size: u64,
}

fn match_ctx(t: Term) -> Option<MatchCtx> {
    let (orig, base) = binary::match_state_parts(t)?;
    let addr = t.ptr();
    Some(MatchCtx {
        addr,
        orig,
        base,
        offset: u64::from(mem::read(addr + 12)?),
        size: u64::from(mem::read(addr + 16)?),
    })
}

fn set_offset(c: &MatchCtx, offset: u64) {
    // SAFETY: `c.addr` is a live match state (checked by `match_ctx`); word 3 is its
    // offset.
    unsafe { mem::raw_write(c.addr + 12, offset as u32) }
}

/// `RtFn::BsStartMatch`.
pub(crate) fn bs_start_match(s: u32, src: Term, live: u32) -> Result<u32, RtStop> {
    if match_ctx(src).is_some() {
        return Ok(src.0);
    }
    if view_of(src).is_none() {
        return Ok(0);
    }
    let mut keep = [src];
    let t = allocate(s, 5, Some(live), &mut keep, |a, keep| {
        let v = view_of(keep[0]).ok_or(HeapError::Stack("not a bitstring"))?;
        let ms = binary::match_state(a, v.orig, 0)?;
        // SAFETY: `ms` was just built (5 words): offset and size are words 3 and 4.
        unsafe {
            mem::raw_write(ms.ptr() + 12, v.start as u32);
            mem::raw_write(ms.ptr() + 16, (v.start + v.bits) as u32);
        }
        Ok(ms)
    })?;
    Ok(t.0)
}

/// A match succeeded without a value.
const MATCHED: u32 = Term::NIL.0;

/// `RtFn::BsGet`.
pub(crate) fn bs_get(s: u32, ctx: Term, size: Term, desc: u32, live: u32) -> Result<u32, RtStop> {
    let c = match_ctx(ctx).ok_or_else(|| fatal("bit-syntax match on a non-context"))?;
    let (op, unit, signed, little) =
        bs_desc_parts(desc).ok_or_else(|| fatal(format!("bad descriptor {desc:#x}")))?;
    let rest = c.size - c.offset;
    // The field's length in bits, or None when the match fails.
    let sized = || -> Option<u64> {
        let n = size_value(size)?.checked_mul(u64::from(unit))?;
        (n <= rest).then_some(n)
    };
    let rest_in_units = || -> Option<u64> { (rest % u64::from(unit.max(1)) == 0).then_some(rest) };
    match op {
        BsOp::Integer => {
            let Some(n) = sized() else { return Ok(0) };
            if let Some(t) = small_field(&c, n, little, signed) {
                set_offset(&c, c.offset + n);
                return Ok(t.0);
            }
            let bits = read_bits(c.base, c.offset, n).ok_or_else(|| fatal("context bytes"))?;
            let v = get_int(&bits, n, little, signed);
            set_offset(&c, c.offset + n);
            let words = bignum::integer_words(&v);
            if words == 0 {
                return Ok(bignum::integer(&mut BifHeap::default(), &v)
                    .map_err(fatal)?
                    .0);
            }
            let t = allocate(s, words, Some(live), &mut [], |a, _| bignum::integer(a, &v))?;
            Ok(t.0)
        }
        BsOp::Float => {
            let Some(n) = sized() else { return Ok(0) };
            let bits = read_bits(c.base, c.offset, n).ok_or_else(|| fatal("context bytes"))?;
            let Some(f) = get_float(&bits, n, little) else {
                return Ok(0);
            };
            set_offset(&c, c.offset + n);
            let t = allocate(s, 3, Some(live), &mut [], |a, _| construct::float(a, f))?;
            Ok(t.0)
        }
        BsOp::Binary => {
            let n = if size.0 == 0 {
                rest_in_units()
            } else {
                sized()
            };
            let Some(n) = n else { return Ok(0) };
            let start = c.offset;
            set_offset(&c, start + n);
            sub_bitstring(s, &c, start, n, live)
        }
        BsOp::Skip => {
            let n = if size.0 == 0 {
                rest_in_units()
            } else {
                sized()
            };
            let Some(n) = n else { return Ok(0) };
            set_offset(&c, c.offset + n);
            Ok(MATCHED)
        }
        BsOp::TestUnit => Ok(if rest_in_units().is_some() {
            MATCHED
        } else {
            0
        }),
        BsOp::TestTail => Ok(if size_value(size) == Some(rest) {
            MATCHED
        } else {
            0
        }),
        BsOp::Utf8 | BsOp::SkipUtf8 => {
            let avail = (rest / 8).min(4);
            let bytes = read_bits(c.base, c.offset, 8 * avail).ok_or_else(|| fatal("bytes"))?;
            let Some((ch, len)) = decode_utf8(&bytes) else {
                return Ok(0);
            };
            set_offset(&c, c.offset + 8 * len as u64);
            Ok(if op == BsOp::Utf8 { small(ch) } else { MATCHED })
        }
        BsOp::Utf16 | BsOp::SkipUtf16 => {
            if rest < 16 {
                return Ok(0);
            }
            let unit16 = |at: u64| -> Result<u32, RtStop> {
                let b = read_bits(c.base, at, 16).ok_or_else(|| fatal("bytes"))?;
                Ok(get_int(&b, 16, little, false).to_u32().unwrap_or(0))
            };
            let w1 = unit16(c.offset)?;
            let (ch, len) = if (0xD800..0xDC00).contains(&w1) {
                if rest < 32 {
                    return Ok(0);
                }
                let w2 = unit16(c.offset + 16)?;
                if !(0xDC00..0xE000).contains(&w2) {
                    return Ok(0);
                }
                (0x10000 + ((w1 - 0xD800) << 10) + (w2 - 0xDC00), 32)
            } else if (0xDC00..0xE000).contains(&w1) {
                return Ok(0);
            } else {
                (w1, 16)
            };
            set_offset(&c, c.offset + len);
            Ok(if op == BsOp::Utf16 {
                small(ch)
            } else {
                MATCHED
            })
        }
        BsOp::Utf32 | BsOp::SkipUtf32 => {
            if rest < 32 {
                return Ok(0);
            }
            let b = read_bits(c.base, c.offset, 32).ok_or_else(|| fatal("bytes"))?;
            let ch = get_int(&b, 32, little, false).to_u32().unwrap_or(u32::MAX);
            if !valid_code_point(ch) {
                return Ok(0);
            }
            set_offset(&c, c.offset + 32);
            Ok(if op == BsOp::Utf32 {
                small(ch)
            } else {
                MATCHED
            })
        }
        BsOp::Append => Err(fatal("append is not a match operation")),
    }
}

/// The common integer field: 1 to 32 bits, big-endian or whole little-endian bytes, whose
/// value is a small integer, read straight from the binary (no `Vec`, no bignum); `None`
/// sends every other field to the general path.
fn small_field(c: &MatchCtx, n: u64, little: bool, signed: bool) -> Option<Term> {
    if n == 0 || n > 32 || (little && !n.is_multiple_of(8)) {
        return None;
    }
    let first = c.base.checked_add(u32::try_from(c.offset / 8).ok()?)?;
    let sh = c.offset % 8;
    let len = (sh + n).div_ceil(8); // at most 5 bytes
    let word = mem::read_be(first, len as u32)?;
    let mut v = (word >> (8 * len - sh - n)) & ((1u64 << n) - 1);
    if little {
        v = v.swap_bytes() >> (64 - n);
    }
    let v = if signed && v >> (n - 1) & 1 == 1 {
        v as i64 - (1i64 << n)
    } else {
        v as i64
    };
    Term::small(v)
}

fn small(c: u32) -> u32 {
    Term::small(i64::from(c)).map_or(0, |t| t.0)
}

/// One UTF-8 character at the start of `b`: (code point, bytes), or None when invalid.
fn decode_utf8(b: &[u8]) -> Option<(u32, usize)> {
    let b0 = *b.first()?;
    let len = match b0 {
        0x00..=0x7F => return Some((u32::from(b0), 1)),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let s = std::str::from_utf8(b.get(..len)?).ok()?;
    s.chars().next().map(|ch| (ch as u32, len))
}

/// The `n` bits of the context's binary from bit `start`: a sub-binary of its original
/// when byte-aligned, else a copy.
fn sub_bitstring(s: u32, c: &MatchCtx, start: u64, n: u64, live: u32) -> Result<u32, RtStop> {
    if !start.is_multiple_of(8) {
        let bytes = read_bits(c.base, start, n).ok_or_else(|| fatal("context bytes"))?;
        let t = allocate(s, view::bits_words(n), Some(live), &mut [], |a, _| {
            view::make_bits(a, &bytes, n)
        })?;
        return Ok(t.0);
    }
    let mut keep = [c.orig];
    let t = allocate(
        s,
        binary::SUB_BIN_WORDS,
        Some(live),
        &mut keep,
        |a, keep| {
            let sub = binary::sub_binary(a, keep[0], (start / 8) as u32, (n / 8) as u32)?;
            // SAFETY: `sub` was just built (5 words); word 3 holds the bit size.
            unsafe { mem::raw_write(sub.ptr() + 12, (n % 8) as u32) };
            Ok(sub)
        },
    )?;
    Ok(t.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(v: i64, n: u64, little: bool) -> (Vec<u8>, u64) {
        let mut b = BitBuf::default();
        put_int(&mut b, &BigInt::from(v), n, little);
        (b.bytes.to_vec(), b.bits)
    }

    #[test]
    fn the_small_integer_field_writer_agrees_with_the_bignum_one() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x as i64) >> (x % 64);
            let (n, little) = (1 + i % 64, i % 3 == 0);
            let mut b = BitBuf::default();
            b.push8(0xA0, (i % 8) as u32); // every starting bit offset
            put_small_int(&mut b, v, n, little);
            let mut want = BitBuf::default();
            want.push8(0xA0, (i % 8) as u32);
            put_int(&mut want, &BigInt::from(v), n, little);
            assert_eq!(
                (b.bytes.to_vec(), b.bits),
                (want.bytes.to_vec(), want.bits),
                "{v} {n}"
            );
        }
    }

    #[test]
    fn integer_fields_as_erl_lays_them_out() {
        // Values printed by OTP 25's erl: <<16#123:12/little>> = <<35,1:4>>,
        // <<-1:12/little>> = <<255,15:4>>, <<16#12345:20/little>> = <<69,35,1:4>>.
        assert_eq!(put(0x123, 12, true), (vec![35, 0x10], 12));
        assert_eq!(put(-1, 12, true), (vec![255, 0xF0], 12));
        assert_eq!(put(0x12345, 20, true), (vec![69, 35, 0x10], 20));
        assert_eq!(put(0x1234, 16, false), (vec![0x12, 0x34], 16));
        // <<X:12/little>> = <<16#12, 16#3:4>> gives 786; signed <<16#12, 16#8:4>> -2030.
        assert_eq!(get_int(&[0x12, 0x30], 12, true, false), BigInt::from(786));
        assert_eq!(get_int(&[0x12, 0x80], 12, true, true), BigInt::from(-2030));
        for (v, n, little) in [
            (-5i64, 7u64, false),
            (1 << 40, 48, true),
            (-(1 << 50), 53, false),
        ] {
            let (bytes, bits) = put(v, n, little);
            assert_eq!(bits, n);
            assert_eq!(get_int(&bytes, n, little, true), BigInt::from(v));
        }
    }

    #[test]
    fn half_floats_round_to_nearest_even() {
        // erl: <<1.0:16/float>> = <<60,0>>, <<65504.0:16/float>> = <<123,255>>,
        // <<0.1:16/float>> = <<46,102>>; 65520.0 overflows.
        assert_eq!(f16_bits(1.0), Some(0x3C00));
        assert_eq!(f16_bits(65504.0), Some(0x7BFF));
        assert_eq!(f16_bits(0.1), Some(0x2E66));
        assert_eq!(f16_bits(65520.0), None);
        assert_eq!(f16_value(0x3555), 0.333251953125);
        assert_eq!(f16_value(0x0001), 2f64.powi(-24));
    }

    #[test]
    fn unaligned_bits_append_and_extract() {
        let mut b = BitBuf::default();
        b.push_bits(&[0b1010_0000], 0, 3);
        b.push_bits(&[0xFF, 0x00], 4, 8);
        assert_eq!((b.bytes.to_vec(), b.bits), (vec![0b1011_1110, 0], 11));
        assert_eq!(extract(&b.bytes, 3, 8), vec![0xF0]);
    }
}
