//! Loading: find a module on the code path, decode it, turn it into specific instructions,
//! lower to CLIF segments, optimise, compile with backend-arm32, link, install, and point
//! the export cells of its functions at the new code.
//!
//! The loader's state lives in a thread-local ([`with_loader`]), like the executor's: a
//! module is loaded on its first call from inside a runtime call ([`crate::lazy`]), while
//! the [`Vm`] that owns the state is in the middle of [`Vm::run`].

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use backend_arm32::codegen::{self, link, CompiledCode, SymbolName};
use beam_frontend::{specific, AtomIndex, Module};
use beam_ir::lower::Env;
use beam_ir::mid_end::{optimize, OptLevel};
use beam_ir::rtcall::{RtFn, NS_EXPORT_CELL, NS_FRAGMENT, NS_RUNTIME};
use beam_runtime::heap::{Alloc, HeapError, LiteralArea};
use beam_runtime::process::Pid;
use beam_runtime::scheduler::{Idle, Scheduler};
use beam_runtime::term::Term;
use beam_runtime::{arena, atom};
use cranelift_codegen::ir::Function;
use num_bigint::BigInt;
use rustc_hash::FxHashMap;

use crate::host::{self, JitBody, RunError, RunOutcome, SimHost};
use crate::{bifs, fragments, literals, rt, Emit, LoadStats, LoadedModule, Options, Vm};

/// Why a module could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("module {0} not found on the code path")]
    NotFound(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{module}: {source}")]
    Decode {
        module: String,
        source: beam_frontend::LoadError,
    },
    #[error("{module}: {source}")]
    Shape {
        module: String,
        source: specific::ShapeError,
    },
    #[error("{module}: literal {index}: {source}")]
    Literal {
        module: String,
        index: usize,
        source: literals::LiteralError,
    },
    #[error("{module}: constant in code: {source}")]
    Constant {
        module: String,
        source: literals::LiteralError,
    },
    #[error("{module}: {source}")]
    Lower {
        module: String,
        source: beam_ir::lower::LowerError,
    },
    #[error("{module}: {what}")]
    Compile { module: String, what: String },
    #[error("{module}:{function}/{arity} is not exported")]
    NotExported {
        module: String,
        function: String,
        arity: u32,
    },
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("runtime: {0}")]
    Runtime(String),
    /// An option combination this VM cannot run.
    #[error("{0}")]
    Unsupported(String),
    #[error("the loader is busy (loading from inside a load) or there is no VM on this thread")]
    Busy,
}

/// The lowering's view of one module: its atoms, literals and the big-integer and float
/// constants of its code as runtime terms (built in the literal area before lowering).
pub(crate) struct ModEnv {
    pub atoms: Vec<Term>,
    pub literals: Vec<Term>,
    pub bigs: HashMap<BigInt, Term>,
    pub floats: HashMap<u64, Term>,
    /// Runtime number of the module's catch number 0.
    pub catch_base: u32,
    /// [`Options::gc_stress`].
    pub gc_stress: bool,
    /// Bit 0 of every code address: 1 for T32 code ([`Env::code_addr_bit`]).
    pub code_addr_bit: u32,
}

impl Env for ModEnv {
    fn atom(&self, a: AtomIndex) -> u32 {
        self.atoms
            .get((a as usize).wrapping_sub(1))
            .map_or(Term::NIL.0, |t| t.0)
    }
    fn atom_named(&self, name: &str) -> u32 {
        atom::intern(name).map_or(Term::NIL.0, |t| t.0)
    }
    fn literal(&self, l: u32) -> u32 {
        self.literals.get(l as usize).map_or(Term::NIL.0, |t| t.0)
    }
    fn big_int(&self, n: &BigInt) -> u32 {
        self.bigs.get(n).map_or(Term::NIL.0, |t| t.0)
    }
    fn float(&self, f: f64) -> u32 {
        self.floats.get(&f.to_bits()).map_or(Term::NIL.0, |t| t.0)
    }
    fn bif(&self, module: &str, function: &str, arity: u32) -> Option<u32> {
        bifs::lookup(module, function, arity)
    }
    fn catch_tag(&self, local: u32) -> u32 {
        Term::catch(self.catch_base + local).0
    }
    fn code_addr_bit(&self) -> u32 {
        self.code_addr_bit
    }
    fn gc_stress(&self) -> bool {
        self.gc_stress
    }
}

/// Alignment of each module's piece of the literal area, in bytes.
pub(crate) const LITERAL_PIECE_ALIGN: u32 = 16;

