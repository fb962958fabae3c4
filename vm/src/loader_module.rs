//! Loading one module: its tables into the runtime (atoms, literals, export cells), its
//! code from the native-code cache or the compilers (vm/src/cache_load.rs), then its
//! exports and its stack-trace index.
//!
//! A `.beam` file is first *prepared* ([`Loader::prepare`]): when the native-code cache
//! has a usable entry for it, only the file's tables are decoded
//! (`beam_frontend::decode_tables`) and what the loader needs from the instructions comes
//! from the entry's facts section (vm/src/cache_info.rs); otherwise the whole file is
//! decoded and its code transformed and compiled. Decoding the code chunk and re-deriving
//! the specific instructions was about a fifth of a warm real boot (docs/boot.md).

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use beam_frontend::{specific, Module};
use beam_runtime::atom;
use beam_runtime::heap::LiteralArea;
use num_bigint::BigInt;

use crate::cache_info::ModFacts;
use crate::loader::{align_literal_piece, cell_for, write_word, LoadError, Loader, ModEnv};
use crate::{bifs, cache_load, literals, rt, LoadedModule};

/// A `.beam` file decoded as far as loading it needs ([`Loader::prepare`]).
pub(crate) struct Prepared {
    /// The whole module, or only its tables when `warm` is there.
    module: Module,
    /// It has an `on_load` function.
    pub on_load: bool,
    /// [`crate::cache::beam_hash`] of the `.beam` bytes (the cache key) when the cache is on.
    md5: Option<[u8; 16]>,
    /// The file, kept to decode it in full should the entry not fit this VM after all.
    bytes: Vec<u8>,
    /// Load it without its line table (erts's preloaded modules, see `Loader::load_one`).
    strip_lines: bool,
    warm: Option<Warm>,
}

/// A cache entry found when the module was prepared.
struct Warm {
    /// The code generator the entry is for (mixed mode picks one per module loaded).
    template: bool,
    sections: crate::cache::Sections,
    facts: ModFacts,
}

impl Prepared {
    pub fn name(&self) -> &str {
        self.module.name()
    }
}

/// The index of the module's `-on_load` function (the one with the `on_load`
/// instruction), if it has one.
fn on_load_function(m: &Module) -> Option<u32> {
    m.functions
        .iter()
        .position(|f| f.code.iter().any(|i| i.op.name == "on_load"))
        .map(|i| i as u32)
}

/// Every big-integer and float constant the code mentions (they become literals),
/// distinct, in order of first mention: every operand of the generic code, nested lists
/// included (map pairs, select lists...), so no instruction form is missed, and the
/// specific ops' sources, for constants the transformation makes itself.
fn constants(m: &Module, fs: &[specific::SpecificFunction]) -> (Vec<BigInt>, Vec<u64>) {
    use beam_frontend::compact::Operand;
    use beam_runtime::term::Term;
    use specific::{Op, Src};
    #[derive(Default)]
    struct Seen {
        bigs: Vec<BigInt>,
        big_set: HashSet<BigInt>,
        floats: Vec<u64>,
        float_set: HashSet<u64>,
    }
    impl Seen {
        fn big(&mut self, n: BigInt) {
            if self.big_set.insert(n.clone()) {
                self.bigs.push(n);
            }
        }
        fn float(&mut self, f: f64) {
            if self.float_set.insert(f.to_bits()) {
                self.floats.push(f.to_bits());
            }
        }
    }
    let mut seen = Seen::default();
    fn walk(o: &Operand, seen: &mut Seen) {
        match o {
            Operand::Integer(n) if Term::small(*n).is_none() => seen.big(BigInt::from(*n)),
            Operand::BigInt(n) => seen.big(n.clone()),
            Operand::Float(f) => seen.float(*f),
            Operand::List(xs) => xs.iter().for_each(|x| walk(x, seen)),
            _ => {}
        }
    }
    for f in &m.functions {
        for i in &f.code {
            i.args.iter().for_each(|o| walk(o, &mut seen));
        }
    }
    let mut see = |s: &Src| match s {
        Src::Int(n) if Term::small(*n).is_none() => seen.big(BigInt::from(*n)),
        Src::BigInt(n) => seen.big(n.clone()),
        Src::Float(f) => seen.float(*f),
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
                Op::Badmatch(v) | Op::CaseEnd(v) | Op::TryCaseEnd(v) | Op::Badrecord(v) => see(v),
                _ => {}
            }
        }
    }
    (seen.bigs, seen.floats)
}

