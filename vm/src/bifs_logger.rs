//! Module `logger`'s logging entry points, native until the kernel application runs.
//!
//! OTP's logger keeps its configuration in an ETS table and a handler process that the
//! kernel application's boot creates; without the boot, `logger:log/2` and the `?LOG_*`
//! macros (`logger:macro_log/4,5`), which supervisor, gen_server, proc_lib and
//! error_logger call, crash on the missing table. Here they print what OTP 25's default
//! handler prints with its default configuration (level `notice`, `logger_formatter`
//! with `legacy_header => true, single_line => false`), on standard output:
//! `=LEVEL REPORT==== D-Mon-YYYY::HH:MM:SS.micro ===`, the message, a newline.
//!
//! Messages: strings, `{Format, Args}`, reports formatted as `logger:format_report/1`
//! does, and the reports of supervisor, gen_server and proc_lib (their `report_cb`s
//! are Erlang funs, which a BIF cannot call; their formats are restated here). A crash
//! report's process details are this VM's (heap sizes and reductions differ from erl's).

use beam_runtime::construct;
use beam_runtime::ops::format;
use beam_runtime::term::Term;
use beam_runtime::{atom as atoms, map};

use crate::bifs::{atom, error, heap_err, Bif, BifCx, Raise};

macro_rules! level_fns {
    ($($name:literal),*) => {
        &[$(
            Bif { name: $name, arity: 1, f: |c, a| log(c, atom($name), a[0], None, Term::NIL) },
            Bif { name: $name, arity: 2, f: |c, a| log2(c, atom($name), a[0], a[1]) },
            Bif { name: $name, arity: 3, f: |c, a| log(c, atom($name), a[0], Some(a[1]), a[2]) },
        )*]
    };
}

pub static LOGGER_LEVELS: &[Bif] = level_fns!(
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "info",
    "debug"
);

pub static LOGGER: &[Bif] = &[
    Bif {
        name: "set_primary_config",
        arity: 2,
        f: set_primary_config,
    },
    Bif {
        name: "log",
        arity: 2,
        f: |c, a| log(c, a[0], a[1], None, Term::NIL),
    },
    Bif {
        name: "log",
        arity: 3,
        f: |c, a| log2(c, a[0], a[1], a[2]),
    },
    Bif {
        name: "log",
        arity: 4,
        f: |c, a| log(c, a[0], a[1], Some(a[2]), a[3]),
    },
    Bif {
        name: "macro_log",
        arity: 4,
        f: |c, a| log(c, a[1], a[2], None, a[3]),
    },
    Bif {
        name: "macro_log",
        arity: 5,
        f: |c, a| log(c, a[1], a[2], Some(a[3]), a[4]),
    },
];

const LEVELS: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "info",
    "debug",
];

thread_local! {
    /// How many levels pass the primary filter: 6 (`notice` and more severe) by default.
    static PRIMARY: std::cell::Cell<usize> = const { std::cell::Cell::new(6) };
}

/// Whether an event of `level` passes the primary level (an `error` report of a
/// process that crashed: `exc::error_report`).
pub(crate) fn passes(level: &str) -> bool {
    LEVELS
        .iter()
        .position(|x| *x == level)
        .is_some_and(|rank| rank < PRIMARY.with(|p| p.get()))
}

/// `logger:set_primary_config(level, Level)` (other keys: `badarg`, as there is no
/// handler configuration to change here).
fn set_primary_config(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let key = atoms::name(a[0]).ok_or_else(bad)?;
    let level = atoms::name(a[1]).unwrap_or_default();
    let pass = match (key.as_str(), level.as_str()) {
        ("level", "none") => 0,
        ("level", "all") => LEVELS.len(),
        ("level", l) => match LEVELS.iter().position(|x| *x == l) {
            Some(i) => i + 1,
            None => return invalid(c, a[1]),
        },
        _ => return Err(bad()),
    };
    PRIMARY.with(|p| p.set(pass));
    Ok(atom("ok"))
}

