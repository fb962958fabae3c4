//! Message timers: `erlang:send_after/3,4`, `start_timer/3,4`, `cancel_timer/1,2`,
//! `read_timer/1,2` (OTP 25 reference manual). `send_after` sends `Msg`, `start_timer`
//! `{timeout, TimerRef, Msg}`; a timer to a dead process does nothing; a name is
//! resolved when the timer is started (erl resolves it when it fires). Options: `{abs,
//! Bool}` for start/send (absolute monotonic milliseconds), `{async, Bool}` and `{info,
//! Bool}` for cancel/read (an async cancel answers `ok` and sends
//! `{cancel_timer, Ref, Result}`).

use beam_runtime::atom as atoms;
use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, small, Bif, BifCx, Raise};
use crate::bifs_more::proper_list;

pub(crate) static ERLANG: &[Bif] = &[
    Bif {
        name: "send_after",
        arity: 3,
        f: |c, a| start(c, a[0], a[1], a[2], Term::NIL, false),
    },
    Bif {
        name: "send_after",
        arity: 4,
        f: |c, a| start(c, a[0], a[1], a[2], a[3], false),
    },
    Bif {
        name: "start_timer",
        arity: 3,
        f: |c, a| start(c, a[0], a[1], a[2], Term::NIL, true),
    },
    Bif {
        name: "start_timer",
        arity: 4,
        f: |c, a| start(c, a[0], a[1], a[2], a[3], true),
    },
    Bif {
        name: "cancel_timer",
        arity: 1,
        f: |c, a| left(c, a[0], Term::NIL, true),
    },
    Bif {
        name: "cancel_timer",
        arity: 2,
        f: |c, a| left(c, a[0], a[1], true),
    },
    Bif {
        name: "read_timer",
        arity: 1,
        f: |c, a| left(c, a[0], Term::NIL, false),
    },
    Bif {
        name: "read_timer",
        arity: 2,
        f: |c, a| left(c, a[0], a[1], false),
    },
];

/// `{Key, Bool}` options; `badarg` (`cause => badopt`) for anything else.
fn bool_opts(opts: Term, keys: &[&str]) -> Result<Vec<(String, bool)>, Raise> {
    let mut out = Vec::new();
    let badopt = || crate::bifs::badarg_cause("badopt");
    for o in proper_list(opts).map_err(|_| badopt())? {
        let kv = construct::tuple_elements(o).filter(|t| t.len() == 2);
        let Some(kv) = kv else {
            return Err(badopt());
        };
        let k = atoms::name(kv[0]).unwrap_or_default();
        let v = match atoms::name(kv[1]).as_deref() {
            Some("true") => true,
            Some("false") => false,
            _ => return Err(badopt()),
        };
        if !keys.contains(&k.as_str()) {
            return Err(badopt());
        }
        out.push((k, v));
    }
    Ok(out)
}

fn start(
    c: &mut BifCx<'_>,
    time: Term,
    dest: Term,
    msg: Term,
    opts: Term,
    timeout_tuple: bool,
) -> Result<Term, Raise> {
    let abs = bool_opts(opts, &["abs"])?.iter().any(|(_, v)| *v);
    // A time is what a 64-bit erl holds as a small integer (`cause => time` otherwise,
    // or when negative and not absolute).
    let bad_time = || crate::bifs::badarg_cause("time");
    let t = match beam_runtime::ops::view::number(time).map_err(|_| bad_time())? {
        beam_runtime::ops::view::Num::Int(n) => n,
        beam_runtime::ops::view::Num::Big(b) => i64::try_from(b)
            .ok()
            .filter(|n| (-(1 << 59)..1 << 59).contains(n))
            .ok_or_else(bad_time)?,
        beam_runtime::ops::view::Num::Float(_) => return Err(bad_time()),
    };
    let cx = c.proc.as_deref_mut().ok_or_else(|| error("badarg"))?;
    let ms = if abs {
        // Absolute: erlang:monotonic_time(millisecond) of the deadline.
        let now = crate::bifs_proc::monotonic_ms(cx);
        (t - now).max(0)
    } else if t < 0 {
        return Err(bad_time());
    } else {
        t
    };
    if !(dest.is_atom() || beam_runtime::process::Pid::from_term(dest).is_some()) {
        return Err(error("badarg"));
    }
    // A name nobody has: erl sends nothing when the timer fires.
    let to =
        crate::bifs_proc::resolve(cx, dest).unwrap_or_else(|_| beam_runtime::process::Pid::dead());
    let n = cx
        .start_msg_timer(ms as u64, to, msg, timeout_tuple)
        .map_err(|_| error("system_limit"))?;
    construct::make_ref(&mut c.heap, n).map_err(heap_err)
}

fn left(c: &mut BifCx<'_>, r: Term, opts: Term, cancel: bool) -> Result<Term, Raise> {
    let n = construct::ref_numbers(r).ok_or_else(|| error("badarg"))?;
    let opts = bool_opts(opts, &["async", "info"])?;
    let get = |k: &str, d: bool| opts.iter().rev().find(|(x, _)| x == k).map_or(d, |o| o.1);
    let (is_async, info) = (get("async", false), get("info", true));
    let cx = c.proc.as_deref_mut().ok_or_else(|| error("badarg"))?;
    let v = match cx.msg_timer_left(n, cancel) {
        Some(ms) => small(ms as i64),
        None => atom("false"),
    };
    if is_async {
        if info {
            let tag = atom(if cancel { "cancel_timer" } else { "read_timer" });
            let m = construct::tuple(&mut c.heap, &[tag, r, v]).map_err(heap_err)?;
            let cx = c.proc.as_deref_mut().ok_or_else(|| error("badarg"))?;
            let me = cx.self_pid();
            cx.send_pid(me, m).map_err(|_| error("badarg"))?;
        }
        return Ok(atom("ok"));
    }
    Ok(if info { v } else { atom("ok") })
}
