//! The match/select family of module `ets`, their continuations, and the match
//! specification BIFs (`ets:match_spec_compile/1`, `ets:match_spec_run_r/3`,
//! `erlang:match_spec_test/3`).
//!
//! A continuation is `{'$ets_cont', Tab, Key, Skip, Limit, MatchSpec, Reverse}`: the
//! traversal resumes at `Key` (skipping `Skip` objects of it, for bags) with the same
//! spec. As in erl, a chunk ends with a continuation when it reached `Limit` results,
//! with `'$end_of_table'` when the table ended first; a call that finds nothing gives
//! `'$end_of_table'`.

use beam_runtime::construct;
use beam_runtime::ets::{Kind, Stored, Table};
use beam_runtime::term::Term;

use crate::bifs::{atom, boolean, heap_err, small, Bif, BifCx, BifHeap, Raise};
use crate::bifs_ets::{bad, me, out, with_table};
use crate::bifs_ets_ms::Ms;
use crate::bifs_more::proper_list;

pub static ETS: &[Bif] = &[
    Bif {
        name: "select",
        arity: 2,
        f: |c, a| all(c, a[0], a[1], false),
    },
    Bif {
        name: "select_reverse",
        arity: 2,
        f: |c, a| all(c, a[0], a[1], true),
    },
    Bif {
        name: "select",
        arity: 3,
        f: |c, a| first_chunk(c, a[0], a[1], a[2], false),
    },
    Bif {
        name: "select_reverse",
        arity: 3,
        f: |c, a| first_chunk(c, a[0], a[1], a[2], true),
    },
    Bif {
        name: "select",
        arity: 1,
        f: |c, a| resume(c, a[0]),
    },
    Bif {
        name: "select_reverse",
        arity: 1,
        f: |c, a| resume(c, a[0]),
    },
    Bif {
        name: "match",
        arity: 1,
        f: |c, a| resume(c, a[0]),
    },
    Bif {
        name: "match_object",
        arity: 1,
        f: |c, a| resume(c, a[0]),
    },
    Bif {
        name: "match",
        arity: 2,
        f: |c, a| pattern_then(c, a, "$$", None),
    },
    Bif {
        name: "match",
        arity: 3,
        f: |c, a| pattern_then(c, a, "$$", Some(a[2])),
    },
    Bif {
        name: "match_object",
        arity: 2,
        f: |c, a| pattern_then(c, a, "$_", None),
    },
    Bif {
        name: "match_object",
        arity: 3,
        f: |c, a| pattern_then(c, a, "$_", Some(a[2])),
    },
    Bif {
        name: "select_count",
        arity: 2,
        f: select_count,
    },
    Bif {
        name: "select_delete",
        arity: 2,
        f: |c, a| select_delete(c, a[0], a[1]),
    },
    Bif {
        name: "internal_select_delete",
        arity: 2,
        f: |c, a| select_delete(c, a[0], a[1]),
    },
    Bif {
        name: "match_delete",
        arity: 2,
        f: match_delete,
    },
    Bif {
        name: "select_replace",
        arity: 2,
        f: select_replace,
    },
    Bif {
        name: "match_spec_compile",
        arity: 1,
        f: ms_compile,
    },
    Bif {
        name: "is_compiled_ms",
        arity: 1,
        f: |_, a| Ok(boolean(compiled(a[0]).is_some())),
    },
    Bif {
        name: "match_spec_run_r",
        arity: 3,
        f: ms_run_r,
    },
];

pub static ERLANG: &[Bif] = &[Bif {
    name: "match_spec_test",
    arity: 3,
    f: ms_test,
}];

const CONT: &str = "$ets_cont";
const COMPILED: &str = "$ets_compiled_ms";

