//! Code loading as ERTS offers it to OTP's Erlang code (erl_bif_load.c's BIFs and
//! erlang.erl's wrappers around them): `erlang:prepare_loading/2`, `finish_loading/1`,
//! `has_prepared_code_on_load/1`, `load_module/2`, `check_old_code/1`,
//! `delete_module/1`, `erts_internal:purge_module/2`, and `erlang:load_nif/2` for the
//! NIF libraries this VM provides as BIF tables (docs/boot.md).
//!
//! OTP's `init` loads the boot script's modules with `prepare_loading` (decode and check
//! one module) and `finish_loading` (make a batch current at once); `code_server` does
//! the same for `code:load_file/1`. Prepared code is a reference naming an entry of a
//! per-VM table until `finish_loading` consumes it (ERTS uses a magic reference; an
//! entry never finished stays until the VM ends).
//!
//! Old code: loading a module that is loaded installs the new code next to the old and
//! repoints the export cells, so fully-qualified calls go to the new version while
//! processes running the previous one keep running it (local calls stay in it; code is
//! never freed). That previous version is the module's *old* code: `check_old_code/1`
//! reports it, `finish_loading` refuses a module whose old code is not purged yet
//! (`not_purged`), `delete_module/1` makes the current code old, and purging
//! (`erts_internal:purge_module/2`, which `erts_code_purger` calls after killing the
//! processes that run it; or `erlang:purge_module/1`) drops it. Which processes run old
//! code: bifs_code_purge.rs.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Read;

use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{atom, boolean, error, heap_err, Bif, BifCx, Raise};
use crate::loader::with_loader;

/// A module decoded by `prepare_loading/2` (as far as loading needs: its tables only when
/// the native-code cache has its code, `Loader::prepare`), waiting for `finish_loading/1`.
struct Prepared {
    name: String,
    code: Box<crate::loader_module::Prepared>,
    on_load: bool,
}

thread_local! {
    /// Modules installed by `load_module/2` whose on_load function has not been
    /// finished with (`finish_after_on_load/2`).
    static ON_LOAD_PENDING: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    static PREPARED: RefCell<HashMap<[u32; 3], Prepared>> = RefCell::new(HashMap::new());
    /// Modules with old code not purged yet.
    static OLD: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Forgets the previous VM's prepared and old code (`Vm::new`).
pub(crate) fn reset() {
    PREPARED.with(|p| p.borrow_mut().clear());
    OLD.with(|o| o.borrow_mut().clear());
}

fn bad() -> Raise {
    error("badarg")
}

fn name_of(t: Term) -> Result<String, Raise> {
    beam_runtime::atom::name(t).ok_or_else(bad)
}

fn tuple2(c: &mut BifCx<'_>, a: Term, b: Term) -> Result<Term, Raise> {
    construct::tuple(&mut c.heap, &[a, b]).map_err(heap_err)
}

fn is_loaded(m: &str) -> bool {
    with_loader(|l| Ok(l.modules.contains_key(m))).unwrap_or(false)
}

/// The `.beam` bytes of `Code`: a binary, gzip-compressed or not (as ERTS accepts).
fn beam_bytes(code: Term) -> Result<Vec<u8>, Raise> {
    let bytes = beam_runtime::binary::bytes(code).ok_or_else(bad)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|_| bad())?;
        return Ok(out);
    }
    Ok(bytes.to_vec())
}

/// `prepare_loading(Module, Code)`: prepared code, or `{error, badfile}` when `Code`
/// is no module named `Module`.
fn prepare_loading(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let name = name_of(a[0])?;
    let bytes = beam_bytes(a[1])?;
    let code = match with_loader(|l| Ok(l.prepare(bytes, false))) {
        Ok(Ok(p)) if p.name() == name => p,
        _ => return tuple2(c, atom("error"), atom("badfile")),
    };
    let cx = c.proc.as_mut().ok_or_else(bad)?;
    let n = cx.new_ref();
    let p = Prepared {
        name,
        on_load: code.on_load,
        code: Box::new(code),
    };
    PREPARED.with(|t| t.borrow_mut().insert(n, p));
    construct::make_ref(&mut c.heap, n).map_err(heap_err)
}

fn prepared_key(t: Term) -> Result<[u32; 3], Raise> {
    let n = construct::ref_numbers(t).ok_or_else(bad)?;
    if PREPARED.with(|p| p.borrow().contains_key(&n)) {
        Ok(n)
    } else {
        Err(bad())
    }
}

fn has_prepared_code_on_load(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = prepared_key(a[0])?;
    Ok(boolean(PREPARED.with(|p| p.borrow()[&n].on_load)))
}

/// Installs prepared modules (all checked before any is installed).
fn install(list: Vec<Prepared>) -> Result<(), String> {
    for p in list {
        let was_loaded = is_loaded(&p.name);
        with_loader(|l| {
            l.cells.missing.remove(&p.name);
            Ok(l.install_prepared(*p.code))
        })
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        if was_loaded {
            OLD.with(|o| o.borrow_mut().insert(p.name.clone()));
        }
    }
    Ok(())
}

