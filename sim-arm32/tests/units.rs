//! Per-family unit tests with hand-checked values. Encodings were produced by
//! `arm-linux-gnueabihf-as` and are annotated with their disassembly.

mod common;
use common::{Env, BX_LR};
use sim_arm32::{FaultKind, C, N, V, Z};

#[test]
fn data_processing_and_flags() {
    let mut e = Env::new();
    // adds r0, r0, r1
    let out = e.run(&[0xe0900001, BX_LR], &[0x7FFF_FFFF, 1]).unwrap();
    assert_eq!(out.r0, 0x8000_0000);
    assert_eq!(e.sim.cpu.nzcv, N | V);
    let out = e.run(&[0xe0900001, BX_LR], &[0xFFFF_FFFF, 1]).unwrap();
    assert_eq!(out.r0, 0);
    assert_eq!(e.sim.cpu.nzcv, Z | C);
    // cmp r0, #0 ; rrxs r0, r1 (carry from cmp: 5 - 0 has no borrow, C = 1)
    let out = e.run(&[0xe3500000, 0xe1b00061, BX_LR], &[5, 3]).unwrap();
    assert_eq!(out.r0, 0x8000_0001);
    assert_eq!(e.sim.cpu.nzcv, N | C);
    // lsl r0, r1, r2 with r2 = 33 -> 0; with r2 = 0x104 (bottom byte 4) -> r1 << 4
    assert_eq!(e.run(&[0xe1a00211, BX_LR], &[0, 1, 33]).unwrap().r0, 0);
    assert_eq!(e.run(&[0xe1a00211, BX_LR], &[0, 1, 0x104]).unwrap().r0, 16);
    // movw r0, #0x1234 ; movt r0, #0x5678
    assert_eq!(
        e.run(&[0xe3010234, 0xe3450678, BX_LR], &[]).unwrap().r0,
        0x5678_1234
    );
}

#[test]
fn conditional_loop_counts() {
    let mut e = Env::new();
    // 0: mov r1, #0 ; 4: add r1, r1, r0 ; 8: subs r0, r0, #1 ; c: bne 4 ; 10: mov r0, r1 ; bx lr
    let prog = [
        0xe3a01000, 0xe0811000, 0xe2500001, 0x1afffffc, 0xe1a00001, BX_LR,
    ];
    let out = e.run(&prog, &[10]).unwrap();
    assert_eq!(out.r0, 55);
    assert_eq!(e.sim.counters.branches_taken, 9 + 1);
    assert_eq!(e.sim.counters.instructions, 1 + 3 * 10 + 2);
}

#[test]
fn multiplies_divides_clz() {
    let mut e = Env::new();
    // mul r0, r1, r2
    assert_eq!(e.run(&[0xe0000291, BX_LR], &[0, 7, 6]).unwrap().r0, 42);
    // mla r0, r1, r2, r3 / mls r0, r1, r2, r3
    assert_eq!(
        e.run(&[0xe0203291, BX_LR], &[0, 7, 6, 100]).unwrap().r0,
        142
    );
    assert_eq!(e.run(&[0xe0603291, BX_LR], &[0, 7, 6, 100]).unwrap().r0, 58);
    // umull r0, r1, r2, r3
    let out = e
        .run(&[0xe0810392, BX_LR], &[0, 0, 0xFFFF_FFFF, 0xFFFF_FFFF])
        .unwrap();
    assert_eq!(out.u64(), 0xFFFF_FFFE_0000_0001);
    // smlal r0, r1, r2, r3: 10 + (-2 * 3)
    let out = e
        .run(&[0xe0e10392, BX_LR], &[10, 0, (-2i32) as u32, 3])
        .unwrap();
    assert_eq!(out.u64() as i64, 4);
    // udiv / sdiv, incl. divide by zero = 0 and INT_MIN / -1 = INT_MIN
    assert_eq!(e.run(&[0xe730f110, BX_LR], &[100, 7]).unwrap().r0, 14);
    assert_eq!(e.run(&[0xe730f110, BX_LR], &[100, 0]).unwrap().r0, 0);
    assert_eq!(
        e.run(&[0xe710f110, BX_LR], &[(-100i32) as u32, 7])
            .unwrap()
            .r0,
        (-14i32) as u32
    );
    assert_eq!(
        e.run(&[0xe710f110, BX_LR], &[0x8000_0000, u32::MAX])
            .unwrap()
            .r0,
        0x8000_0000
    );
    // clz r0, r1
    assert_eq!(
        e.run(&[0xe16f0f11, BX_LR], &[0, 0x0001_0000]).unwrap().r0,
        15
    );
    assert_eq!(e.run(&[0xe16f0f11, BX_LR], &[0, 0]).unwrap().r0, 32);
}

