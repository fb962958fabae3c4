//! The code generator for Cranelift IR.
//!
//! Pipeline: [`lower`] (ISLE rules from the workspace's `isle/` directory, compiled by
//! `build.rs`; glue in [`isle`]) turns a CLIF function into [`vcode::VCode`] on virtual
//! registers; regalloc2 ([`regalloc`]) assigns physical registers and spill slots; [`emit`]
//! lays out the frame ([`abi`]) and emits A32 through [`crate::asm`].

pub mod abi;
pub mod emit;
pub mod isle;
pub mod lower;
pub mod regalloc;
pub mod vcode;

use cranelift_codegen::ir::Function;

/// Everything the code generator can reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodegenError {
    /// An instruction no lowering rule covers (names the opcode and its type).
    #[error("unsupported instruction `{inst}` ({ty}) in {func}")]
    Unsupported {
        func: String,
        inst: String,
        ty: String,
    },
    /// A signature the ABI code cannot handle yet.
    #[error("unsupported signature in {func}: {why}")]
    Signature { func: String, why: String },
    /// regalloc2 rejected the VCode (a bug in lowering).
    #[error("register allocation failed in {func}: {why}")]
    Regalloc { func: String, why: String },
    /// The frame is larger than the addressing modes used for it reach.
    #[error("frame of {bytes} bytes in {func} is too large")]
    FrameTooLarge { func: String, bytes: u32 },
    /// The assembler rejected an instruction (a bug in emission).
    #[error("assembler error in {func}: {err}")]
    Asm {
        func: String,
        err: crate::asm::AsmError,
    },
}

/// Target options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// The CPU has SDIV/UDIV (Cortex-A7/A15); otherwise division calls a runtime helper.
    pub has_hw_div: bool,
}

/// Compiled machine code.
#[derive(Clone, Debug)]
pub struct CompiledCode {
    pub code: crate::asm::Code,
    /// The VCode before allocation, for `--emit vcode`.
    pub vcode_text: String,
}

/// Compiles one (already optimised) CLIF function.
pub fn compile(func: &Function, flags: &Flags) -> Result<CompiledCode, CodegenError> {
    let vcode = lower::lower(func, flags)?;
    let vcode_text = vcode.display();
    let name = func.name.to_string();
    let ra = regalloc::allocate(&vcode).map_err(|why| CodegenError::Regalloc {
        func: name.clone(),
        why,
    })?;
    let code = emit::emit(&vcode, &ra, &name)?;
    Ok(CompiledCode { code, vcode_text })
}