/// `finish_loading([Prepared])`: `ok`, or `{not_purged, [Module]}` when a module's
/// old code is still there (nothing is loaded then), `{on_load, [Module]}` for modules
/// with an on_load function (use `load_module/2`).
fn finish_loading(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let refs = crate::bifs_more::proper_list(a[0])?;
    let keys = refs
        .iter()
        .map(|&t| prepared_key(t))
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<(String, bool)> = PREPARED.with(|p| {
        let p = p.borrow();
        keys.iter()
            .map(|k| (p[k].name.clone(), p[k].on_load))
            .collect()
    });
    let mut distinct = HashSet::new();
    if !names.iter().all(|(n, _)| distinct.insert(n.clone())) {
        return Err(bad());
    }
    for (reason, bad_mods) in [
        (
            "not_purged",
            names
                .iter()
                .filter(|(n, _)| OLD.with(|o| o.borrow().contains(n)))
                .map(|(n, _)| n.clone())
                .collect::<Vec<_>>(),
        ),
        (
            "on_load",
            names
                .iter()
                .filter(|(_, on_load)| *on_load)
                .map(|(n, _)| n.clone())
                .collect(),
        ),
    ] {
        if !bad_mods.is_empty() {
            let atoms: Vec<Term> = bad_mods.iter().map(|m| atom(m)).collect();
            let l = construct::list(&mut c.heap, &atoms).map_err(heap_err)?;
            return tuple2(c, atom(reason), l);
        }
    }
    let list: Vec<Prepared> = PREPARED.with(|p| {
        let mut p = p.borrow_mut();
        keys.iter().filter_map(|k| p.remove(k)).collect()
    });
    if let Err(e) = install(list) {
        eprintln!("beam: finish_loading: {e}");
        return Err(bad());
    }
    Ok(atom("ok"))
}

/// `erlang:call_on_load_function(Module)` (code_server runs it in a process of its own
/// after `load_module/2` answered `{error, on_load}`): the module's `-on_load` function,
/// whose result is this call's. It runs Erlang code, which a BIF cannot: so it is no
/// BIF here but a trap. Its export cell keeps a lazy stub (an `erlang` function that is
/// no BIF has one), whose fragment asks `rt_load` where to go: this answers the on_load
/// function's code, which the fragment enters with the caller's CP. `None` for any other
/// cell, and for a module with no on_load function pending (the call then raises `undef`
/// where ERTS raises `badarg`).
pub(crate) fn on_load_trap(
    s: u32,
    m: Term,
    f: Term,
    arity: u32,
) -> Result<Option<u32>, crate::rt::RtStop> {
    if arity != 1 || m != atom("erlang") || f != atom("call_on_load_function") {
        return Ok(None);
    }
    let (cx, _) = crate::rt::block(s)?;
    let module = cx
        .x(0)
        .map_err(|e| crate::rt::RtStop::Fatal(e.to_string()))?;
    let Some(name) = beam_runtime::atom::name(module) else {
        return Ok(None);
    };
    if !ON_LOAD_PENDING.with(|p| p.borrow().contains(&name)) {
        return Ok(None);
    }
    let entry = crate::module_meta::get(&name)
        .and_then(|meta| meta.on_load)
        .and_then(|func| crate::stacktrace::function_entry(&name, func));
    Ok(entry)
}

/// `erlang:finish_after_on_load(Module, Keep)`: the on_load function of `Module` has
/// run; with `Keep` false (it did not return `ok`) the module's new code goes, as
/// `delete_module/1` removes it (erts_code_purger then purges it). `badarg` for a module
/// with no on_load function pending.
fn finish_after_on_load(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let m = name_of(a[0])?;
    let keep = match a[1] {
        t if t == atom("true") => true,
        t if t == atom("false") => false,
        _ => return Err(bad()),
    };
    if !ON_LOAD_PENDING.with(|p| p.borrow_mut().remove(&m)) {
        return Err(bad());
    }
    if !keep {
        delete_module(c, &a[..1])?;
    }
    Ok(atom("ok"))
}

/// `erlang:load_module(Module, Binary)` (erlang.erl: prepare and finish in one):
/// `{module, Module}` or `{error, Reason}` (`badfile`, `not_purged`, `on_load`).
/// A module with an on_load function is installed and its function is not run:
/// `{error, on_load}` is what init's boot takes for "run it later".
fn load_module(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let name = name_of(a[0])?;
    let prepared = prepare_loading(c, a)?;
    let Some(n) = construct::ref_numbers(prepared) else {
        return Ok(prepared); // {error, badfile}
    };
    let p = PREPARED
        .with(|t| t.borrow_mut().remove(&n))
        .ok_or_else(bad)?;
    if OLD.with(|o| o.borrow().contains(&p.name)) {
        return tuple2(c, atom("error"), atom("not_purged"));
    }
    let on_load = p.on_load;
    if let Err(e) = install(vec![p]) {
        eprintln!("beam: load_module: {e}");
        return tuple2(c, atom("error"), atom("badfile"));
    }
    if on_load {
        ON_LOAD_PENDING.with(|p| p.borrow_mut().insert(name));
        return tuple2(c, atom("error"), atom("on_load"));
    }
    tuple2(c, atom("module"), a[0])
}

