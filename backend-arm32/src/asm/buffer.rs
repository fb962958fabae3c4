//! The code buffer: emits encoded instructions, resolves labels with range-checked fixups,
//! keeps literal pools (placed, with a branch around them, before any pending use goes out
//! of range) and records relocations to patch when the code is installed.

use super::inst::{Inst, MemOp};
use super::{encode, Addr, AsmError, Cond, DReg, Index, MemOffset, Reg};

/// A position in the code, bound once with [`CodeBuffer::bind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(pub(crate) u32);

/// What kind of field a fixup patches, with its reach (ARM ARM A8.8.18, A8.8.64, A8.8.333).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FixKind {
    /// B/BL imm24: ±32 MiB.
    Branch,
    /// LDR (literal) imm12: +/-4095 bytes.
    LdrLit,
    /// VLDR imm8*4: +/-1020 bytes.
    Vldr,
}

impl FixKind {
    fn limit(self) -> u32 {
        match self {
            FixKind::Branch => 1 << 25,
            FixKind::LdrLit => 4095,
            FixKind::Vldr => 1020,
        }
    }
    fn name(self) -> &'static str {
        match self {
            FixKind::Branch => "branch",
            FixKind::LdrLit => "ldr literal",
            FixKind::Vldr => "vldr literal",
        }
    }
}

/// How an installed image must be patched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelocKind {
    /// The 32-bit word at `offset` receives the absolute address of `symbol`.
    Abs32,
    /// The BL (a call) or B (a tail call) at `offset` must reach `symbol` (patch imm24,
    /// keeping the condition and opcode bits, or route through a veneer).
    Call,
    /// The T32 `BL` (a call) or `B.W` (a tail call) at `offset` must reach `symbol`: BL
    /// becomes BLX when the target is A32 code (an even address); see `asm::t32_buffer`.
    ThumbCall,
}

/// A relocation: patch at byte `offset` for the embedder-defined `symbol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reloc {
    pub offset: u32,
    pub kind: RelocKind,
    pub symbol: u32,
}

/// Finished code: little-endian bytes and relocations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub bytes: Vec<u8>,
    pub relocs: Vec<Reloc>,
    /// Byte offset of each label (None if never bound).
    pub labels: Vec<Option<u32>>,
}

/// The bytes a pool entry of `value` takes.
fn extra_of(value: PoolValue) -> u32 {
    match value {
        PoolValue::W32(..) => 4,
        PoolValue::W64(_) => 8,
    }
}

/// A pool constant: 32-bit (with an optional Abs32 relocation) or 64-bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PoolValue {
    W32(u32, Option<u32>),
    W64(u64),
}

struct PoolEntry {
    value: PoolValue,
    /// (word index of the using instruction, kind)
    uses: Vec<(usize, FixKind)>,
}

/// An A32 code buffer.
#[derive(Default)]
pub struct CodeBuffer {
    words: Vec<u32>,
    labels: Vec<Option<u32>>,
    /// Unresolved branch fixups: (word index, label).
    fixups: Vec<(usize, Label)>,
    pool: Vec<PoolEntry>,
    /// The pending pool's size in bytes and the tightest reach of its uses (the byte
    /// offset none of them may see the pool start beyond): kept as entries and uses are
    /// added, so the check before every instruction is two comparisons.
    pool_size: u32,
    pool_reach: u32,
    relocs: Vec<Reloc>,
}

impl CodeBuffer {
    /// An empty buffer.
    pub fn new() -> CodeBuffer {
        CodeBuffer::default()
    }

    /// Current size in bytes (the offset of the next instruction).
    pub fn offset(&self) -> u32 {
        (self.words.len() * 4) as u32
    }

