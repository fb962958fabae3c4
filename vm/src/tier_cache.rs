//! Tier-ups through the native-code cache (docs/tiered.md, docs/cache.md): the IR code a
//! tiered VM compiles for a hot function is stored as an entry of its own, keyed by the
//! module's `.beam`, the compiler, the target and the function's number, so the next
//! run that tiers the same function up takes it from the cache and compiles nothing.
//!
//! The entry is a module image (vm/src/cache.rs) holding only the function's segments,
//! with the module's catch table (handlers in other functions' segments are `None`) and
//! the per-VM sites found as for whole modules (vm/src/cache_reloc.rs): the module is
//! lowered a second time with every per-VM value moved ([`ShiftedEnv`]), the segments
//! compiled from both lowerings and compared. A tier-up that does not fit is compiled as
//! before; a damaged or stale entry is recompiled, never executed.

use std::collections::BTreeMap;

use backend_arm32::codegen::{CompiledCode, SymbolName};
use beam_ir::lower::{lower_module, LoweredModule};

use crate::cache::{self, Image, Lookup, SEC_IMAGE, SEC_RELOC};
use crate::cache_reloc::{self, RecordingEnv, Relocs, ShiftedEnv};
use crate::loader::{Loader, ModEnv};

/// A tier-up's code, compiled or from the cache: the function's segments (its entry
/// first), the instruction each starts at, and the module's catch numbers it handles.
pub(crate) struct TierCode {
    pub pieces: Vec<(SymbolName, CompiledCode)>,
    pub positions: Vec<u32>,
    /// `(module catch number, piece)`.
    pub catches: Vec<(u32, usize)>,
    /// How many catch numbers the module's IR code has.
    pub catch_count: u32,
}

/// What storing a module's tier-ups needs beyond the lowering the VM runs: the second,
/// moved lowering and the named atoms and BIFs the first one asked for.
#[derive(Default)]
pub(crate) struct Recorded {
    shifted: Option<LoweredModule>,
    named: BTreeMap<String, u32>,
    bifs: BTreeMap<(String, String, u32), Option<u32>>,
}

fn key(l: &Loader, name: &str, md5: Option<[u8; 16]>, f: usize) -> Option<cache::Key> {
    let dir = l.opts.cache.as_ref()?;
    if l.opts.emit.is_some() || l.thumb() {
        return None;
    }
    let target = format!("{} tier-up {f}", crate::cache_load::target(l, true));
    Some(cache::key(dir, name, &md5?, &target))
}

fn say(name: &str, f: usize, what: &str) {
    if std::env::var_os("BEAM_CACHE_VERBOSE").is_some() {
        eprintln!("beam cache: {name} tier-up of function {f}: {what}");
    }
}

/// The cached tier-up of function `f`, fitted to `env`, if there is one that fits.
pub(crate) fn lookup(
    l: &mut Loader,
    name: &str,
    md5: Option<[u8; 16]>,
    f: usize,
    env: &ModEnv,
) -> Option<TierCode> {
    let key = key(l, name, md5, f)?;
    let sections = match cache::read(&key) {
        Lookup::Found(s) => s,
        Lookup::Missing => {
            l.stats.cache_misses += 1;
            return None;
        }
        Lookup::Rejected(e) => {
            say(name, f, &format!("entry rejected: {e}"));
            l.stats.cache_rejected += 1;
            return None;
        }
    };
    let fitted = (|| -> Result<Image, String> {
        let find = |tag: u32| -> Result<&[u8], String> {
            match sections.iter().find(|s| s.0 == tag) {
                Some((_, 1, data)) => Ok(data),
                _ => Err(format!("no section {tag} of version 1")),
            }
        };
        let mut im = cache::decode_image(find(SEC_IMAGE)?)?;
        let relocs: Relocs = cache_reloc::decode(find(SEC_RELOC)?)?;
        cache_reloc::fit(&mut im, &relocs, env)?;
        if im.pieces.is_empty() || im.piece_function.iter().any(|&pf| pf as usize != f) {
            return Err("not this function's segments".into());
        }
        Ok(im)
    })();
    match fitted {
        Ok(im) => {
            l.stats.cache_hits += 1;
            Some(from_image(im))
        }
        Err(e) => {
            say(name, f, &format!("entry not usable here: {e}"));
            l.stats.cache_rejected += 1;
            None
        }
    }
}

