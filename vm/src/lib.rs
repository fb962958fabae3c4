//! The virtual machine: loads `.beam` modules, compiles them (specific instructions →
//! CLIF segments → mid-end → backend-arm32), links and installs the code, and runs Erlang
//! processes on the runtime's scheduler with the code executing in the ARM32 simulator.
//!
//! Modules are found on a code path (the installed OTP's `ebin` directories included) and
//! loaded lazily: `run` compiles the module it starts in, and any other module is compiled
//! on its first call; module `erlang` is the BIF table ([`bifs`]). A remote call goes
//! through an *export cell* holding the callee's address; the cell of a module not loaded
//! yet holds a stub that has the runtime load the module (the process suspended in that
//! runtime call), repoint the cells and continue into the callee; `apply` and `spawn/3`
//! ask the loader directly. A missing module or function raises `error:undef`
//! (docs/beam-machine.md §5). [`Options::eager`] loads everything reachable up front.

pub mod bifs;
mod bifs_application;
mod bifs_bin;
mod bifs_code;
mod bifs_crypto;
mod bifs_erlang_extra;
mod bifs_ets;
mod bifs_ets_ms;
mod bifs_ets_select;
mod bifs_file;
mod bifs_file_owners;
mod bifs_globals;
mod bifs_info;
pub mod bifs_init;
pub mod bifs_io;
mod bifs_io_input;
mod bifs_logger;
mod bifs_maps;
mod bifs_misc;
mod bifs_modinfo;
mod bifs_more;
mod bifs_os_cmd;
mod bifs_port;
mod bifs_proc;
mod bifs_proc_extra;
mod bifs_re;
mod bifs_spawn;
mod bifs_string;
mod bifs_timer;
mod bifs_unicode;
mod bifs_zlib;
pub mod cache;
mod cache_info;
mod cache_load;
mod cache_md5;
mod cache_reloc;
mod code_info;
mod exc;
pub mod fragments;
mod heap_limit;
mod hibernate;
mod host;
mod lazy;
pub mod literals;
mod loader;
mod loader_module;
mod module_meta;
#[cfg(target_arch = "arm")]
mod native;
mod on_load;
mod ports;
mod ports_frame;
mod ports_inet;
mod ports_spawn;
pub mod ports_tty;
pub mod rt;
mod rt_arith;
mod rt_bits;
mod stacktrace;
mod template;
mod tier;
mod tier_cache;
mod unloaded_fun;

mod bifs_crypto_cipher;
mod bifs_crypto_mac;
mod crypto_cipher_extra;
mod crypto_cipher_modes;
mod proc_initial_call;

mod bifs_code_purge;
mod bifs_erts_internal_boot;
mod bifs_loading;
mod group_leader;
pub mod otp_boot;

mod bifs_packet;
mod bifs_unicode_ml;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use backend_arm32::codegen::{Flags, Isa};

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
    /// Segments with more CLIF instructions than this get the mid-end without its
    /// e-graph pass (`OptLevel::None`; docs/compile-speed.md). `BEAM_EGRAPH_MAX_INSTS`
    /// sets it; default: no limit.
    pub egraph_max_insts: u32,
    pub emit: Option<Emit>,
    /// Run on the CPU (ARMv7 hosts only) instead of the simulator; the default on ARM.
    pub native: bool,
    /// Load a module together with every module it can call, transitively, before
    /// anything runs (the first loader's scheme), instead of each module on its first
    /// call. Off by default.
    pub eager: bool,
    /// How modules are compiled: the IR pipeline or templates (docs/template.md).
    pub jit: Jit,
    /// GC stress mode: compiled code collects at every heap check (`test_heap`,
    /// `allocate_heap`, ...), as if the heap were always full. For tests: a term the
    /// collector cannot see (a missing root, a stale pointer kept across a call) breaks at
    /// once instead of when a heap happens to fill. `BEAMJIT_GC_STRESS=1` turns it on.
    pub gc_stress: bool,
    /// The native-code cache's directory (docs/cache.md); `None` compiles every module.
    /// Off in [`Options::with_otp`]; `beam run` turns it on.
    pub cache: Option<PathBuf>,
    /// Tiered mode (docs/tiered.md): calls of a template function before it is
    /// recompiled through the IR pipeline. `BEAM_TIER_THRESHOLD` sets it; default
    /// [`DEFAULT_TIER_THRESHOLD`].
    pub tier_threshold: u32,
    /// The instruction set of the IR pipeline's code (`--isa`): A32, or T32 (Thumb-2,
    /// docs/thumb2.md; IR mode only, the templates are A32).
    pub isa: Isa,
    /// Run as an ARMv7-M (Cortex-M) core (`--isa t32m`): T32 code only, no A32 state, so
    /// every code address, the runtime's redirects included, is odd, and the simulator
    /// runs in its M-profile mode (faults on a branch to an even address). Simulator only:
    /// there is no M-profile host to run natively.
    pub m_profile: bool,
    /// Run OTP's own boot (`erl_init`, `init`, the boot script, kernel's processes;
    /// docs/boot.md): the BIF stand-ins for OTP's Erlang modules step aside
    /// ([`otp_boot`]). `BEAM_OTP_BOOT=1` turns it on; `beam --otp-boot` does.
    pub otp_boot: bool,
}

