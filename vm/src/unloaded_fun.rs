//! Funs of code that is not loaded: what `binary_to_term` makes of a `NEW_FUN_EXT` whose
//! module is not loaded, or whose checksum (Uniq, the module's md5) or lambda is not the
//! current code's (docs/erts-surface.md, "Other differences", `fun_info/1,2`).
//!
//! ERTS makes a fun entry for such a fun with no code (its address the "unloaded" stub):
//! it prints, compares and hashes by `{Module, OldIndex, OldUniq}` as any fun of that
//! lambda, `fun_info/1` gives its own `new_uniq` and `name` `[]`, and `term_to_binary`
//! writes it back as it came. A call of it (`beam_common.c` `call_fun`) goes to the
//! module's code if that code has since been loaded with this checksum; raises
//! `{badfun, Fun}` if the module is loaded (other code); otherwise calls
//! `error_handler:undefined_lambda(Module, Fun, Args)`, which loads the module and
//! applies the fun again, or raises `undef` with `{Fun, Args, []}` as first frame.
//!
//! Here such a fun's entry word holds an address of this table, below 64 KiB, where
//! this VM maps no code (its code and arenas are mapped by the kernel's choice, above
//! `mmap_min_addr`): nothing jumps there, because
//! every call of a fun goes through `rt::call_fun`, which asks [`call`] first, and
//! `spawn(Fun)` starts such a fun through `erlang:apply/2`.

use std::cell::RefCell;
use std::collections::HashMap;

use beam_runtime::heap::HeapError;
use beam_runtime::scheduler::Ctx;
use beam_runtime::term::Term;
use beam_runtime::{atom, construct};

use crate::bifs::BifHeap;
use crate::rt::{self, RtStop};

/// The first entry's address; entries are a word apart, up to [`END`].
const BASE: u32 = 0x1000;
const END: u32 = 0x1_0000;

/// The identity of a fun of code that is not loaded, as `NEW_FUN_EXT` gave it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Lambda {
    pub module: Term,
    pub index: u32,
    pub old_uniq: u32,
    pub md5: [u8; 16],
    pub arity: u32,
}

#[derive(Default)]
struct Table {
    entries: Vec<Lambda>,
    by_lambda: HashMap<Lambda, u32>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// The entry standing for `lambda` (the same for the same lambda, as ERTS's fun table);
/// `None` when the table is full (the caller refuses the term).
pub(crate) fn entry_for(lambda: Lambda) -> Option<u32> {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        if let Some(&e) = t.by_lambda.get(&lambda) {
            return Some(e);
        }
        let e = BASE.checked_add(u32::try_from(t.entries.len()).ok()?.checked_mul(4)?)?;
        if e >= END {
            return None;
        }
        t.entries.push(lambda);
        t.by_lambda.insert(lambda, e);
        Some(e)
    })
}

/// The lambda `entry` stands for, if it is an entry of this table.
pub(crate) fn lambda(entry: u32) -> Option<Lambda> {
    if !(BASE..END).contains(&entry) || !entry.is_multiple_of(4) {
        return None;
    }
    TABLE.with(|t| {
        t.borrow()
            .entries
            .get(((entry - BASE) / 4) as usize)
            .copied()
    })
}

/// The code of `lambda` if its module's current code is the one it was made by (same
/// checksum, a fun with that index and old uniq).
pub(crate) fn code_of(lambda: &Lambda) -> Option<u32> {
    let name = atom::name(lambda.module)?;
    // Deleted (and purged) code is not the current code, though the index keeps it.
    if !crate::loader::with_loader(|l| Ok(l.modules.contains_key(&name))).unwrap_or(true) {
        return None;
    }
    // A module loaded without its file has an unknown checksum: all zeros on both sides.
    let current = crate::module_meta::get(&name).map_or([0; 16], |m| m.md5);
    if current != lambda.md5 {
        return None;
    }
    crate::stacktrace::lambda_entry(&name, lambda.index, lambda.old_uniq)
}

/// Where a call of `fun` (whose entry word is `entry`) with `arity` arguments in x0..
/// goes: `Ok(code)` to call the fun's code as any fun's (its own entry, or the code its
/// module has been loaded with since); `Err(address)` to go there instead (0 with
/// `badfun` pending, the `undef` fragment, or error_handler:undefined_lambda/3 with its
/// arguments in x0..x2). The caller has checked the arity (erl's `badarity` comes
/// first).
#[inline]
pub(crate) fn call(
    cx: &mut Ctx<'_>,
    s: u32,
    fun: Term,
    entry: u32,
    arity: u32,
) -> Result<Result<u32, u32>, RtStop> {
    if !(BASE..END).contains(&entry) {
        return Ok(Ok(entry));
    }
    call_unloaded(cx, s, fun, entry, arity)
}

