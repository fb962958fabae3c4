//! The long-running test: 10,000 linked processes pass 1,000,000 messages around
//! a ring through the runtime API with nothing lost, then die by one exit signal
//! cascading through their links, and guest memory in use returns to where it started.
//!
//! 100 tokens circulate at once, so mailboxes hold several messages and processes yield
//! with work pending. Each token is `{HopsLeft, Id, Payload}`; every hop rebuilds the
//! tuple on the forwarding process's heap (so heaps fill and collect, with message
//! fragments folded in) and sends it on (a copy into a fresh fragment). The payload
//! holds a list, a float, a heap binary and a refc binary, which must arrive intact
//! after a million copies, the refc binary's count back to one.
//!
//! This file holds one test only: the memory check reads the global arena counters, so
//! nothing else may allocate in this test binary meanwhile. Sizes shrink under qemu-arm;
//! `BEAMJIT_RING_PROCS` / `BEAMJIT_RING_MESSAGES` override them.

mod common;

use beam_runtime::process::{Pid, ProcError};
use beam_runtime::scheduler::{Ctx, Idle, Scheduler, Step};
use beam_runtime::term::Term;
use beam_runtime::{arena, atom, binary, construct, heap::Fragment};
use common::{decode, Val};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

const TOKENS: u64 = 100;
const WORK_REDS: u32 = 50;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn small(v: i64) -> Term {
    Term::small(v).unwrap()
}

fn field(t: Term, i: u32) -> Result<Term, ProcError> {
    construct::tuple_get(t, i).ok_or(ProcError::Badarg("token is not a 3-tuple"))
}

/// Ring member `idx`: links to its successor, then forwards tokens.
fn member(
    idx: usize,
    ring: Arc<OnceLock<Vec<Pid>>>,
    collector: Pid,
    received: Arc<AtomicU64>,
) -> impl FnMut(&mut Ctx<'_>) -> Result<Step, ProcError> {
    let mut linked = false;
    move |cx| {
        let pids = ring.get().ok_or(ProcError::Badarg("ring not built"))?;
        let next = pids[(idx + 1) % pids.len()];
        if !linked {
            cx.link(next)?;
            linked = true;
        }
        loop {
            let Some(m) = cx.take_message(0) else {
                return Ok(Step::Wait {
                    live: 0,
                    after: None,
                });
            };
            received.fetch_add(1, Ordering::Relaxed);
            let hops = field(m, 0)?
                .small_value()
                .ok_or(ProcError::Badarg("hops"))?;
            if hops == 0 {
                cx.send_pid(collector, m)?;
            } else {
                cx.set_x(0, m)?;
                cx.test_heap(4, 1)?;
                let m = cx.x(0)?;
                let (id, payload) = (field(m, 1)?, field(m, 2)?);
                let t = construct::tuple(cx.heap(), &[small(hops as i64 - 1), id, payload])?;
                cx.send_pid(next, t)?;
            }
            // Some work per message, so a busy process runs out of budget and yields.
            if !cx.consume(WORK_REDS) {
                return Ok(Step::Yield { live: 0 });
            }
        }
    }
}

/// What one ring run measured.
struct Run {
    in_use: (usize, usize),
    mapped: (usize, usize),
}

