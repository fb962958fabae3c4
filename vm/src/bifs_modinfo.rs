//! `erlang:get_module_info/1,2` (what every module's `module_info/0,1` calls) from the
//! loader's table of loaded modules, and `net_kernel`'s BIF.

use beam_runtime::construct;
use beam_runtime::ops;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, small, Bif, BifCx, Raise};

pub static NET_KERNEL: &[Bif] = &[Bif {
    name: "dflag_unicode_io",
    arity: 1,
    // Whether the node of an io server's pid takes unicode io requests: this node's do.
    f: |_, a| match a[0].is_pid() {
        true => Ok(atom("true")),
        false => Err(error("badarg")),
    },
}];

/// The exports of loaded module `m` in the order erl lists them (module_meta.rs), or
/// (`all`) every function in code order; `None` when it is not loaded. A module loaded
/// without its file (a decoded module given to the loader directly) lists its exports
/// sorted.
fn functions(m: &str, all: bool) -> Option<Vec<(Term, u32)>> {
    if let Some(meta) = crate::module_meta::get(m) {
        let loaded = crate::loader::with_loader(|l| Ok(l.modules.contains_key(m))).unwrap_or(false);
        return loaded.then(|| match all {
            true => meta.functions.iter().map(|&(f, a, _)| (f, a)).collect(),
            false => crate::module_meta::exports_in_erl_order(m, &meta),
        });
    }
    crate::loader::with_loader(|l| {
        Ok(l.modules.get(m).map(|lm| {
            let mut v: Vec<(String, u32)> = lm.exports.keys().cloned().collect();
            v.sort();
            v.into_iter()
                .filter_map(|(f, a)| Some((beam_runtime::atom::intern(&f).ok()?, a)))
                .collect()
        }))
    })
    .ok()
    .flatten()
}

/// The term of a chunk kept in external format (`[]` when the module has none).
fn chunk_term(c: &mut BifCx<'_>, bytes: Option<&[u8]>) -> Result<Term, Raise> {
    match bytes {
        Some(b) => Ok(crate::bifs_erlang_extra::decode(c, b)?.0),
        None => Ok(Term::NIL),
    }
}

fn info(c: &mut BifCx<'_>, module: Term, key: &str) -> Result<Term, Raise> {
    let name = beam_runtime::atom::name(module).ok_or_else(|| error("badarg"))?;
    match key {
        "module" => Ok(module),
        "exports" | "functions" => {
            let ex = functions(&name, key == "functions").ok_or_else(|| error("badarg"))?;
            let mut items = Vec::with_capacity(ex.len());
            for (f, a) in ex {
                items.push(
                    construct::tuple(&mut c.heap, &[f, small(i64::from(a))]).map_err(heap_err)?,
                );
            }
            construct::list(&mut c.heap, &items).map_err(heap_err)
        }
        "attributes" | "compile" | "md5" => {
            functions(&name, false).ok_or_else(|| error("badarg"))?;
            let Some(meta) = crate::module_meta::get(&name) else {
                // Loaded without its file: nothing kept.
                return Ok(if key == "md5" {
                    atom("undefined")
                } else {
                    Term::NIL
                });
            };
            match key {
                "attributes" => chunk_term(c, meta.attributes.as_deref()),
                "compile" => chunk_term(c, meta.compile.as_deref()),
                _ => ops::view::make_bits(&mut c.heap, &meta.md5, 128).map_err(heap_err),
            }
        }
        "nifs" => Ok(Term::NIL),
        "native" => Ok(atom("false")),
        _ => Err(error("badarg")),
    }
}

/// `get_module_info(Module)`: `[{module, M}, {exports, ...}, {attributes, ...},
/// {compile, ...}, {md5, ...}]`.
pub(crate) fn get_module_info1(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut items = Vec::new();
    for k in ["module", "exports", "attributes", "compile", "md5"] {
        let v = info(c, a[0], k)?;
        items.push(construct::tuple(&mut c.heap, &[atom(k), v]).map_err(heap_err)?);
    }
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

pub(crate) fn get_module_info2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let key = beam_runtime::atom::name(a[1]).ok_or_else(|| error("badarg"))?;
    info(c, a[0], &key)
}

/// `init`'s argument queries, which OTP code asks the `init` process (erl_features via
/// erl_scan, file_server): answered here from the command line (bifs_init), so they work
/// without an `init` process too, as `erl -noshell` would answer them.
pub static INIT: &[Bif] = &[
    Bif {
        name: "get_arguments",
        arity: 0,
        f: |c, _| {
            let mut items = Vec::new();
            for (k, vs) in crate::bifs_init::arguments() {
                let l = strings(c, &vs)?;
                let k = beam_runtime::atom::intern(&k).map_err(|_| error("system_limit"))?;
                items.push(construct::tuple(&mut c.heap, &[k, l]).map_err(heap_err)?);
            }
            construct::list(&mut c.heap, &items).map_err(heap_err)
        },
    },
    Bif {
        name: "get_argument",
        arity: 1,
        f: |c, a| {
            let key = beam_runtime::atom::name(a[0]).ok_or_else(|| error("badarg"))?;
            // One list of values per occurrence of the flag.
            let mut found = Vec::new();
            for (k, vs) in crate::bifs_init::arguments() {
                if k == key {
                    found.push(strings(c, &vs)?);
                }
            }
            if found.is_empty() {
                return Ok(atom("error"));
            }
            let outer = construct::list(&mut c.heap, &found).map_err(heap_err)?;
            construct::tuple(&mut c.heap, &[atom("ok"), outer]).map_err(heap_err)
        },
    },
    Bif {
        name: "get_plain_arguments",
        arity: 0,
        f: |c, _| strings(c, &crate::bifs_init::plain_arguments()),
    },
];

/// A list of strings.
fn strings(c: &mut BifCx<'_>, vs: &[String]) -> Result<Term, Raise> {
    let mut items = Vec::with_capacity(vs.len());
    for v in vs {
        items.push(crate::bifs_more::string(c, v)?);
    }
    construct::list(&mut c.heap, &items).map_err(heap_err)
}
