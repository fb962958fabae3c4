//! The loader's path through the native-code cache (docs/cache.md): compile a module
//! into an [`Image`] (IR or templates), or take the image from the cache and fit it to
//! this VM; then link and install it ([`install_image`], the one place a module's code
//! is installed, whichever way it came).

use std::time::Instant;

use backend_arm32::codegen::SymbolName;
use beam_frontend::specific::SpecificFunction;
use beam_frontend::Module;
use beam_ir::lower::{Env, Lowering};
use cranelift_codegen::ir::Function;

use crate::cache::{self, Image, Lookup, SEC_FACTS, SEC_IMAGE, SEC_RELOC};
use crate::cache_info::{self, ModFacts};
use crate::cache_reloc::{self, RecordingEnv, Relocs, ShiftedEnv};
use crate::loader::{import_cell, LoadError, Loader, ModEnv};
use crate::rt;

/// Compiles `m` through the IR pipeline into an image: segment `i` is piece `i`.
fn compile_ir(
    l: &mut Loader,
    m: &Module,
    fs: &[SpecificFunction],
    env: &dyn Env,
    t0: Instant,
) -> Result<Image, LoadError> {
    let name = m.name().to_string();
    let lower_err = |source| LoadError::Lower {
        module: name.clone(),
        source,
    };
    // Each segment is compiled before the next is lowered, into the same `Function`:
    // its allocations (and the SSA builder's) serve every segment.
    let mut lowering = Lowering::new(m, fs, env).map_err(lower_err)?;
    let mut im = Image {
        functions_compiled: fs.len() as u32,
        ..Image::default()
    };
    let mut func = Function::new();
    let mut lower_time = t0.elapsed();
    loop {
        let tl = Instant::now();
        let next = lowering.next_into(&mut func).map_err(lower_err)?;
        lower_time += tl.elapsed();
        let Some((start, _)) = next else { break };
        let sym = SymbolName::of_function(&func);
        let c = l.compile_in_place(&name, &mut func)?;
        im.pieces.push((sym, c));
        im.piece_function.push(start.func as u32);
        im.piece_positions.push(vec![(0, start.pos as u32)]);
    }
    l.stats.lower += lower_time;
    let catches = lowering.catches();
    im.catches = catches.iter().map(|&s| Some((s, 0))).collect();
    Ok(im)
}

fn compile(
    l: &mut Loader,
    m: &Module,
    fs: &[SpecificFunction],
    env: &dyn Env,
    template: bool,
    t0: Instant,
) -> Result<Image, LoadError> {
    if template {
        crate::template::compile_image(l, m, fs, env, t0)
    } else {
        compile_ir(l, m, fs, env, t0)
    }
}

/// The target part of a cache key: code generator, optimiser, where the code runs, ISA.
pub(crate) fn target(l: &Loader, template: bool) -> String {
    format!(
        "{} opt={} {} armv7-{} hwdiv={} gcstress={}{}{}",
        match (template, l.opts.jit) {
            (true, crate::Jit::Tiered) => "tiered",
            (true, _) => "template",
            _ => "ir",
        },
        l.opts.optimize,
        if l.opts.native { "native" } else { "sim" },
        l.opts.isa.name(),
        l.opts.flags.has_hw_div,
        l.opts.gc_stress,
        // The compile-speed tradeoffs, when they are not the defaults, make other code.
        match (l.opts.egraph_max_insts, l.opts.flags.fastalloc_above) {
            (u32::MAX, u32::MAX) => String::new(),
            (e, f) => format!(" egraph<={e} fastalloc>{f}"),
        },
        // Under the real boot the stand-in BIFs are remote calls: other code.
        if l.opts.otp_boot { " otp-boot" } else { "" },
    )
}