fn from_image(im: Image) -> TierCode {
    let positions = im
        .piece_positions
        .iter()
        .map(|p| p.first().map_or(0, |&(_, pos)| pos))
        .collect();
    let catches = im
        .catches
        .iter()
        .enumerate()
        .filter_map(|(k, c)| c.map(|(p, _)| (k as u32, p as usize)))
        .collect();
    TierCode {
        catch_count: im.catches.len() as u32,
        pieces: im.pieces,
        positions,
        catches,
    }
}

fn image(code: &TierCode, f: usize) -> Image {
    let mut catches = vec![None; code.catch_count as usize];
    for &(k, p) in &code.catches {
        if let Some(c) = catches.get_mut(k as usize) {
            *c = Some((p as u32, 0));
        }
    }
    Image {
        pieces: code.pieces.clone(),
        piece_function: vec![f as u32; code.pieces.len()],
        piece_positions: code.positions.iter().map(|&p| vec![(0, p)]).collect(),
        catches,
        ..Image::default()
    }
}

/// Lowers the module the way [`store`] needs it: through a recording env (the lowering
/// the VM then uses) and a second time with every per-VM value moved (kept in
/// `rec`), when the cache is in use; plainly otherwise.
pub(crate) fn lower(
    l: &Loader,
    m: &beam_frontend::Module,
    fs: &[beam_frontend::specific::SpecificFunction],
    env: &ModEnv,
    cached: bool,
    rec: &mut Recorded,
) -> Result<LoweredModule, String> {
    if !cached || l.opts.cache.is_none() {
        return lower_module(m, fs, env).map_err(|e| e.to_string());
    }
    let r = RecordingEnv::new(env);
    let lowered = lower_module(m, fs, &r).map_err(|e| e.to_string())?;
    (rec.named, rec.bifs) = r.recorded();
    // A module that cannot be lowered with moved values is still tiered, not cached.
    rec.shifted = lower_module(m, fs, &ShiftedEnv::new(env)).ok();
    Ok(lowered)
}

/// Stores the tier-up `code` of function `f` (segments `segs` of the lowering), when the
/// moved lowering gives code of the same shape whose differences are all sites.
#[allow(clippy::too_many_arguments)]
pub(crate) fn store(
    l: &mut Loader,
    name: &str,
    md5: Option<[u8; 16]>,
    f: usize,
    env: &ModEnv,
    rec: &Recorded,
    segs: &[usize],
    code: &TierCode,
    finish: &dyn Fn(CompiledCode) -> CompiledCode,
) {
    let (Some(key), Some(shifted)) = (key(l, name, md5, f), rec.shifted.as_ref()) else {
        return;
    };
    let a = image(code, f);
    // The second compilation is not counted as compiling (as in cache_load::load_code).
    let before = l.stats;
    let mut moved = Vec::with_capacity(segs.len());
    for &s in segs {
        let Some(seg) = shifted.segments.get(s) else {
            return;
        };
        match l.compile(name, &seg.func) {
            Ok(c) => moved.push((SymbolName::of_function(&seg.func), finish(c))),
            Err(_) => {
                l.stats = before;
                return;
            }
        }
    }
    l.stats = before;
    let b = image(
        &TierCode {
            pieces: moved,
            positions: code.positions.clone(),
            catches: code.catches.clone(),
            catch_count: code.catch_count,
        },
        f,
    );
    let r = RecordingEnv::resumed(env, rec.named.clone(), rec.bifs.clone());
    match cache_reloc::derive(&a, &b, &r) {
        Ok(relocs) => {
            let sections = vec![
                (SEC_IMAGE, 1, cache::encode_image(&a)),
                (SEC_RELOC, 1, cache_reloc::encode(&relocs)),
            ];
            if cache::write(&key, &sections).is_ok() {
                l.stats.cache_stored += 1;
            }
        }
        Err(e) => {
            say(name, f, &format!("not cacheable: {e}"));
            l.stats.cache_unfit += 1;
        }
    }
}
