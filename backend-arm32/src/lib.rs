//! The ARM32 backend.
//!
//! - [`asm`]: the A32 assembler (typed instructions, encoder, code buffer with labels,
//!   literal pools and relocations) and a disassembler for what it emits. Both code
//!   generation modes (IR-based and template) emit through it.
//! - [`codegen`]: the code generator for Cranelift IR: ISLE instruction selection
//!   (rules in the workspace's `isle/`), VCode, register allocation with regalloc2,
//!   frame layout and emission through [`asm`].

pub mod asm;
pub mod codegen;