/// Makes the next `words` words of the literal area one contiguous piece
/// (LiteralArea::reserve) starting at a multiple of [`LITERAL_PIECE_ALIGN`]: the code
/// generators may fold a literal's low address bits into an immediate (a tag test of a
/// literal operand, `and r0, r1, #(literal & 15)`), so the native-code cache only moves a
/// module's literals by multiples of 16 (vm/src/cache_reloc.rs), which keeps those bits the
/// same in every VM.
pub(crate) fn align_literal_piece(area: &mut LiteralArea, words: u32) -> Result<(), HeapError> {
    let pad_max = LITERAL_PIECE_ALIGN / 4 - 1;
    area.reserve(words.saturating_add(pad_max))?;
    // An empty allocation answers where the piece starts without taking anything.
    let top = area.alloc(0)?;
    let pad = (LITERAL_PIECE_ALIGN - top % LITERAL_PIECE_ALIGN) % LITERAL_PIECE_ALIGN / 4;
    if pad > 0 {
        area.alloc(pad)?;
    }
    Ok(())
}

/// `{M, F, A}` by name.
pub(crate) type Mfa = (String, String, u32);

/// The export cells (§5 of docs/beam-machine.md): two words of guest memory,
/// `[address, arity]`, per `{M, F, A}` that code refers to.
pub(crate) struct Cells {
    /// Fx-hashed, as the runtime's atom table: SipHash's DoS resistance buys nothing for
    /// the names of loaded code, and these maps are hit for every import of every module.
    pub map: FxHashMap<Mfa, u32>,
    /// Cell address → its `{M, F, A}` (what `rt_load` loads).
    pub mfa: FxHashMap<u32, Mfa>,
    /// Module name → the addresses of its functions' cells: installing or unloading a
    /// module visits its own cells, not every cell (a full scan per module was the boot's
    /// largest user of memcmp).
    pub of_module: FxHashMap<String, Vec<u32>>,
    /// New cells of modules not loaded yet, waiting for their lazy stub.
    pub unstubbed: Vec<u32>,
    /// Give cells of unloaded modules a lazy stub (else they start at `undef`).
    pub lazy: bool,
    /// The `undef` fragment.
    pub undef: u32,
    /// Modules that are not on the code path or failed to load: calls raise `undef`.
    pub missing: HashSet<String>,
}

/// The loader's state: one per VM, in a thread-local (see the module comment).
pub(crate) struct Loader {
    pub opts: Options,
    pub literals: LiteralArea,
    pub modules: HashMap<String, LoadedModule>,
    pub cells: Cells,
    /// Address of each shared fragment (see [`fragments`]).
    pub fragments: Vec<u32>,
    /// The lazy stub, compiled on first need and then linked once per cell.
    stub: Option<CompiledCode>,
    /// `(base, bytes)` of every block of installed stubs.
    stub_ranges: Vec<(u32, u32)>,
    pub stats: LoadStats,
    /// Tiered mode's modules and tier cells (docs/tiered.md).
    pub tier: crate::tier::TierState,
    /// The VM this state belongs to ([`SimHost::id`]).
    owner: u64,
    /// Code bytes of the module image installed last ([`LoadedModule::own_bytes`]).
    pub last_image_bytes: usize,
}

thread_local! {
    static LOADER: RefCell<Option<Loader>> = const { RefCell::new(None) };
}

/// Runs `f` on the thread's loader; [`LoadError::Busy`] when there is none or it is in
/// use (a load never runs Erlang code, so a runtime call cannot meet a load in progress).
pub(crate) fn with_loader<R>(
    f: impl FnOnce(&mut Loader) -> Result<R, LoadError>,
) -> Result<R, LoadError> {
    LOADER.with(|l| {
        let mut guard = l.try_borrow_mut().map_err(|_| LoadError::Busy)?;
        f(guard.as_mut().ok_or(LoadError::Busy)?)
    })
}

