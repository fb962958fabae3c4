//! The instruction-set switch of the emitter: A32 or T32 (Thumb-2) from the same VCode.
//! The emitter writes typed A32 [`Inst`]s; [`Buf`] hands them to the A32
//! [`CodeBuffer`](asm::CodeBuffer) or to the T32 [`T32Buffer`](asm::T32Buffer), which
//! re-encodes them (IT blocks for conditions, narrow forms where they fit). The few A32-only
//! idioms the emitter uses (the `add pc, pc, idx, lsl #2` jump table) ask [`Buf::isa`].

use crate::asm::{self, AsmError, Code, Cond, DReg, Inst, Label, Reg};

/// The instruction set to emit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Isa {
    /// ARM (A32), the default.
    #[default]
    A32,
    /// Thumb-2 (T32).
    T32,
}

impl Isa {
    /// `"a32"` or `"t32"`.
    pub fn name(self) -> &'static str {
        match self {
            Isa::A32 => "a32",
            Isa::T32 => "t32",
        }
    }

    /// Parses `a32`/`arm` or `t32`/`thumb`.
    pub fn parse(s: &str) -> Option<Isa> {
        match s {
            "a32" | "arm" => Some(Isa::A32),
            "t32" | "thumb" | "thumb2" => Some(Isa::T32),
            _ => None,
        }
    }
}

/// A code buffer of either instruction set.
pub(crate) enum Buf {
    A32(asm::CodeBuffer),
    T32(asm::T32Buffer),
}

macro_rules! fwd {
    ($self:ident, $b:ident => $e:expr) => {
        match $self {
            Buf::A32($b) => $e,
            Buf::T32($b) => $e,
        }
    };
}

impl Buf {
    pub(crate) fn new(isa: Isa) -> Buf {
        match isa {
            Isa::A32 => Buf::A32(asm::CodeBuffer::new()),
            Isa::T32 => Buf::T32(asm::T32Buffer::new()),
        }
    }
    pub(crate) fn isa(&self) -> Isa {
        match self {
            Buf::A32(_) => Isa::A32,
            Buf::T32(_) => Isa::T32,
        }
    }
    pub(crate) fn new_label(&mut self) -> Label {
        fwd!(self, b => b.new_label())
    }
    pub(crate) fn bind(&mut self, l: Label) -> Result<(), AsmError> {
        fwd!(self, b => b.bind(l))
    }
    pub(crate) fn emit(&mut self, i: &Inst) -> Result<(), AsmError> {
        fwd!(self, b => b.emit(i))
    }
    pub(crate) fn branch(&mut self, c: Cond, link: bool, l: Label) -> Result<(), AsmError> {
        fwd!(self, b => b.branch(c, link, l))
    }
    pub(crate) fn call(&mut self, c: Cond, sym: u32) -> Result<(), AsmError> {
        fwd!(self, b => b.call(c, sym))
    }
    pub(crate) fn jump(&mut self, c: Cond, sym: u32) -> Result<(), AsmError> {
        fwd!(self, b => b.jump(c, sym))
    }
    pub(crate) fn ldr_address(&mut self, c: Cond, rt: Reg, sym: u32) -> Result<(), AsmError> {
        fwd!(self, b => b.ldr_address(c, rt, sym))
    }
    #[allow(dead_code)]
    pub(crate) fn ldr_literal(&mut self, c: Cond, rt: Reg, v: u32) -> Result<(), AsmError> {
        fwd!(self, b => b.ldr_literal(c, rt, v))
    }
    pub(crate) fn vldr_literal(&mut self, c: Cond, dd: DReg, bits: u64) -> Result<(), AsmError> {
        fwd!(self, b => b.vldr_literal(c, dd, bits))
    }
    pub(crate) fn flush_pool(&mut self, around: bool) {
        fwd!(self, b => b.flush_pool(around))
    }
    pub(crate) fn finish(self) -> Result<Code, AsmError> {
        fwd!(self, b => b.finish())
    }
}
