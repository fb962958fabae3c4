//! Loading: find a module on the code path, decode it, turn it into specific instructions,
//! lower to CLIF segments, optimise, compile with backend-arm32, link, install, and point
//! the export cells of its functions at the new code.

use std::collections::HashMap;
use std::path::PathBuf;

use backend_arm32::codegen::{self, link, CompiledCode, SymbolName};
use beam_frontend::{specific, AtomIndex, Module};
use beam_ir::lower::{lower_module, Env};
use beam_ir::mid_end::{optimize, OptLevel};
use beam_ir::rtcall::{RtFn, NS_EXPORT_CELL, NS_FRAGMENT, NS_RUNTIME};
use beam_runtime::process::Pid;
use beam_runtime::scheduler::{Idle, Scheduler};
use beam_runtime::term::Term;
use beam_runtime::{arena, atom};
use cranelift_codegen::ir::Function;
use num_bigint::BigInt;

use crate::host::{self, with_host, JitBody, RunError, RunOutcome, SimHost};
use crate::{bifs, fragments, literals, rt, Emit, LoadedModule, Options, Vm};

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
}

/// The lowering's view of one module: its atoms, literals and the big-integer and float
/// constants of its code as runtime terms (built in the literal area before lowering).
struct ModEnv {
    atoms: Vec<Term>,
    literals: Vec<Term>,
    bigs: HashMap<BigInt, Term>,
    floats: HashMap<u64, Term>,
    /// Runtime number of the module's catch number 0.
    catch_base: u32,
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
}

/// Every big-integer and float constant the code mentions (they become literals).
fn constants(fs: &[specific::SpecificFunction]) -> (Vec<BigInt>, Vec<f64>) {
    use specific::{Op, Src};
    let (mut bigs, mut floats) = (Vec::new(), Vec::new());
    let mut see = |s: &Src| match s {
        Src::Int(n) if Term::small(*n).is_none() => bigs.push(BigInt::from(*n)),
        Src::BigInt(n) => bigs.push(n.clone()),
        Src::Float(f) => floats.push(*f),
        _ => {}
    };
    for f in fs {
        for op in &f.code {
            match op {
                Op::Move { src, .. } | Op::GetHd { src, .. } | Op::GetTl { src, .. } => see(src),
                Op::Bif { args, .. } | Op::Test { args, .. } => args.iter().for_each(&mut see),
                Op::PutList { head, tail, .. } => {
                    see(head);
                    see(tail);
                }
                Op::PutTuple { elems, .. } => elems.iter().for_each(&mut see),
                Op::SelectVal { src, cases, .. } => {
                    see(src);
                    cases.iter().for_each(|(v, _)| see(v));
                }
                Op::SetTupleElement { value, .. } => see(value),
                Op::Badmatch(v) | Op::CaseEnd(v) | Op::TryCaseEnd(v) => see(v),
                _ => {}
            }
        }
    }
    (bigs, floats)
}

impl Vm {
    /// A VM with the shared fragments compiled and installed.
    pub fn new(opts: Options) -> Result<Vm, LoadError> {
        // Registered names belong to the previous VM's processes.
        crate::bifs_proc::reset_registry();
        let host = SimHost::new(opts.native)?;
        let mut vm = Vm {
            opts,
            host,
            literals: beam_runtime::heap::LiteralArea::new(),
            modules: HashMap::new(),
            cells: HashMap::new(),
            fragments: Vec::new(),
        };
        let a = |n: &str| atom::intern(n).map_err(|e| LoadError::Runtime(e.to_string()));
        let frags = fragments::all(a("normal")?, a("error")?, a("undef")?);
        let entries = vm.install("fragments", &frags, &|_| None)?;
        vm.fragments = entries.clone();
        with_host(|h| {
            h.process_entry = entries[fragments::PROCESS_ENTRY as usize];
            h.normal_exit = entries[fragments::NORMAL_EXIT as usize];
        });
        rt::reset_tables(
            entries[fragments::NORMAL_EXIT as usize],
            entries[fragments::UNDEF as usize],
            entries[fragments::RETURN_X0 as usize],
        );
        Ok(vm)
    }