impl Vm {
    /// A VM with the shared fragments compiled and installed.
    pub fn new(opts: Options) -> Result<Vm, LoadError> {
        // Registered names belong to the previous VM's processes.
        crate::bifs_proc::reset_registry();
        // Stack traces and fun names come from this VM's code.
        crate::stacktrace::reset();
        crate::module_meta::reset();
        // crypto states belong to the previous VM's processes (their refs are reused).
        crate::bifs_crypto_cipher::reset();
        beam_runtime::ops::set_code_info(Box::new(crate::code_info::VmCodeInfo));
        if opts.isa == codegen::Isa::T32 && opts.jit != crate::Jit::Ir {
            return Err(LoadError::Unsupported(format!(
                "--isa t32 needs --jit ir (the {:?} code generator emits A32 only)",
                opts.jit
            )));
        }
        if opts.m_profile && (opts.isa != codegen::Isa::T32 || opts.native) {
            return Err(LoadError::Unsupported(
                "--isa t32m (ARMv7-M) runs T32 code in the simulator only: there is no \
                 M-profile host to run it natively"
                    .into(),
            ));
        }
        // Fixed before anything is compiled: it decides which calls are BIF calls.
        crate::otp_boot::set(opts.otp_boot);
        crate::bifs_loading::reset();
        crate::on_load::reset();
        let host = SimHost::new(opts.native, opts.m_profile)?;
        let lazy = !opts.eager;
        let loader = Loader {
            opts,
            literals: LiteralArea::new(),
            modules: HashMap::new(),
            cells: Cells {
                map: FxHashMap::default(),
                mfa: FxHashMap::default(),
                of_module: FxHashMap::default(),
                unstubbed: Vec::new(),
                lazy,
                undef: 0,
                missing: HashSet::new(),
            },
            fragments: Vec::new(),
            stub: None,
            stub_ranges: Vec::new(),
            stats: LoadStats::default(),
            tier: Default::default(),
            owner: host.id(),
            last_image_bytes: 0,
        };
        LOADER.with(|l| {
            *l.try_borrow_mut().map_err(|_| LoadError::Busy)? = Some(loader);
            Ok::<(), LoadError>(())
        })?;
        let vm = Vm {
            _host: host,
            _thread_bound: std::marker::PhantomData,
        };
        with_loader(|l| {
            let a = |n: &str| atom::intern(n).map_err(|e| LoadError::Runtime(e.to_string()));
            let frags = fragments::all(a("normal")?, a("error")?, a("undef")?);
            let entries = l.install("fragments", &frags, &|_| None)?;
            l.fragments = entries.clone();
            let at = |i: u32| entries[i as usize];
            l.cells.undef = at(fragments::UNDEF);
            host::set_entries(at(fragments::PROCESS_ENTRY), at(fragments::NORMAL_EXIT));
            rt::reset_tables(
                at(fragments::NORMAL_EXIT),
                at(fragments::UNDEF),
                at(fragments::RETURN_X0),
            );
            Ok(())
        })?;
        Ok(vm)
    }

    /// The loaded module `name`, if any.
    pub fn module(&self, name: &str) -> Option<LoadedModule> {
        with_loader(|l| Ok(l.modules.get(name).cloned()))
            .ok()
            .flatten()
    }

    /// Loads `name`: that module only (its callees load on their first call), or with
    /// [`Options::eager`] every module it can call, transitively.
    pub fn load(&mut self, name: &str) -> Result<(), LoadError> {
        with_loader(|l| l.load(name))
    }

    /// Compiles and installs a decoded module.
    pub fn load_module(&mut self, m: &Module) -> Result<(), LoadError> {
        with_loader(|l| l.load_module(m))
    }