#[cold]
fn call_unloaded(
    cx: &mut Ctx<'_>,
    s: u32,
    fun: Term,
    entry: u32,
    arity: u32,
) -> Result<Result<u32, u32>, RtStop> {
    let Some(l) = lambda(entry) else {
        return Ok(Ok(entry));
    };
    if let Some(code) = code_of(&l) {
        return Ok(Ok(code));
    }
    let name = atom::name(l.module).unwrap_or_default();
    if !is_loaded(&name) {
        if let Some(handler) = undefined_lambda(&name) {
            // error_handler:undefined_lambda(Module, Fun, Args): it loads the module
            // through the code server and applies the fun again (or raises `undef`).
            let args = rt::x_args(cx, arity)?;
            let list = in_heap(cx, |h| construct::list(h, &args))?;
            for (i, t) in [l.module, fun, list].into_iter().enumerate() {
                cx.set_x(i, t).map_err(|e| fatal(e.to_string()))?;
            }
            return Ok(Err(handler));
        }
        // Without the real boot the VM loads the module itself, as error_handler would.
        let _ = crate::loader::with_loader(|ld| {
            ld.ensure(&name);
            Ok(())
        });
        if let Some(code) = code_of(&l) {
            return Ok(Ok(code));
        }
    }
    if is_loaded(&name) {
        // The module is loaded, and this fun is not of its code.
        let reason = rt::tagged_reason(cx, "badfun", fun)?;
        rt::pend_error(s, reason);
        return Ok(Err(0));
    }
    // error_handler's `undef`, `{Fun, Args, []}` its first frame.
    let args = rt::x_args(cx, arity)?;
    let frame = in_heap(cx, |h| {
        let list = construct::list(h, &args)?;
        construct::tuple(h, &[fun, list, Term::NIL])
    })?;
    let undef = atom::intern("undef").map_err(|e| fatal(e.to_string()))?;
    crate::exc::record(undef, crate::exc::Recorded::Undef(frame));
    Ok(Err(rt::undef()))
}

/// A term built in fragments attached to the running process's heap.
fn in_heap(
    cx: &mut Ctx<'_>,
    f: impl FnOnce(&mut BifHeap) -> Result<Term, HeapError>,
) -> Result<Term, RtStop> {
    let mut h = BifHeap::default();
    let t = f(&mut h).map_err(|e| fatal(e.to_string()))?;
    for fr in h.frags {
        cx.heap().attach(fr);
    }
    Ok(t)
}

fn fatal(e: String) -> RtStop {
    RtStop::Fatal(format!("calling a fun of code that is not loaded: {e}"))
}

fn is_loaded(m: &str) -> bool {
    crate::loader::with_loader(|l| Ok(l.modules.contains_key(m))).unwrap_or(false)
}

/// `error_handler:undefined_lambda/3`'s code, when error_handler loads `module` (the
/// real boot, as `lazy::via_error_handler`).
fn undefined_lambda(module: &str) -> Option<u32> {
    if !crate::lazy::error_handler_loads(module) {
        return None;
    }
    let eh = atom::intern("error_handler").ok()?;
    let ul = atom::intern("undefined_lambda").ok()?;
    crate::rt::export_addr(eh, ul, 3)
}

/// `erlang:apply/2,3` called through its export cell (`fun erlang:apply/2`, a process
/// started at it by `spawn(Fun)` above): erlang.beam is not loaded, so `rt_load` of its
/// cell does what `apply` does; `None` for other cells.
pub(crate) fn apply_trap(s: u32, m: Term, f: Term, arity: u32) -> Result<Option<u32>, RtStop> {
    let apply = matches!(arity, 2 | 3)
        && atom::name(m).is_some_and(|m| m == "erlang")
        && atom::name(f).is_some_and(|f| f == "apply");
    if !apply {
        return Ok(None);
    }
    Ok(Some(or_handle(rt::apply_list(s, arity)?)))
}

/// Where a process that runs `erlang:apply/2` starts: the lazy stub of its export cell,
/// which goes to `rt::apply_list` (`spawn(Fun)` of a fun of code that is not loaded
/// fails in the new process, as erl's).
pub(crate) fn apply2_entry() -> Option<u32> {
    crate::loader::with_loader(|l| {
        let cell = l.fun_cell("erlang", "apply", 2)?;
        Ok(beam_runtime::mem::read(cell).filter(|&a| l.is_stub(a)))
    })
    .ok()
    .flatten()
}

/// `addr`, or for 0 (an exception pending) the `handle` fragment, which raises it: for
/// a runtime call whose caller does not look for 0 (`lazy`'s `rt_load`).
pub(crate) fn or_handle(addr: u32) -> u32 {
    if addr != 0 {
        return addr;
    }
    crate::loader::with_loader(|l| Ok(l.fragments.get(crate::fragments::HANDLE as usize).copied()))
        .ok()
        .flatten()
        .unwrap_or_else(rt::undef)
}