/// Words of the literal area the module's literals and constants take: measured by
/// building them once in a scratch area (an error shows in the real pass, with its place).
fn literal_words(m: &Module, bigs: &[BigInt], floats: &[u64]) -> u32 {
    let mut scratch = LiteralArea::new();
    let mut no_cell = |_: &str, _: &str, _: u32| Ok(0);
    for t in &m.literals {
        let _ = literals::build(&mut scratch, t, &mut no_cell);
    }
    for n in bigs {
        let _ = literals::build(
            &mut scratch,
            &beam_frontend::etf::int_term(n.clone()),
            &mut no_cell,
        );
    }
    for &f in floats {
        let t = beam_frontend::ExtTerm::Float(f64::from_bits(f));
        let _ = literals::build(&mut scratch, &t, &mut no_cell);
    }
    u32::try_from(scratch.allocated_words()).unwrap_or(u32::MAX)
}

/// What [`Loader::load_parts`] installs: code compiled from the specific instructions
/// (or taken from the cache on the way), or the image of a cache entry read already.
enum Code {
    Compile(Vec<specific::SpecificFunction>),
    /// A cache entry's image; in tiered mode with the `.beam` file, which is decoded only
    /// when one of the module's functions tiers up (docs/tiered.md).
    Cached(crate::cache::Sections, Option<Vec<u8>>),
}

impl Loader {
    /// Decodes a `.beam` file as far as loading it needs: only its tables when the cache
    /// has an entry for it (with the code generator the next module loaded would get).
    pub(crate) fn prepare(
        &mut self,
        bytes: Vec<u8>,
        strip_lines: bool,
    ) -> Result<Prepared, beam_frontend::LoadError> {
        let t0 = Instant::now();
        let md5 = self
            .opts
            .cache
            .is_some()
            .then(|| crate::cache::beam_hash(&bytes));
        if let Some(md5) = &md5 {
            let tables = beam_frontend::decode_tables(&bytes)?;
            let template = self.opts.jit.template_for(self.stats.modules);
            if let Some((sections, facts)) =
                cache_load::warm_entry(self, tables.name(), md5, template)
            {
                self.stats.decode += t0.elapsed();
                return Ok(Prepared {
                    module: tables,
                    on_load: facts.on_load.is_some(),
                    md5: Some(*md5),
                    bytes,
                    strip_lines,
                    warm: Some(Warm {
                        template,
                        sections,
                        facts,
                    }),
                });
            }
        }
        let module = beam_frontend::decode(&bytes)?;
        self.stats.decode += t0.elapsed();
        Ok(Prepared {
            on_load: on_load_function(&module).is_some(),
            module,
            md5,
            bytes,
            strip_lines,
            warm: None,
        })
    }

    /// Installs a prepared module: from its cache entry when it still fits (the same
    /// code generator, this VM's atoms and BIFs), otherwise compiled (and stored).
    pub(crate) fn install_prepared(&mut self, p: Prepared) -> Result<(), LoadError> {
        let Some(w) = p.warm else {
            return self.load_full(&p.module, p.md5, p.strip_lines, Some(&p.bytes));
        };
        if w.template == self.opts.jit.template_for(self.stats.modules) {
            let lazy = (self.opts.jit == crate::Jit::Tiered).then(|| p.bytes.clone());
            let code = Code::Cached(w.sections, lazy);
            if self.load_parts(&p.module, w.facts, code, p.md5, p.strip_lines)? {
                return Ok(());
            }
        }
        let name = p.module.name().to_string();
        let module = beam_frontend::decode(&p.bytes).map_err(|source| LoadError::Decode {
            module: name,
            source,
        })?;
        self.load_full(&module, p.md5, p.strip_lines, Some(&p.bytes))
    }