#[test]
fn loads_stores_and_stack() {
    let mut e = Env::new();
    let d = e.data;
    e.set_data_u32(0, 0x8081_82FF);
    e.set_data_u32(8, 11);
    e.set_data_u32(12, 22);
    // ldrsb r0, [r1, #-1] with r1 = d + 1 -> 0xFFFF_FFFF (byte 0xFF)
    assert_eq!(
        e.run(&[0xe15100d1, BX_LR], &[0, d + 1]).unwrap().r0,
        0xFFFF_FFFF
    );
    // ldrsh r0, [r1, r2] with r2 = 2 -> 0x8081 sign-extended
    assert_eq!(
        e.run(&[0xe19100f2, BX_LR], &[0, d, 2]).unwrap().r0,
        0xFFFF_8081
    );
    // ldr r0, [r1, r2, lsl #2] with r2 = 2 -> word at d + 8
    assert_eq!(e.run(&[0xe7910102, BX_LR], &[0, d, 2]).unwrap().r0, 11);
    // ldrd r2, r3, [r1, #8]! ; add r0, r2, r3 ; (r1 written back)
    let out = e.run(&[0xe1e120d8, 0xe0820003, BX_LR], &[0, d]).unwrap();
    assert_eq!(out.r0, 33);
    assert_eq!(e.sim.cpu.regs[1], d + 8);
    // strh r0, [r1], #2 (post-index)
    e.run(&[0xe0c100b2, BX_LR], &[0xABCD_1234, d + 16]).unwrap();
    assert_eq!(e.data_u32(16) & 0xFFFF, 0x1234);
    assert_eq!(e.sim.cpu.regs[1], d + 18);
    // push {r4, lr} ; mov r4, #1 ; add r0, r0, r4 ; pop {r4, pc}
    e.sim.cpu.regs[4] = 77;
    let out = e
        .run(&[0xe92d4010, 0xe3a04001, 0xe0800004, 0xe8bd8010], &[41])
        .unwrap();
    assert_eq!(out.r0, 42);
    assert_eq!(e.sim.cpu.regs[4], 77);
    assert_eq!(e.sim.cpu.regs[13], e.stack_top);
    // stmib r1, {r2, r3} ; ldmdb r1!, {r2-r5} (r1 = d + 32)
    e.run(&[0xe981000c, BX_LR], &[0, d + 32, 5, 6]).unwrap();
    assert_eq!((e.data_u32(36), e.data_u32(40)), (5, 6));
    e.run(&[0xe931003c, BX_LR], &[0, d + 48]).unwrap();
    assert_eq!(e.sim.cpu.regs[1], d + 32);
    assert_eq!(
        (e.sim.cpu.regs[2], e.sim.cpu.regs[3], e.sim.cpu.regs[4]),
        (0, 5, 6)
    );
}