/// `[{Pattern, [], [Body]}]` on the caller's heap (kept in continuations).
fn pattern_ms(heap: &mut BifHeap, p: Term, body: &str) -> Result<Term, Raise> {
    let b = construct::list(heap, &[atom(body)]).map_err(heap_err)?;
    let c = construct::tuple(heap, &[p, Term::NIL, b]).map_err(heap_err)?;
    construct::list(heap, &[c]).map_err(heap_err)
}

fn pattern_then(
    c: &mut BifCx<'_>,
    a: &[Term],
    body: &str,
    limit: Option<Term>,
) -> Result<Term, Raise> {
    let ms = pattern_ms(&mut c.heap, a[1], body)?;
    match limit {
        None => all(c, a[0], ms, false),
        Some(l) => first_chunk(c, a[0], ms, l, false),
    }
}

/// Where a traversal starts: a key (on the caller's heap) and objects of it to skip.
type Pos = Option<(Term, usize)>;

/// Runs `ms` over `tb` from `pos`, collecting at most `limit` results (copied onto
/// `heap`); returns them and, when the limit was reached, where to resume.
fn run(
    heap: &mut BifHeap,
    self_pid: Term,
    tb: &Table,
    ms: &Ms,
    pos: Pos,
    limit: Option<usize>,
    reverse: bool,
) -> Result<(Vec<Term>, Pos), Raise> {
    // Only an ordered_set has an order to reverse (erl: select_reverse = select otherwise).
    let reverse = reverse && tb.objects.kind == Kind::OrderedSet;
    let mut scratch = BifHeap::default();
    let mut results = Vec::new();
    let mut next: Pos = None;
    let mut err = None;
    let (from, skip) = pos.map_or((None, 0), |(k, s)| (Some(k), s));
    // Where each key's results start, to put a hash table's keys in erl's order below.
    let mut groups = Vec::new();
    tb.objects.walk(from, reverse, |key, objs| {
        groups.push(results.len());
        let first = from.is_some_and(|f| {
            beam_runtime::ets::table::key_cmp(f, key, tb.objects.kind != Kind::OrderedSet).is_eq()
        });
        let start = if first { skip } else { 0 };
        for (i, s) in objs.iter().enumerate().skip(start) {
            if limit.is_some_and(|l| results.len() >= l) {
                next = Some((key, i));
                return false;
            }
            if let Some(r) = ms.run(s.term(), self_pid, &mut scratch) {
                match out(heap, r) {
                    Ok(t) => results.push(t),
                    Err(e) => {
                        err = Some(e);
                        return false;
                    }
                }
            }
        }
        true
    });
    if let Some(e) = err {
        return Err(e);
    }
    if limit.is_none() && tb.objects.is_hash() {
        // erl conses the matches up as it walks a hash table's chains, where a key's
        // objects are newest first: its result has the keys in reverse traversal order
        // and each key's objects oldest first.
        let mut ordered = Vec::with_capacity(results.len());
        let mut end = results.len();
        for &start in groups.iter().rev() {
            ordered.extend_from_slice(&results[start..end]);
            end = start;
        }
        results = ordered;
    }
    let next = match next {
        Some((k, i)) => Some((out(heap, k)?, i)),
        None => None,
    };
    Ok((results, next))
}

fn all(c: &mut BifCx<'_>, t: Term, ms: Term, reverse: bool) -> Result<Term, Raise> {
    let ms = Ms::compile(ms)?;
    let self_pid = c.self_pid;
    let heap = &mut c.heap;
    with_table(me_pid(self_pid)?, t, false, |tb| {
        let (r, _) = run(heap, self_pid, tb, &ms, None, None, reverse)?;
        construct::list(heap, &r).map_err(heap_err)
    })
}

fn me_pid(t: Term) -> Result<beam_runtime::process::Pid, Raise> {
    beam_runtime::process::Pid::from_term(t).ok_or_else(bad)
}

fn limit_arg(t: Term) -> Result<usize, Raise> {
    t.small_value()
        .filter(|&n| n >= 1)
        .map(|n| n as usize)
        .ok_or_else(bad)
}

