//! The A32 assembler (ARMv7-A, ARM ARM DDI 0406C).
//!
//! - [`regs`]: [`Reg`], [`DReg`], [`SReg`], [`Cond`], [`RegList`].
//! - [`operand`]: [`Operand2`] (with [`encode_imm`]), [`Addr`] addressing modes.
//! - [`inst`]: the typed instruction [`Inst`].
//! - [`encode`](fn@encode): one [`Inst`] to its 32-bit word, with typed range errors.
//! - [`buffer`]: [`CodeBuffer`] with labels, fixups, literal pools and relocations.
//! - [`disasm`]: text for the words we emit, close to GNU objdump's.
//! - [`t32`]: the same [`Inst`] encoded as T32 (Thumb-2), narrow where a 16-bit form fits.

pub mod buffer;
pub mod decode;
pub mod disasm;
pub mod encode;
pub mod inst;
pub mod operand;
pub mod regs;
pub mod t32;
pub mod t32_buffer;
mod t32_mem;

pub use buffer::{Code, CodeBuffer, Label, Reloc, RelocKind};
pub use decode::decode;
pub use disasm::{disassemble, format_inst};
pub use encode::encode;
pub use inst::{BlockMode, DpOp, Inst, LongMulOp, MemOp, VArithOp, VUnaryOp, VcvtOp};
pub use operand::{encode_imm, Addr, ImmRot, Index, MemOffset, Operand2, Shift};
pub use regs::{Cond, DReg, Reg, RegList, SReg};
pub use t32::{assemble_t32, encode_it, encode_t32, thumb_expand_imm, T32};
pub use t32_buffer::T32Buffer;

/// Everything the assembler can reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsmError {
    /// A register number outside the register file.
    #[error("no such register {kind}{num}")]
    BadRegister { kind: &'static str, num: u32 },
    /// An immediate or offset field that does not fit its encoding.
    #[error("{what} {value} does not fit its encoding")]
    OutOfRange { what: &'static str, value: i64 },
    /// A register combination the architecture calls UNPREDICTABLE.
    #[error("unpredictable operands: {0}")]
    Unpredictable(&'static str),
    /// A form that has no A32 encoding.
    #[error("unsupported form: {0}")]
    Unsupported(&'static str),
    /// A label fixup whose target is too far from the use.
    #[error("{kind} at offset {at:#x} cannot reach offset {target:#x} (limit ±{limit} bytes)")]
    FixupOutOfRange {
        kind: &'static str,
        at: u32,
        target: u32,
        limit: u32,
    },
    /// A label bound twice.
    #[error("label {0} bound twice")]
    LabelRebound(u32),
    /// A label used but never bound when the code was finished.
    #[error("label {0} used but never bound")]
    UnboundLabel(u32),
    /// A label that this buffer did not create.
    #[error("label {0} does not belong to this buffer")]
    ForeignLabel(u32),
}
