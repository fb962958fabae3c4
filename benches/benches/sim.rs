//! Criterion benchmarks of the ARM32 simulator, reported as simulated instructions per
//! second (criterion's "elements/s" throughput = instructions retired):
//!
//! - `tight_loop_instructions`: ALU ops, a load and a conditional branch (the issue's
//!   figure of merit; goal ≥ 100 M instructions/s);
//! - `call_loop_instructions`: a loop that calls a leaf function (BL/BX, PUSH/POP), with a
//!   multiply, conditional execution, a load and a store.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_arm32::host_mem::LowMapping;
use sim_arm32::{Perms, Sim};

/// r0 = iterations, r3 = data pointer.
/// loop: add r1, r1, r0 ; eor r2, r2, r1, lsl #3 ; ldr r12, [r3] ; add r2, r2, r12 ;
///       subs r0, r0, #1 ; bne loop ; then mov r0, r2 ; bx lr
const LOOP: [u32; 8] = [
    0xe0811000, 0xe0222181, 0xe593c000, 0xe082200c, 0xe2500001, 0x1afffff9, 0xe1a00002, 0xe12fff1e,
];

/// r0 = iterations, r3 = data pointer (arm-linux-gnueabihf-as):
/// ```text
/// loop: push {r0, lr} ; mov r0, r1 ; bl leaf ; mov r1, r0 ; pop {r0, lr}
///       ldr ip, [r3, #4] ; mul r2, ip, r1 ; cmp r2, #4096
///       addhi r1, r1, r2, lsr #7 ; eorls r1, r1, #85 ; str r1, [r3, #8]
///       subs r0, r0, #1 ; bne loop ; mov r0, r1 ; bx lr
/// leaf: add r0, r0, #3 ; bic r0, r0, #0xff000000 ; bx lr
/// ```
const CALL_LOOP: [u32; 18] = [
    0xe92d4001, 0xe1a00001, 0xeb00000b, 0xe1a01000, 0xe8bd4001, 0xe593c004, 0xe002019c, 0xe3520a01,
    0x808113a2, 0x92211055, 0xe5831008, 0xe2500001, 0x1afffff2, 0xe1a00001, 0xe12fff1e, 0xe2800003,
    0xe3c004ff, 0xe12fff1e,
];
const ITERS: u32 = 100_000;

/// Runs `code` as `f(ITERS, 0, 0, data)` under criterion; `per_iter` instructions per loop
/// iteration plus `tail` are checked once against the simulator's counter.
fn bench_code(c: &mut Criterion, name: &str, code: &[u32], per_iter: u64, tail: u64) {
    let mut map = LowMapping::new(8192).expect("low mapping");
    for (i, w) in code.iter().enumerate() {
        map.as_mut_slice()[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    let mut sim = Sim::new();
    // SAFETY: both ranges are inside `map`, which outlives `sim` in this function.
    unsafe {
        sim.add_code_region(map.addr(), 4096).unwrap();
        sim.add_region(map.addr() + 4096, 4096, Perms::RW).unwrap();
    }
    // Data words at the start of the RW page, the stack at its end.
    let data = map.addr() + 4096;
    sim.cpu.regs[13] = map.addr() + 8192;
    sim.call(map.addr(), &[ITERS, 0, 0, data]).unwrap();
    let per_call = sim.counters.instructions;
    assert_eq!(per_call, per_iter * ITERS as u64 + tail);

    let mut g = c.benchmark_group("sim");
    g.throughput(Throughput::Elements(per_call));
    g.bench_function(name, |b| {
        b.iter(|| {
            let out = sim.call(map.addr(), &[ITERS, 0, 0, data]).unwrap();
            std::hint::black_box(out.r0)
        })
    });
    g.finish();
}

fn sim_loops(c: &mut Criterion) {
    bench_code(c, "tight_loop_instructions", &LOOP, 6, 2);
    bench_code(c, "call_loop_instructions", &CALL_LOOP, 16, 2);
}

criterion_group!(benches, sim_loops);
criterion_main!(benches);
