//! Criterion benchmark of the ARM32 simulator: a tight loop (ALU ops, a load, a
//! conditional branch), reported as simulated instructions per second (criterion's
//! "elements/s" throughput = instructions retired).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_arm32::host_mem::LowMapping;
use sim_arm32::{Perms, Sim};

/// r0 = iterations, r3 = data pointer.
/// loop: add r1, r1, r0 ; eor r2, r2, r1, lsl #3 ; ldr r12, [r3] ; add r2, r2, r12 ;
///       subs r0, r0, #1 ; bne loop ; then mov r0, r2 ; bx lr
const LOOP: [u32; 8] = [
    0xe0811000, 0xe0222181, 0xe593c000, 0xe082200c, 0xe2500001, 0x1afffff9, 0xe1a00002, 0xe12fff1e,
];
const ITERS: u32 = 100_000;

fn sim_loop(c: &mut Criterion) {
    let mut map = LowMapping::new(8192).expect("low mapping");
    for (i, w) in LOOP.iter().enumerate() {
        map.as_mut_slice()[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    let mut sim = Sim::new();
    // SAFETY: both ranges are inside `map`, which outlives `sim` in this function.
    unsafe {
        sim.add_code_region(map.addr(), 4096).unwrap();
        sim.add_region(map.addr() + 4096, 4096, Perms::RW).unwrap();
    }
    let data = map.addr() + 4096;
    // Check the instruction count once: 6 per iteration + 2.
    sim.call(map.addr(), &[ITERS, 0, 0, data]).unwrap();
    let per_call = sim.counters.instructions;
    assert_eq!(per_call, 6 * ITERS as u64 + 2);

    let mut g = c.benchmark_group("sim");
    g.throughput(Throughput::Elements(per_call));
    g.bench_function("tight_loop_instructions", |b| {
        b.iter(|| {
            let out = sim.call(map.addr(), &[ITERS, 0, 0, data]).unwrap();
            std::hint::black_box(out.r0)
        })
    });
    g.finish();
}

criterion_group!(benches, sim_loop);
criterion_main!(benches);
