//! Tiered mode (docs/tiered.md): modules load as template code whose function entries
//! count calls in *tier cells* (`backend_template::NS_TIER_CELL`, two words per function:
//! `[counter, redirect]`); when a counter runs out the entry calls `rt_tier_up`
//! ([`tier_up`]), which recompiles that one function through the IR pipeline, installs
//! it, and repoints everything that names the function:
//!
//! - its export cells (remote calls, `apply`, `fun M:F/A`, `spawn/3`) and the module's
//!   export table;
//! - its tier cell's redirect word: whatever still enters the old template entry (a local
//!   call from template code, a fun made earlier, the next call from an old continuation)
//!   jumps on to the new entry after the counter check;
//! - local calls *from* code recompiled later link straight to the new entry.
//!
//! The module is lowered to CLIF once, at its first tier-up (its catch numbers reserved
//! then); each hot function then compiles only its own segments. The old template code
//! stays installed: continuations on Erlang stacks keep returning into it (docs/tiered.md
//! says why it is not freed).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use backend_arm32::asm::RelocKind;
use backend_arm32::codegen::{CompiledCode, SymbolName};
use backend_template::{NS_TIER_CELL, TIER_CELL_BYTES};
use beam_frontend::specific::SpecificFunction;
use beam_frontend::Module;
use beam_ir::lower::LoweredModule;
use beam_ir::rtcall::NS_SEGMENT;
use beam_runtime::{arena, mem};

use crate::loader::{import_cell, with_loader, LoadError, Loader, ModEnv};
use crate::tier_cache::TierCode;
use crate::{rt, Jit};

/// Relocation namespace (inside this file only) for the address of a function's original
/// entry: a fun's identity must not change when its function is recompiled, so code that
/// takes a function's address (`make_fun`) gets the template entry, while calls get the
/// current one.
const NS_FUN_ENTRY: u32 = 0x7E_0001;

/// The counter value that never runs out in practice (a failed or declined tier-up).
const NEVER: u32 = i32::MAX as u32;

/// A tiered module's instructions: decoded at load, or its `.beam` file when the module
/// came from the cache (decoded at its first tier-up: most modules never tier up, and
/// decoding every module of a warm boot cost more than the boot's template code).
pub(crate) enum TierSource {
    Decoded(Vec<SpecificFunction>),
    Lazy(Vec<u8>),
}

/// One template module of a tiered VM: what recompiling its functions needs.
pub(crate) struct TierModule {
    /// The module (only its tables while `lazy` holds the file).
    m: Module,
    /// Its specific instructions (empty while `lazy` holds the file).
    fs: Vec<SpecificFunction>,
    /// The `.beam` file, until [`TierModule::decode`].
    lazy: Option<Vec<u8>>,
    env: ModEnv,
    import_cells: Vec<u32>,
    /// The tier cells' base address (function `i` at `cells + 8 * i`).
    cells: u32,
    /// Each function's entry at load (template code, or IR for a template fallback).
    loaded_entries: Vec<u32>,
    /// Each function's current entry.
    entries: Vec<u32>,
    tiered: Vec<bool>,
    /// The module lowered to CLIF (at the first tier-up that is not in the cache).
    lowered: Option<LoweredModule>,
    /// The `.beam` file's MD5: tier-ups are cached under it (vm/src/tier_cache.rs).
    md5: Option<[u8; 16]>,
    /// How many IR catch numbers are reserved from `env.catch_base` (at the first
    /// tier-up, compiled or cached).
    catches: Option<u32>,
    /// What storing tier-ups in the cache needs of the lowering.
    recorded: crate::tier_cache::Recorded,
}

