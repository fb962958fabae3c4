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
        // erlang:apply/2,3 (`spawn(erlang, apply, [F, Args])`): its cell's stub, whose
        // `rt_load` applies (unloaded_fun.rs `apply_trap`).
        let apply = m == "erlang" && f == "apply" && matches!(arity, 2 | 3);
        if apply || crate::on_load::pending(&m) {
            // Its on_load function first: through the cell's stub (on_load.rs).
            let cell = l.fun_cell(&m, &f, arity)?;
            return Ok(mem::read(cell).filter(|&a| l.is_stub(a)));
        }
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

/// Whether a call into module `name` goes to error_handler (see [`via_error_handler`]):
/// under the real boot, when it is not loaded, except for ERTS's preloaded modules (the
/// erts `ebin`: init, erl_prim_loader, prim_file..., in before any process runs) and
/// error_handler itself, which the VM loads directly.
pub(crate) fn error_handler_loads(name: &str) -> bool {
    crate::otp_boot::on()
        && with_loader(|l| {
            let preloaded = l.find(name).is_some_and(|p| {
                p.parent()
                    .and_then(|d| d.parent())
                    .and_then(|d| d.file_name())
                    .is_some_and(|n| n.to_string_lossy().starts_with("erts-"))
            });
            Ok(!(name == "error_handler" || preloaded || l.modules.contains_key(name)))
        })
        .unwrap_or(false)
}

/// Where a process spawned to run `M:F/arity` starts: under the real boot, for a module
/// error_handler loads ([`error_handler_loads`]), the function's export cell's lazy
/// stub, so the new process's first call goes through error_handler as in ERTS;
/// `None` otherwise (the caller resolves the function).
pub(crate) fn spawn_entry(m: Term, f: Term, arity: u32) -> Option<u32> {
    let (mn, fname) = (atom::name(m)?, atom::name(f)?);
    if !error_handler_loads(&mn) || bifs::lookup(&mn, &fname, arity).is_some() {
        return None;
    }
    with_loader(|l| {
        let cell = l.fun_cell(&mn, &fname, arity)?;
        Ok(mem::read(cell).filter(|&a| l.is_stub(a)))
    })
    .ok()
    .flatten()
}

/// Under the real boot, a call into a module that is not loaded goes where ERTS sends
/// it: to `error_handler:undefined_function(M, F, Args)`, whose `code:ensure_loaded/1`
/// has code_server load the module (so code_server knows it: `code:is_loaded/1`,
/// `code:which/1`, `code:all_loaded/0` answer as in erl) before it applies the function,
/// or raises `undef` as ERTS does. Called with the arguments in x0..: on `Some(addr)`,
/// x0..x2 hold `M`, `F` and the argument list and `addr` is the handler's code.
///
/// `None` (the VM loads the module itself) without the real boot, for error_handler
/// itself, for a module that is loaded, and while error_handler cannot be found.
pub(crate) fn via_error_handler(
    s: u32,
    m: Term,
    f: Term,
    arity: u32,
) -> Result<Option<u32>, RtStop> {
    let Some(name) = atom::name(m).filter(|n| error_handler_loads(n)) else {
        return Ok(None);
    };
    let (Ok(eh), Ok(uf)) = (
        atom::intern("error_handler"),
        atom::intern("undefined_function"),
    ) else {
        return Ok(None);
    };
    let Some(handler) = crate::rt::export_addr(eh, uf, 3) else {
        return Ok(None);
    };
    let (cx, _) = crate::rt::block(s)?;
    let fatal = |e: String| RtStop::Fatal(format!("calling error_handler for {name}: {e}"));
    let args = crate::rt::x_args(cx, arity)?;
    let mut h = crate::bifs::BifHeap::default();
    let list = beam_runtime::construct::list(&mut h, &args).map_err(|e| fatal(e.to_string()))?;
    for fr in h.frags {
        cx.heap().attach(fr);
    }
    for (i, t) in [m, f, list].into_iter().enumerate() {
        cx.set_x(i, t).map_err(|e| fatal(e.to_string()))?;
    }
    Ok(Some(handler))
}