    /// Every loaded module's name and own code bytes ([`LoadedModule::own_bytes`]),
    /// sorted by name.
    pub fn module_sizes(&self) -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> = with_loader(|l| {
            Ok(l.modules
                .values()
                .map(|m| (m.name.clone(), m.own_bytes))
                .collect())
        })
        .unwrap_or_default();
        v.sort();
        v
    }

    /// What loading has cost so far.
    pub fn load_stats(&self) -> LoadStats {
        with_loader(|l| Ok(l.stats)).unwrap_or_default()
    }

    /// Runs `module:function(args...)` as the first process until every process has ended
    /// or one halts the VM.
    pub fn run(
        &mut self,
        module: &str,
        function: &str,
        args: &[Term],
    ) -> Result<RunOutcome, LoadError> {
        self.run_system(module, function, args, &[])
    }

    /// [`Vm::run`], with the system processes ERTS starts next to the first one
    /// (`erts_code_purger:start/0`...): each `M:F()` spawned after the first process,
    /// in order, so the first process is `<0.0.0>` as erl's init is.
    pub fn run_system(
        &mut self,
        module: &str,
        function: &str,
        args: &[Term],
        system: &[(&str, &str)],
    ) -> Result<RunOutcome, LoadError> {
        // io's buffered output is written however the run ends (halts included).
        let _flush = crate::bifs_io::FlushOnDrop;
        self.load(module)?;
        let arity = args.len() as u32;
        let entry = with_loader(|l| {
            let code = l
                .modules
                .get(module)
                .and_then(|m| m.exports.get(&(function.to_string(), arity)))
                .copied();
            // With an on_load function to run first: through the export cell's stub.
            Ok(match code {
                Some(_) if crate::on_load::pending(module) => {
                    let cell = l.fun_cell(module, function, arity)?;
                    beam_runtime::mem::read(cell).filter(|&a| l.is_stub(a))
                }
                code => code,
            })
        })?
        .ok_or_else(|| LoadError::NotExported {
            module: module.to_string(),
            function: function.to_string(),
            arity,
        })?;
        let normal_exit = host::normal_exit();
        // Each run has its own scheduler: names registered in an earlier run of this VM
        // belong to processes that are gone (and their pids are reused by the new one).
        crate::bifs_proc::reset_registry();
        crate::group_leader::reset();
        crate::bifs_erts_internal_boot::reset();
        let mut sched = Scheduler::new().map_err(|e| LoadError::Runtime(e.to_string()))?;
        let body = JitBody::new(entry, normal_exit, true);
        let pid: Pid = sched
            .spawn(body, args)
            .map_err(|e| LoadError::Runtime(e.to_string()))?;
        let mfa = |m: &str, f: &str| -> Result<(Term, Term), LoadError> {
            let a = |s: &str| atom::intern(s).map_err(|e| LoadError::Runtime(e.to_string()));
            Ok((a(m)?, a(f)?))
        };
        if !system.is_empty() {
            // As ERTS: the first process's `process_info(P, initial_call)` is the function
            // it was started with (erl_init:start/2); a plain run keeps {erlang, apply, 2}.
            let (m, f) = mfa(module, function)?;
            crate::proc_initial_call::spawned(pid.term(), m, f, arity);
        }
        for (m, f) in system {
            self.load(m)?;
            let entry = with_loader(|l| {
                Ok(l.modules
                    .get(*m)
                    .and_then(|lm| lm.exports.get(&(f.to_string(), 0)))
                    .copied())
            })?
            .ok_or_else(|| LoadError::NotExported {
                module: m.to_string(),
                function: f.to_string(),
                arity: 0,
            })?;
            let pid = sched
                .spawn(JitBody::new(entry, normal_exit, false), &[])
                .map_err(|e| LoadError::Runtime(e.to_string()))?;
            crate::bifs_erts_internal_boot::mark_system(pid.term());
            let (mt, ft) = mfa(m, f)?;
            crate::proc_initial_call::spawned(pid.term(), mt, ft, 0);
        }
        host::take_outcome();
        // Ports left by an earlier run belong to processes that are gone.
        crate::ports::reset();
        let rt_err = |e: beam_runtime::process::ProcError| LoadError::Runtime(e.to_string());
        // One time slice at a time, until the first process ends (or halts the VM) or
        // nothing can run; an idle scheduler waits for its next timer, or for a port
        // event while a port is open (vm/src/ports.rs). The loader is not borrowed
        // meanwhile: the code may call a module that is not loaded yet.
        loop {
            let idle = sched.step().map_err(rt_err)?;
            // Port signals that came in meanwhile may have woken a process: then the
            // idle state seen before them is stale.
            let woke = crate::ports::active() && crate::ports::pump(&mut sched).map_err(rt_err)?;
            if host::peek_outcome().is_some() {
                break;
            }
            if woke {
                continue;
            }
            match idle {
                None => {}
                Some(Idle::Timer(at)) => {
                    let now = sched.now_ms();
                    let left = std::time::Duration::from_millis(at.saturating_sub(now));
                    if crate::ports::active() {
                        crate::ports::wait(&mut sched, Some(left)).map_err(rt_err)?;
                    } else if at > now {
                        std::thread::sleep(left);
                    }
                }
                Some(Idle::Blocked) if crate::ports::active() => {
                    crate::ports::wait(&mut sched, None).map_err(rt_err)?;
                }
                Some(_) => break,
            }
        }
        crate::ports::reset();
        Ok(host::take_outcome().unwrap_or(RunOutcome::Exited {
            reason: "normal".into(),
            value: "[]".into(),
        }))
    }

    /// A list of `elems` in the literal area (arguments for the first process, which
    /// copies them into its heap).
    pub fn list_of(&mut self, elems: &[Term]) -> Result<Term, LoadError> {
        with_loader(|l| {
            beam_runtime::construct::list(&mut l.literals, elems)
                .map_err(|e| LoadError::Runtime(e.to_string()))
        })
    }

    /// A list of binaries in the literal area (erl_init's command line).
    pub fn binaries_of(&mut self, elems: &[Vec<u8>]) -> Result<Term, LoadError> {
        let t = beam_frontend::ExtTerm::List {
            elems: elems
                .iter()
                .map(|b| beam_frontend::ExtTerm::Binary {
                    bytes: b.clone(),
                    bits: 0,
                })
                .collect(),
            tail: Box::new(beam_frontend::ExtTerm::Nil),
        };
        if elems.is_empty() {
            return Ok(Term::NIL);
        }
        with_loader(|l| {
            let mut no_cell = |_: &str, _: &str, _: u32| Ok(0);
            literals::build(&mut l.literals, &t, &mut no_cell)
                .map_err(|e| LoadError::Runtime(e.to_string()))
        })
    }

    /// ARM instructions the simulator has retired (`None` when running natively).
    pub fn instructions(&self) -> Option<u64> {
        host::instructions()
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        // The loader's state goes before the executor (`_host`, dropped after this),
        // unless a newer VM on this thread has replaced both.
        LOADER.with(|l| {
            if let Ok(mut l) = l.try_borrow_mut() {
                if l.as_ref().is_some_and(|l| l.owner == self._host.id()) {
                    l.take();
                }
            }
        });
    }
}