impl TierModule {
    /// `nf` is the module's number of functions.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        m: &Module,
        code: TierSource,
        nf: usize,
        env: ModEnv,
        import_cells: Vec<u32>,
        entries: &[u32],
        cells: u32,
        md5: Option<[u8; 16]>,
    ) -> TierModule {
        let (fs, lazy) = match code {
            TierSource::Decoded(fs) => (fs, None),
            TierSource::Lazy(bytes) => (Vec::new(), Some(bytes)),
        };
        let entries = entries[..nf.min(entries.len())].to_vec();
        TierModule {
            m: m.clone(),
            fs,
            lazy,
            env,
            import_cells,
            cells,
            loaded_entries: entries.clone(),
            entries,
            tiered: vec![false; nf],
            lowered: None,
            md5,
            catches: None,
            recorded: Default::default(),
        }
    }

    /// Decodes the module's instructions if they are not yet (a module from the cache).
    fn decode(&mut self) -> Result<(), String> {
        let Some(bytes) = self.lazy.take() else {
            return Ok(());
        };
        let name = self.m.name().to_string();
        let m = beam_frontend::decode(&bytes).map_err(|e| format!("{name}: {e}"))?;
        let fs = beam_frontend::specific::transform(&m).map_err(|e| format!("{name}: {e}"))?;
        if fs.len() != self.entries.len() {
            return Err(format!(
                "{name}: {} functions decoded, {} loaded",
                fs.len(),
                self.entries.len()
            ));
        }
        self.m = m;
        self.fs = fs;
        Ok(())
    }
}

/// The loader's tiering state.
#[derive(Default)]
pub(crate) struct TierState {
    /// The tier cells of the module being installed (its template code's relocations
    /// name them).
    pub installing: Option<u32>,
    modules: HashMap<String, TierModule>,
    /// Tier cell block base → module.
    bases: BTreeMap<u32, String>,
}

impl TierState {
    pub(crate) fn add(&mut self, name: &str, t: TierModule) {
        if let Some(old) = self.modules.get(name) {
            self.bases.remove(&old.cells);
        }
        self.bases.insert(t.cells, name.to_string());
        self.modules.insert(name.to_string(), t);
    }
}

/// Tier cells for a module of `nf` functions about to load, when it loads as tiered
/// template code: counters at the threshold, no redirects.
pub(crate) fn cells_for(l: &Loader, template: bool, nf: usize) -> Result<Option<u32>, LoadError> {
    if !template || l.opts.jit != Jit::Tiered || nf == 0 {
        return Ok(None);
    }
    let bytes = nf * TIER_CELL_BYTES as usize;
    let block = arena::alloc(bytes).map_err(|e| LoadError::Runtime(e.to_string()))?;
    let (base, _) = block.into_raw();
    let start = l.opts.tier_threshold.clamp(1, NEVER);
    for i in 0..nf as u32 {
        write_word(base + TIER_CELL_BYTES * i, start);
        write_word(base + TIER_CELL_BYTES * i + 4, 0);
    }
    Ok(Some(base))
}

/// The address a `NS_TIER_CELL` relocation of the module being installed names.
pub(crate) fn cell_of(cells: Option<u32>, sym: &SymbolName) -> Option<u32> {
    match (cells, sym) {
        (
            Some(base),
            SymbolName::User {
                namespace: NS_TIER_CELL,
                index,
            },
        ) => Some(base + TIER_CELL_BYTES * index),
        _ => None,
    }
}

/// `rt_tier_up(S, cell)`: recompiles the function of tier cell `cell` through the IR
/// pipeline and returns its new entry; 0 (go on in the template code, never ask again)
/// when that fails.
pub(crate) fn tier_up(cell: u32) -> u32 {
    let r = with_loader(|l| Ok(tier_cell(l, cell))).unwrap_or_else(|e| Err(e.to_string()));
    match r {
        Ok(addr) => addr,
        Err(e) => {
            if std::env::var_os("BEAM_TIER_VERBOSE").is_some() {
                eprintln!("beam tier: cell {cell:#x}: stays template code: {e}");
            }
            0
        }
    }
}