/// Calls of a function before tiered mode recompiles it through the IR pipeline.
pub const DEFAULT_TIER_THRESHOLD: u32 = 1000;

/// The code generator a module goes through (docs/template.md). Both share one calling
/// convention, so code of either kind calls the other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Jit {
    /// Cranelift IR, optimised, through backend-arm32's instruction selection and
    /// register allocation.
    #[default]
    Ir,
    /// A fixed A32 sequence per specific instruction (backend-template); a function the
    /// templates do not cover goes through the IR pipeline.
    Template,
    /// Alternating per module, in load order: the first module loaded by templates, the
    /// second through IR, and so on (a test of the shared convention).
    Mixed,
    /// Templates at load; a function whose call counter passes
    /// [`Options::tier_threshold`] is recompiled through the IR pipeline and its entry
    /// points repointed (docs/tiered.md).
    Tiered,
}

impl Jit {
    /// Whether the `n`-th module loaded (from 0) is compiled by templates.
    pub fn template_for(self, n: u32) -> bool {
        match self {
            Jit::Ir => false,
            Jit::Template | Jit::Tiered => true,
            Jit::Mixed => n.is_multiple_of(2),
        }
    }
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
            flags: Flags {
                fastalloc_above: env_u32("BEAM_FASTALLOC_ABOVE")
                    .unwrap_or(Flags::DEFAULT.fastalloc_above),
                ..Flags::DEFAULT
            },
            optimize: true,
            egraph_max_insts: env_u32("BEAM_EGRAPH_MAX_INSTS").unwrap_or(u32::MAX),
            emit: None,
            // Generated code runs on the CPU where it can (ARMv7 hosts and qemu-arm).
            native: cfg!(target_arch = "arm"),
            eager: false,
            jit: Jit::Ir,
            gc_stress: std::env::var_os("BEAMJIT_GC_STRESS").is_some_and(|v| v != "0"),
            cache: None,
            tier_threshold: env_u32("BEAM_TIER_THRESHOLD").unwrap_or(DEFAULT_TIER_THRESHOLD),
            isa: Isa::A32,
            m_profile: false,
            otp_boot: std::env::var_os("BEAM_OTP_BOOT").is_some_and(|v| v != "0"),
        }
    }
}

/// A number from the environment (`None` when unset or not a number).
fn env_u32(name: &str) -> Option<u32> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// A loaded module.
#[derive(Clone, Debug)]
pub struct LoadedModule {
    pub name: String,
    /// `(function, arity)` → entry address.
    pub exports: HashMap<(String, u32), u32>,
    /// Bytes of machine code installed in the VM when the module was loaded.
    pub code_bytes: usize,
    pub segments: usize,
    /// Bytes of the module's own code (its segments or template functions, literal
    /// pools included; not the lazy stubs of its imports).
    pub own_bytes: usize,
}