    /// The loaded module `name`, if any.
    pub fn module(&self, name: &str) -> Option<&LoadedModule> {
        self.modules.get(name)
    }

    /// Loads `name` and, transitively, every module it calls.
    pub fn load(&mut self, name: &str) -> Result<(), LoadError> {
        let mut todo = vec![name.to_string()];
        while let Some(m) = todo.pop() {
            if m == "erlang" || self.modules.contains_key(&m) {
                continue;
            }
            let path = self
                .opts
                .code_path
                .iter()
                .map(|d| d.join(format!("{m}.beam")))
                .find(|p| p.is_file());
            let Some(path) = path else {
                if m == name {
                    return Err(LoadError::NotFound(m));
                }
                // A callee that does not exist: its cells stay at `undef`, as in BEAM.
                continue;
            };
            let bytes = std::fs::read(&path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            let module = beam_frontend::decode(&bytes).map_err(|source| LoadError::Decode {
                module: m.clone(),
                source,
            })?;
            self.load_module(&module)?;
            // Everything the module can call: its imports and `fun M:F/A` literals, all of
            // which have export cells by now.
            for (callee, _, _) in self.cells.keys() {
                if !self.modules.contains_key(callee) && !todo.contains(callee) {
                    todo.push(callee.clone());
                }
            }
        }
        Ok(())
    }

    /// Compiles and installs a decoded module.
    pub fn load_module(&mut self, m: &Module) -> Result<(), LoadError> {
        let name = m.name().to_string();
        let atoms = m
            .atoms
            .iter()
            .map(|a| atom::intern(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LoadError::Runtime(e.to_string()))?;
        let undef = self.fragment_addr(fragments::UNDEF);
        let (cells, modules) = (&mut self.cells, &self.modules);
        // `fun M:F/A` literals naming a BIF get a trampoline below.
        let mut bif_funs = Vec::new();
        let mut export_cell = |m: &str, f: &str, a: u32| {
            if let Some(id) = bifs::lookup(m, f, a) {
                bif_funs.push((m.to_string(), f.to_string(), a, id));
            }
            cell_for(cells, modules, (m.to_string(), f.to_string(), a), undef)
                .map_err(literals::LiteralError::Cell)
        };
        let mut lits = Vec::with_capacity(m.literals.len());
        for (index, l) in m.literals.iter().enumerate() {
            lits.push(
                literals::build(&mut self.literals, l, &mut export_cell).map_err(|source| {
                    LoadError::Literal {
                        module: name.clone(),
                        index,
                        source,
                    }
                })?,
            );
        }
        let fs = specific::transform(m).map_err(|source| LoadError::Shape {
            module: name.clone(),
            source,
        })?;
        let const_err = |source| LoadError::Constant {
            module: name.clone(),
            source,
        };
        let (big_consts, float_consts) = constants(&fs);
        let mut bigs = HashMap::new();
        for n in big_consts {
            let t = literals::build(
                &mut self.literals,
                &beam_frontend::etf::int_term(n.clone()),
                &mut export_cell,
            )
            .map_err(const_err)?;
            bigs.insert(n, t);
        }
        let mut floats = HashMap::new();
        for f in float_consts {
            let t = literals::build(
                &mut self.literals,
                &beam_frontend::ExtTerm::Float(f),
                &mut export_cell,
            )
            .map_err(const_err)?;
            floats.insert(f.to_bits(), t);
        }
        let env = ModEnv {
            atoms,
            literals: lits,
            bigs,
            floats,
            catch_base: rt::next_catch(),
        };
        let lowered = lower_module(m, &fs, &env).map_err(|source| LoadError::Lower {
            module: name.clone(),
            source,
        })?;
        // Export cells of the module's remote imports, created (pointing at `undef`) now.
        let mut import_cells = Vec::with_capacity(m.imports.len());
        for i in &m.imports {
            let key = (
                m.atom(i.module).to_string(),
                m.atom(i.function).to_string(),
                i.arity,
            );
            import_cells.push(
                cell_for(&mut self.cells, &self.modules, key, undef).map_err(LoadError::Runtime)?,
            );
        }
        let funcs: Vec<Function> = lowered.segments.into_iter().map(|s| s.func).collect();
        let entries = self.install(&name, &funcs, &|sym| match sym {
            SymbolName::User {
                namespace: NS_EXPORT_CELL,
                index,
            } => import_cells.get(*index as usize).copied(),
            _ => None,
        })?;
        rt::add_catches(
            &lowered
                .catches
                .iter()
                .map(|&seg| entries[seg as usize])
                .collect::<Vec<_>>(),
        );
        let mut exports = HashMap::new();
        for e in &m.exports {
            let Some(fi) = m.functions.iter().position(|f| f.entry == e.label) else {
                continue;
            };
            exports.insert((m.atom(e.function).to_string(), e.arity), entries[fi]);
        }
        // Point every existing cell of this module's exports at the new code.
        for ((f, a), &addr) in &exports {
            if bifs::lookup(&name, f, *a).is_some() {
                // A BIF's Erlang stub: the cell keeps the BIF's trampoline.
                continue;
            }
            let key = (name.clone(), f.clone(), *a);
            let cell =
                cell_for(&mut self.cells, &self.modules, key, addr).map_err(LoadError::Runtime)?;
            write_word(cell, addr);
        }
        self.bif_trampolines(&name, bif_funs)?;
        let code_bytes = with_host(|h| h.code_bytes());
        self.modules.insert(
            name.clone(),
            LoadedModule {
                name,
                exports,
                code_bytes,
                segments: funcs.len(),
            },
        );
        Ok(())
    }

    /// Points the export cells of BIFs used as funs (`fun erlang:abs/1`) at trampolines
    /// that call them (compiled once per BIF; `apply` of a BIF needs none, the runtime
    /// calls it directly).
    fn bif_trampolines(
        &mut self,
        module: &str,
        mut wanted: Vec<(String, String, u32, u32)>,
    ) -> Result<(), LoadError> {
        let undef = self.fragment_addr(fragments::UNDEF);
        wanted.retain(|(m, f, a, _)| {
            self.cells
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
            if let Some(&cell) = self.cells.get(&(m, f, a)) {
                write_word(cell, addr);
            }
        }
        Ok(())
    }

    fn fragment_addr(&self, index: u32) -> u32 {
        self.fragments.get(index as usize).copied().unwrap_or(0)
    }

    /// Optimises, compiles, links and installs `funcs` (segments or fragments); returns
    /// the address of each.
    fn install(
        &mut self,
        module: &str,
        funcs: &[Function],
        resolve: &dyn Fn(&SymbolName) -> Option<u32>,
    ) -> Result<Vec<u32>, LoadError> {
        let err = |what: String| LoadError::Compile {
            module: module.to_string(),
            what,
        };
        let mut compiled: Vec<(SymbolName, CompiledCode)> = Vec::with_capacity(funcs.len());
        for f in funcs {
            let mut f = f.clone();
            if self.opts.optimize {
                optimize(&mut f, OptLevel::Speed).map_err(|e| err(format!("{}: {e}", f.name)))?;
            }
            let c = codegen::compile(&f, &self.opts.flags)
                .map_err(|e| err(format!("{}: {e}", f.name)))?;
            match self.opts.emit {
                Some(Emit::Clif) => println!("{}", f.display()),
                Some(Emit::Vcode) => println!("{}", c.vcode_text),
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
            compiled.push((SymbolName::of_function(&f), c));
        }
        let refs: Vec<(SymbolName, &CompiledCode)> =
            compiled.iter().map(|(n, c)| (n.clone(), c)).collect();
        let frag_addrs = self.fragments.clone();
        let size = link::layout(&refs).1;
        let base = with_host(|h| h.code_base(size))?;
        let image = link::link(&refs, base, &|sym| match sym {
            SymbolName::User {
                namespace: NS_RUNTIME,
                index,
            } => RtFn::from_index(*index).map(|f| with_host(|h| h.rt_addr(f))),
            SymbolName::User {
                namespace: NS_FRAGMENT,
                index,
            } => frag_addrs.get(*index as usize).copied().filter(|&a| a != 0),
            other => resolve(other),
        })
        .map_err(|e| err(e.to_string()))?;
        with_host(|h| h.write_code(image.base, &image.bytes))?;
        Ok(image.entries)
    }

    /// Runs `module:function(args...)` as the first process until every process has ended
    /// or one halts the VM.
    pub fn run(
        &mut self,
        module: &str,
        function: &str,
        args: &[Term],
    ) -> Result<RunOutcome, LoadError> {
        self.load(module)?;
        let arity = args.len() as u32;
        let entry = self
            .modules
            .get(module)
            .and_then(|m| m.exports.get(&(function.to_string(), arity)))
            .copied()
            .ok_or_else(|| LoadError::NotExported {
                module: module.to_string(),
                function: function.to_string(),
                arity,
            })?;
        let normal_exit = with_host(|h| h.normal_exit);
        let mut sched = Scheduler::new().map_err(|e| LoadError::Runtime(e.to_string()))?;
        let body = JitBody::new(entry, normal_exit, true);
        let _pid: Pid = sched
            .spawn(body, args)
            .map_err(|e| LoadError::Runtime(e.to_string()))?;
        host::take_outcome();
        // One time slice at a time, until the first process ends (or halts the VM) or
        // nothing can run; an idle scheduler waits for its next timer.
        loop {
            let idle = sched
                .step()
                .map_err(|e| LoadError::Runtime(e.to_string()))?;
            if host::peek_outcome().is_some() {
                break;
            }
            match idle {
                None => {}
                Some(Idle::Timer(at)) => {
                    let now = sched.now_ms();
                    if at > now {
                        std::thread::sleep(std::time::Duration::from_millis(at - now));
                    }
                }
                Some(_) => break,
            }
        }
        Ok(host::take_outcome().unwrap_or(RunOutcome::Exited {
            reason: "normal".into(),
            value: "[]".into(),
        }))
    }

    /// A list of `elems` in the literal area (arguments for the first process, which
    /// copies them into its heap).
    pub fn list_of(&mut self, elems: &[Term]) -> Result<Term, LoadError> {
        beam_runtime::construct::list(&mut self.literals, elems)
            .map_err(|e| LoadError::Runtime(e.to_string()))
    }

    /// ARM instructions the simulator has retired (`None` when running natively).
    pub fn instructions(&self) -> Option<u64> {
        let _ = &self.host;
        host::instructions()
    }
}

/// The export cell of `key` (`[address, arity]`, two words of guest memory), created when
/// new: holding the function's address if its module is loaded, else `init`.
fn cell_for(
    cells: &mut HashMap<(String, String, u32), u32>,
    modules: &HashMap<String, LoadedModule>,
    key: (String, String, u32),
    init: u32,
) -> Result<u32, String> {
    if let Some(&c) = cells.get(&key) {
        return Ok(c);
    }
    let known = modules
        .get(&key.0)
        .and_then(|m| m.exports.get(&(key.1.clone(), key.2)))
        .copied();
    let block = arena::alloc(8).map_err(|e| e.to_string())?;
    let (addr, _) = block.into_raw();
    write_word(addr, known.unwrap_or(init));
    write_word(addr + 4, key.2);
    let (m, f) = (
        atom::intern(&key.0).map_err(|e| e.to_string())?,
        atom::intern(&key.1).map_err(|e| e.to_string())?,
    );
    rt::add_export(m, f, key.2, addr);
    cells.insert(key, addr);
    Ok(addr)
}

fn write_word(addr: u32, v: u32) {
    // SAFETY: `addr` is an export cell: a word of an arena block this VM allocated and
    // never frees.
    unsafe { beam_runtime::mem::raw_write(addr, v) }
}