fn tier_cell(l: &mut Loader, cell: u32) -> Result<u32, String> {
    let (base, name) = l
        .tier
        .bases
        .range(..=cell)
        .next_back()
        .map(|(b, n)| (*b, n.clone()))
        .ok_or_else(|| format!("{cell:#x} is no tier cell"))?;
    let mut tm = l
        .tier
        .modules
        .remove(&name)
        .ok_or_else(|| format!("module {name} is not tiered"))?;
    let off = cell - base;
    let f = (off / TIER_CELL_BYTES) as usize;
    let r = if !off.is_multiple_of(TIER_CELL_BYTES) || f >= tm.entries.len() {
        Err(format!("{cell:#x} is no tier cell of {name}"))
    } else {
        let r = tier_function(l, &mut tm, &name, f);
        if r.is_err() {
            write_word(cell, NEVER);
        }
        r
    };
    l.tier.modules.insert(name, tm);
    r
}

/// Recompiles function `f` of `tm` through the IR pipeline (or takes its code from the
/// cache) and repoints its entries.
fn tier_function(l: &mut Loader, tm: &mut TierModule, name: &str, f: usize) -> Result<u32, String> {
    if tm.tiered[f] {
        return Ok(tm.entries[f]);
    }
    let t0 = Instant::now();
    tm.decode()?;
    l.stats.decode += t0.elapsed();
    if tm.catches.is_none() {
        // Where the module's IR catch numbers start once they are reserved (nothing else
        // reserves any before that, below).
        tm.env.catch_base = rt::next_catch();
    }
    let cached = crate::tier_cache::lookup(l, name, tm.md5, f, &tm.env)
        .filter(|c| tm.catches.is_none_or(|n| n == c.catch_count));
    let code = match cached {
        Some(code) => code,
        None => compile_function(l, tm, name, f)?,
    };
    if tm.catches.is_none() {
        rt::add_catches(&vec![l.cells.undef; code.catch_count as usize]);
        tm.catches = Some(code.catch_count);
    }
    let pieces = code.pieces;
    let (entries, loaded, cells) = (&tm.entries, &tm.loaded_entries, &tm.import_cells);
    let addrs = l
        .install_compiled(name, &pieces, &|sym| match sym {
            SymbolName::User {
                namespace: NS_SEGMENT,
                index,
            } => entries.get(*index as usize).copied(),
            SymbolName::User {
                namespace: NS_FUN_ENTRY,
                index,
            } => loaded.get(*index as usize).copied(),
            other => import_cell(cells, other),
        })
        .map_err(|e| e.to_string())?;
    // The new code in the stack-trace index, as `cache_load::install_image` does for IR
    // segments: each piece is its segment, starting at its first instruction.
    let traced = code
        .positions
        .iter()
        .zip(pieces.iter().zip(addrs.iter()))
        .map(|(&pos, ((_, c), &addr))| crate::stacktrace::Piece {
            addr,
            len: c.code.bytes.len() as u32,
            func: f as u32,
            positions: vec![(0, pos)],
        })
        .collect();
    crate::stacktrace::add_tiered_code(name, traced);
    for &(k, p) in &code.catches {
        if let Some(&addr) = addrs.get(p) {
            rt::set_catch(tm.env.catch_base + k, addr);
        }
    }
    let new = addrs[0];
    let old = tm.entries[f];
    tm.entries[f] = new;
    tm.tiered[f] = true;
    // Old entries go on into the new code; the counter stays run out.
    let cell = tm.cells + TIER_CELL_BYTES * f as u32;
    write_word(cell + 4, new);
    write_word(cell, 0);
    // Export cells and the module's export table.
    let fname = tm.m.atom(tm.fs[f].name).to_string();
    let arity = tm.fs[f].arity;
    let exported = tm.m.functions.get(f).is_some_and(|mf| {
        tm.m.exports
            .iter()
            .any(|e| e.label == mf.entry && e.arity == arity)
    });
    if exported {
        let key = (name.to_string(), fname.clone(), arity);
        if let Some(&c) = l.cells.map.get(&key) {
            if mem::read(c) == Some(old) {
                write_word(c, new);
            }
        }
        if let Some(lm) = l.modules.get_mut(name) {
            lm.exports.insert((fname.clone(), arity), new);
        }
    }
    l.stats.tiered_functions += 1;
    l.stats.segments += pieces.len() as u32;
    if std::env::var_os("BEAM_TIER_VERBOSE").is_some() {
        eprintln!(
            "beam tier: {name}:{fname}/{arity} -> IR ({} segments) at {new:#x}",
            pieces.len()
        );
    }
    Ok(new)
}