impl Loader {
    /// `MODULE.beam` on the code path.
    pub(crate) fn find(&self, m: &str) -> Option<PathBuf> {
        self.opts
            .code_path
            .iter()
            .map(|d| d.join(format!("{m}.beam")))
            .find(|p| p.is_file())
    }

    /// Loads `name` (with [`Options::eager`], also every module it can call).
    pub fn load(&mut self, name: &str) -> Result<(), LoadError> {
        if self.cells.lazy {
            return self.load_one(name);
        }
        let mut todo = vec![name.to_string()];
        while let Some(m) = todo.pop() {
            match self.load_one(&m) {
                // A callee that does not exist: its cells stay at `undef`, as in BEAM.
                Err(LoadError::NotFound(_)) if m != name => {
                    self.cells.missing.insert(m);
                    continue;
                }
                r => r?,
            }
            // Everything the module can call: its imports and `fun M:F/A` literals, all of
            // which have export cells by now.
            // A call of a BIF (io:format/2, lists:reverse/1…) needs no module.
            for (callee, f, ar) in self.cells.map.keys() {
                if bifs::lookup(callee, f, *ar).is_some() {
                    continue;
                }
                if callee != "erlang"
                    && !self.modules.contains_key(callee)
                    && !self.cells.missing.contains(callee)
                    && !todo.contains(callee)
                {
                    todo.push(callee.clone());
                }
            }
        }
        Ok(())
    }