/// Whether `m` has old code (loaded over or deleted, not purged yet).
pub(crate) fn has_old_code(m: &str) -> bool {
    OLD.with(|o| o.borrow().contains(m))
}

/// Purging `m`'s old code is done (erlang:purge_module/1, bifs_code_purge.rs).
pub(crate) fn drop_old_code(m: &str) {
    OLD.with(|o| o.borrow_mut().remove(m));
}

fn check_old_code(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let m = name_of(a[0])?;
    Ok(boolean(has_old_code(&m)))
}

/// `erts_internal:purge_module(Module, Op)`, the steps of erts_code_purger's purge:
/// `prepare` (is there old code?), `prepare_on_load`, `abort` (a process runs the old
/// code: it stays; `false`, which erts_code_purger's soft_purge answers), `complete`
/// (drop it).
fn purge_module(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let m = name_of(a[0])?;
    let op = name_of(a[1])?;
    let has_old = OLD.with(|o| o.borrow().contains(&m));
    match op.as_str() {
        "prepare" | "prepare_on_load" => Ok(boolean(has_old)),
        "abort" => Ok(boolean(false)),
        "complete" => {
            OLD.with(|o| o.borrow_mut().remove(&m));
            Ok(boolean(true))
        }
        _ => Err(bad()),
    }
}

/// `erlang:delete_module(Module)`: the current code becomes old and the module is no
/// longer loaded (a call into it loads it again from the code path, or raises `undef`);
/// `undefined` when the module is not loaded; `badarg` when old code is still there,
/// reported to the logger as ERTS does ("Module M must be purged before deleting").
fn delete_module(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let m = name_of(a[0])?;
    if has_old_code(&m) {
        if let Some(cx) = c.proc.as_deref_mut() {
            let text = format!("Module {m} must be purged before deleting\n");
            crate::bifs_erts_internal_boot::log_error_text(cx, &text)?;
        }
        return Err(bad());
    }
    if !is_loaded(&m) || m == "erlang" {
        return Ok(atom("undefined"));
    }
    with_loader(|l| l.unload(&m)).map_err(|e| {
        eprintln!("beam: delete_module({m}): {e}");
        bad()
    })?;
    crate::stacktrace::retire_current(&m);
    OLD.with(|o| o.borrow_mut().insert(m));
    Ok(atom("true"))
}

/// NIF libraries whose functions are BIF tables of this VM (bifs_file's `prim_file`,
/// bifs_zlib's, the crypto tables) or that need none at boot (erl_tracer's,
/// prim_buffer's: no tracing, no socket buffers yet). `prim_socket` and `net`
/// (prim_net's) load as in ERTS, so erl_init starts socket_registry as erl does, but
/// their NIF functions are not provided: a call reaches the Erlang stub's
/// `erlang:nif_error/1` (`notsup` for prim_socket's), as before.
const NIF_LIBRARIES: [&str; 7] = [
    "prim_file",
    "zlib",
    "erl_tracer",
    "prim_buffer",
    "crypto",
    "prim_socket",
    "net",
];

/// `erlang:load_nif(Path, LoadInfo)`: `ok` for a library this VM provides (the BIF
/// tables are in force already), `{error, {load_failed, Text}}` otherwise, as ERTS
/// answers for a library it cannot open.
fn load_nif(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let path = crate::bifs_more::chars(a[0]).ok_or_else(bad)?;
    let lib = std::path::Path::new(&path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    if NIF_LIBRARIES.contains(&lib.as_str()) {
        return Ok(atom("ok"));
    }
    let text = crate::bifs_more::string(
        c,
        &format!("Failed to load NIF library {path}: 'not provided by this VM'"),
    )?;
    let inner = tuple2(c, atom("load_failed"), text)?;
    tuple2(c, atom("error"), inner)
}

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "prepare_loading",
        arity: 2,
        f: prepare_loading,
    },
    Bif {
        name: "has_prepared_code_on_load",
        arity: 1,
        f: has_prepared_code_on_load,
    },
    Bif {
        name: "finish_loading",
        arity: 1,
        f: finish_loading,
    },
    Bif {
        name: "load_module",
        arity: 2,
        f: load_module,
    },
    Bif {
        name: "check_old_code",
        arity: 1,
        f: check_old_code,
    },
    Bif {
        name: "delete_module",
        arity: 1,
        f: delete_module,
    },
    Bif {
        name: "load_nif",
        arity: 2,
        f: load_nif,
    },
    Bif {
        name: "finish_after_on_load",
        arity: 2,
        f: finish_after_on_load,
    },
];

pub static ERTS_INTERNAL: &[Bif] = &[Bif {
    name: "purge_module",
    arity: 2,
    f: purge_module,
}];