/// The cache entry of module `name` (`.beam` MD5 `md5`) with code generator `template`,
/// when this VM uses the cache for it.
fn entry_key(l: &Loader, name: &str, md5: &[u8; 16], template: bool) -> Option<cache::Key> {
    // T32 code is not cached: the entry format records only A32 relocation kinds (a
    // `ThumbCall` would come back as `Abs32`), and the per-VM sites (cache_reloc) are
    // found by A32 instruction patterns (MOVW/MOVT, modified immediates), which T32's
    // halfword-ordered encodings do not match.
    let dir = l.opts.cache.as_ref()?;
    if l.opts.emit.is_some() || l.thumb() {
        return None;
    }
    Some(cache::key(dir, name, md5, &target(l, template)))
}

fn say(name: &str, what: &str) {
    if std::env::var_os("BEAM_CACHE_VERBOSE").is_some() {
        eprintln!("beam cache: {name}: {what}");
    }
}

/// A whole, checked entry for module `name` with its facts decoded, or `None` (missing,
/// damaged or stale; tiered mode keeps the `.beam` file of a module loaded this way and
/// decodes it at its first tier-up, vm/src/tier.rs). Nothing is counted here: when this
/// answers `None` the module is decoded in full and [`load_code`] looks the entry up
/// again and counts.
pub(crate) fn warm_entry(
    l: &Loader,
    name: &str,
    md5: &[u8; 16],
    template: bool,
) -> Option<(cache::Sections, ModFacts)> {
    let Lookup::Found(sections) = cache::read(&entry_key(l, name, md5, template)?) else {
        return None;
    };
    let facts = match sections.iter().find(|s| s.0 == SEC_FACTS) {
        Some((_, cache_info::VERSION, data)) => cache_info::decode(data),
        _ => Err("no facts section of this version".into()),
    };
    match facts {
        Ok(f) => Some((sections, f)),
        Err(e) => {
            say(name, &format!("entry rejected: {e}"));
            None
        }
    }
}

/// Installs the image of an entry [`warm_entry`] found, fitted to `env`; `None` when it
/// does not fit this VM (counted as rejected; the caller compiles the module).
pub(crate) fn load_cached(
    l: &mut Loader,
    name: &str,
    sections: &[(u32, u32, Vec<u8>)],
    env: &ModEnv,
    import_cells: &[u32],
    t0: Instant,
) -> Result<Option<(Vec<u32>, usize)>, LoadError> {
    match from_sections(sections, env) {
        Ok(im) => {
            l.stats.cache_hits += 1;
            l.stats.lower += t0.elapsed();
            install_image(l, name, im, import_cells).map(Some)
        }
        Err(e) => {
            say(name, &format!("entry not usable here: {e}"));
            l.stats.cache_rejected += 1;
            Ok(None)
        }
    }
}

