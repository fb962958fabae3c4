//! Lowering of the bit-syntax instructions (docs/beam-machine.md §6).
//!
//! Construction and field reads are runtime calls ([`RtFn::BsCreate`],
//! [`RtFn::BsStartMatch`], [`RtFn::BsGet`]) made like a `gc_bif`: the live X registers
//! and the pinned values are written to the block first and read back after, because the
//! runtime allocates the result on the process heap and may collect to make room. A
//! result of 0 means "no match" (jump to the fail label) or, for construction without a
//! fail label, a pending `badarg`. Positions (`bs_get_position`/`bs_set_position`) and
//! `bs_test_tail2` read or write the match context's offset word inline.

use beam_frontend::specific::{BsField, BsKind, BsSeg, Dst, Op, Src};
use beam_frontend::Reg;
use beam_runtime::{binary, term};
use cranelift_codegen::ir::{condcodes::IntCC, types::I32, Block, InstBuilder, Value};

use super::{flags, Lower, LowerError};
use crate::machine;
use crate::rtcall::{bs_desc, BsOp, RaiseKind, RtFn};
use crate::tags;

/// Byte offsets from a match-context term (boxed) to its offset and size words
/// (runtime `binary::match_state` layout: header, orig, base, offset, size).
const CTX_OFFSET: i32 = 12 - term::PRIMARY_BOXED as i32;
const CTX_SIZE: i32 = 16 - term::PRIMARY_BOXED as i32;
const CTX_BASE: i32 = 8 - term::PRIMARY_BOXED as i32;

/// The bit length of an integer field read inline: a constant 8, 16 or 24 bits (always a
/// small integer).
fn inline_bits(f: &BsField) -> Option<u32> {
    let n = match (&f.kind, &f.size) {
        (BsKind::Integer, Some(Src::Int(n))) => u32::try_from(*n).ok()?.checked_mul(f.unit)?,
        _ => return None,
    };
    matches!(n, 8 | 16 | 24).then_some(n)
}

/// `bs_match_string`'s pieces: the string compared at most 24 bits at a time, so each
/// piece read back is a small integer; `(bits, value)` per piece, the padding bits of a
/// partial last byte dropped. Template code compares the same pieces.
pub fn match_string_pieces(bits: u32, bytes: &[u8]) -> impl Iterator<Item = (u32, u64)> + '_ {
    let mut left = bits;
    let mut at = 0usize;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let n = left.min(24);
        let mut v: u64 = 0;
        for i in 0..n.div_ceil(8) as usize {
            v = v << 8 | u64::from(bytes.get(at + i).copied().unwrap_or(0));
        }
        v >>= 8 * n.div_ceil(8) - n;
        left -= n;
        at += (n / 8) as usize;
        Some((n, v))
    })
}

/// The highest X register a bit-syntax instruction names (0 for other instructions).
pub fn max_x(op: &Op) -> u32 {
    let src = |s: &Src| match s {
        Src::Reg(Reg::X(i), _) => *i,
        _ => 0,
    };
    let opt = |s: &Option<Src>| s.as_ref().map_or(0, src);
    let dst = |d: &Dst| match d {
        Dst::X(i) => *i,
        _ => 0,
    };
    match op {
        Op::BsCreate {
            live, dst: d, segs, ..
        } => segs
            .iter()
            .map(|s| src(&s.value).max(opt(&s.field.size)))
            .max()
            .unwrap_or(0)
            .max(dst(d))
            .max(live.unwrap_or(0)),
        Op::BsInit { live, dst: d, .. } => dst(d).max(live.unwrap_or(0)),
        Op::BsPut(s) => src(&s.value).max(opt(&s.field.size)),
        Op::BsStartMatch {
            live,
            src: s,
            dst: d,
            ..
        } => (*live).max(src(s)).max(dst(d)),
        Op::BsGet {
            live,
            ctx,
            field,
            dst: d,
            ..
        } => (*live)
            .max(src(ctx))
            .max(opt(&field.size))
            .max(d.as_ref().map_or(0, dst)),
        Op::BsMatchString { ctx, .. } | Op::BsTestTail { ctx, .. } | Op::BsTestUnit { ctx, .. } => {
            src(ctx)
        }
        Op::BsGetTail { ctx, dst: d, live } => src(ctx).max(dst(d)).max(*live),
        Op::BsGetPosition { ctx, dst: d } => src(ctx).max(dst(d)),
        Op::BsSetPosition { ctx, pos } => src(ctx).max(src(pos)),
        _ => 0,
    }
}