#[test]
fn vfp_arithmetic_compare_convert() {
    let mut e = Env::new();
    let put = |e: &mut Env, a: f64, b: f64| {
        e.sim.cpu.set_f64(0, a);
        e.sim.cpu.set_f64(1, b);
    };
    put(&mut e, 1.5, 2.25);
    assert_eq!(e.run(&[0xee300b01, BX_LR], &[]).unwrap().f64(), 3.75); // vadd
    put(&mut e, 1.5, 2.0);
    assert_eq!(e.run(&[0xee200b01, BX_LR], &[]).unwrap().f64(), 3.0); // vmul
    put(&mut e, 1.0, 0.0);
    assert_eq!(
        e.run(&[0xee800b01, BX_LR], &[]).unwrap().f64(),
        f64::INFINITY
    ); // vdiv
    assert_ne!(e.sim.cpu.fpscr & sim_arm32::FPSCR_DZC, 0);
    put(&mut e, 2.0, 0.0);
    assert_eq!(e.run(&[0xeeb10bc0, BX_LR], &[]).unwrap().f64(), 2f64.sqrt()); // vsqrt
                                                                              // 0/0 gives the ARM default NaN (positive), not the x86 one.
    put(&mut e, 0.0, 0.0);
    assert_eq!(
        e.run(&[0xee800b01, BX_LR], &[]).unwrap().d0,
        0x7FF8_0000_0000_0000
    );
    // vcmp.f64 d0, d1 ; vmrs APSR_nzcv, fpscr: less than -> N
    put(&mut e, 1.0, 2.0);
    e.run(&[0xeeb40b41, 0xeef1fa10, BX_LR], &[]).unwrap();
    assert_eq!(e.sim.cpu.nzcv, N);
    put(&mut e, f64::NAN, 2.0);
    e.run(&[0xeeb40b41, 0xeef1fa10, BX_LR], &[]).unwrap();
    assert_eq!(e.sim.cpu.nzcv, C | V);
    // vcvt.s32.f64 s0, d0 (toward zero, saturating); vmov r0, s0 via vmov r0, r1, d0
    put(&mut e, -2.75, 0.0);
    assert_eq!(
        e.run(&[0xeebd0bc0, 0xec510b10, BX_LR], &[]).unwrap().r0,
        (-2i32) as u32
    );
    put(&mut e, 1e20, 0.0);
    assert_eq!(
        e.run(&[0xeebd0bc0, 0xec510b10, BX_LR], &[]).unwrap().r0,
        i32::MAX as u32
    );
    // vcvt.f64.u32 d1, s2 ; vmov r0, r1, d1... use vmov s1, r2 path: vmov s1, r2; vmov r2, s1
    let out = e
        .run(&[0xee002a90, 0xee102a90, 0xe1a00002, BX_LR], &[0, 0, 99])
        .unwrap();
    assert_eq!(out.r0, 99);
    // vmov.f64 d2, #1.5 ; vsub.f64 d0, d1, d2
    put(&mut e, 0.0, 4.0);
    assert_eq!(
        e.run(&[0xeeb72b08, 0xee310b42, BX_LR], &[]).unwrap().f64(),
        2.5
    );
}

#[test]
fn faults_never_crash_the_host() {
    let mut e = Env::new();
    // ldr r0, [r1] from address 16: wild read.
    let f = e.run(&[0xe5910000, BX_LR], &[0, 16]).unwrap_err();
    assert_eq!(f.kind, FaultKind::WildRead { size: 4 });
    assert_eq!((f.pc, f.addr), (e.code, 16));
    // str r0, [r1, #4] into the code region (read-only): wild write.
    let code = e.code;
    let f = e.run(&[0xe5810004, BX_LR], &[0, code]).unwrap_err();
    assert_eq!(f.kind, FaultKind::WildWrite { size: 4 });
    // udf #0 / bkpt
    let f = e.run(&[0xe7f000f0], &[]).unwrap_err();
    assert_eq!(f.kind, FaultKind::Undefined { word: 0xe7f000f0 });
    let f = e.run(&[0xe1200070], &[]).unwrap_err();
    assert_eq!(f.kind, FaultKind::Breakpoint { imm: 0 });
    // blx r3 to an odd address outside code: Thumb state, reported at the halfword.
    let f = e.run(&[0xe12fff33], &[0, 0, 0, 0x1001]).unwrap_err();
    assert_eq!((f.pc, f.kind), (0x1000, FaultKind::JumpOutsideCode));
    // bx r3 to unmapped memory: jump outside code (reported at the target).
    let f = e.run(&[0xe12fff13], &[0, 0, 0, 0x1000]).unwrap_err();
    assert_eq!(f.kind, FaultKind::JumpOutsideCode);
    assert_eq!(f.pc, 0x1000);
    // ldrd from an unaligned address.
    let d = e.data;
    let f = e.run(&[0xe1e120d8, BX_LR], &[0, d + 2]).unwrap_err();
    assert_eq!(f.kind, FaultKind::Unaligned { size: 8 });
    // An infinite loop stops at the step limit.
    e.sim
        .set_step_limit(Some(e.sim.counters.instructions + 1000));
    let f = e.run(&[0xeafffffe], &[]).unwrap_err();
    assert_eq!(f.kind, FaultKind::StepLimit);
}