/// `{error, {invalid_level, L}}`, as logger answers.
fn invalid(c: &mut BifCx<'_>, l: Term) -> Result<Term, Raise> {
    let inner = construct::tuple(&mut c.heap, &[atom("invalid_level"), l]).map_err(heap_err)?;
    construct::tuple(&mut c.heap, &[atom("error"), inner]).map_err(heap_err)
}

/// `log(Level, StringOrReport, Meta)` or `log(Level, Format, Args)`, as logger tells
/// them apart.
fn log2(c: &mut BifCx<'_>, level: Term, x: Term, y: Term) -> Result<Term, Raise> {
    if map::size(y).is_some() {
        log(c, level, x, None, y)
    } else {
        log(c, level, x, Some(y), Term::NIL)
    }
}

fn bad() -> Raise {
    error("badarg")
}

fn log(
    c: &mut BifCx<'_>,
    level: Term,
    msg: Term,
    args: Option<Term>,
    meta: Term,
) -> Result<Term, Raise> {
    let name = atoms::name(level).ok_or_else(bad)?;
    let rank = LEVELS.iter().position(|l| *l == name).ok_or_else(bad)?;
    // The primary level (`notice` unless set): less severe events are dropped.
    if rank >= PRIMARY.with(|p| p.get()) {
        return Ok(atom("ok"));
    }
    // The terms built to format the message are scratch: they go in a heap of their
    // own, dropped here, not in fragments attached to the caller's heap.
    let saved = std::mem::take(&mut c.heap);
    let text = match args {
        Some(a) => Ok(format_chars(msg, a).unwrap_or_else(|| bad_format(msg, a))),
        None => message(c, msg),
    };
    drop(std::mem::replace(&mut c.heap, saved));
    let text = text?;
    let title = map_get(meta, "logger_formatter")
        .and_then(|f| map_get(f, "title"))
        .and_then(crate::bifs_more::chars)
        .unwrap_or_else(|| {
            // error_logger's events keep its own kind in the header (info_msg is
            // logged at notice level but titled INFO REPORT).
            let tag = map_get(meta, "error_logger")
                .and_then(|e| map_get(e, "tag"))
                .and_then(atoms::name);
            let kind = match tag.as_deref() {
                Some("info_msg" | "info_report") => "INFO",
                Some("warning_msg" | "warning_report") => "WARNING",
                Some("error" | "error_report") => "ERROR",
                _ => return format!("{} REPORT", name.to_uppercase()),
            };
            format!("{kind} REPORT")
        });
    let mut out = format!("={title}==== {} ===\n", crate::exc::timestamp()).into_bytes();
    out.extend(encode(&text));
    out.push(b'\n');
    crate::bifs_io::emit_stdout(&out);
    Ok(atom("ok"))
}

/// Characters as the default handler writes them on a latin-1 device.
fn encode(chars: &[u32]) -> Vec<u8> {
    let mut v = Vec::with_capacity(chars.len());
    for &ch in chars {
        if ch < 256 {
            v.push(ch as u8);
        } else {
            v.extend(format!("\\x{{{ch:X}}}").bytes());
        }
    }
    v
}

fn map_get(m: Term, key: &str) -> Option<Term> {
    map::get(m, atom(key)).ok().flatten()
}

fn format_chars(f: Term, args: Term) -> Option<Vec<u32>> {
    format::format(f, args).ok()
}

/// What logger prints for a format that does not fit its arguments.
fn bad_format(f: Term, args: Term) -> Vec<u32> {
    let text = format!(
        "FORMAT ERROR: {} - {}",
        crate::host::show(f),
        crate::host::show(args)
    );
    text.chars().map(|c| c as u32).collect()
}

/// Builds `Format` and `Args` terms from Rust values and formats them.
fn fmt(c: &mut BifCx<'_>, f: &str, args: &[Term]) -> Result<Vec<u32>, Raise> {
    let ft = crate::bifs_more::string(c, f)?;
    let at = construct::list(&mut c.heap, args).map_err(heap_err)?;
    Ok(format_chars(ft, at).unwrap_or_else(|| bad_format(ft, at)))
}

