//! Lazy loading (docs/beam-machine.md §5): the runtime side of a call into a module that
//! is not loaded yet.
//!
//! Such a call reaches the module in one of two ways. Through an export cell — a remote
//! call, or a `fun M:F/A` — it lands in the cell's lazy stub, which goes to the `lazy`
//! fragment, which calls [`load_cell`] (`rt_load`) with the cell's address. Through
//! `apply` or `spawn/3` there may be no cell at all: the runtime asks [`resolve`] for the
//! function's address. Both load the module from the code path while the calling process
//! is suspended in the runtime call, and answer with the function's code or, when the
//! module or the function does not exist, nothing (`undef`, raised as erl raises it).

use beam_runtime::term::Term;
use beam_runtime::{atom, mem};

use crate::bifs;
use crate::loader::with_loader;
use crate::rt::RtStop;

/// `rt_load(S, cell)`: loads the module of `cell` and returns the address the cell holds
/// afterwards: the function, or the `undef` fragment.
pub(crate) fn load_cell(cell: u32) -> Result<u32, RtStop> {
    with_loader(|l| {
        let Some((m, _, _)) = l.cells.mfa.get(&cell).cloned() else {
            return Ok(Err(format!(
                "rt_load of {cell:#x}, which is no export cell"
            )));
        };
        l.ensure(&m);
        let addr = mem::read(cell).unwrap_or(l.cells.undef);
        // Loading always rewrites the module's cells; a stub left behind would loop.
        Ok(Ok(if l.is_stub(addr) { l.cells.undef } else { addr }))
    })
    .map_err(|e| RtStop::Fatal(e.to_string()))?
    .map_err(RtStop::Fatal)
}

/// The code address of `M:F/A` (atoms), loading `M` first if it is on the code path and
/// not loaded: `None` when the module or the function does not exist, or when it is a
/// BIF without a trampoline (the caller calls the BIF itself).
pub(crate) fn resolve(m: Term, f: Term, arity: u32) -> Option<u32> {
    let (m, f) = (atom::name(m)?, atom::name(f)?);
    with_loader(|l| {
        l.ensure(&m);
        let key = (m.clone(), f.clone(), arity);
        if let Some(&cell) = l.cells.map.get(&key) {
            let addr = mem::read(cell).filter(|&a| a != l.cells.undef && !l.is_stub(a));
            return Ok(addr);
        }
        if bifs::lookup(&m, &f, arity).is_some() {
            return Ok(None);
        }
        Ok(l.modules
            .get(&m)
            .and_then(|lm| lm.exports.get(&(f, arity)))
            .copied())
    })
    .ok()
    .flatten()
}

/// Whether `addr` is a lazy stub (its module is not loaded yet).
pub(crate) fn is_stub(addr: u32) -> bool {
    with_loader(|l| Ok(l.is_stub(addr))).unwrap_or(false)
}