#[test]
fn trace_counters_and_invalidate() {
    let mut e = Env::new();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let s2 = seen.clone();
    e.sim.set_trace(Some(Box::new(move |pc, word, _cpu| {
        s2.borrow_mut().push((pc, word))
    })));
    let d = e.data;
    // ldr r0, [r1] ; str r0, [r1, #4] ; bx lr
    e.set_data_u32(0, 5);
    e.run(&[0xe5910000, 0xe5810004, BX_LR], &[0, d]).unwrap();
    let code = e.code;
    assert_eq!(
        *seen.borrow(),
        vec![
            (code, 0xe5910000),
            (code + 4, 0xe5810004),
            (code + 8, BX_LR)
        ]
    );
    assert_eq!((e.sim.counters.loads, e.sim.counters.stores), (1, 1));
    assert_eq!(e.data_u32(4), 5);
    e.sim.set_trace(None);
    // Rewriting code without invalidating keeps the cached decode; invalidate fixes it.
    assert_eq!(e.run(&[0xe3a00001, BX_LR], &[]).unwrap().r0, 1); // mov r0, #1
    let bytes = e.map.as_mut_slice();
    bytes[0..4].copy_from_slice(&0xe3a00002u32.to_le_bytes()); // mov r0, #2
    assert_eq!(e.sim.call(code, &[]).unwrap().r0, 1);
    e.sim.invalidate(code, 4);
    assert_eq!(e.sim.call(code, &[]).unwrap().r0, 2);
}

#[test]
fn pc_reads_as_plus_8_and_ldm_pc_interworks() {
    let mut e = Env::new();
    // mov r0, pc ; bx lr -> address of the mov + 8
    let out = e.run(&[0xe1a0000f, BX_LR], &[]).unwrap();
    assert_eq!(out.r0, e.code + 8);
    // ldm r1, {pc} with an odd address continues in Thumb state: movs r0, #42 ; bx lr.
    let d = e.data;
    e.set_data_u32(0, e.code + 5);
    let out = e.run(&[0xe8918000, 0x4770_202a], &[0, d]).unwrap();
    assert_eq!(out.r0, 42);
}

