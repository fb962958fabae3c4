//! Exceptions as erl reports them: what the runtime records about a pending exception
//! (the BIF that raised, with its `error_info`; the function `undef` names; the arguments
//! of `error/2`; a trace given to `erlang:raise/3`), the raw stack trace a catch handler
//! gets, and the exit reason of a process an exception ended.
//!
//! What is recorded is kept next to the pending exception it belongs to (the reason word
//! is kept with it: a record whose reason is not the pending one is stale and ignored).
//! `handle` (rt.rs) builds the whole trace (vm/src/stacktrace.rs) and records it as
//! given: a catch gets it in x3 as a raw trace ([`raw`]), the process's exit takes it
//! when nothing catches.

use std::cell::Cell;

use beam_runtime::atom;
use beam_runtime::construct;
use beam_runtime::heap::HeapError;
use beam_runtime::term::Term;

use crate::bifs::BifHeap;

/// What the runtime recorded about the exception it made pending, beyond class and
/// reason: what the stack trace starts with (vm/src/stacktrace.rs builds the rest).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Recorded {
    /// A BIF raised: its frame `{M, F, Args, [{error_info, ...}]}`, then the caller.
    /// `stand_in`: the BIF stands in for an Erlang function of OTP's (io, io_lib, ...,
    /// `otp_boot::stand_in`), so a tail call to it leaves no frame for its caller, as
    /// the Erlang function's would not.
    Bif { frame: Term, stand_in: bool },
    /// An undefined function was called: `{M, F, Args, []}`, then the callers.
    Undef(Term),
    /// `erlang:error/2,3`: the raising function's frame shows these arguments (and the
    /// `{error_info, Map}` of error/3's options).
    Args(Term, Option<Term>),
    /// The whole trace, given (`erlang:raise/3`, a rethrow) or already built.
    Given(Term),
}

thread_local! {
    /// `(reason, what)` of the exception made pending last, if the runtime recorded more.
    static TRACE: Cell<Option<(u32, Recorded)>> = const { Cell::new(None) };
}

fn atom(name: &str) -> Term {
    atom::intern(name).expect("short atom")
}

/// Forgets anything recorded (a new exception is being made pending).
pub(crate) fn clear() {
    TRACE.with(|t| t.set(None));
}

/// Records `what` for the exception with `reason` now pending.
pub(crate) fn record(reason: Term, what: Recorded) {
    TRACE.with(|t| t.set(Some((reason.0, what))));
}

/// Records the whole `trace` of the exception with `reason` now pending.
pub(crate) fn set(reason: Term, trace: Term) {
    record(reason, Recorded::Given(trace));
}

/// What was recorded for the pending exception with `reason`; `take` forgets it.
pub(crate) fn recorded(reason: Term, take: bool) -> Option<Recorded> {
    TRACE.with(|t| {
        let v = t.get();
        if take {
            t.set(None);
        }
        match v {
            Some((r, what)) if r == reason.0 => Some(what),
            _ => None,
        }
    })
}

/// The trace of the pending exception with `reason` (`[]` when none was built);
/// `take` forgets it.
pub(crate) fn trace(reason: Term, take: bool) -> Term {
    match recorded(reason, take) {
        Some(Recorded::Given(t)) => t,
        _ => Term::NIL,
    }
}

/// The "raw" stack trace a catch handler gets in x3 (BEAM keeps class and trace in one
/// internal term): `{'$raw_stacktrace', Class, Trace}`. `build_stacktrace` takes its
/// third element; the `raise` instruction (a rethrow) is `erlang:raise(Raw, Value, [])`,
/// which [`raw_parts`] recognises. (A program that builds this tuple itself and passes it
/// to `erlang:raise/3` with `[]` rethrows instead of getting `badarg`.)
pub(crate) fn raw(h: &mut BifHeap, class: Term, trace: Term) -> Result<Term, HeapError> {
    construct::tuple(h, &[atom("$raw_stacktrace"), class, trace])
}

/// `(class, trace)` of a raw stack trace.
pub(crate) fn raw_parts(t: Term) -> Option<(Term, Term)> {
    let e = construct::tuple_elements(t)?;
    match e.as_slice() {
        [tag, class, trace] if *tag == atom("$raw_stacktrace") => Some((*class, *trace)),
        _ => None,
    }
}

/// OTP's `error_info` module for a BIF of `module` (erl: `erl_erts_errors` for the
/// emulator's own modules, `erl_stdlib_errors` for stdlib's BIFs).
fn error_info_module(module: &str) -> Term {
    match module {
        "erlang" | "erts_internal" => atom("erl_erts_errors"),
        _ => atom("erl_stdlib_errors"),
    }
}