    /// A fresh, unbound label.
    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label((self.labels.len() - 1) as u32)
    }

    /// Binds `label` to the current offset and resolves pending branches to it.
    pub fn bind(&mut self, label: Label) -> Result<(), AsmError> {
        let here = self.offset();
        match self.labels.get_mut(label.0 as usize) {
            None => return Err(AsmError::ForeignLabel(label.0)),
            Some(Some(_)) => return Err(AsmError::LabelRebound(label.0)),
            Some(slot) => *slot = Some(here),
        }
        // In place, without allocating: labels are bound once per block, and a function
        // has hundreds of them (the order of the remaining fixups does not matter).
        let mut i = 0;
        while i < self.fixups.len() {
            if self.fixups[i].1 == label {
                let (at, _) = self.fixups.swap_remove(i);
                self.patch_branch(at, here)?;
            } else {
                i += 1;
            }
        }
        Ok(())
    }

    fn patch_branch(&mut self, at: usize, target: u32) -> Result<(), AsmError> {
        let from = (at * 4) as u32;
        let off = i64::from(target) - i64::from(from) - 8;
        if !(-(1 << 25)..(1 << 25)).contains(&off) {
            return Err(AsmError::FixupOutOfRange {
                kind: FixKind::Branch.name(),
                at: from,
                target,
                limit: FixKind::Branch.limit(),
            });
        }
        let w = &mut self.words[at];
        *w = (*w & 0xff00_0000) | (((off >> 2) as u32) & 0x00ff_ffff);
        Ok(())
    }

    /// Encodes and appends one instruction (a pool may be placed before it).
    pub fn emit(&mut self, inst: &Inst) -> Result<(), AsmError> {
        let w = encode(inst)?;
        // A MOVW is usually the first half of a MOVW/MOVT pair: a pool placed between
        // them would split one 32-bit constant around a branch, which the native-code
        // cache cannot recognise as one value (vm/src/cache_reloc.rs). Flushing here if
        // the MOVT could not be emitted without a flush keeps the pair together.
        let lookahead = if matches!(inst, Inst::Movw { .. }) {
            4
        } else {
            0
        };
        self.maybe_flush_pool(lookahead);
        self.words.push(w);
        Ok(())
    }

    /// Appends a raw word (data or an already-encoded instruction).
    pub fn emit_word(&mut self, w: u32) {
        self.maybe_flush_pool(0);
        self.words.push(w);
    }

    /// `b{cond} label` (or `bl` when `link`).
    pub fn branch(&mut self, cond: Cond, link: bool, label: Label) -> Result<(), AsmError> {
        let target = *self
            .labels
            .get(label.0 as usize)
            .ok_or(AsmError::ForeignLabel(label.0))?;
        self.emit(&Inst::B {
            cond,
            link,
            offset: 0,
        })?;
        let at = self.words.len() - 1;
        match target {
            Some(t) => self.patch_branch(at, t),
            None => {
                self.fixups.push((at, label));
                Ok(())
            }
        }
    }

    /// `bl symbol` with a [`RelocKind::Call`] relocation (imm24 left as branch-to-self+8).
    pub fn call(&mut self, cond: Cond, symbol: u32) -> Result<(), AsmError> {
        self.emit(&Inst::B {
            cond,
            link: true,
            offset: 0,
        })?;
        self.relocs.push(Reloc {
            offset: self.offset() - 4,
            kind: RelocKind::Call,
            symbol,
        });
        Ok(())
    }

    /// `b{cond} symbol` (a tail call) with a [`RelocKind::Call`] relocation.
    pub fn jump(&mut self, cond: Cond, symbol: u32) -> Result<(), AsmError> {
        self.emit(&Inst::B {
            cond,
            link: false,
            offset: 0,
        })?;
        self.relocs.push(Reloc {
            offset: self.offset() - 4,
            kind: RelocKind::Call,
            symbol,
        });
        Ok(())
    }

    /// `ldr{cond} rt, =value` from the literal pool.
    pub fn ldr_literal(&mut self, cond: Cond, rt: Reg, value: u32) -> Result<(), AsmError> {
        self.pool_use(cond, PoolValue::W32(value, None), LitDest::Core(rt))
    }

    /// `ldr{cond} rt, =&symbol`: a pool word with an [`RelocKind::Abs32`] relocation.
    pub fn ldr_address(&mut self, cond: Cond, rt: Reg, symbol: u32) -> Result<(), AsmError> {
        self.pool_use(cond, PoolValue::W32(0, Some(symbol)), LitDest::Core(rt))
    }

    /// `vldr{cond} dd, =bits` (an f64 given by its bit pattern) from the literal pool.
    pub fn vldr_literal(&mut self, cond: Cond, dd: DReg, bits: u64) -> Result<(), AsmError> {
        self.pool_use(cond, PoolValue::W64(bits), LitDest::Vfp(dd))
    }

    fn pool_use(&mut self, cond: Cond, value: PoolValue, dest: LitDest) -> Result<(), AsmError> {
        let (kind, inst) = match dest {
            LitDest::Core(rt) => (
                FixKind::LdrLit,
                Inst::Mem {
                    cond,
                    op: MemOp::Ldr,
                    rt,
                    addr: Addr {
                        base: Reg::PC,
                        offset: MemOffset::Imm { neg: false, imm: 0 },
                        index: Index::Offset,
                    },
                },
            ),
            LitDest::Vfp(dd) => (
                FixKind::Vldr,
                Inst::Vldr {
                    cond,
                    dd,
                    rn: Reg::PC,
                    offset: 0,
                },
            ),
        };
        let w = encode(&inst)?;
        let existing = match value {
            PoolValue::W32(_, Some(_)) => None,
            _ => self.pool.iter().position(|e| e.value == value),
        };
        let extra = match (existing, value) {
            (Some(_), _) => 0,
            (None, PoolValue::W32(..)) => 4,
            (None, PoolValue::W64(_)) => 8,
        };
        self.maybe_flush_pool(extra);
        self.words.push(w);
        let use_ = (self.words.len() - 1, kind);
        // The pool may have been flushed: look the value up again.
        let existing = match value {
            PoolValue::W32(_, Some(_)) => None,
            _ => self.pool.iter().position(|e| e.value == value),
        };
        if self.pool.is_empty() {
            (self.pool_size, self.pool_reach) = (0, u32::MAX);
        }
        self.pool_reach = self
            .pool_reach
            .min((use_.0 * 4) as u32 + 8 + use_.1.limit());
        match existing {
            Some(i) => self.pool[i].uses.push(use_),
            None => {
                self.pool_size += extra_of(value);
                self.pool.push(PoolEntry {
                    value,
                    uses: vec![use_],
                })
            }
        }
        Ok(())
    }

    /// Places the pool now if emitting one more instruction (which may add `extra` pool
    /// bytes) could push a pending literal out of reach. If we do not flush now, the pool
    /// can still be placed after that instruction and a branch around it, at
    /// `offset + 8`; each entry sits at its offset in the pool layout (64-bit entries first,
    /// then 32-bit ones, in insertion order), conservatively shifted by `extra` for an entry
    /// the instruction may add in front of it.
    fn maybe_flush_pool(&mut self, extra: u32) {
        if self.pool.is_empty() {
            return;
        }
        let start = self.offset() + 8 + extra;
        // Quick test first (this runs before every instruction): every entry lies within
        // the pool's size of its start, so if even the tightest use reaches that far, no
        // use can be out of reach and the exact layout need not be built.
        if start + self.pool_size <= self.pool_reach {
            return;
        }
        let mut must_flush = false;
        for (pos, e) in self.layout() {
            for &(at, k) in &e.uses {
                if start + pos > (at * 4) as u32 + 8 + k.limit() {
                    must_flush = true;
                }
            }
        }
        if must_flush {
            self.flush_pool(true);
        }
    }

    /// The pool entries in placement order with their byte offsets from the pool start.
    fn layout(&self) -> Vec<(u32, &PoolEntry)> {
        let mut order: Vec<&PoolEntry> = self.pool.iter().collect();
        order.sort_by_key(|e| matches!(e.value, PoolValue::W32(..)));
        let mut pos = 0;
        order
            .into_iter()
            .map(|e| {
                let here = pos;
                pos += match e.value {
                    PoolValue::W32(..) => 4,
                    PoolValue::W64(_) => 8,
                };
                (here, e)
            })
            .collect()
    }

    /// Places all pending literals here, behind a branch around them when `branch_around`.
    /// 64-bit entries come first so the tight VLDR range is used best.
    pub fn flush_pool(&mut self, branch_around: bool) {
        if self.pool.is_empty() {
            return;
        }
        let mut pool = std::mem::take(&mut self.pool);
        pool.sort_by_key(|e| matches!(e.value, PoolValue::W32(..)));
        let size: u32 = pool
            .iter()
            .map(|e| match e.value {
                PoolValue::W32(..) => 4,
                PoolValue::W64(_) => 8,
            })
            .sum();
        if branch_around {
            // b over the pool: target = here + 4 + size; offset from here + 8.
            let w = 0xea00_0000 | (((size as i32 - 4) >> 2) as u32 & 0x00ff_ffff);
            self.words.push(w);
        }
        for e in pool {
            let at = self.offset();
            match e.value {
                PoolValue::W32(v, sym) => {
                    self.words.push(v);
                    if let Some(symbol) = sym {
                        self.relocs.push(Reloc {
                            offset: at,
                            kind: RelocKind::Abs32,
                            symbol,
                        });
                    }
                }
                PoolValue::W64(v) => {
                    self.words.push(v as u32);
                    self.words.push((v >> 32) as u32);
                }
            }
            for (use_at, kind) in e.uses {
                // Uses precede the pool, and the flush rule above guarantees they reach it.
                // Without a branch around it the pool can start right after its last use,
                // 4 bytes before that use's PC (+8): then the offset is negative (U = 0).
                let off = i64::from(at) - (use_at as i64 * 4 + 8);
                let mag = off.unsigned_abs() as u32;
                let u = u32::from(off >= 0) << 23;
                let w = &mut self.words[use_at];
                *w = match kind {
                    FixKind::LdrLit => (*w & !0x0080_0fff) | u | (mag & 0xfff),
                    _ => (*w & !0x0080_00ff) | u | ((mag >> 2) & 0xff),
                };
            }
        }
    }

    /// Places any pending pool (without a branch around it: the caller ends the function
    /// with a return or branch) and returns the code, or an error for an unbound label.
    pub fn finish(mut self) -> Result<Code, AsmError> {
        self.flush_pool(false);
        if let Some(&(_, l)) = self.fixups.first() {
            return Err(AsmError::UnboundLabel(l.0));
        }
        Ok(Code {
            bytes: self.words.iter().flat_map(|w| w.to_le_bytes()).collect(),
            relocs: self.relocs,
            labels: self.labels,
        })
    }
}

enum LitDest {
    Core(Reg),
    Vfp(DReg),
}