fn op_of(kind: BsKind) -> BsOp {
    match kind {
        BsKind::Integer => BsOp::Integer,
        BsKind::Float => BsOp::Float,
        BsKind::Binary => BsOp::Binary,
        BsKind::Utf8 => BsOp::Utf8,
        BsKind::Utf16 => BsOp::Utf16,
        BsKind::Utf32 => BsOp::Utf32,
        BsKind::Append | BsKind::PrivateAppend => BsOp::Append,
        BsKind::Skip => BsOp::Skip,
        BsKind::SkipUtf8 => BsOp::SkipUtf8,
        BsKind::SkipUtf16 => BsOp::SkipUtf16,
        BsKind::SkipUtf32 => BsOp::SkipUtf32,
    }
}

/// The runtime's descriptor word of a field (`rtcall::bs_desc`).
pub fn desc(f: &BsField) -> u32 {
    bs_desc(op_of(f.kind), f.unit, f.signed, f.little)
}

impl Lower<'_, '_> {
    /// Emits a bit-syntax instruction; true when it ended the block.
    pub(super) fn bits_op(&mut self, op: &Op) -> Result<bool, LowerError> {
        match op {
            Op::BsCreate {
                fail,
                alloc,
                live,
                dst,
                segs,
            } => {
                // `<<B/binary, Int:8/16/24/32>>` onto a writable binary: inline.
                let fast = self.append_inline(segs, *alloc);
                // Segment triples go to the X registers above the live ones (free by
                // BEAM's rules; above every register the instruction names when there is
                // no live count), where the runtime reads them.
                let first = live.unwrap_or_else(|| max_x(op) + 1);
                for (i, s) in segs.iter().enumerate() {
                    let at = first + 3 * i as u32;
                    let d = self.iconst(desc(&s.field) as i32 as i64);
                    let v = self.src(&s.value);
                    let n = match &s.field.size {
                        Some(sz) => self.src(sz),
                        None => self.iconst(0),
                    };
                    for (k, w) in [d, v, n].into_iter().enumerate() {
                        machine::store_x(&mut self.b, self.s, at + k as u32, w);
                    }
                }
                let l = live.unwrap_or(0);
                self.spill(l);
                let live_word = live.map_or(1u32 << 31, |l| l);
                let args = [
                    self.s,
                    self.iconst(first as i64),
                    self.iconst(segs.len() as i64),
                    self.iconst(live_word as i32 as i64),
                    self.iconst(*alloc as i64),
                ];
                let mut r = self.call_rt(RtFn::BsCreate, &args).expect("returns a term");
                self.unspill(l);
                self.fail_or_pending(r, *fail);
                if let Some(done) = fast {
                    self.b.ins().jump(done, &[r.into()]);
                    self.b.switch_to_block(done);
                    r = self.b.block_params(done)[0];
                }
                self.dst(*dst, r);
            }
            Op::BsInit { .. } | Op::BsPut(_) => {
                // An OTP 24 put sequence the transformation could not merge.
                let n = self.iconst(0);
                self.raise(RaiseKind::NotImplemented, n);
                return Ok(true);
            }
            Op::BsStartMatch {
                fail,
                live,
                src,
                dst,
            } => {
                let r = self.start_match(src, *live);
                if *fail == 0 {
                    self.fail_or_pending_badarg(r);
                } else {
                    self.fail_if_zero(r, *fail);
                }
                self.dst(*dst, r);
            }
            Op::BsGet {
                fail,
                live,
                ctx,
                field,
                dst,
            } => {
                let size = field.size.clone();
                let r = match inline_bits(field) {
                    Some(bits) => self.get_int_inline(ctx, field, bits, *live),
                    None => self.bs_get(ctx, size.as_ref(), desc(field), *live),
                };
                self.fail_if_zero(r, *fail);
                if let Some(d) = dst {
                    self.dst(*d, r);
                }
            }
            Op::BsMatchString {
                fail,
                ctx,
                bits,
                bytes,
            } => {
                // Compared 24 bits at a time: each piece is a small integer.
                for (n, v) in match_string_pieces(*bits, bytes) {
                    let d = bs_desc(BsOp::Integer, 1, false, false);
                    let r = self.bs_get(ctx, Some(&Src::Int(n as i64)), d, 0);
                    let want = tags::small_const(v as i64).expect("24 bits are small");
                    let hit = self.b.ins().icmp_imm_s(IntCC::Equal, r, want);
                    let ok = self.b.create_block();
                    let blk = self.target(*fail);
                    self.b.ins().brif(hit, ok, &[], blk, &[]);
                    self.b.switch_to_block(ok);
                }
            }
            Op::BsTestTail { fail, ctx, bits } => {
                let c = self.src(ctx);
                let off = self.b.ins().load(I32, flags(), c, CTX_OFFSET);
                let size = self.b.ins().load(I32, flags(), c, CTX_SIZE);
                let rest = self.b.ins().isub(size, off);
                let hit = self.b.ins().icmp_imm_s(IntCC::Equal, rest, *bits as i64);
                let ok = self.b.create_block();
                let blk = self.target(*fail);
                self.b.ins().brif(hit, ok, &[], blk, &[]);
                self.b.switch_to_block(ok);
            }
            Op::BsTestUnit { fail, ctx, unit } if unit.is_power_of_two() => {
                // The bits left are a multiple of a power-of-two unit: a mask test.
                let c = self.src(ctx);
                let off = self.b.ins().load(I32, flags(), c, CTX_OFFSET);
                let size = self.b.ins().load(I32, flags(), c, CTX_SIZE);
                let rest = self.b.ins().isub(size, off);
                let low = self.b.ins().band_imm_u(rest, (*unit - 1) as i64);
                let hit = self.b.ins().icmp_imm_s(IntCC::Equal, low, 0);
                let ok = self.b.create_block();
                let blk = self.target(*fail);
                self.b.ins().brif(hit, ok, &[], blk, &[]);
                self.b.switch_to_block(ok);
            }
            Op::BsTestUnit { fail, ctx, unit } => {
                let d = bs_desc(BsOp::TestUnit, *unit, false, false);
                let r = self.bs_get(ctx, None, d, 0);
                self.fail_if_zero(r, *fail);
            }
            Op::BsGetTail { ctx, dst, live } => {
                // `bs_get_tail` leaves the position where it is: the compiler may go on
                // to pass the context itself to a function that resumes matching there
                // (unicode's do_i_utf8 hands it to cbv/2 after a failed utf8 field).
                let c = self.src(ctx);
                let off = self.b.ins().load(I32, flags(), c, CTX_OFFSET);
                let d = bs_desc(BsOp::Binary, 1, false, false);
                let r = self.bs_get(ctx, None, d, *live);
                // The rest of a context always exists.
                self.fail_or_pending_badarg(r);
                // Re-read: a collection during the call may have moved the context.
                let c = self.src(ctx);
                self.b.ins().store(flags(), off, c, CTX_OFFSET);
                self.dst(*dst, r);
            }
            Op::BsGetPosition { ctx, dst } => {
                let c = self.src(ctx);
                let off = self.b.ins().load(I32, flags(), c, CTX_OFFSET);
                let pos = tags::make_small(&mut self.b, off);
                self.dst(*dst, pos);
            }
            Op::BsSetPosition { ctx, pos } => {
                let (c, p) = (self.src(ctx), self.src(pos));
                let off = tags::small_value(&mut self.b, p);
                self.b.ins().store(flags(), off, c, CTX_OFFSET);
            }
            _ => {}
        }
        Ok(false)
    }