/// One chunk from `pos`, as `{Results, Continuation}` or `'$end_of_table'`.
fn chunk(
    c: &mut BifCx<'_>,
    t: Term,
    ms_term: Term,
    limit: usize,
    pos: Pos,
    reverse: bool,
) -> Result<Term, Raise> {
    let ms = Ms::compile(ms_term)?;
    let self_pid = c.self_pid;
    let heap = &mut c.heap;
    with_table(me_pid(self_pid)?, t, false, |tb| {
        if pos.is_none() && tb.objects.is_hash() {
            let first = HashPos {
                slot: Some(0),
                carried: None,
            };
            return hash_chunk(heap, self_pid, tb, t, ms_term, &ms, limit, first);
        }
        let (r, next) = run(heap, self_pid, tb, &ms, pos, Some(limit), reverse)?;
        if r.is_empty() {
            return Ok(atom("$end_of_table"));
        }
        let list = construct::list(heap, &r).map_err(heap_err)?;
        let cont = if r.len() >= limit {
            // Resume where the traversal stopped; past the end, a continuation that finds
            // nothing (as erl gives when the last chunk is exactly full).
            let (key, skip) = match next {
                Some((k, i)) => (k, small(i as i64)),
                None => (atom("$end_of_table"), small(-1)),
            };
            construct::tuple(
                heap,
                &[
                    atom(CONT),
                    t,
                    key,
                    skip,
                    small(limit as i64),
                    ms_term,
                    boolean(reverse),
                ],
            )
            .map_err(heap_err)?
        } else {
            atom("$end_of_table")
        };
        construct::tuple(heap, &[list, cont]).map_err(heap_err)
    })
}

fn first_chunk(
    c: &mut BifCx<'_>,
    t: Term,
    ms: Term,
    limit: Term,
    reverse: bool,
) -> Result<Term, Raise> {
    let limit = limit_arg(limit)?;
    chunk(c, t, ms, limit, None, reverse)
}

fn resume(c: &mut BifCx<'_>, cont: Term) -> Result<Term, Raise> {
    if cont == atom("$end_of_table") {
        return Ok(cont);
    }
    let p = construct::tuple_elements(cont).ok_or_else(bad)?;
    if let [tag, t, slot, rest, limit, ms_term] = p[..] {
        if tag != atom(CONT_HASH) {
            return Err(bad());
        }
        let slot = slot.small_value().filter(|&n| n >= -1).ok_or_else(bad)?;
        let limit = limit_arg(limit)?;
        let ms = Ms::compile(ms_term)?;
        let self_pid = c.self_pid;
        let heap = &mut c.heap;
        return with_table(me_pid(self_pid)?, t, false, |tb| {
            let pos = HashPos {
                slot: (slot >= 0).then_some(slot as usize),
                carried: Some(rest),
            };
            hash_chunk(heap, self_pid, tb, t, ms_term, &ms, limit, pos)
        });
    }
    let [tag, t, key, skip, limit, ms, rev] = p[..] else {
        return Err(bad());
    };
    if tag != atom(CONT) {
        return Err(bad());
    }
    let skip = skip.small_value().filter(|&n| n >= -1).ok_or_else(bad)?;
    if skip == -1 {
        // Checks the table is still there, as erl does.
        with_table(me(c)?, t, false, |_| Ok(()))?;
        return Ok(atom("$end_of_table"));
    }
    chunk(
        c,
        t,
        ms,
        limit_arg(limit)?,
        Some((key, skip as usize)),
        rev == atom("true"),
    )
}

/// Counts (or, with `delete`, deletes) the objects for which `ms` returns `true`.
fn count_true(c: &mut BifCx<'_>, t: Term, ms: Term, delete: bool) -> Result<usize, Raise> {
    let ms = Ms::compile(ms)?;
    let self_pid = c.self_pid;
    with_table(me_pid(self_pid)?, t, delete, |tb| {
        let mut scratch = BifHeap::default();
        let mut pick = |o: Term| ms.run(o, self_pid, &mut scratch) == Some(atom("true"));
        if delete {
            Ok(tb.objects.delete_where(pick))
        } else {
            Ok(tb.objects.iter().filter(|&o| pick(o)).count())
        }
    })
}