/// Every interworking branch reaches T32 code at an odd address, and T32 code returns to
/// A32 code with `bx lr` (hand-assembled with `arm-linux-gnueabihf-as -mthumb`).
#[test]
fn interworking_runs_thumb_code() {
    let mut e = Env::new();
    let code = e.code;
    const NOP: u32 = 0xe320f000;
    // T32 at word 3 (code + 12): movs r0, #42 ; bx lr.
    const THUMB: u32 = 0x4770_202a;
    let t = code + 13;
    e.sim
        .set_step_limit(Some(e.sim.counters.instructions + 100_000));
    // bx r3 / mov pc, r3: returns straight to the caller.
    for word in [0xe12fff13, 0xe1a0f003] {
        let out = e.run(&[NOP, word, BX_LR, THUMB], &[0, 0, 0, t]).unwrap();
        assert_eq!(out.r0, 42, "{word:#010x}");
    }
    // push {lr} ; blx r3 ; pop {pc}: the T32 code returns to the pop.
    const PUSH_LR: u32 = 0xe52de004;
    const POP_PC: u32 = 0xe49df004;
    let out = e
        .run(&[PUSH_LR, 0xe12fff33, POP_PC, THUMB], &[0, 0, 0, t])
        .unwrap();
    assert_eq!(out.r0, 42);
    // ldr pc, [r1]
    e.set_data_u32(0, t);
    let out = e
        .run(&[NOP, 0xe591f000, BX_LR, THUMB], &[0, e.data])
        .unwrap();
    assert_eq!(out.r0, 42);
    // blx #0 from code + 4 goes to code + 12 in Thumb state, returns to the pop at code + 8.
    let out = e.run(&[PUSH_LR, 0xfa000000, POP_PC, THUMB], &[]).unwrap();
    assert_eq!(out.r0, 42);
    assert_eq!(e.sim.cpu.regs[14], code + 8);
    // Sim::call at an odd address starts in Thumb state.
    e.load(12, &[THUMB]);
    assert_eq!(e.sim.call(t, &[]).unwrap().r0, 42);
    // A T32 function calling an A32 one: push {lr} ; blx r1 ; adds r0, #1 ; pop {pc}
    // (b500 4788 3001 bd00) and the A32 callee mov r0, #7 ; bx lr.
    e.load(0x40, &[0x4788_b500, 0xbd00_3001]);
    e.load(0x80, &[0xe3a00007, BX_LR]);
    let out = e.sim.call(code + 0x41, &[0, code + 0x80]).unwrap();
    assert_eq!(out.r0, 8);
}

/// M-profile mode: Thumb code runs and returns as before; reaching A32 state (an even
/// branch target, `Sim::call` at an even address) or `BLX imm` faults.
#[test]
fn m_profile_refuses_a32_state_and_blx_imm() {
    let mut e = Env::new();
    let code = e.code;
    e.sim.set_m_profile(true);
    // movs r0, #42 ; bx lr
    e.load(0, &[0x4770_202a]);
    assert_eq!(e.sim.call(code + 1, &[]).unwrap().r0, 42);
    let not_m = |r: Result<sim_arm32::Outcome, sim_arm32::Fault>| matches!(r, Err(f) if matches!(f.kind, FaultKind::NotMProfile { .. }));
    assert!(not_m(e.sim.call(code, &[])));
    // push {lr} ; blx r1 ; adds r0, #1 ; pop {pc} calling an odd T32 function works, an
    // even one (A32) faults.
    e.load(0x40, &[0x4788_b500, 0xbd00_3001]);
    assert_eq!(e.sim.call(code + 0x41, &[0, code + 1]).unwrap().r0, 43);
    e.load(0x80, &[0xe3a00007, BX_LR]);
    assert!(not_m(e.sim.call(code + 0x41, &[0, code + 0x80])));
    // blx 0x80 at code + 0xc0 (f7ff efde, GNU as): BLX imm is not in ARMv7-M.
    e.load(0xc0, &[0xefde_f7ff, 0x4770_4770]);
    assert!(not_m(e.sim.call(code + 0xc1, &[])));
    e.sim.set_m_profile(false);
    assert_eq!(e.sim.call(code + 0x41, &[0, code + 0x80]).unwrap().r0, 8);
}