    /// Compiles (or takes from the native-code cache, keyed by `md5` of its `.beam` file
    /// when given) and installs a decoded module.
    pub(crate) fn load_module_md5(
        &mut self,
        m: &Module,
        md5: Option<[u8; 16]>,
    ) -> Result<(), LoadError> {
        self.load_full(m, md5, false, None)
    }

    /// Compiles and installs decoded module `m`; `bytes`, its file, for what
    /// `module_info` tells (its checksum, attributes and compile information: none for
    /// a module given without its file).
    fn load_full(
        &mut self,
        m: &Module,
        md5: Option<[u8; 16]>,
        strip_lines: bool,
        bytes: Option<&[u8]>,
    ) -> Result<(), LoadError> {
        let fs = specific::transform(m).map_err(|source| LoadError::Shape {
            module: m.name().to_string(),
            source,
        })?;
        let (bigs, floats) = constants(m, &fs);
        let (checksum, attributes, compile) = match bytes {
            Some(b) => crate::module_meta::file_facts(b),
            None => ([0; 16], None, None),
        };
        let facts = ModFacts {
            on_load: on_load_function(m),
            checksum,
            attributes,
            compile,
            beam_ops: fs.iter().map(|f| f.code.len() as u32).sum(),
            entries: m.functions.iter().map(|f| f.entry).collect(),
            literal_words: literal_words(m, &bigs, &floats),
            bigs,
            floats,
            lines: crate::stacktrace::module_lines(m, &fs),
        };
        let done = self.load_parts(m, facts, Code::Compile(fs), md5, strip_lines)?;
        debug_assert!(done, "compiled code always installs");
        Ok(())
    }

