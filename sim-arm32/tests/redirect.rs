//! Redirects: guest code calls host Rust functions with AAPCS-VFP arguments.

mod common;
use std::cell::Cell;
use std::rc::Rc;

use common::{Env, BX_LR};
use sim_arm32::{Arg, FaultKind, HostRet};

/// Host address used for redirects (outside every region).
const HOST_FN: u32 = 0x0000_1000;
const HOST_FN2: u32 = 0x0000_2000;

/// A guest caller that keeps SP untouched (so stacked arguments stay at SP):
/// `mov r4, lr ; movw r12, #lo ; movt r12, #hi ; blx r12 ; bx r4`.
fn caller(target: u32) -> Vec<u32> {
    let lo = target & 0xFFFF;
    let hi = target >> 16;
    vec![
        0xe1a0400e,                                     // mov r4, lr
        0xe300c000 | ((lo >> 12) << 16) | (lo & 0xFFF), // movw r12, #lo
        0xe340c000 | ((hi >> 12) << 16) | (hi & 0xFFF), // movt r12, #hi
        0xe12fff3c,                                     // blx r12
        0xe12fff14,                                     // bx r4
    ]
}

#[test]
fn host_function_with_int_and_double_args() {
    let mut e = Env::new();
    let seen = Rc::new(Cell::new((0u32, 0f64, 0u64, 0u32, 0f64)));
    let s2 = seen.clone();
    // f(a: u32, x: f64, b: u64, c: u32 (stack), y: f64) -> f64
    e.sim.add_redirect(
        HOST_FN,
        Box::new(move |c| {
            let a = c.arg_u32()?;
            let x = c.arg_f64()?;
            let b = c.arg_u64()?;
            let cc = c.arg_u32()?;
            let y = c.arg_f64()?;
            s2.set((a, x, b, cc, y));
            Ok(HostRet::F64(a as f64 + x + b as f64 + cc as f64 + y))
        }),
    );
    let entry = e.load(0, &caller(HOST_FN));
    let out = e
        .sim
        .call_args(
            entry,
            &[
                Arg::I32(1),
                Arg::F64(0.5),
                Arg::I64(1 << 40),
                Arg::I32(7),
                Arg::F64(0.25),
            ],
        )
        .unwrap();
    assert_eq!(seen.get(), (1, 0.5, 1 << 40, 7, 0.25));
    assert_eq!(out.f64(), 1.0 + 0.5 + (1u64 << 40) as f64 + 7.0 + 0.25);
    assert_eq!(e.sim.counters.host_calls, 1);
    assert_eq!(e.sim.cpu.regs[13], e.stack_top);
}

#[test]
fn host_function_returns_i64_and_can_stop_or_fail() {
    let mut e = Env::new();
    e.sim.add_redirect(
        HOST_FN,
        Box::new(|c| {
            let a = c.arg_u32()?;
            let b = c.arg_u32()?;
            Ok(HostRet::I64((a as u64) * (b as u64)))
        }),
    );
    let entry = e.load(0, &caller(HOST_FN));
    let out = e.sim.call(entry, &[0xFFFF_FFFF, 0x10]).unwrap();
    assert_eq!(out.u64(), 0xF_FFFF_FFF0);

    e.sim
        .add_redirect(HOST_FN2, Box::new(|_| Ok(HostRet::Stop(42))));
    let entry = e.load(0x100, &caller(HOST_FN2));
    let out = e.sim.call(entry, &[]).unwrap();
    assert_eq!(out.stopped, Some(42));
    // Execution can resume after a stop: continue at the return address.
    let out = e.sim.run().unwrap();
    assert_eq!(out.stopped, None);

    e.sim
        .add_redirect(HOST_FN, Box::new(|c| Err(c.error("boom"))));
    let entry = e.load(0x200, &caller(HOST_FN));
    let f = e.sim.call(entry, &[]).unwrap_err();
    assert_eq!(f.kind, FaultKind::Host("boom".into()));
    assert_eq!(f.pc, HOST_FN);
}

#[test]
fn redirect_inside_a_code_region_and_direct_call() {
    let mut e = Env::new();
    // A redirect placed on a code address replaces the instruction there.
    let target = e.load(0x400, &[BX_LR]);
    e.sim
        .add_redirect(target, Box::new(|c| Ok(HostRet::I32(c.arg_u32()? + 1))));
    let out = e.sim.call(target, &[41]).unwrap();
    assert_eq!(out.r0, 42);
    // bl to it from guest code: bl +0x3f8 from 0 lands at 0x400.
    let entry = e.load(0, &[0xe52de004, 0xeb0000fd, 0xe49df004]);
    assert_eq!(e.sim.call(entry, &[9]).unwrap().r0, 10);
}