fn run_ring(procs: usize, messages: u64) -> Run {
    let hops = messages / TOKENS;
    assert!(hops >= 1, "need at least {TOKENS} messages");

    let mut s = Scheduler::new().unwrap();
    let mapped0 = arena::mapped_bytes();
    let in_use0 = arena::in_use_bytes();

    // The payload every token carries; `expect` is its structure.
    let mut src = Fragment::new(1024).unwrap();
    let refc = binary::new_binary(&mut src, &[0xA5; 100]).unwrap();
    let heapbin = binary::new_binary(&mut src, b"sixteen bytes!!!").unwrap();
    let fl = construct::float(&mut src, 3.25).unwrap();
    let payload = construct::list(&mut src, &[small(-1), fl, heapbin, refc]).unwrap();
    let expect = decode(payload, &mut BTreeSet::new());

    let ring: Arc<OnceLock<Vec<Pid>>> = Arc::default();
    let received = Arc::new(AtomicU64::new(0));
    let done: Arc<Mutex<Vec<(i32, Val)>>> = Arc::default();

    let (r2, d2) = (ring.clone(), done.clone());
    let shutdown = atom::intern("shutdown").unwrap();
    let mut linked = false;
    let collector = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                if !linked {
                    let first = r2.get().ok_or(ProcError::Badarg("ring"))?[0];
                    cx.link(first)?;
                    linked = true;
                }
                while let Some(m) = cx.take_message(0) {
                    let id = field(m, 1)?.small_value().ok_or(ProcError::Badarg("id"))?;
                    let v = decode(field(m, 2)?, &mut BTreeSet::new());
                    let mut d = d2.lock().unwrap();
                    d.push((id, v));
                    if d.len() as u64 == TOKENS {
                        // Everything arrived: take the ring down through the links.
                        return Ok(Step::Exit(shutdown));
                    }
                }
                Ok(Step::Wait {
                    live: 0,
                    after: None,
                })
            },
            &[],
        )
        .unwrap();
    let pids: Vec<Pid> = (0..procs)
        .map(|i| {
            s.spawn(member(i, ring.clone(), collector, received.clone()), &[])
                .unwrap()
        })
        .collect();
    // Tokens start spread around the ring, so processes meet them at different times.
    let starts: Vec<Pid> = (0..TOKENS as usize)
        .map(|id| pids[id * procs / TOKENS as usize])
        .collect();
    ring.set(pids).unwrap();
    for (id, &at) in starts.iter().enumerate() {
        let t = construct::tuple(
            &mut src,
            &[small(hops as i64 - 1), small(id as i64), payload],
        )
        .unwrap();
        s.send(at, t).unwrap();
    }
    let peak_procs = s.process_count();
    let start = Instant::now();
    assert_eq!(s.run().unwrap(), Idle::Empty);
    let elapsed = start.elapsed();

    assert_eq!(peak_procs, procs + 1);
    assert_eq!(
        received.load(Ordering::Relaxed),
        hops * TOKENS,
        "messages lost"
    );
    let mut d = done.lock().unwrap().clone();
    d.sort_by_key(|(id, _)| *id);
    assert_eq!(d.len() as u64, TOKENS);
    for (i, (id, v)) in d.iter().enumerate() {
        assert_eq!(*id as usize, i);
        assert_eq!(*v, expect, "token {id} payload damaged");
    }
    assert_eq!(binary::offheap_refcount(refc), Some(1));
    assert_eq!(s.process_count(), 0);
    assert!(s.errors().is_empty(), "{:?}", &s.errors()[..1]);
    let stats = s.stats();
    drop(src);
    let (in_use1, mapped1) = (arena::in_use_bytes(), arena::mapped_bytes());
    eprintln!(
        "ring: {procs} processes, {} messages in {:.2?} ({:.0} msg/s); {} slices, {} exits; \
         arena in use {in_use0} -> {in_use1} bytes, mapped {mapped0} -> {mapped1} bytes",
        hops * TOKENS,
        elapsed,
        (hops * TOKENS) as f64 / elapsed.as_secs_f64(),
        stats.slices,
        stats.exits,
    );
    assert_eq!(in_use1, in_use0, "guest memory not returned");
    Run {
        in_use: (in_use0, in_use1),
        mapped: (mapped0, mapped1),
    }
}

#[test]
fn ring_of_processes_passes_every_message_and_frees_all_memory() {
    let arm = cfg!(target_arch = "arm");
    let procs = env_or("BEAMJIT_RING_PROCS", if arm { 1_000 } else { 10_000 }) as usize;
    let messages = env_or(
        "BEAMJIT_RING_MESSAGES",
        if arm { 50_000 } else { 1_000_000 },
    );
    let first = run_ring(procs, messages);
    // The same run again must reuse the memory the first one mapped.
    let second = run_ring(procs, messages);
    assert_eq!(second.in_use.1, first.in_use.0);
    assert!(
        second.mapped.1 <= first.mapped.1,
        "second run mapped more: {} > {}",
        second.mapped.1,
        first.mapped.1
    );
}
