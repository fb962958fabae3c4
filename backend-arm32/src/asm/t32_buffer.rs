//! The T32 code buffer: the same interface as the A32 [`CodeBuffer`](super::CodeBuffer),
//! so that the emitter can write either. Differences:
//! - A conditional instruction other than a branch gets an `IT` of its own.
//! - Forward branches to labels are 32-bit (B<c>.W: ±1 MiB, B.W: ±16 MiB), patched when
//!   the label is bound; backward ones are 16-bit when they reach.
//! - Literal loads are LDR.W / VLDR from a word-aligned pool (a NOP pads to a word); the
//!   PC they are relative to is `Align(address + 4, 4)`.
//! - Calls to symbols are `BL` with a [`RelocKind::ThumbCall`] relocation: the linker turns
//!   it into `BLX` when the target is A32 (an even address).

use super::inst::{Inst, MemOp};
use super::t32::{branch_wide, encode_it, encode_t32, inst_cond, T32};
use super::{encode, AsmError, Code, Cond, DReg, Label, Reg, Reloc, RelocKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lit {
    Ldr,
    Vldr,
}

impl Lit {
    fn limit(self) -> u32 {
        match self {
            Lit::Ldr => 4095,
            Lit::Vldr => 1020,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PoolValue {
    W32(u32, Option<u32>),
    W64(u64),
}

impl PoolValue {
    fn size(self) -> u32 {
        match self {
            PoolValue::W32(..) => 4,
            PoolValue::W64(_) => 8,
        }
    }
}

struct PoolEntry {
    value: PoolValue,
    /// (byte offset of the using instruction, kind)
    uses: Vec<(u32, Lit)>,
}

/// A T32 code buffer (see the module documentation).
#[derive(Default)]
pub struct T32Buffer {
    bytes: Vec<u8>,
    labels: Vec<Option<u32>>,
    /// Unresolved branches: (byte offset, label, condition, link).
    fixups: Vec<(u32, Label, Cond, bool)>,
    pool: Vec<PoolEntry>,
    relocs: Vec<Reloc>,
}

/// The largest number of bytes one `emit` can add before a pool check (IT + 32-bit).
const MAX_INST: u32 = 6;

impl T32Buffer {
    /// An empty buffer.
    pub fn new() -> T32Buffer {
        T32Buffer::default()
    }

    /// Current size in bytes.
    pub fn offset(&self) -> u32 {
        self.bytes.len() as u32
    }

    /// A fresh, unbound label.
    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label((self.labels.len() - 1) as u32)
    }

    fn put(&mut self, t: T32) {
        t.push_to(&mut self.bytes);
    }

    fn put_wide_at(&mut self, at: u32, w: u32) {
        let at = at as usize;
        self.bytes[at..at + 2].copy_from_slice(&((w >> 16) as u16).to_le_bytes());
        self.bytes[at + 2..at + 4].copy_from_slice(&(w as u16).to_le_bytes());
    }

    fn wide_at(&self, at: u32) -> u32 {
        let at = at as usize;
        let h = |i: usize| u32::from(u16::from_le_bytes([self.bytes[i], self.bytes[i + 1]]));
        (h(at) << 16) | h(at + 2)
    }

    /// Binds `label` here and patches the branches to it.
    pub fn bind(&mut self, label: Label) -> Result<(), AsmError> {
        let here = self.offset();
        match self.labels.get_mut(label.0 as usize) {
            None => return Err(AsmError::ForeignLabel(label.0)),
            Some(Some(_)) => return Err(AsmError::LabelRebound(label.0)),
            Some(slot) => *slot = Some(here),
        }
        let (mine, rest): (Vec<_>, Vec<_>) = self.fixups.iter().partition(|f| f.1 == label);
        self.fixups = rest;
        for (at, _, cond, link) in mine {
            self.patch_branch(at, here, cond, link)?;
        }
        Ok(())
    }

    fn patch_branch(
        &mut self,
        at: u32,
        target: u32,
        cond: Cond,
        link: bool,
    ) -> Result<(), AsmError> {
        let off = i64::from(target) - i64::from(at) - 4;
        let w = i32::try_from(off)
            .ok()
            .and_then(|o| branch_wide(cond, link, o).ok())
            .ok_or(AsmError::FixupOutOfRange {
                kind: "T32 branch",
                at,
                target,
                limit: if cond == Cond::Al { 1 << 24 } else { 1 << 20 },
            })?;
        self.put_wide_at(at, w);
        Ok(())
    }

    /// Encodes and appends one instruction, with an IT in front when it is conditional.
    /// A32 forms without a T32 encoding that have an exact T32 equivalent are rewritten:
    /// `rsc rd, rn, #0` (no flags) as `sbc rd, rn, rn, lsl #1`, and MOV/MVN of an A32-only
    /// immediate (no flags) as MOVW/MOVT.
    pub fn emit(&mut self, inst: &Inst) -> Result<(), AsmError> {
        if let Some(seq) = rewrite(inst) {
            for i in &seq {
                self.emit_one(i)?;
            }
            return Ok(());
        }
        self.emit_one(inst)
    }

    fn emit_one(&mut self, inst: &Inst) -> Result<(), AsmError> {
        let c = inst_cond(inst);
        let branch = matches!(inst, Inst::B { link: false, .. });
        let in_it = c != Cond::Al && !branch;
        let t = encode_t32(inst, in_it)?;
        self.maybe_flush_pool(0);
        if in_it {
            self.put(T32::Narrow(encode_it(c, &[])?));
        }
        self.put(t);
        Ok(())
    }

    /// Appends a raw 32-bit word (as two halfwords, low one first).
    pub fn emit_word(&mut self, w: u32) {
        self.maybe_flush_pool(0);
        self.bytes.extend_from_slice(&w.to_le_bytes());
    }

    /// `b{cond}.w label` (or `bl` when `link`).
    pub fn branch(&mut self, cond: Cond, link: bool, label: Label) -> Result<(), AsmError> {
        let target = *self
            .labels
            .get(label.0 as usize)
            .ok_or(AsmError::ForeignLabel(label.0))?;
        self.maybe_flush_pool(0);
        let at = self.offset();
        // A backward branch whose target is known takes the 16-bit form when it reaches.
        if let (Some(t), false) = (target, link) {
            let off = i64::from(t) - i64::from(at) - 4;
            let lim = if cond == Cond::Al { 2048 } else { 256 };
            if (-lim..lim).contains(&off) {
                let b = Inst::B {
                    cond,
                    link: false,
                    offset: off as i32,
                };
                if let T32::Narrow(h) = encode_t32(&b, false)? {
                    self.put(T32::Narrow(h));
                    return Ok(());
                }
            }
        }
        self.put(T32::Wide(branch_wide(cond, link, 0)?));
        match target {
            Some(t) => self.patch_branch(at, t, cond, link),
            None => {
                self.fixups.push((at, label, cond, link));
                Ok(())
            }
        }
    }

    fn symbol_branch(&mut self, cond: Cond, link: bool, symbol: u32) -> Result<(), AsmError> {
        self.maybe_flush_pool(0);
        if cond != Cond::Al {
            self.put(T32::Narrow(encode_it(cond, &[])?));
        }
        let at = self.offset();
        self.put(T32::Wide(branch_wide(Cond::Al, link, 0)?));
        self.relocs.push(Reloc {
            offset: at,
            kind: RelocKind::ThumbCall,
            symbol,
        });
        Ok(())
    }

    /// `bl symbol` with a [`RelocKind::ThumbCall`] relocation.
    pub fn call(&mut self, cond: Cond, symbol: u32) -> Result<(), AsmError> {
        self.symbol_branch(cond, true, symbol)
    }

    /// `b.w symbol` (a tail call to T32 code) with a [`RelocKind::ThumbCall`] relocation.
    pub fn jump(&mut self, cond: Cond, symbol: u32) -> Result<(), AsmError> {
        self.symbol_branch(cond, false, symbol)
    }

    /// `ldr{cond}.w rt, =value`.
    pub fn ldr_literal(&mut self, cond: Cond, rt: Reg, value: u32) -> Result<(), AsmError> {
        self.pool_use(cond, PoolValue::W32(value, None), Some(rt), None)
    }

    /// `ldr{cond}.w rt, =&symbol` (a pool word with an [`RelocKind::Abs32`] relocation).
    pub fn ldr_address(&mut self, cond: Cond, rt: Reg, symbol: u32) -> Result<(), AsmError> {
        self.pool_use(cond, PoolValue::W32(0, Some(symbol)), Some(rt), None)
    }

    /// `vldr{cond} dd, =bits`.
    pub fn vldr_literal(&mut self, cond: Cond, dd: DReg, bits: u64) -> Result<(), AsmError> {
        self.pool_use(cond, PoolValue::W64(bits), None, Some(dd))
    }

    fn pool_use(
        &mut self,
        cond: Cond,
        value: PoolValue,
        rt: Option<Reg>,
        dd: Option<DReg>,
    ) -> Result<(), AsmError> {
        let (kind, w) = match (rt, dd) {
            (Some(rt), _) => {
                if rt == Reg::PC || rt == Reg::SP {
                    return Err(AsmError::Unpredictable("literal load into sp/pc"));
                }
                let _ = MemOp::Ldr;
                (Lit::Ldr, 0xf8df_0000 | rt.num() << 12)
            }
            (None, Some(dd)) => {
                let a = encode(&Inst::Vldr {
                    cond: Cond::Al,
                    dd,
                    rn: Reg::PC,
                    offset: 0,
                })?;
                (Lit::Vldr, 0xe000_0000 | (a & 0x0fff_ffff))
            }
            (None, None) => return Err(AsmError::Unsupported("literal without a register")),
        };
        let shared = |pool: &[PoolEntry]| match value {
            PoolValue::W32(_, Some(_)) => None,
            _ => pool.iter().position(|e| e.value == value),
        };
        let extra = if shared(&self.pool).is_some() {
            0
        } else {
            value.size()
        };
        self.maybe_flush_pool(extra);
        if cond != Cond::Al {
            self.put(T32::Narrow(encode_it(cond, &[])?));
        }
        let at = self.offset();
        self.put(T32::Wide(w));
        match shared(&self.pool) {
            Some(i) => self.pool[i].uses.push((at, kind)),
            None => self.pool.push(PoolEntry {
                value,
                uses: vec![(at, kind)],
            }),
        }
        Ok(())
    }

    /// The pool entries in placement order (64-bit first) with their offsets.
    fn layout(&self) -> Vec<(u32, usize)> {
        let mut order: Vec<usize> = (0..self.pool.len()).collect();
        order.sort_by_key(|&i| matches!(self.pool[i].value, PoolValue::W32(..)));
        let mut pos = 0;
        order
            .into_iter()
            .map(|i| {
                let here = pos;
                pos += self.pool[i].value.size();
                (here, i)
            })
            .collect()
    }

    /// Flushes the pool now if the next instruction (up to `MAX_INST` bytes, possibly
    /// adding `extra` pool bytes) could push a pending literal out of reach. Assumes the
    /// worst placement: after that instruction, a 4-byte branch and 2 bytes of padding.
    fn maybe_flush_pool(&mut self, extra: u32) {
        if self.pool.is_empty() {
            return;
        }
        let start = self.offset() + MAX_INST + 4 + 2 + extra;
        let late = self.layout().into_iter().any(|(pos, i)| {
            self.pool[i]
                .uses
                .iter()
                .any(|&(at, k)| start + pos > ((at + 4) & !3) + k.limit())
        });
        if late {
            self.flush_pool(true);
        }
    }

    /// Places all pending literals here (word-aligned), behind a branch around them when
    /// `branch_around`.
    pub fn flush_pool(&mut self, branch_around: bool) {
        if self.pool.is_empty() {
            return;
        }
        let branch_at = self.offset();
        if branch_around {
            self.put(T32::Wide(0)); // patched below
        }
        if !self.offset().is_multiple_of(4) {
            self.put(T32::Narrow(0xbf00)); // nop
        }
        let layout = self.layout();
        let pool = std::mem::take(&mut self.pool);
        let base = self.offset();
        let size: u32 = pool.iter().map(|e| e.value.size()).sum();
        self.bytes.resize((base + size) as usize, 0);
        for (pos, i) in layout {
            let e = &pool[i];
            let at = base + pos;
            let a = at as usize;
            match e.value {
                PoolValue::W32(v, sym) => {
                    self.bytes[a..a + 4].copy_from_slice(&v.to_le_bytes());
                    if let Some(symbol) = sym {
                        self.relocs.push(Reloc {
                            offset: at,
                            kind: RelocKind::Abs32,
                            symbol,
                        });
                    }
                }
                PoolValue::W64(v) => self.bytes[a..a + 8].copy_from_slice(&v.to_le_bytes()),
            }
            for &(use_at, kind) in &e.uses {
                let off = i64::from(at) - i64::from((use_at + 4) & !3);
                let mag = off.unsigned_abs() as u32;
                let u = u32::from(off >= 0) << 23;
                let w = self.wide_at(use_at);
                let w = match kind {
                    Lit::Ldr => (w & !0x0080_0fff) | u | (mag & 0xfff),
                    Lit::Vldr => (w & !0x0080_00ff) | u | ((mag >> 2) & 0xff),
                };
                self.put_wide_at(use_at, w);
            }
        }
        if branch_around {
            let off = self.offset() as i32 - branch_at as i32 - 4;
            if let Ok(w) = branch_wide(Cond::Al, false, off) {
                self.put_wide_at(branch_at, w);
            }
        }
    }

    /// Places any pending pool and returns the code (bytes may end in a 2-byte NOP so the
    /// length stays a multiple of 4).
    pub fn finish(mut self) -> Result<Code, AsmError> {
        self.flush_pool(false);
        if let Some(&(_, l, _, _)) = self.fixups.first() {
            return Err(AsmError::UnboundLabel(l.0));
        }
        if !self.bytes.len().is_multiple_of(4) {
            self.put(T32::Narrow(0xbf00));
        }
        Ok(Code {
            bytes: self.bytes,
            relocs: self.relocs,
            labels: self.labels,
        })
    }
}

/// The T32 replacement of an A32 instruction that has no T32 encoding, if it has one.
fn rewrite(inst: &Inst) -> Option<Vec<Inst>> {
    use super::{DpOp, Operand2, Shift};
    match *inst {
        Inst::Dp {
            cond,
            op: DpOp::Rsc,
            s: false,
            rd,
            rn,
            op2: Operand2::Imm(i),
        } if i.value() == 0 => Some(vec![Inst::Dp {
            cond,
            op: DpOp::Sbc,
            s: false,
            rd,
            rn,
            op2: Operand2::RegShiftImm {
                rm: rn,
                shift: Shift::Lsl,
                amount: 1,
            },
        }]),
        Inst::Dp {
            cond,
            op: op @ (DpOp::Mov | DpOp::Mvn),
            s: false,
            rd,
            op2: Operand2::Imm(i),
            ..
        } if super::thumb_expand_imm(i.value()).is_none() => {
            let v = if op == DpOp::Mvn {
                !i.value()
            } else {
                i.value()
            };
            let mut seq = vec![Inst::Movw {
                cond,
                rd,
                imm: v as u16,
            }];
            if v >> 16 != 0 {
                seq.push(Inst::Movt {
                    cond,
                    rd,
                    imm: (v >> 16) as u16,
                });
            }
            Some(seq)
        }
        _ => None,
    }
}