fn select_count(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    count_true(c, a[0], a[1], false).map(|n| small(n as i64))
}

fn select_delete(c: &mut BifCx<'_>, t: Term, ms: Term) -> Result<Term, Raise> {
    count_true(c, t, ms, true).map(|n| small(n as i64))
}

fn match_delete(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let ms = pattern_ms(&mut c.heap, a[1], "true")?;
    count_true(c, a[0], ms, true).map(|_| boolean(true))
}

/// `select_replace/2`: each matched object is replaced by the body's value, which must
/// keep the key (erl leaves objects whose key would change).
fn select_replace(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let ms = Ms::compile(a[1])?;
    let self_pid = c.self_pid;
    with_table(me_pid(self_pid)?, a[0], true, |tb| {
        if tb.objects.kind.is_bag() {
            return Err(bad());
        }
        let mut scratch = BifHeap::default();
        let mut new = Vec::new();
        for o in tb.objects.iter() {
            let Some(r) = ms.run(o, self_pid, &mut scratch) else {
                continue;
            };
            let same_key = construct::tuple_arity(r).is_some_and(|n| n >= tb.objects.keypos)
                && match (tb.objects.key_of(o), tb.objects.key_of(r)) {
                    (Some(k1), Some(k2)) => {
                        beam_runtime::ops::compare::exact_eq(k1, k2).unwrap_or(false)
                    }
                    _ => false,
                };
            if same_key {
                // Copied now: `r` may point into the object it replaces.
                new.push(Stored::copy_of(r).map_err(heap_err)?);
            }
        }
        let n = new.len();
        for s in new {
            tb.objects.insert(s.term()).map_err(heap_err)?;
        }
        Ok(small(n as i64))
    })
}

/// A compiled spec is `{'$ets_compiled_ms', Spec}` here (erl: a magic reference).
fn compiled(t: Term) -> Option<Term> {
    let p = construct::tuple_elements(t)?;
    (p.len() == 2 && p[0] == atom(COMPILED)).then_some(p[1])
}

fn ms_compile(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    Ms::compile(a[0])?;
    construct::tuple(&mut c.heap, &[atom(COMPILED), a[0]]).map_err(heap_err)
}

/// `match_spec_run_r(List, Compiled, Acc)`: the results, reversed, on top of `Acc`.
fn ms_run_r(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let ms = Ms::compile(compiled(a[1]).ok_or_else(bad)?)?;
    let mut acc = a[2];
    let mut scratch = BifHeap::default();
    for o in proper_list(a[0]).map_err(|_| bad())? {
        if let Some(r) = ms.run(o, c.self_pid, &mut scratch) {
            let r = out(&mut c.heap, r)?;
            acc = construct::cons(&mut c.heap, r, acc).map_err(heap_err)?;
        }
    }
    Ok(acc)
}

/// `erlang:match_spec_test(Term, Spec, table)` (what `ets:test_ms/2` calls):
/// `{ok, Result | false, [], []}` or `{error, Errors}`.
fn ms_test(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[2] != atom("table") {
        return Err(bad());
    }
    let h = &mut c.heap;
    let Ok(ms) = Ms::compile(a[1]) else {
        let chars: Vec<Term> = "Invalid match spec"
            .bytes()
            .map(|b| small(b as i64))
            .collect();
        let msg = construct::list(h, &chars).map_err(heap_err)?;
        let e = construct::tuple(h, &[atom("error"), msg]).map_err(heap_err)?;
        let l = construct::list(h, &[e]).map_err(heap_err)?;
        return construct::tuple(h, &[atom("error"), l]).map_err(heap_err);
    };
    if construct::tuple_arity(a[0]).is_none() {
        return Err(bad());
    }
    let mut scratch = BifHeap::default();
    let r = match ms.run(a[0], c.self_pid, &mut scratch) {
        Some(r) => out(h, r)?,
        None => atom("false"),
    };
    construct::tuple(h, &[atom("ok"), r, Term::NIL, Term::NIL]).map_err(heap_err)
}