/// The text of a string or report message.
fn message(c: &mut BifCx<'_>, msg: Term) -> Result<Vec<u32>, Raise> {
    if map::size(msg).is_none() && !msg.is_list() && msg != Term::NIL {
        return fmt(c, "~tp", &[msg]);
    }
    if map::size(msg).is_none() {
        let mut chars = Vec::new();
        if format::chardata(msg, true, &mut chars).is_ok() {
            return Ok(chars);
        }
        return format_report(c, msg);
    }
    let label = map_get(msg, "label").and_then(construct::tuple_elements);
    let label = label
        .as_deref()
        .and_then(|l| Some((atoms::name(*l.first()?)?, atoms::name(*l.get(1)?)?)));
    match label.as_ref().map(|(a, b)| (a.as_str(), b.as_str())) {
        Some(("error_logger", _)) => {
            if let (Some(f), Some(a)) = (map_get(msg, "format"), map_get(msg, "args")) {
                return Ok(format_chars(f, a).unwrap_or_else(|| bad_format(f, a)));
            }
            match map_get(msg, "report") {
                Some(r) => format_report(c, r),
                None => format_report(c, msg),
            }
        }
        Some(("supervisor", _)) => supervisor_report(c, msg),
        Some(("gen_server", "terminate")) => gen_server_report(c, msg),
        Some(("proc_lib", "crash")) => crash_report(c, msg),
        _ => format_report(c, msg),
    }
}

/// `logger:format_report/1`: a string as it is, a key-value list (or map) as
/// `    Key: Value` lines (`~ts` for string values), other elements as `    ~tp`.
fn format_report(c: &mut BifCx<'_>, r: Term) -> Result<Vec<u32>, Raise> {
    let items = match map::entries(r) {
        Some(pairs) => pairs
            .into_iter()
            .map(|(k, v)| construct::tuple(&mut c.heap, &[k, v]).map_err(heap_err))
            .collect::<Result<Vec<_>, _>>()?,
        None => match construct::list_elements(r) {
            Some((v, t)) if t == Term::NIL => v,
            _ => return fmt(c, "~tp", &[r]),
        },
    };
    if items.is_empty() {
        return fmt(c, "~tp", &[Term::NIL]);
    }
    let mut chars = Vec::new();
    if format::chardata(r, true, &mut chars).is_ok() && map::size(r).is_none() {
        return Ok(chars);
    }
    let (mut f, mut args) = (Vec::new(), Vec::new());
    for it in items {
        match construct::tuple_elements(it).as_deref() {
            Some(&[k, v]) => {
                let is_str = crate::bifs_more::chars(v).is_some_and(|s| !s.is_empty());
                f.push(if is_str {
                    "    ~tp: ~ts"
                } else {
                    "    ~tp: ~tp"
                });
                args.extend([k, v]);
            }
            _ => {
                f.push("    ~tp");
                args.push(it);
            }
        }
    }
    fmt(c, &f.join("\n"), &args)
}

fn report_items(msg: Term) -> Vec<(String, Term)> {
    let r = map_get(msg, "report").unwrap_or(Term::NIL);
    construct::list_elements(r)
        .map(|(v, _)| v)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|it| match construct::tuple_elements(it).as_deref() {
            Some(&[k, v]) => Some((atoms::name(k)?, v)),
            _ => None,
        })
        .collect()
}

/// supervisor:format_log/2 (multi-line, unlimited depth).
fn supervisor_report(c: &mut BifCx<'_>, msg: Term) -> Result<Vec<u32>, Raise> {
    let items = report_items(msg);
    let (mut f, mut args) = (String::new(), Vec::new());
    for (k, v) in items {
        f.push_str(&format!("    {k}: ~tp~n"));
        args.push(v);
    }
    fmt(c, &f, &args)
}