    /// Builds the module's atoms, literals, constants and import cells, installs its code
    /// and points its export cells at it. `Ok(false)`: the cache entry of
    /// [`Code::Cached`] does not fit this VM, nothing was installed (the caller compiles).
    fn load_parts(
        &mut self,
        m: &Module,
        facts: ModFacts,
        code: Code,
        md5: Option<[u8; 16]>,
        strip_lines: bool,
    ) -> Result<bool, LoadError> {
        let t0 = Instant::now();
        let name = m.name().to_string();
        let atoms = m
            .atoms
            .iter()
            .map(|a| atom::intern(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LoadError::Runtime(e.to_string()))?;
        let (cells, modules) = (&mut self.cells, &self.modules);
        // `fun M:F/A` literals naming a BIF get a trampoline below.
        let mut bif_funs = Vec::new();
        let mut export_cell = |m: &str, f: &str, a: u32| {
            if let Some(id) = bifs::lookup(m, f, a) {
                bif_funs.push((m.to_string(), f.to_string(), a, id));
            }
            cell_for(cells, modules, (m.to_string(), f.to_string(), a))
                .map_err(literals::LiteralError::Cell)
        };
        // The module's literals and constants in one contiguous piece of the literal area
        // (LiteralArea::reserve).
        align_literal_piece(&mut self.literals, facts.literal_words)
            .map_err(|e| LoadError::Runtime(e.to_string()))?;
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
        let const_err = |source| LoadError::Constant {
            module: name.clone(),
            source,
        };
        let mut bigs = HashMap::with_capacity(facts.bigs.len());
        for n in &facts.bigs {
            let t = beam_frontend::etf::int_term(n.clone());
            let t = literals::build(&mut self.literals, &t, &mut export_cell).map_err(const_err)?;
            bigs.insert(n.clone(), t);
        }
        let mut floats = HashMap::with_capacity(facts.floats.len());
        for &f in &facts.floats {
            let t = beam_frontend::ExtTerm::Float(f64::from_bits(f));
            let t = literals::build(&mut self.literals, &t, &mut export_cell).map_err(const_err)?;
            floats.insert(f, t);
        }
        let env = ModEnv {
            atoms,
            literals: lits,
            bigs,
            floats,
            catch_base: rt::next_catch(),
            gc_stress: self.opts.gc_stress,
            code_addr_bit: u32::from(self.thumb()),
        };
        // Export cells of the module's remote imports, created now (pointing at their
        // code, at `undef`, or waiting for a lazy stub).
        let mut import_cells = Vec::with_capacity(m.imports.len());
        for i in &m.imports {
            let key = (
                m.atom(i.module).to_string(),
                m.atom(i.function).to_string(),
                i.arity,
            );
            import_cells
                .push(cell_for(&mut self.cells, &self.modules, key).map_err(LoadError::Runtime)?);
        }
        let template = self.opts.jit.template_for(self.stats.modules);
        self.tier.installing = crate::tier::cells_for(self, template, facts.entries.len())?;
        let mut lazy = None;
        let (loaded, fs) = match code {
            Code::Compile(fs) => {
                let r = cache_load::load_code(
                    self,
                    m,
                    &fs,
                    &env,
                    &import_cells,
                    template,
                    t0,
                    md5,
                    &facts,
                );
                (r.map(Some), Some(fs))
            }
            Code::Cached(sections, bytes) => {
                lazy = bytes;
                (
                    cache_load::load_cached(self, &name, &sections, &env, &import_cells, t0),
                    None,
                )
            }
        };
        let tier_cells = self.tier.installing.take();
        let Some((entries, pieces)) = loaded? else {
            return Ok(false);
        };
        self.stats.beam_ops += u64::from(facts.beam_ops);
        // Functions and lines for stack traces (the code's addresses are in already).
        crate::module_meta::register(&name, crate::module_meta::from_facts(m, &env.atoms, &facts));
        crate::stacktrace::add_module(&name, &env.atoms, facts.lines, !strip_lines, &entries);
        let sorted = facts.entries.is_sorted();
        let mut exports = HashMap::with_capacity(m.exports.len());
        for e in &m.exports {
            let fi = if sorted {
                facts.entries.binary_search(&e.label).ok()
            } else {
                facts.entries.iter().position(|&l| l == e.label)
            };
            if let Some(&addr) = fi.and_then(|fi| entries.get(fi)) {
                exports.insert((m.atom(e.function).to_string(), e.arity), addr);
            }
        }
        // Point every cell of this module at the new code: an export's cell at its
        // function, any other at `undef` (a lazy stub must not stay: the module is here
        // now and the function is not). A BIF's cell keeps its trampoline or `undef`.
        let undef = self.cells.undef;
        let own = self
            .cells
            .of_module
            .get(&name)
            .map_or(&[][..], |v| v.as_slice());
        for cell in own {
            let Some((cm, f, a)) = self.cells.mfa.get(cell) else {
                continue;
            };
            if bifs::lookup(cm, f, *a).is_some() {
                continue;
            }
            // A missing function's cell keeps its lazy stub: `undef` then names it.
            let keep = beam_runtime::mem::read(*cell).filter(|&w| self.is_stub(w));
            let addr = exports.get(&(f.clone(), *a)).copied();
            write_word(*cell, addr.or(keep).unwrap_or(undef));
        }
        self.bif_trampolines(&name, bif_funs)?;
        let nf = facts.entries.len();
        let code = match (fs, lazy) {
            (Some(fs), _) => Some(crate::tier::TierSource::Decoded(fs)),
            (None, Some(bytes)) => Some(crate::tier::TierSource::Lazy(bytes)),
            (None, None) => None,
        };
        match (tier_cells, code) {
            (Some(cells), Some(code)) => {
                let t = crate::tier::TierModule::new(
                    m,
                    code,
                    nf,
                    env,
                    import_cells,
                    &entries,
                    cells,
                    md5,
                );
                self.tier.add(&name, t);
            }
            (Some(_), None) => {
                return Err(LoadError::Runtime(format!(
                    "{name}: tiered code needs the module's instructions"
                )))
            }
            _ => {}
        }
        self.stats.modules += 1;
        self.stats.segments += pieces as u32;
        self.modules.insert(
            name.clone(),
            LoadedModule {
                name,
                exports,
                code_bytes: crate::host::code_bytes(),
                segments: pieces,
                own_bytes: self.last_image_bytes,
            },
        );
        self.install_stubs()?;
        Ok(true)
    }
}