/// A continuation of a chunked select over a hash table.
const CONT_HASH: &str = "$ets_hash_select_cont";

/// Where a chunked select over a hash table goes on: the next bucket (None: none left) and
/// the matches found beyond the last chunk (None: the first call).
struct HashPos {
    slot: Option<usize>,
    carried: Option<Term>,
}

/// One chunk of select/3 (match/3, match_object/3) or select/1 over a hash table, as
/// erl_db_hash.c gives it: whole buckets are matched, consing each match onto a list,
/// until the list holds `limit` or the table ends; the oldest `limit` matches are the
/// chunk and the newest are carried in the continuation (the first call keeps their order,
/// a continued call reverses it, as erl does), so the chunks hold erl's objects in erl's
/// order.
#[allow(clippy::too_many_arguments)]
fn hash_chunk(
    heap: &mut BifHeap,
    self_pid: Term,
    tb: &Table,
    t: Term,
    ms_term: Term,
    ms: &Ms,
    limit: usize,
    pos: HashPos,
) -> Result<Term, Raise> {
    let Some(h) = tb.objects.hash() else {
        return Err(bad());
    };
    let carried = match pos.carried {
        Some(l) => proper_list(l).map_err(|_| bad())?,
        None => Vec::new(),
    };
    let mut got = carried.len();
    let mut fresh = Vec::new();
    let mut visited = 0usize;
    let mut slot = pos.slot;
    let mut scratch = BifHeap::default();
    let mut err = None;
    if let Some(mut ix) = slot.filter(|_| got < limit) {
        if ix >= h.nactive() {
            return Err(bad());
        }
        loop {
            h.bucket(ix, |objs| {
                // A chain holds a key's objects newest first.
                for s in objs.iter().rev() {
                    visited += 1;
                    if err.is_some() {
                        return;
                    }
                    if let Some(r) = ms.run(s.term(), self_pid, &mut scratch) {
                        match out(heap, r) {
                            Ok(r) => {
                                fresh.push(r);
                                got += 1;
                            }
                            Err(e) => err = Some(e),
                        }
                    }
                }
            });
            if let Some(e) = err {
                return Err(e);
            }
            match h.next_slot(ix as u32) {
                None => {
                    slot = None;
                    break;
                }
                Some(n) => {
                    ix = n as usize;
                    if got >= limit {
                        slot = Some(ix);
                        break;
                    }
                }
            }
        }
    }
    let first_call = pos.carried.is_none();
    if first_call && visited == 0 {
        return Ok(atom("$end_of_table"));
    }
    // erl's match list: the newest match first, then what was carried in.
    let mut list: Vec<Term> = fresh.into_iter().rev().chain(carried).collect();
    let mut rest = Vec::new();
    if got > limit {
        rest = list.drain(..got - limit).collect();
        if !first_call {
            rest.reverse();
        }
    }
    let end = atom("$end_of_table");
    if rest.is_empty() && slot.is_none() {
        if list.is_empty() {
            return Ok(end);
        }
        let l = construct::list(heap, &list).map_err(heap_err)?;
        return construct::tuple(heap, &[l, end]).map_err(heap_err);
    }
    let l = construct::list(heap, &list).map_err(heap_err)?;
    let r = construct::list(heap, &rest).map_err(heap_err)?;
    let slot = small(slot.map_or(-1, |s| s as i64));
    let cont = construct::tuple(
        heap,
        &[atom(CONT_HASH), t, slot, r, small(limit as i64), ms_term],
    )
    .map_err(heap_err)?;
    construct::tuple(heap, &[l, cont]).map_err(heap_err)
}