    /// An integer field of `bits` (8, 16 or 24) read inline when the context's offset is
    /// byte-aligned and enough bits remain; the runtime otherwise (which also decides a
    /// failed match). Returns the term, or 0 for no match.
    fn get_int_inline(&mut self, ctx: &Src, f: &BsField, bits: u32, live: u32) -> Value {
        let c = self.src(ctx);
        let off = self.b.ins().load(I32, flags(), c, CTX_OFFSET);
        let end = self.b.ins().load(I32, flags(), c, CTX_SIZE);
        let rest = self.b.ins().isub(end, off);
        let enough = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, rest, bits as i64);
        let low = self.b.ins().band_imm_u(off, 7);
        let aligned = self.b.ins().icmp_imm_s(IntCC::Equal, low, 0);
        let ok = self.b.ins().band(enough, aligned);
        let (fast, slow, done) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.append_block_param(done, I32);
        self.b.ins().brif(ok, fast, &[], slow, &[]);
        self.b.switch_to_block(fast);
        let base = self.b.ins().load(I32, flags(), c, CTX_BASE);
        let byte = self.b.ins().ushr_imm_u(off, 3);
        let addr = self.b.ins().iadd(base, byte);
        let n = bits / 8;
        let mut v = self.iconst(0);
        for i in 0..n {
            let b = self.b.ins().uload8(I32, flags(), addr, i as i32);
            v = if f.little {
                let sh = self.b.ins().ishl_imm_u(b, 8 * i as i64);
                self.b.ins().bor(v, sh)
            } else {
                let sh = self.b.ins().ishl_imm_u(v, 8);
                self.b.ins().bor(sh, b)
            };
        }
        if f.signed {
            let up = self.b.ins().ishl_imm_u(v, 32 - bits as i64);
            v = self.b.ins().sshr_imm_u(up, 32 - bits as i64);
        }
        let off2 = self.b.ins().iadd_imm_s(off, bits as i64);
        self.b.ins().store(flags(), off2, c, CTX_OFFSET);
        let t = tags::make_small(&mut self.b, v);
        self.b.ins().jump(done, &[t.into()]);
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        let size = f.size.clone();
        let r = self.bs_get(ctx, size.as_ref(), desc(f), live);
        self.b.ins().jump(done, &[r.into()]);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }

    /// `<<B/binary, V:N>>` (N = 8, 16, 24 or 32 bits, V a small integer) when `B` is the
    /// writable sub binary the last append made and its block has room: the bytes are
    /// stored after the written part, the ProcBin's size grows, the old sub binary becomes
    /// read-only and a new writable one (5 words) is the result, as the runtime's
    /// `binary::append` does it (its doc has the scheme; the offset and size checks it
    /// makes are invariants of a writable sub binary, not repeated here). Emits the checks
    /// and the fast path, leaves the builder in the cold block where the general runtime
    /// call goes, and returns the block that takes the result; `None` (nothing emitted)
    /// for other shapes and in GC stress mode (the runtime path collects there).
    fn append_inline(&mut self, segs: &[BsSeg], alloc: u32) -> Option<Block> {
        let [app, int] = segs else { return None };
        let bits = match (&int.field.kind, &int.field.size) {
            (BsKind::Integer, Some(Src::Int(n))) => {
                u32::try_from(*n).ok()?.checked_mul(int.field.unit)?
            }
            _ => return None,
        };
        if !matches!(app.field.kind, BsKind::Append | BsKind::PrivateAppend)
            || app.field.size.is_some()
            || !matches!(app.field.unit, 1 | 8)
            || !matches!(bits, 8 | 16 | 24 | 32)
            || self.env.gc_stress()
        {
            return None;
        }
        let k = bits / 8;
        let boxed = |off: u32| off as i32 - term::PRIMARY_BOXED as i32;
        let (slow, done) = (self.b.create_block(), self.b.create_block());
        self.b.append_block_param(done, I32);
        self.b.set_cold_block(slow);
        let v = self.src(&app.value);
        let x = self.src(&int.value);
        let guard = |me: &mut Self, ok: Value| {
            let next = me.b.create_block();
            me.b.ins().brif(ok, next, &[], slow, &[]);
            me.b.switch_to_block(next);
        };
        let ok = tags::is_small(&mut self.b, x);
        guard(self, ok);
        let ok = tags::is_boxed(&mut self.b, v);
        guard(self, ok);
        let h = self.b.ins().load(I32, flags(), v, boxed(0));
        let sub_header = term::Term::header(binary::SUB_BIN_WORDS - 1, term::SUB_BINARY_SUBTAG).0;
        let ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, h, sub_header as i32 as i64);
        guard(self, ok);
        let w3 = self.b.ins().load(I32, flags(), v, boxed(12));
        let ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, w3, binary::SUB_WRITABLE as i64);
        guard(self, ok);
        let orig = self.b.ins().load(I32, flags(), v, boxed(16));
        let pbflags = self.b.ins().load(I32, flags(), orig, boxed(20));
        let ok = self.b.ins().icmp_imm_s(
            IntCC::Equal,
            pbflags,
            (binary::PB_IS_WRITABLE | binary::PB_ACTIVE_WRITER) as i64,
        );
        guard(self, ok);
        let size = self.b.ins().load(I32, flags(), v, boxed(4));
        let block = self.b.ins().load(I32, flags(), orig, boxed(12));
        let cap = self.b.ins().load(I32, flags(), block, 4);
        let room = self.b.ins().isub(cap, size);
        let ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, k as i64);
        guard(self, ok);
        let words = binary::SUB_BIN_WORDS + alloc;
        let htop = self.b.use_var(self.htop);
        let e = self.b.use_var(self.e);
        let need_top = self.b.ins().iadd_imm_s(htop, 4 * words as i64);
        let ok = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, need_top, e);
        guard(self, ok);
        // The bytes, most significant first unless little-endian.
        let data = self.b.ins().load(I32, flags(), orig, boxed(16));
        let at = self.b.ins().iadd(data, size);
        let n = tags::small_value(&mut self.b, x);
        for i in 0..k {
            let shift = if int.field.little {
                8 * i
            } else {
                8 * (k - 1 - i)
            };
            let byte = if shift == 0 {
                n
            } else {
                self.b.ins().ushr_imm_u(n, shift as i64)
            };
            self.b.ins().istore8(flags(), byte, at, i as i32);
        }
        let size2 = self.b.ins().iadd_imm_s(size, k as i64);
        self.b.ins().store(flags(), size2, orig, boxed(4));
        let zero = self.iconst(0);
        self.b.ins().store(flags(), zero, v, boxed(12));
        let p = self.heap_alloc(binary::SUB_BIN_WORDS);
        let hdr = self.iconst(sub_header as i32 as i64);
        let wr = self.iconst(binary::SUB_WRITABLE as i64);
        for (i, w) in [hdr, size2, zero, wr, orig].into_iter().enumerate() {
            self.b.ins().store(flags(), w, p, 4 * i as i32);
        }
        let t = self.b.ins().iadd_imm_s(p, term::PRIMARY_BOXED as i64);
        self.b.ins().jump(done, &[t.into()]);
        self.b.switch_to_block(slow);
        Some(done)
    }

    /// `bs_start_match`: a match context is its own result (the compiler passes one to a
    /// function that goes on matching, once per step of a loop over a binary), checked
    /// inline; anything else goes to the runtime, which makes a context or returns 0.
    fn start_match(&mut self, src: &Src, live: u32) -> Value {
        let v = self.src(src);
        let (test, slow, done) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.append_block_param(done, I32);
        let boxed = tags::is_boxed(&mut self.b, v);
        self.b.ins().brif(boxed, test, &[], slow, &[]);
        self.b.switch_to_block(test);
        let h = self
            .b
            .ins()
            .load(I32, flags(), v, -(term::PRIMARY_BOXED as i32));
        let sub = self.b.ins().band_imm_u(h, term::HEADER_TAG_MASK as i64);
        let is_ctx = self.b.ins().icmp_imm_s(
            IntCC::Equal,
            sub,
            term::BIN_MATCHSTATE_SUBTAG as i64 | term::PRIMARY_HEADER as i64,
        );
        self.b.ins().brif(is_ctx, done, &[v.into()], slow, &[]);
        self.b.switch_to_block(slow);
        let v = self.src(src);
        self.spill(live);
        let l = self.iconst(live as i64);
        let r = self
            .call_rt(RtFn::BsStartMatch, &[self.s, v, l])
            .expect("returns a term");
        self.unspill(live);
        self.b.ins().jump(done, &[r.into()]);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }

    /// One [`RtFn::BsGet`] call on `ctx`.
    fn bs_get(&mut self, ctx: &Src, size: Option<&Src>, desc: u32, live: u32) -> Value {
        let c = self.src(ctx);
        let n = match size {
            Some(s) => self.src(s),
            None => self.iconst(0),
        };
        self.spill(live);
        let d = self.iconst(desc as i32 as i64);
        let l = self.iconst(live as i64);
        let r = self
            .call_rt(RtFn::BsGet, &[self.s, c, n, d, l])
            .expect("returns a term");
        self.unspill(live);
        r
    }

    fn fail_if_zero(&mut self, r: Value, fail: u32) {
        let ok = self.b.create_block();
        let blk = self.target(fail);
        self.b.ins().brif(r, ok, &[], blk, &[]);
        self.b.switch_to_block(ok);
    }

    /// On 0: jump to `fail`, or go to the pending exception when `fail` is 0.
    fn fail_or_pending(&mut self, r: Value, fail: u32) {
        if fail != 0 {
            self.fail_if_zero(r, fail);
        } else {
            self.check_pending(r);
        }
    }

    /// On 0 (which the compiler has ruled out): raise `badarg`.
    fn fail_or_pending_badarg(&mut self, r: Value) {
        let (bad, ok) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(r, ok, &[], bad, &[]);
        self.b.switch_to_block(bad);
        self.b.set_cold_block(bad);
        let v = self.iconst(0);
        self.raise(RaiseKind::Badarg, v);
        self.b.switch_to_block(ok);
    }
}

#[cfg(test)]
mod tests {
    use super::match_string_pieces;

    #[test]
    fn match_string_pieces_are_24_bits_then_the_rest_without_padding() {
        let p: Vec<_> = match_string_pieces(36, &[0xAB, 0xCD, 0xEF, 0x12, 0x3F]).collect();
        assert_eq!(p, [(24, 0xAB_CD_EF), (12, 0x123)]);
        let p: Vec<_> = match_string_pieces(5, &[0b1011_0111]).collect();
        assert_eq!(p, [(5, 0b10110)]);
        assert_eq!(match_string_pieces(0, &[]).count(), 0);
        let p: Vec<_> = match_string_pieces(48, b"abcdef").collect();
        assert_eq!(p, [(24, 0x61_62_63), (24, 0x64_65_66)]);
    }
}
