//! Module `code` as BIFs over the loader: the code path and loading by name or from a
//! binary, without OTP's code_server process (docs/boot.md).
//!
//! `which/1`, `is_loaded/1`, `ensure_loaded/1`, `load_file/1`, `load_binary/3`,
//! `get_path/0`, `add_patha/1`, `add_pathz/1`, `add_path/1`, `root_dir/0` answer as erl's
//! code server does for the cases a program meets: a module on the code path, a module
//! made at run time (`compile:forms/2` + `load_binary/3`), a module that does not exist.
//! A module loaded again replaces the old code for new calls (no old/current versions,
//! purge or `check_process_code` yet).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{atom, boolean, error, heap_err, Bif, BifCx, Raise};
use crate::bifs_more::{chars, string};
use crate::loader::{with_loader, Loader};

thread_local! {
    /// The file name given to `load_binary/3` for each module it loaded: what
    /// `which/1` and `is_loaded/1` report for it.
    static BINARY_FILES: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// Modules that are part of the VM itself (erl's preloaded ones that are BIF tables here).
fn preloaded(m: &str) -> bool {
    matches!(m, "erlang" | "erts_internal" | "init" | "prim_file")
}

fn name_of(t: Term) -> Result<String, Raise> {
    beam_runtime::atom::name(t).ok_or_else(|| error("badarg"))
}

/// `M.beam` on the loader's code path.
fn find(l: &Loader, m: &str) -> Option<PathBuf> {
    l.opts
        .code_path
        .iter()
        .map(|d| d.join(format!("{m}.beam")))
        .find(|p| p.is_file())
}

fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Where loaded module `m` came from, `None` when it is not loaded.
fn loaded_from(m: &str) -> Option<String> {
    if preloaded(m) {
        return Some("preloaded".into());
    }
    let file = BINARY_FILES.with(|b| b.borrow().get(m).cloned());
    with_loader(|l| {
        Ok(l.modules.contains_key(m).then(|| {
            file.or_else(|| find(l, m).map(|p| path_text(&p)))
                .unwrap_or_default()
        }))
    })
    .ok()
    .flatten()
}

/// `{file, F}`, `preloaded` as an atom as erl gives it.
fn file_term(c: &mut BifCx<'_>, f: &str) -> Result<Term, Raise> {
    if f == "preloaded" {
        return Ok(atom("preloaded"));
    }
    string(c, f)
}

fn which(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let m = name_of(a[0])?;
    if let Some(f) = loaded_from(&m) {
        return file_term(c, &f);
    }
    match with_loader(|l| Ok(find(l, &m))).ok().flatten() {
        Some(p) => string(c, &path_text(&p)),
        None => Ok(atom("non_existing")),
    }
}

fn is_loaded(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let m = name_of(a[0])?;
    match loaded_from(&m) {
        Some(f) => {
            let f = file_term(c, &f)?;
            construct::tuple(&mut c.heap, &[atom("file"), f]).map_err(heap_err)
        }
        None => Ok(boolean(false)),
    }
}

/// Loads `m` from the code path unless it is loaded: `{module, M}` or `{error, nofile}`
/// (`{error, badfile}` when it is there but does not load).
fn ensure_loaded(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let m = name_of(a[0])?;
    let result = with_loader(|l| {
        if preloaded(&m) || l.modules.contains_key(&m) {
            return Ok(Ok(()));
        }
        if find(l, &m).is_none() {
            return Ok(Err("nofile"));
        }
        // A module the code path lacked before (add_patha since) may be loaded now.
        l.cells.missing.remove(&m);
        l.ensure(&m);
        Ok(if l.modules.contains_key(&m) {
            Ok(())
        } else {
            Err("badfile")
        })
    })
    .map_err(|_| error("badarg"))?;
    match result {
        Ok(()) => construct::tuple(&mut c.heap, &[atom("module"), a[0]]).map_err(heap_err),
        Err(why) => construct::tuple(&mut c.heap, &[atom("error"), atom(why)]).map_err(heap_err),
    }
}

/// `load_binary(Module, Filename, Binary)`: the binary goes through the loader as a
/// module read from a file would.
fn load_binary(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let m = name_of(a[0])?;
    let file = chars(a[1])
        .or_else(|| beam_runtime::atom::name(a[1]))
        .ok_or_else(|| error("badarg"))?;
    let bytes = beam_runtime::binary::bytes(a[2]).ok_or_else(|| error("badarg"))?;
    let err = |c: &mut BifCx<'_>, why: &str| {
        construct::tuple(&mut c.heap, &[atom("error"), atom(why)]).map_err(heap_err)
    };
    // Prepared as erlang:prepare_loading does (the file kept for module_info's facts).
    let prepared = match with_loader(|l| Ok(l.prepare(bytes.to_vec(), false))) {
        Ok(Ok(p)) if p.name() == m => p,
        _ => return err(c, "badfile"),
    };
    if preloaded(&m) {
        return err(c, "sticky_directory");
    }
    let loaded = with_loader(|l| {
        l.cells.missing.remove(&m);
        Ok(l.install_prepared(prepared))
    })
    .map_err(|_| error("badarg"))?;
    if let Err(e) = loaded {
        eprintln!("beam: code:load_binary of {m}: {e}");
        return err(c, "badfile");
    }
    BINARY_FILES.with(|b| b.borrow_mut().insert(m, file));
    construct::tuple(&mut c.heap, &[atom("module"), a[0]]).map_err(heap_err)
}