/// Compiles function `f`'s segments through the IR pipeline (lowering the module at the
/// first tier-up that needs it) and stores them in the cache.
fn compile_function(
    l: &mut Loader,
    tm: &mut TierModule,
    name: &str,
    f: usize,
) -> Result<TierCode, String> {
    let nf = tm.fs.len();
    if tm.lowered.is_none() {
        let t0 = Instant::now();
        let lowered = crate::tier_cache::lower(
            l,
            &tm.m,
            &tm.fs,
            &tm.env,
            tm.md5.is_some(),
            &mut tm.recorded,
        )?;
        if tm
            .catches
            .is_some_and(|n| n as usize != lowered.catches.len())
        {
            return Err("the module's catches differ from its cached tier-ups'".into());
        }
        l.stats.lower += t0.elapsed();
        tm.lowered = Some(lowered);
    }
    let Some(lowered) = tm.lowered.as_ref() else {
        return Err("not lowered".into());
    };
    // The function's segments, its entry (segment f) first.
    let segs: Vec<usize> = (0..lowered.segments.len())
        .filter(|&s| lowered.segments[s].start.func == f)
        .collect();
    if segs.first() != Some(&f) {
        return Err(format!("function {f} has no entry segment"));
    }
    let mut pieces = Vec::with_capacity(segs.len());
    for &s in &segs {
        let seg = &lowered.segments[s];
        let code = l.compile(name, &seg.func).map_err(|e| e.to_string())?;
        pieces.push((
            SymbolName::of_function(&seg.func),
            fun_entries_stay(code, nf),
        ));
    }
    l.stats.functions_compiled += 1;
    let catches = lowered
        .catches
        .iter()
        .enumerate()
        .filter_map(|(k, &seg)| {
            let p = segs.iter().position(|&s| s == seg as usize)?;
            Some((k as u32, p))
        })
        .collect();
    let code = TierCode {
        pieces,
        positions: segs
            .iter()
            .map(|&s| lowered.segments[s].start.pos as u32)
            .collect(),
        catches,
        catch_count: lowered.catches.len() as u32,
    };
    crate::tier_cache::store(
        l,
        name,
        tm.md5,
        f,
        &tm.env,
        &tm.recorded,
        &segs,
        &code,
        &|c| fun_entries_stay(c, nf),
    );
    Ok(code)
}

/// Makes the address-taking relocations (Abs32: `make_fun`, not calls) of another
/// function's entry name its entry at load ([`NS_FUN_ENTRY`]), so funs keep one identity.
fn fun_entries_stay(mut c: CompiledCode, nf: usize) -> CompiledCode {
    let mut renamed: HashMap<u32, u32> = HashMap::new();
    for r in c.code.relocs.iter_mut() {
        if r.kind != RelocKind::Abs32 {
            continue;
        }
        let Some(SymbolName::User {
            namespace: NS_SEGMENT,
            index,
        }) = c.symbols.get(r.symbol as usize)
        else {
            continue;
        };
        if (*index as usize) >= nf {
            continue;
        }
        let index = *index;
        let s = *renamed.entry(r.symbol).or_insert_with(|| {
            c.symbols.push(SymbolName::User {
                namespace: NS_FUN_ENTRY,
                index,
            });
            c.symbols.len() as u32 - 1
        });
        r.symbol = s;
    }
    c
}

fn write_word(addr: u32, v: u32) {
    // SAFETY: `addr` is a word of a tier-cell block (an arena block this VM allocated and
    // never frees) or an export cell (likewise).
    unsafe { mem::raw_write(addr, v) }
}