/// Compiles `m` or takes it from the cache, then installs it; returns the address of
/// each piece (function `i` at `i`) and the number of pieces.
#[allow(clippy::too_many_arguments)]
pub(crate) fn load_code(
    l: &mut Loader,
    m: &Module,
    fs: &[SpecificFunction],
    env: &ModEnv,
    import_cells: &[u32],
    template: bool,
    t0: Instant,
    md5: Option<[u8; 16]>,
    facts: &ModFacts,
) -> Result<(Vec<u32>, usize), LoadError> {
    let name = m.name().to_string();
    let Some(key) = md5.and_then(|md5| entry_key(l, &name, &md5, template)) else {
        let im = compile(l, m, fs, env, template, t0)?;
        return install_image(l, &name, im, import_cells);
    };
    let tell = |what: &str| say(&name, what);
    match cache::read(&key) {
        Lookup::Found(sections) => match from_sections(&sections, env) {
            Ok(im) => {
                l.stats.cache_hits += 1;
                l.stats.lower += t0.elapsed();
                return install_image(l, &name, im, import_cells);
            }
            Err(e) => {
                tell(&format!("entry not usable here: {e}"));
                l.stats.cache_rejected += 1
            }
        },
        Lookup::Rejected(e) => {
            tell(&format!("entry rejected: {e}"));
            l.stats.cache_rejected += 1
        }
        Lookup::Missing => l.stats.cache_misses += 1,
    }
    let rec = RecordingEnv::new(env);
    let im = compile(l, m, fs, &rec, template, t0)?;
    // The second compilation finds the per-VM values (cache_reloc); it is not counted as
    // compiled functions, only its time is, apart from the stages' times.
    let before = l.stats;
    let tv = Instant::now();
    let moved = compile(l, m, fs, &ShiftedEnv::new(env), template, tv);
    (l.stats.lower, l.stats.optimize, l.stats.codegen) =
        (before.lower, before.optimize, before.codegen);
    l.stats.functions_compiled = before.functions_compiled;
    l.stats.cache_verify += tv.elapsed();
    let derived = moved
        .map_err(|e| e.to_string())
        .and_then(|b| cache_reloc::derive(&im, &b, &rec));
    if let Err(e) = &derived {
        tell(&format!("not cacheable: {e}"));
    }
    if let Ok(relocs) = derived {
        let sections = vec![
            (SEC_IMAGE, 1, cache::encode_image(&im)),
            (SEC_RELOC, 1, cache_reloc::encode(&relocs)),
            (SEC_FACTS, cache_info::VERSION, cache_info::encode(facts)),
        ];
        if cache::write(&key, &sections).is_ok() {
            l.stats.cache_stored += 1;
        }
    } else {
        l.stats.cache_unfit += 1;
    }
    install_image(l, &name, im, import_cells)
}

/// The image of a cache entry, fitted to `env`.
fn from_sections(sections: &[(u32, u32, Vec<u8>)], env: &ModEnv) -> Result<Image, String> {
    let find = |tag: u32| -> Result<&[u8], String> {
        match sections.iter().find(|s| s.0 == tag) {
            Some((_, 1, data)) => Ok(data),
            Some((_, v, _)) => Err(format!("section {tag} of version {v}")),
            None => Err(format!("no section {tag}")),
        }
    };
    let mut im = cache::decode_image(find(SEC_IMAGE)?)?;
    let relocs: Relocs = cache_reloc::decode(find(SEC_RELOC)?)?;
    cache_reloc::fit(&mut im, &relocs, env)?;
    Ok(im)
}

/// Links and installs a module's image and its catch handlers; returns the address of
/// each piece and the number of pieces.
pub(crate) fn install_image(
    l: &mut Loader,
    name: &str,
    im: Image,
    import_cells: &[u32],
) -> Result<(Vec<u32>, usize), LoadError> {
    l.stats.functions_compiled += im.functions_compiled;
    l.stats.template_functions += im.template_functions;
    l.stats.template_fallbacks += im.template_fallbacks;
    let tier = l.tier.installing;
    let entries = l.install_compiled(name, &im.pieces, &|sym| {
        import_cell(import_cells, sym).or_else(|| crate::tier::cell_of(tier, sym))
    })?;
    let undef = l.cells.undef;
    let handlers: Vec<u32> = im
        .catches
        .iter()
        .map(|c| match c {
            Some((p, off)) => entries.get(*p as usize).map_or(undef, |&e| e + off),
            None => undef,
        })
        .collect();
    rt::add_catches(&handlers);
    // The stack-trace index: this runs for compiled and cached modules alike, and
    // `im.piece_function[p]` is the function of the piece at `entries[p]`.
    let pieces = im.pieces.len();
    let code: Vec<crate::stacktrace::Piece> = im
        .pieces
        .iter()
        .zip(entries.iter())
        .enumerate()
        .map(|(p, ((_, c), &addr))| crate::stacktrace::Piece {
            addr,
            len: c.code.bytes.len() as u32,
            func: im.piece_function.get(p).copied().unwrap_or(0),
            positions: im.piece_positions.get(p).cloned().unwrap_or_default(),
        })
        .collect();
    crate::stacktrace::add_code(name, code);
    l.last_image_bytes = im.pieces.iter().map(|(_, c)| c.code.bytes.len()).sum();
    Ok((entries, pieces))
}