/// IT blocks: the condition per slot, narrow instructions without flags inside.
#[test]
fn thumb_it_blocks_and_flags() {
    let mut e = Env::new();
    // cmp r0, r1 ; ite eq ; moveq r0, #1 ; movne r0, #2 ; adds r0, #0 ; bx lr
    // 4288 bf0c 2001 2002 3000 4770
    e.load(0, &[0xbf0c_4288, 0x2002_2001, 0x4770_3000]);
    let entry = e.code + 1;
    assert_eq!(e.sim.call(entry, &[5, 5]).unwrap().r0, 1);
    assert_eq!(e.sim.call(entry, &[5, 6]).unwrap().r0, 2);
    // Inside the block `movs` (2001) does not set flags: after cmp 5,5 Z stays set until
    // adds r0, #0 sets them from r0 = 1.
    assert_eq!(e.sim.cpu.nzcv & Z, 0);
    // itt ne ; addne r0, r0, r1 ; addne r0, r0, r1 (1840 1840), then bx lr: flags unchanged.
    e.load(0x20, &[0x1840_bf1c, 0x4770_1840]);
    e.sim.cpu.nzcv = 0;
    assert_eq!(e.sim.call(e.code + 0x21, &[1, 2]).unwrap().r0, 5);
    assert_eq!(e.sim.cpu.nzcv, 0);
    e.sim.cpu.nzcv = Z;
    assert_eq!(e.sim.call(e.code + 0x21, &[1, 2]).unwrap().r0, 1);
}

/// Every fault kind the issue lists comes back as a `Fault` with the faulting
/// instruction's pc, the address involved and the kind; PC is left at the faulting
/// instruction and nothing is partially written or loaded.
#[test]
fn faults_report_pc_address_and_kind() {
    use common::DATA_SIZE;
    let mut e = Env::new();
    let (code, d) = (e.code, e.data);
    // The instruction at code + 4 faults (a nop goes first so pc != entry).
    const NOP: u32 = 0xe320f000;
    let check = |e: &mut Env, word: u32, args: &[u32], addr: u32, kind: FaultKind| {
        let f = e.run(&[NOP, word, BX_LR], args).unwrap_err();
        assert_eq!(
            (f.pc, f.addr, &f.kind),
            (code + 4, addr, &kind),
            "{word:#010x}"
        );
        assert_eq!(
            e.sim.cpu.regs[15],
            code + 4,
            "{word:#010x}: pc after the fault"
        );
    };
    let unaligned = |size| FaultKind::Unaligned { size };
    // ldm r1, {r2, r3} / stmdb r1!, {r2, r3} / ldrd / strd: word alignment required.
    check(&mut e, 0xe891000c, &[0, d + 2], d + 2, unaligned(4));
    check(&mut e, 0xe921000c, &[0, d + 10], d + 2, unaligned(4));
    check(&mut e, 0xe1c120f0, &[0, d + 1], d + 1, unaligned(8));
    check(&mut e, 0xe1c120d0, &[0, d + 3], d + 3, unaligned(8));
    // vldr d0, [r1] / vstr d0, [r1] / vldmia r1, {d0-d1}.
    check(&mut e, 0xed910b00, &[0, d + 2], d + 2, unaligned(8));
    check(&mut e, 0xed810b00, &[0, d + 2], d + 2, unaligned(8));
    check(&mut e, 0xec910b04, &[0, d + 2], d + 2, unaligned(16));
    // ldr r0, [r1] straddling the end of the data region (the stack region follows:
    // an access must lie inside one region), and from address 0.
    let end = d + DATA_SIZE;
    check(
        &mut e,
        0xe5910000,
        &[0, end - 2],
        end - 2,
        FaultKind::WildRead { size: 4 },
    );
    check(
        &mut e,
        0xe5910000,
        &[0, 0],
        0,
        FaultKind::WildRead { size: 4 },
    );
    check(
        &mut e,
        0xe1d100b0,
        &[0, 4],
        4,
        FaultKind::WildRead { size: 2 },
    );
    // str r0, [r1] / strb r0, [r1] into the read-only code region.
    check(
        &mut e,
        0xe5810000,
        &[0, code],
        code,
        FaultKind::WildWrite { size: 4 },
    );
    check(
        &mut e,
        0xe5c10000,
        &[0, code + 3],
        code + 3,
        FaultKind::WildWrite { size: 1 },
    );
    // ldm r1, {r0, r2} / stm r1, {r0, r2} half outside: nothing is loaded or stored.
    e.set_data_u32(DATA_SIZE - 4, 0x1234_5678);
    check(
        &mut e,
        0xe8910005,
        &[77, end - 4],
        end - 4,
        FaultKind::WildRead { size: 8 },
    );
    assert_eq!(
        e.sim.cpu.regs[0], 77,
        "ldm loaded a register before faulting"
    );
    check(
        &mut e,
        0xe8810005,
        &[77, end - 4],
        end - 4,
        FaultKind::WildWrite { size: 8 },
    );
    assert_eq!(
        e.data_u32(DATA_SIZE - 4),
        0x1234_5678,
        "stm stored before faulting"
    );
    // A branch to an address with bits [1:0] = 0b10 is a misaligned branch (odd
    // addresses are Thumb code: see `interworking_runs_thumb_code`).
    check(
        &mut e,
        0xe12fff13,
        &[0, 0, 0, code + 6],
        code + 6,
        FaultKind::MisalignedBranch,
    );
    // Undefined (udf) and unsupported words.
    check(
        &mut e,
        0xe7f000f0,
        &[],
        code + 4,
        FaultKind::Undefined { word: 0xe7f000f0 },
    );
    // A jump into readable but not executable memory is reported at the target.
    let f = e.run(&[0xe12fff13], &[0, 0, 0, d]).unwrap_err();
    assert_eq!((f.pc, f.addr, f.kind), (d, d, FaultKind::JumpOutsideCode));
    // Entering at an odd address or outside code faults before anything executes,
    // also right after the simulator ran code (its fetch fast path is warm).
    for entry in [0, code + 2, d] {
        let f = e.sim.call(entry, &[]).unwrap_err();
        assert_eq!(f.pc, entry);
        assert!(
            matches!(
                f.kind,
                FaultKind::JumpOutsideCode | FaultKind::MisalignedBranch
            ),
            "{entry:#x}: {f:?}"
        );
    }
    // Entering Thumb state outside code: reported at the halfword address.
    let f = e.sim.call(1, &[]).unwrap_err();
    assert_eq!((f.pc, f.kind), (0, FaultKind::JumpOutsideCode));
    // Division by zero is not a fault: the result is 0 (sdiv r0, r1, r2; udiv).
    assert_eq!(e.run(&[0xe710f211, BX_LR], &[9, 5, 0]).unwrap().r0, 0);
    assert_eq!(e.run(&[0xe730f211, BX_LR], &[9, 5, 0]).unwrap().r0, 0);
}

