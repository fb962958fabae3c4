//! The virtual machine: loads `.beam` modules, compiles them (specific instructions →
//! CLIF segments → mid-end → backend-arm32), links and installs the code, and runs Erlang
//! processes on the runtime's scheduler with the code executing in the ARM32 simulator.
//!
//! Modules are found on a code path (the installed OTP's `ebin` directories included) and
//! loaded with everything they call, transitively, before anything runs; module `erlang`
//! is the BIF table ([`bifs`]). A remote call goes through an *export cell* holding the
//! callee's address, so a later reload only rewrites cells (docs/beam-machine.md §5).

pub mod bifs;
mod bifs_bin;
mod bifs_more;
mod bifs_proc;
pub mod fragments;
mod host;
pub mod literals;
mod loader;
#[cfg(target_arch = "arm")]
mod native;
pub mod rt;
mod rt_bits;

use std::collections::HashMap;
use std::path::PathBuf;

use backend_arm32::codegen::Flags;
use beam_runtime::heap::LiteralArea;

pub use host::{RunError, RunOutcome};
pub use loader::LoadError;

/// What to print while compiling (`beam run --emit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    Clif,
    Vcode,
    Asm,
}

/// Options of a VM.
#[derive(Clone, Debug)]
pub struct Options {
    /// Directories searched for `MODULE.beam`, in order.
    pub code_path: Vec<PathBuf>,
    pub flags: Flags,
    /// Run Cranelift's mid-end on every segment.
    pub optimize: bool,
    pub emit: Option<Emit>,
    /// Run on the CPU (ARMv7 hosts only) instead of the simulator; the default on ARM.
    pub native: bool,
}

impl Options {
    /// The given directories followed by every installed OTP application's `ebin`.
    pub fn with_otp(mut dirs: Vec<PathBuf>) -> Options {
        if let Ok(rd) = std::fs::read_dir("/usr/lib/erlang/lib") {
            let mut otp: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path().join("ebin")))
                .filter(|p| p.is_dir())
                .collect();
            otp.sort();
            dirs.extend(otp);
        }
        Options {
            code_path: dirs,
            flags: Flags::default(),
            optimize: true,
            emit: None,
            // Generated code runs on the CPU where it can (ARMv7 hosts and qemu-arm).
            native: cfg!(target_arch = "arm"),
        }
    }
}

/// A loaded module.
pub struct LoadedModule {
    pub name: String,
    /// `(function, arity)` → entry address.
    pub exports: HashMap<(String, u32), u32>,
    /// Bytes of machine code.
    pub code_bytes: usize,
    pub segments: usize,
}

/// The VM.
pub struct Vm {
    opts: Options,
    host: host::SimHost,
    literals: LiteralArea,
    modules: HashMap<String, LoadedModule>,
    /// `{M, F, A}` → guest address of its export cell.
    cells: HashMap<(String, String, u32), u32>,
    /// Address of each shared fragment (see [`fragments`]).
    fragments: Vec<u32>,
}