    /// Finds, decodes and loads module `m` alone, unless it is loaded already.
    fn load_one(&mut self, m: &str) -> Result<(), LoadError> {
        if m == "erlang" || self.modules.contains_key(m) {
            return Ok(());
        }
        let path = self
            .find(m)
            .ok_or_else(|| LoadError::NotFound(m.to_string()))?;
        let bytes = std::fs::read(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        // ERTS's preloaded modules (erts's ebin: init, erl_prim_loader...) are built into
        // the emulator without their line table: their stack frames have no location.
        let strip_lines = crate::otp_boot::on()
            && path
                .parent()
                .and_then(|d| d.parent())
                .and_then(|d| d.file_name())
                .is_some_and(|n| n.to_string_lossy().starts_with("erts-"));
        let p = self
            .prepare(bytes, strip_lines)
            .map_err(|source| LoadError::Decode {
                module: m.to_string(),
                source,
            })?;
        self.install_prepared(p)?;
        crate::on_load::installed(self, m)
    }

    /// Makes sure a call into `m` can go ahead: loads it if it is on the code path and not
    /// loaded yet. A module that is missing or fails to load is remembered as missing and
    /// its cells raise `undef` (a failure other than "not found" is reported on stderr,
    /// as erl's code server logs a module it cannot load).
    pub fn ensure(&mut self, m: &str) {
        if m == "erlang" || self.modules.contains_key(m) || self.cells.missing.contains(m) {
            return;
        }
        if let Err(e) = self.load(m) {
            if !matches!(e, LoadError::NotFound(_)) {
                eprintln!("beam: cannot load module {m}: {e}");
            }
            self.cells.missing.insert(m.to_string());
            let undef = self.cells.undef;
            for &cell in self
                .cells
                .of_module
                .get(m)
                .map_or(&[][..], |v| v.as_slice())
            {
                // A lazy stub stays: its calls raise `undef` naming the function.
                let stub = beam_runtime::mem::read(cell).is_some_and(|w| self.is_stub(w));
                if !stub {
                    write_word(cell, undef);
                }
            }
        }
    }

    /// Whether `addr` is a lazy stub.
    pub fn is_stub(&self, addr: u32) -> bool {
        self.stub_ranges
            .iter()
            .any(|&(base, len)| addr >= base && addr - base < len)
    }

    /// Compiles and installs a decoded module.
    pub fn load_module(&mut self, m: &Module) -> Result<(), LoadError> {
        self.load_module_md5(m, None)
    }

    /// `erlang:delete_module/1`: `m` is no longer loaded. Its export cells go back to a
    /// lazy stub (`undef` without lazy loading), so the next call loads it again from the
    /// code path, as erl's error_handler would; its code stays where it is, as old code
    /// that processes may still run until it is purged.
    pub(crate) fn unload(&mut self, m: &str) -> Result<(), LoadError> {
        if self.modules.remove(m).is_none() {
            return Ok(());
        }
        self.cells.missing.remove(m);
        let undef = self.cells.undef;
        let cells = self.own_cells(m);
        for &cell in &cells {
            write_word(cell, undef);
        }
        if self.cells.lazy {
            self.cells.unstubbed.extend(cells);
        }
        self.install_stubs()
    }

    /// The export cells of module `m`'s functions (not those of its BIFs, which keep their
    /// trampolines whatever happens to the module).
    pub(crate) fn own_cells(&self, m: &str) -> Vec<u32> {
        let (of_module, mfa) = (&self.cells.of_module, &self.cells.mfa);
        of_module
            .get(m)
            .map_or(&[][..], |v| v.as_slice())
            .iter()
            .copied()
            .filter(|c| {
                mfa.get(c)
                    .is_some_and(|(cm, f, a)| bifs::lookup(cm, f, *a).is_none())
            })
            .collect()
    }

    /// The export cell of `M:F/A` for a fun made at run time (`erlang:make_fun/3`, which
    /// `fun M:F/A` with variable parts compiles to): created as for a module's imports,
    /// with a BIF's trampoline or a lazy stub installed when it needs one.
    pub(crate) fn fun_cell(&mut self, m: &str, f: &str, a: u32) -> Result<u32, LoadError> {
        let key = (m.to_string(), f.to_string(), a);
        let cell = cell_for(&mut self.cells, &self.modules, key).map_err(LoadError::Runtime)?;
        if let Some(id) = bifs::lookup(m, f, a) {
            self.bif_trampolines(m, vec![(m.to_string(), f.to_string(), a, id)])?;
        }
        self.install_stubs()?;
        Ok(cell)
    }

    /// Points the export cells of BIFs used as funs (`fun erlang:abs/1`) at trampolines
    /// that call them (compiled once per BIF; `apply` of a BIF needs none, the runtime
    /// calls it directly).
    pub(crate) fn bif_trampolines(
        &mut self,
        module: &str,
        mut wanted: Vec<(String, String, u32, u32)>,
    ) -> Result<(), LoadError> {
        let undef = self.cells.undef;
        wanted.retain(|(m, f, a, _)| {
            self.cells
                .map
                .get(&(m.clone(), f.clone(), *a))
                .is_some_and(|&c| beam_runtime::mem::read(c) == Some(undef))
        });
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let funcs: Vec<Function> = wanted
            .iter()
            .enumerate()
            .map(|(i, (_, _, a, id))| fragments::bif_trampoline(i as u32, *id, *a))
            .collect();
        let addrs = self.install(&format!("{module} (BIF funs)"), &funcs, &|_| None)?;
        for ((m, f, a, _), addr) in wanted.into_iter().zip(addrs) {
            if let Some(&cell) = self.cells.map.get(&(m, f, a)) {
                write_word(cell, addr);
            }
        }
        Ok(())
    }

    /// Gives every new cell of a module that is not loaded its lazy stub: one copy of the
    /// stub per cell, linked with the cell's address, all in one block of code memory.
    pub(crate) fn install_stubs(&mut self) -> Result<(), LoadError> {
        let undef = self.cells.undef;
        let queued = std::mem::take(&mut self.cells.unstubbed);
        let cells = &self.cells;
        let pending: Vec<u32> = queued
            .into_iter()
            // Cells of missing functions too (still at `undef`): their stub has the
            // runtime name the function in `undef`.
            .filter(|c| cells.mfa.contains_key(c) && beam_runtime::mem::read(*c) == Some(undef))
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let t0 = Instant::now();
        let stub = match self.stub.take() {
            Some(s) => s,
            None => self.compile("lazy stub", &fragments::lazy_stub())?,
        };
        let one = [(SymbolName::of_function(&fragments::lazy_stub()), &stub)];
        let stride = link::layout(&one).1.next_multiple_of(8);
        let thumb = self.thumb();
        let base = host::code_base(stride * pending.len())?;
        let mut bytes = Vec::with_capacity(stride * pending.len());
        for (k, &cell) in pending.iter().enumerate() {
            let at = base + (k * stride) as u32;
            let image = link::link_target(
                &one,
                at,
                &|sym| match sym {
                    SymbolName::User {
                        namespace: NS_EXPORT_CELL,
                        index: 0,
                    } => Some(cell),
                    other => self.resolve_shared(other),
                },
                thumb,
                self.opts.m_profile,
            )
            .map_err(|e| LoadError::Compile {
                module: "lazy stub".into(),
                what: e.to_string(),
            })?;
            bytes.extend_from_slice(&image.bytes);
            bytes.resize((k + 1) * stride, 0);
        }
        host::write_code(base, &bytes)?;
        self.stub = Some(stub);
        self.stub_ranges.push((base, bytes.len() as u32));
        for (k, &cell) in pending.iter().enumerate() {
            write_word(cell, (base + (k * stride) as u32) | u32::from(thumb));
        }
        self.stats.stubs += pending.len() as u32;
        self.stats.link += t0.elapsed();
        Ok(())
    }

    /// Optimises and compiles one function (segment, fragment or stub).
    pub(crate) fn compile(
        &mut self,
        module: &str,
        f: &Function,
    ) -> Result<CompiledCode, LoadError> {
        self.compile_owned(module, f.clone())
    }

    /// [`Loader::compile`] of a function the caller no longer needs (the mid-end
    /// rewrites it in place): no copy of it is made.
    pub(crate) fn compile_owned(
        &mut self,
        module: &str,
        mut f: Function,
    ) -> Result<CompiledCode, LoadError> {
        self.compile_in_place(module, &mut f)
    }

    /// [`Loader::compile`] of a function the caller lends (the mid-end rewrites it in
    /// place; the caller may clear it and build the next function in its allocations).
    pub(crate) fn compile_in_place(
        &mut self,
        module: &str,
        f: &mut Function,
    ) -> Result<CompiledCode, LoadError> {
        let err = |what: String| LoadError::Compile {
            module: module.to_string(),
            what,
        };
        if self.opts.optimize {
            let t0 = Instant::now();
            let level = if f.dfg.num_insts() > self.opts.egraph_max_insts as usize {
                OptLevel::None
            } else {
                OptLevel::Speed
            };
            optimize(f, level).map_err(|e| err(format!("{}: {e}", f.name)))?;
            self.stats.optimize += t0.elapsed();
        }
        let t0 = Instant::now();
        let dumps = self.opts.emit == Some(Emit::Vcode);
        let c = codegen::compile_isa(f, &self.opts.flags, self.opts.isa, dumps)
            .map_err(|e| err(format!("{}: {e}", f.name)))?;
        self.stats.codegen += t0.elapsed();
        match self.opts.emit {
            Some(Emit::Clif) => println!("{}", f.display()),
            Some(Emit::Vcode) => println!("{}", c.vcode_text),
            Some(Emit::Asm) if self.thumb() => {
                println!("; {module} {} (T32)", f.name);
                // No T32 disassembler here: one line per instruction's halfwords (a
                // first halfword 0b11101/0b11110/0b11111... starts a 32-bit one).
                let b = &c.code.bytes;
                let hw = |i: usize| u16::from_le_bytes([b[i], b.get(i + 1).copied().unwrap_or(0)]);
                let mut i = 0;
                while i + 1 < b.len() {
                    if hw(i) >> 11 >= 0b11101 && i + 3 < b.len() {
                        println!("    {i:6x}:  {:04x} {:04x}", hw(i), hw(i + 2));
                        i += 4;
                    } else {
                        println!("    {i:6x}:  {:04x}", hw(i));
                        i += 2;
                    }
                }
            }
            Some(Emit::Asm) => {
                println!("; {module} {}", f.name);
                for (i, w) in c.code.bytes.chunks_exact(4).enumerate() {
                    let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                    let at = 4 * i as u32;
                    let text = backend_arm32::asm::disassemble(word, at);
                    println!("    {at:6x}:  {word:08x}  {text}");
                }
            }
            None => {}
        }
        Ok(c)
    }

    /// Whether the code is T32 (`--isa t32`): its addresses have bit 0 set.
    pub(crate) fn thumb(&self) -> bool {
        self.opts.isa == codegen::Isa::T32
    }

    /// The address of a runtime function or shared fragment a relocation names.
    fn resolve_shared(&self, sym: &SymbolName) -> Option<u32> {
        match sym {
            SymbolName::User {
                namespace: NS_RUNTIME,
                index,
            } => RtFn::from_index(*index).and_then(|f| host::rt_addr(f).ok()),
            SymbolName::User {
                namespace: NS_FRAGMENT,
                index,
            } => self
                .fragments
                .get(*index as usize)
                .copied()
                .filter(|&a| a != 0),
            _ => None,
        }
    }

    /// Optimises, compiles, links and installs `funcs` (segments or fragments); returns
    /// the address of each.
    fn install(
        &mut self,
        module: &str,
        funcs: &[Function],
        resolve: &dyn Fn(&SymbolName) -> Option<u32>,
    ) -> Result<Vec<u32>, LoadError> {
        let mut compiled: Vec<(SymbolName, CompiledCode)> = Vec::with_capacity(funcs.len());
        for f in funcs {
            let c = self.compile(module, f)?;
            compiled.push((SymbolName::of_function(f), c));
        }
        self.install_compiled(module, &compiled, resolve)
    }

    /// Links and installs compiled code (of either code generator); returns the address
    /// of each piece.
    pub(crate) fn install_compiled(
        &mut self,
        module: &str,
        compiled: &[(SymbolName, CompiledCode)],
        resolve: &dyn Fn(&SymbolName) -> Option<u32>,
    ) -> Result<Vec<u32>, LoadError> {
        let t0 = Instant::now();
        let refs: Vec<(SymbolName, &CompiledCode)> =
            compiled.iter().map(|(n, c)| (n.clone(), c)).collect();
        let size = link::layout(&refs).1;
        let base = host::code_base(size)?;
        let image = link::link_target(
            &refs,
            base,
            &|sym| self.resolve_shared(sym).or_else(|| resolve(sym)),
            self.thumb(),
            self.opts.m_profile,
        )
        .map_err(|e| LoadError::Compile {
            module: module.to_string(),
            what: e.to_string(),
        })?;
        host::write_code(image.base, &image.bytes)?;
        self.stats.link += t0.elapsed();
        self.stats.code_bytes += image.bytes.len();
        Ok(image.entries)
    }
}

/// The export cell of `key` (`[address, arity]`, two words of guest memory), created when
/// new: holding the function's address if its module is loaded, `undef` if the function
/// does not exist there or is a BIF (whose cell gets a trampoline if a fun names it), and
/// otherwise `undef` for now and queued for a lazy stub ([`Loader::install_stubs`]) —
/// or left at `undef` without lazy loading or when the module is missing.
pub(crate) fn cell_for(
    cells: &mut Cells,
    modules: &HashMap<String, LoadedModule>,
    key: Mfa,
) -> Result<u32, String> {
    if let Some(&c) = cells.map.get(&key) {
        return Ok(c);
    }
    let is_bif = bifs::lookup(&key.0, &key.1, key.2).is_some();
    let bif = key.0 == "erlang" || is_bif;
    let (init, wants_stub) = match modules.get(&key.0) {
        // An `erlang` function that is no BIF here gets a stub, so `undef` names it.
        _ if bif => (cells.undef, cells.lazy && !is_bif),
        // A module whose on_load function has not returned: a stub (on_load.rs).
        Some(_) if crate::on_load::pending(&key.0) => (cells.undef, cells.lazy),
        // A function or module that does not exist gets a lazy stub too: its calls reach
        // the runtime, which raises `undef` naming the function (rt.rs, `RtFn::Load`).
        Some(m) => match m.exports.get(&(key.1.clone(), key.2)) {
            Some(&addr) => (addr, false),
            None => (cells.undef, cells.lazy),
        },
        None => (cells.undef, cells.lazy),
    };
    let block = arena::alloc(8).map_err(|e| e.to_string())?;
    let (addr, _) = block.into_raw();
    write_word(addr, init);
    write_word(addr + 4, key.2);
    let (m, f) = (
        atom::intern(&key.0).map_err(|e| e.to_string())?,
        atom::intern(&key.1).map_err(|e| e.to_string())?,
    );
    rt::add_export(m, f, key.2, addr);
    if wants_stub {
        cells.unstubbed.push(addr);
    }
    match cells.of_module.get_mut(&key.0) {
        Some(v) => v.push(addr),
        None => {
            cells.of_module.insert(key.0.clone(), vec![addr]);
        }
    }
    cells.mfa.insert(addr, key.clone());
    cells.map.insert(key, addr);
    Ok(addr)
}

/// The address of export cell `index` of the module being installed.
pub(crate) fn import_cell(cells: &[u32], sym: &SymbolName) -> Option<u32> {
    match sym {
        SymbolName::User {
            namespace: NS_EXPORT_CELL,
            index,
        } => cells.get(*index as usize).copied(),
        _ => None,
    }
}

pub(crate) fn write_word(addr: u32, v: u32) {
    // SAFETY: `addr` is an export cell: a word of an arena block this VM allocated and
    // never frees.
    unsafe { beam_runtime::mem::raw_write(addr, v) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each module's literals start at a multiple of 16 whatever was allocated before
    /// (cache_reloc::LIT_SHIFT relies on it), and the piece is contiguous.
    #[test]
    fn literal_pieces_start_at_a_multiple_of_16() {
        let mut area = LiteralArea::new();
        for (before, words) in [(0, 5), (1, 3), (2, 1), (3, 7), (5, 4096), (1, 8000)] {
            area.alloc(before).unwrap();
            align_literal_piece(&mut area, words).unwrap();
            let start = area.alloc(0).unwrap();
            assert_eq!(start % LITERAL_PIECE_ALIGN, 0, "after {before} words");
            let mut at = start;
            for _ in 0..words {
                assert_eq!(area.alloc(1).unwrap(), at, "piece of {words} words");
                at += 4;
            }
        }
    }
}