/// `{M, F, Args, Info}`: the frame of a BIF (`error_info` set) or of an undefined
/// function (`Info = []`), the first frame of erl's trace for those errors.
pub(crate) fn top_frame(
    h: &mut BifHeap,
    m: Term,
    f: Term,
    args: &[Term],
    error_info: bool,
    cause: Option<&str>,
) -> Result<Term, HeapError> {
    let args = construct::list(h, args)?;
    let info = if error_info {
        let module = atom::name(m).unwrap_or_default();
        let mut pairs = vec![(atom("module"), error_info_module(&module))];
        if let Some(c) = cause {
            pairs.push((atom("cause"), atom(c)));
        }
        let map = crate::rt::build_map(h, pairs)?;
        let pair = construct::tuple(h, &[atom("error_info"), map])?;
        construct::list(h, &[pair])?
    } else {
        Term::NIL
    };
    construct::tuple(h, &[m, f, args, info])
}

/// erl's first frame for an error raised by io.erl or io_lib.erl code that runs here as
/// a BIF (`otp_boot::stand_in`): the Erlang function raised it at a line of its source,
/// with the `error_info` cause io.erl gives (OTP 25.2's, found by running erl; test
/// tests/erlang/output/io_errors.erl). `None` for other BIFs (their frame is
/// [`top_frame`]'s).
pub(crate) fn stand_in_frame(
    h: &mut BifHeap,
    module: &str,
    name: &str,
    args: &[Term],
    reason: Term,
    cause: Option<&str>,
) -> Result<Option<Term>, HeapError> {
    let location = |h: &mut BifHeap, file: &str, line: i64| -> Result<Vec<Term>, HeapError> {
        let chars: Vec<Term> = file
            .bytes()
            .map(|b| Term::small(i64::from(b)).unwrap_or(Term::NIL))
            .collect();
        let file = construct::list(h, &chars)?;
        Ok(vec![
            construct::tuple(h, &[atom("file"), file])?,
            construct::tuple(h, &[atom("line"), Term::small(line).unwrap_or(Term::NIL)])?,
        ])
    };
    let (frame_name, info) = match module {
        // io_lib:fwrite/2 is a tail call of format/2, which catches the formatter's
        // error and calls erlang:error(badarg, [Format, Args]) (io_lib.erl line 187).
        "io_lib" if matches!(name, "format" | "fwrite") && args.len() == 2 => {
            ("format", location(h, "io_lib.erl", 187)?)
        }
        // io.erl: a device that is not one (line 94, `{io, arguments}`), the caller
        // itself as device (`{io, calling_self}`), or what the device refused: a bad
        // format or bad characters (line 99, `{device, put_chars}`).
        "io" => {
            let (line, cause) = if reason == atom("calling_self") {
                (94, ("io", "calling_self"))
            } else if cause == Some(IO_ARGUMENTS) {
                (94, ("io", "arguments"))
            } else {
                (99, ("device", "put_chars"))
            };
            let mut info = location(h, "io.erl", line)?;
            let cause = construct::tuple(h, &[atom(cause.0), atom(cause.1)])?;
            let map = crate::rt::build_map(
                h,
                vec![
                    (atom("cause"), cause),
                    (atom("module"), atom("erl_stdlib_errors")),
                ],
            )?;
            info.push(construct::tuple(h, &[atom("error_info"), map])?);
            (name, info)
        }
        _ => return Ok(None),
    };
    let args = construct::list(h, args)?;
    let info = construct::list(h, &info)?;
    Ok(Some(construct::tuple(
        h,
        &[atom(module), atom(frame_name), args, info],
    )?))
}

/// The `Raise::Cause` an io BIF gives for a device argument that names no device: its
/// frame gets io.erl's `{io, arguments}` cause ([`stand_in_frame`]).
pub(crate) const IO_ARGUMENTS: &str = "io_arguments";

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
    if !crate::bifs_logger::passes("error") {
        return;
    }
    let text = format!(
        "=ERROR REPORT==== {} ===\nError in process {} with exit value:\n{}\n\n",
        timestamp(),
        crate::host::show(pid),
        beam_runtime::ops::pretty::pretty(exit).unwrap_or_else(|_| crate::host::show(exit)),
    );
    crate::bifs_io::emit_stdout(text.as_bytes());
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), for report timestamps and calendar BIFs.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The time as logger prints it in report headers: `5-Dec-2026::23:57:25.588680` (UTC
/// here; erl uses local time, which is UTC on the machines this runs on).
pub(crate) fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
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