fn get_path(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let dirs = with_loader(|l| Ok(l.opts.code_path.clone())).map_err(|_| error("badarg"))?;
    let mut items = Vec::with_capacity(dirs.len());
    for d in dirs {
        items.push(string(c, &path_text(&d))?);
    }
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

/// `add_patha/1` (`front`) and `add_pathz/1`: `true`, or `{error, bad_directory}`. A
/// directory already on the path moves (erl's code server keeps one copy).
fn add_path(c: &mut BifCx<'_>, a: &[Term], front: bool) -> Result<Term, Raise> {
    let dir = chars(a[0])
        .or_else(|| beam_runtime::atom::name(a[0]))
        .ok_or_else(|| error("badarg"))?;
    let dir = PathBuf::from(dir.trim_end_matches('/'));
    if !dir.is_dir() {
        return construct::tuple(&mut c.heap, &[atom("error"), atom("bad_directory")])
            .map_err(heap_err);
    }
    with_loader(|l| {
        let path = &mut l.opts.code_path;
        path.retain(|d| d != &dir);
        if front {
            path.insert(0, dir);
        } else {
            path.push(dir);
        }
        Ok(())
    })
    .map_err(|_| error("badarg"))?;
    Ok(boolean(true))
}

pub static CODE: &[Bif] = &[
    Bif {
        name: "which",
        arity: 1,
        f: which,
    },
    Bif {
        name: "is_loaded",
        arity: 1,
        f: is_loaded,
    },
    Bif {
        name: "ensure_loaded",
        arity: 1,
        f: ensure_loaded,
    },
    Bif {
        name: "load_file",
        arity: 1,
        f: ensure_loaded,
    },
    Bif {
        name: "load_binary",
        arity: 3,
        f: load_binary,
    },
    Bif {
        name: "get_path",
        arity: 0,
        f: get_path,
    },
    Bif {
        name: "add_patha",
        arity: 1,
        f: |c, a| add_path(c, a, true),
    },
    Bif {
        name: "add_pathz",
        arity: 1,
        f: |c, a| add_path(c, a, false),
    },
    Bif {
        name: "add_path",
        arity: 1,
        f: |c, a| add_path(c, a, false),
    },
    Bif {
        name: "root_dir",
        arity: 0,
        f: |c, _| string(c, "/usr/lib/erlang"),
    },
];