/// gen_server:format_log/2 for `{gen_server, terminate}` (multi-line, unlimited depth).
fn gen_server_report(c: &mut BifCx<'_>, msg: Term) -> Result<Vec<u32>, Raise> {
    let get = |k: &str| map_get(msg, k).unwrap_or(atom("undefined"));
    let mut f = String::from(
        "** Generic server ~tp terminating \n** Last message in was ~tp~n\
         ** When Server state == ~tp~n** Reason for termination ==~n** ~tp~n",
    );
    let mut args = vec![
        get("name"),
        get("last_message"),
        get("state"),
        get("reason"),
    ];
    let log = get("log");
    if log != Term::NIL && log != atom("undefined") {
        f.push_str("** Log events ==~n** ~tp~n");
        args.push(log);
    }
    if let Some(ci) = construct::tuple_elements(get("client_info")) {
        match ci.as_slice() {
            [from, s] if *s == atom("dead") => {
                f.push_str("** Client ~tp is dead~n");
                args.push(*from);
            }
            [from, s] if *s == atom("remote") => {
                f.push_str("** Client ~tp is remote on node ~tp~n");
                args.extend([*from, atom("nonode@nohost")]);
            }
            [_, info] => {
                if let Some([name, st]) = construct::tuple_elements(*info).as_deref() {
                    f.push_str("** Client ~tp stacktrace~n** ~tp~n");
                    args.extend([*name, *st]);
                }
            }
            _ => {}
        }
    }
    fmt(c, &f, &args)
}

/// proc_lib's crash report: `crasher:` with the process's details, `neighbours:`.
fn crash_report(c: &mut BifCx<'_>, msg: Term) -> Result<Vec<u32>, Raise> {
    let r = map_get(msg, "report").unwrap_or(Term::NIL);
    let parts = construct::list_elements(r)
        .map(|(v, _)| v)
        .unwrap_or_default();
    let info = parts
        .first()
        .and_then(|&p| construct::list_elements(p))
        .map(|(v, _)| v)
        .unwrap_or_default();
    let (mut f, mut args) = (String::from("  crasher:~n"), Vec::new());
    for it in info {
        let Some(&[k, v]) = construct::tuple_elements(it).as_deref() else {
            continue;
        };
        let key = atoms::name(k).unwrap_or_default();
        match key.as_str() {
            "initial_call" => match construct::tuple_elements(v).as_deref() {
                Some(&[m, fun, a]) => {
                    let n = construct::list_elements(a)
                        .map_or(a.small_value().unwrap_or(0) as usize, |(v, _)| v.len());
                    f.push_str(&format!("    initial call: ~tw:~tw/{n}~n"));
                    args.extend([m, fun]);
                }
                _ => {
                    f.push_str("    initial call: ~tp~n");
                    args.push(v);
                }
            },
            "error_info" => match construct::tuple_elements(v).as_deref() {
                Some(&[class, reason, stack]) => {
                    f.push_str("    exception ~tw: ~tp~n");
                    args.extend([class, reason]);
                    let mut first = true;
                    for fr in construct::list_elements(stack)
                        .map(|(v, _)| v)
                        .unwrap_or_default()
                    {
                        if let Some(&[m, fun, a, ..]) = construct::tuple_elements(fr).as_deref() {
                            let n = construct::list_elements(a)
                                .map_or(a.small_value().unwrap_or(0) as usize, |(v, _)| v.len());
                            f.push_str(if std::mem::take(&mut first) {
                                "      in function  ~tw:~tw/"
                            } else {
                                "      in call from ~tw:~tw/"
                            });
                            f.push_str(&format!("{n}~n"));
                            args.extend([m, fun]);
                        }
                    }
                }
                _ => {
                    f.push_str("    exception: ~tp~n");
                    args.push(v);
                }
            },
            _ => {
                f.push_str(&format!("    {key}: ~tp~n"));
                args.push(v);
            }
        }
    }
    f.push_str("  neighbours:~n");
    fmt(c, &f, &args)
}