/// What loading has cost so far (for profiling: `Vm::load_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Modules loaded.
    pub modules: u32,
    /// Segments compiled (fragments and BIF trampolines not counted).
    pub segments: u32,
    /// Lazy stubs installed (linked copies of one compiled stub).
    pub stubs: u32,
    /// Bytes of code installed.
    pub code_bytes: usize,
    /// Reading and decoding `.beam` files.
    pub decode: Duration,
    /// Literals, specific instructions and lowering to CLIF segments.
    pub lower: Duration,
    /// Cranelift's mid-end.
    pub optimize: Duration,
    /// backend-arm32: lowering to VCode, register allocation, emission (template mode:
    /// backend-template's emission).
    pub codegen: Duration,
    /// Linking and installing code and stubs.
    pub link: Duration,
    /// Specific BEAM instructions compiled (per module, every function's).
    pub beam_ops: u64,
    /// Functions compiled by templates, and those of template-mode modules that went
    /// through the IR pipeline instead (an instruction the templates do not cover).
    pub template_functions: u32,
    pub template_fallbacks: u32,
    /// Functions compiled (by either code generator; none for a module from the cache).
    pub functions_compiled: u32,
    /// Tiered mode: functions recompiled through the IR pipeline after their call
    /// counter ran out (also counted in `functions_compiled`).
    pub tiered_functions: u32,
    /// Native-code cache: modules taken from it, not found, found but unusable
    /// (corrupt, stale, or not fitting this VM), stored, and compiled but not cacheable.
    pub cache_hits: u32,
    pub cache_misses: u32,
    pub cache_rejected: u32,
    pub cache_stored: u32,
    pub cache_unfit: u32,
    /// Time of the second compilations that find the per-VM values of cached code.
    pub cache_verify: Duration,
}

impl LoadStats {
    /// All the time loading took.
    pub fn total(&self) -> Duration {
        self.decode + self.lower + self.optimize + self.codegen + self.link
    }

    /// What loading cost since `earlier` (an earlier reading of the same VM).
    pub fn since(&self, earlier: &LoadStats) -> LoadStats {
        LoadStats {
            modules: self.modules.saturating_sub(earlier.modules),
            segments: self.segments.saturating_sub(earlier.segments),
            stubs: self.stubs.saturating_sub(earlier.stubs),
            code_bytes: self.code_bytes.saturating_sub(earlier.code_bytes),
            decode: self.decode.saturating_sub(earlier.decode),
            lower: self.lower.saturating_sub(earlier.lower),
            optimize: self.optimize.saturating_sub(earlier.optimize),
            codegen: self.codegen.saturating_sub(earlier.codegen),
            link: self.link.saturating_sub(earlier.link),
            beam_ops: self.beam_ops.saturating_sub(earlier.beam_ops),
            template_functions: self
                .template_functions
                .saturating_sub(earlier.template_functions),
            template_fallbacks: self
                .template_fallbacks
                .saturating_sub(earlier.template_fallbacks),
            functions_compiled: self
                .functions_compiled
                .saturating_sub(earlier.functions_compiled),
            tiered_functions: self
                .tiered_functions
                .saturating_sub(earlier.tiered_functions),
            cache_hits: self.cache_hits.saturating_sub(earlier.cache_hits),
            cache_misses: self.cache_misses.saturating_sub(earlier.cache_misses),
            cache_rejected: self.cache_rejected.saturating_sub(earlier.cache_rejected),
            cache_stored: self.cache_stored.saturating_sub(earlier.cache_stored),
            cache_unfit: self.cache_unfit.saturating_sub(earlier.cache_unfit),
            cache_verify: self.cache_verify.saturating_sub(earlier.cache_verify),
        }
    }
}

/// The VM. Its state (loaded modules, export cells, literals) lives in thread-locals
/// next to the executor's: one VM at a time per thread (a new one replaces the previous,
/// which stops working), and the VM stays on the thread that made it.
pub struct Vm {
    _host: host::SimHost,
    _thread_bound: std::marker::PhantomData<*const ()>,
}
