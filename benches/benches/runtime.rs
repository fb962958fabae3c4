//! Criterion benchmarks of the runtime core:
//! - `runtime/alloc`: allocation rate — 3-tuples and cons cells built on a process heap,
//!   collecting (with nothing live) whenever it fills, as compiled code does with
//!   `test_heap`. Throughput in bytes allocated.
//! - `runtime/gc_major`: collector throughput — a full sweep of a heap holding a live
//!   list of tuples, floats and binaries. Throughput in bytes copied.
//! - `runtime/ring`: message passing — 100 processes forward 10,000 messages (tuples)
//!   around a ring through the scheduler. Throughput in messages.
use beam_runtime::gc::{self, GcKind};
use beam_runtime::heap::{Alloc, Heap};
use beam_runtime::process::{Pid, ProcError};
use beam_runtime::scheduler::{Ctx, Scheduler, Step};
use beam_runtime::term::Term;
use beam_runtime::{binary, construct};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::sync::{Arc, OnceLock};

fn small(v: i64) -> Term {
    Term::small(v).unwrap()
}

fn no_roots(_: &mut dyn FnMut(&mut Term)) {}

fn alloc(c: &mut Criterion) {
    const N: u64 = 100_000;
    let mut g = c.benchmark_group("runtime");
    // Each step: a 3-tuple (4 words) and a cons cell (2 words).
    g.throughput(Throughput::Bytes(N * 6 * 4));
    let mut heap = Heap::with_size(8 * 1024).unwrap();
    g.bench_function("alloc", |b| {
        b.iter(|| {
            let mut last = Term::NIL;
            for i in 0..N {
                if heap.free_words() < 6 {
                    gc::collect(&mut heap, &mut no_roots, 6, GcKind::Minor).unwrap();
                    last = Term::NIL; // not a root: it did not survive
                }
                let t = construct::tuple(&mut heap, &[small(i as i64), last, last]).unwrap();
                last = construct::cons(&mut heap, t, Term::NIL).unwrap();
            }
            black_box(last);
        })
    });
    g.finish();
}

/// Builds a live list of `n` elements {I, Float, HeapBinary} on `heap`; returns it.
fn build_live(heap: &mut Heap, n: u32) -> Term {
    let mut list = Term::NIL;
    for i in 0..n {
        let f = construct::float(heap, i as f64 * 0.5).unwrap();
        let bin = binary::new_binary(heap, &[i as u8; 24]).unwrap();
        let t = construct::tuple(heap, &[small(i as i64), f, bin]).unwrap();
        list = construct::cons(heap, t, list).unwrap();
    }
    list
}

fn gc_major(c: &mut Criterion) {
    const N: u32 = 20_000;
    let mut heap = Heap::with_size(N * 20).unwrap();
    let mut root = build_live(&mut heap, N);
    // Measure the live size once: a major collection copies exactly the live words.
    let before = heap.stats.words_copied;
    let mut roots = |f: &mut dyn FnMut(&mut Term)| f(&mut root);
    gc::collect(&mut heap, &mut roots, 0, GcKind::Major).unwrap();
    let live_bytes = (heap.stats.words_copied - before) * 4;
    let mut g = c.benchmark_group("runtime");
    g.throughput(Throughput::Bytes(live_bytes));
    g.bench_function("gc_major", |b| {
        b.iter(|| {
            let mut roots = |f: &mut dyn FnMut(&mut Term)| f(&mut root);
            gc::collect(&mut heap, &mut roots, 0, GcKind::Major).unwrap();
        })
    });
    g.finish();
    black_box(heap.alloc(0).unwrap());
}

fn ring_member(
    idx: usize,
    ring: Arc<OnceLock<Vec<Pid>>>,
) -> impl FnMut(&mut Ctx<'_>) -> Result<Step, ProcError> {
    move |cx| {
        let pids = ring.get().ok_or(ProcError::Badarg("ring"))?;
        let next = pids[(idx + 1) % pids.len()];
        while let Some(m) = cx.take_message(0) {
            let hops = construct::tuple_get(m, 0)
                .and_then(Term::small_value)
                .ok_or(ProcError::Badarg("hops"))?;
            if hops == 0 {
                return Ok(Step::Exit(beam_runtime::atom::NORMAL));
            }
            cx.set_x(0, m)?;
            cx.test_heap(3, 1)?;
            let m = cx.x(0)?;
            let payload = construct::tuple_get(m, 1).ok_or(ProcError::Badarg("payload"))?;
            let t = construct::tuple(cx.heap(), &[small(hops as i64 - 1), payload])?;
            cx.send_pid(next, t)?;
            if !cx.consume(1) {
                return Ok(Step::Yield { live: 0 });
            }
        }
        Ok(Step::Wait {
            live: 0,
            after: None,
        })
    }
}

fn ring(c: &mut Criterion) {
    const PROCS: usize = 100;
    const MESSAGES: u64 = 10_000;
    let mut g = c.benchmark_group("runtime");
    g.throughput(Throughput::Elements(MESSAGES));
    g.bench_function("ring", |b| {
        b.iter(|| {
            let mut s = Scheduler::new().unwrap();
            let ring: Arc<OnceLock<Vec<Pid>>> = Arc::default();
            let pids: Vec<Pid> = (0..PROCS)
                .map(|i| s.spawn(ring_member(i, ring.clone()), &[]).unwrap())
                .collect();
            let first = pids[0];
            ring.set(pids).unwrap();
            let mut frag = beam_runtime::heap::Fragment::new(16).unwrap();
            let payload = construct::list(&mut frag, &[small(1), small(2)]).unwrap();
            let t = construct::tuple(&mut frag, &[small(MESSAGES as i64 - 1), payload]).unwrap();
            s.send(first, t).unwrap();
            s.run().unwrap();
            black_box(s.stats().messages)
        })
    });
    g.finish();
}

criterion_group!(benches, alloc, gc_major, ring);
criterion_main!(benches);
