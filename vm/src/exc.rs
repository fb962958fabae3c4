//! Exceptions as erl reports them: the stack trace that goes with a pending exception,
//! the frames the runtime knows itself (the BIF that raised, with its `error_info`; the
//! function `undef` names), and the exit reason of a process an exception ended.
//!
//! A trace is recorded next to the pending exception it belongs to (the reason word is
//! kept with it: a trace whose reason is not the pending one is stale and ignored) and
//! taken by whoever ends the exception: `handle` when a catch takes it (it becomes x3,
//! the "raw" stack trace BEAM's `build_stacktrace` turns into a list — here it already
//! is one), or the process's exit when nothing catches it.

use std::cell::Cell;

use beam_runtime::atom;
use beam_runtime::construct;
use beam_runtime::heap::HeapError;
use beam_runtime::term::Term;

use crate::bifs::BifHeap;

thread_local! {
    /// `(reason, trace)` of the exception made pending last, if it came with a trace.
    static TRACE: Cell<Option<(u32, u32)>> = const { Cell::new(None) };
}

fn atom(name: &str) -> Term {
    atom::intern(name).expect("short atom")
}

/// Forgets any recorded trace (a new exception without one is being made pending).
pub(crate) fn clear() {
    TRACE.with(|t| t.set(None));
}

/// Records `trace` for the exception with `reason` now pending.
pub(crate) fn set(reason: Term, trace: Term) {
    TRACE.with(|t| t.set(Some((reason.0, trace.0))));
}

/// The trace of the pending exception with `reason` (`[]` when none was recorded);
/// `take` forgets it.
pub(crate) fn trace(reason: Term, take: bool) -> Term {
    TRACE.with(|t| {
        let v = t.get();
        if take {
            t.set(None);
        }
        match v {
            Some((r, tr)) if r == reason.0 => Term(tr),
            _ => Term::NIL,
        }
    })
}

/// OTP's `error_info` module for a BIF of `module` (erl: `erl_erts_errors` for the
/// emulator's own modules, `erl_stdlib_errors` for stdlib's BIFs).
fn error_info_module(module: &str) -> Term {
    match module {
        "erlang" | "erts_internal" => atom("erl_erts_errors"),
        _ => atom("erl_stdlib_errors"),
    }
}

/// `[{M, F, Args, Info}]`: the frame of a BIF (`error_info` set) or of an undefined
/// function (`Info = []`), the first frame of erl's trace for those errors.
pub(crate) fn top_frame(
    h: &mut BifHeap,
    m: Term,
    f: Term,
    args: &[Term],
    error_info: bool,
) -> Result<Term, HeapError> {
    let args = construct::list(h, args)?;
    let info = if error_info {
        let module = atom::name(m).unwrap_or_default();
        let map = crate::rt::build_map(h, vec![(atom("module"), error_info_module(&module))])?;
        let pair = construct::tuple(h, &[atom("error_info"), map])?;
        construct::list(h, &[pair])?
    } else {
        Term::NIL
    };
    let frame = construct::tuple(h, &[m, f, args, info])?;
    construct::list(h, &[frame])
}

/// The exit reason of a process that `class:reason` (with `trace`) ended, as erl makes
/// it: `{Reason, Trace}` for an error, `{{nocatch, Value}, Trace}` for a throw, the
/// reason itself for an exit.
pub(crate) fn exit_reason(
    h: &mut BifHeap,
    class: Term,
    reason: Term,
    trace: Term,
) -> Result<Term, HeapError> {
    if class == atom("exit") {
        Ok(reason)
    } else if class == atom("throw") {
        let nocatch = construct::tuple(h, &[atom("nocatch"), reason])?;
        construct::tuple(h, &[nocatch, trace])
    } else {
        construct::tuple(h, &[reason, trace])
    }
}

/// The module of BIF number `id` (the numbering of [`crate::bifs::get`]: the tables in
/// order).
pub(crate) fn bif_module(id: u32) -> &'static str {
    let mut first = 0u32;
    for (m, t) in crate::bifs::tables() {
        let n = t.len() as u32;
        if id < first + n {
            return m;
        }
        first += n;
    }
    "erlang"
}

/// Prints erl's report of a process that an uncaught error or throw ended (logger's
/// default format, on standard output as erl's default handler writes it):
/// `=ERROR REPORT==== D-Mon-YYYY::HH:MM:SS.micro ===`, then
/// `Error in process <0.N.0> with exit value:` and the reason as `~p`, then an empty
/// line.
pub(crate) fn error_report(pid: Term, exit: Term) {
    let text = format!(
        "=ERROR REPORT==== {} ===\nError in process {} with exit value:\n{}\n\n",
        timestamp(),
        crate::host::show(pid),
        beam_runtime::ops::pretty::pretty(exit).unwrap_or_else(|_| crate::host::show(exit)),
    );
    crate::bifs_io::emit_stdout(text.as_bytes());
}

/// The time as logger prints it in report headers: `5-Dec-2026::23:57:25.588680` (UTC
/// here; erl uses local time, which is UTC on the machines this runs on).
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{d}-{}-{y}::{:02}:{:02}:{:02}.{:06}",
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        now.subsec_micros()
    )
}