/// Code regions can be removed and registered again (as a JIT installs and drops code):
/// a removed region faults, and a region registered later, even at the same address with
/// other code and reusing the removed region's cache pages, runs its own code.
#[test]
fn regions_removed_and_registered_again() {
    use sim_arm32::host_mem::LowMapping;
    let mut e = Env::new();
    let mut map = LowMapping::new(8192).expect("low mapping");
    let base = map.addr();
    for round in 0..50u32 {
        // nop ; mov r0, #round ; bx lr: every fourth round at the same address with other code,
        // so a stale decoded entry (a cache page recycled without a reset) would show.
        let off = (round as usize % 4) * 2048 + 8;
        // The nop decodes through the slow path; the mov after it is fetched from the page.
        let words = [0xe320f000, 0xe3a00000 | round, BX_LR];
        for (i, w) in words.iter().enumerate() {
            map.as_mut_slice()[off + 4 * i..off + 4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        // SAFETY: the range is `map`, which outlives its registration (removed below).
        unsafe { e.sim.add_code_region(base, 8192).unwrap() };
        let entry = base + off as u32;
        assert_eq!(e.sim.call(entry, &[]).unwrap().r0, round);
        // The fixture's own code region still works in between.
        assert_eq!(e.run(&[0xe2800001, BX_LR], &[round]).unwrap().r0, round + 1);
        assert_eq!(e.sim.call(entry, &[]).unwrap().r0, round);
        assert!(e.sim.remove_region(base));
        let f = e.sim.call(entry, &[]).unwrap_err();
        assert_eq!((f.pc, f.kind), (entry, FaultKind::JumpOutsideCode));
    }
    assert!(!e.sim.remove_region(base));
}
