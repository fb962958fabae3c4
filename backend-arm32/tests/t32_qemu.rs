//! Differential test of the simulator's T32 half against qemu-arm: random T32 sequences
//! (built with our T32 encoder from random instructions, with IT blocks and forward
//! branches) run in sim-arm32 and in sim-arm32's C harness under qemu-arm, and must end with
//! identical r0–r12, APSR flags, VFP registers, FPSCR flags and scratch memory.
//!
//! Each sequence is entered in A32 and interworks: `push {lr}` ; `blx` to the T32 body ;
//! body ; `pop {pc}` (back to the A32 caller). Register discipline as in sim-arm32's
//! `differential.rs`: r0–r6, r8, r12 are data registers, r9 = 12 is only read, r11 =
//! scratch + 512 is a base that is never written, r10 (same start) is a base with small
//! word-multiple writeback; in addition r7 is set to r11 by the body's first instruction
//! (a low base register for the narrow load/store forms) and to 0 by its last one.
//!
//! Seed: printed; `BEAMJIT_SEED` replays; `BEAMJIT_DIFF_SEQS` sets the count (default
//! 20,000 hosted).

use backend_arm32::asm::t32::with_cond;
use backend_arm32::asm::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sim_arm32::host_mem::LowMapping;
use sim_arm32::{Perms, Sim};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SCRATCH: usize = 1024;
const STATE_BYTES: usize = 64 + 8 + 128;
const OUT_BYTES: usize = STATE_BYTES + SCRATCH;
const FPSCR_CMP: u32 = 0xF3C0_0003;

const DST: [u32; 9] = [0, 1, 2, 3, 4, 5, 6, 8, 12];
const SRC: [u32; 10] = [0, 1, 2, 3, 4, 5, 6, 8, 9, 12];

fn r(n: u32) -> Reg {
    Reg::new(n).expect("register")
}
fn dst(g: &mut SmallRng) -> Reg {
    // Low registers twice as likely (narrow forms).
    if g.gen_bool(0.6) {
        r(g.gen_range(0..7))
    } else {
        r(DST[g.gen_range(0..DST.len())])
    }
}
fn src(g: &mut SmallRng) -> Reg {
    r(SRC[g.gen_range(0..SRC.len())])
}
fn dreg(g: &mut SmallRng) -> DReg {
    DReg::new(g.gen_range(0..16)).expect("d")
}
fn al() -> Cond {
    Cond::Al
}

fn value(g: &mut SmallRng) -> u32 {
    match g.gen_range(0..6) {
        0 => [
            0,
            1,
            2,
            31,
            32,
            0xff,
            0x100,
            0xffff_ffff,
            0x8000_0000,
            0x7fff_ffff,
        ][g.gen_range(0..10)],
        1 => g.gen_range(0..64),
        2 => g.gen::<u32>() >> g.gen_range(0..32),
        _ => g.gen(),
    }
}

fn imm_op(g: &mut SmallRng) -> Operand2 {
    loop {
        let v = match g.gen_range(0..3) {
            0 => g.gen_range(0..256),
            1 => g.gen_range(0..8),
            _ => u32::from(g.gen::<u8>()).rotate_right(2 * g.gen_range(0..16)),
        };
        if let Some(i) = Operand2::imm(v) {
            return i;
        }
    }
}

fn one(g: &mut SmallRng) -> Inst {
    let op = DpOp::ALL[g.gen_range(0..16)];
    let rd = dst(g);
    let rn = if g.gen_bool(0.3) { rd } else { src(g) };
    let s = g.gen();
    let dpi = |op2| Inst::Dp {
        cond: al(),
        op,
        s: s || op.is_compare(),
        rd,
        rn,
        op2,
    };
    match g.gen_range(0..16) {
        0 | 1 => dpi(imm_op(g)),
        2 | 3 => dpi(Operand2::Reg(src(g))),
        4 => {
            let shift = Shift::ALL[g.gen_range(0..4)];
            let amount = match shift {
                Shift::Lsl | Shift::Ror => g.gen_range(1..32),
                _ => g.gen_range(1..=32),
            };
            dpi(Operand2::RegShiftImm {
                rm: src(g),
                shift,
                amount,
            })
        }
        5 => dpi(Operand2::Rrx(src(g))),
        6 => Inst::Dp {
            cond: al(),
            op: DpOp::Mov,
            s,
            rd,
            rn: Reg::R0,
            op2: Operand2::RegShiftReg {
                rm: if g.gen() { rd } else { src(g) },
                shift: Shift::ALL[g.gen_range(0..4)],
                rs: src(g),
            },
        },
        7 => {
            let imm = g.gen();
            if g.gen() {
                Inst::Movw {
                    cond: al(),
                    rd,
                    imm,
                }
            } else {
                Inst::Movt {
                    cond: al(),
                    rd,
                    imm,
                }
            }
        }
        8 => {
            let (rm, ra) = (src(g), src(g));
            match g.gen_range(0..6) {
                0 => Inst::Mul {
                    cond: al(),
                    s: g.gen(),
                    rd,
                    rn,
                    rm: if g.gen() { rd } else { rm },
                },
                1 => Inst::Mla {
                    cond: al(),
                    s: false,
                    rd,
                    rn,
                    rm,
                    ra,
                },
                2 => Inst::Mls {
                    cond: al(),
                    rd,
                    rn,
                    rm,
                    ra,
                },
                3 => {
                    let mut rdhi = dst(g);
                    if rdhi == rd {
                        rdhi = if rd == Reg::R0 { Reg::R1 } else { Reg::R0 };
                    }
                    Inst::LongMul {
                        cond: al(),
                        op: [
                            LongMulOp::Umull,
                            LongMulOp::Umlal,
                            LongMulOp::Smull,
                            LongMulOp::Smlal,
                        ][g.gen_range(0..4)],
                        s: false,
                        rdlo: rd,
                        rdhi,
                        rn,
                        rm,
                    }
                }
                4 => Inst::Div {
                    cond: al(),
                    signed: g.gen(),
                    rd,
                    rn,
                    rm,
                },
                _ => Inst::Clz { cond: al(), rd, rm },
            }
        }
        9 | 10 => mem(g),
        11 => {
            // LDM/STM: on r11 without writeback, on r10 with (small) writeback.
            let load = g.gen();
            let wb = g.gen();
            let pool: &[u32] = if load { &DST } else { &SRC };
            let mut list = 0u16;
            for _ in 0..g.gen_range(1..=if wb { 3 } else { 6 }) {
                list |= 1 << pool[g.gen_range(0..pool.len())];
            }
            Inst::Block {
                cond: al(),
                load,
                mode: if g.gen() {
                    BlockMode::Ia
                } else {
                    BlockMode::Db
                },
                rn: if wb { r(10) } else { r(11) },
                writeback: wb,
                regs: RegList(list),
            }
        }
        _ => vfp(g),
    }
}

fn mem(g: &mut SmallRng) -> Inst {
    let op = MemOp::ALL[g.gen_range(0..10)];
    let dbl = matches!(op, MemOp::Ldrd | MemOp::Strd);
    let rt = if dbl {
        r([0, 2, 4][g.gen_range(0..3)])
    } else if op.is_load() {
        dst(g)
    } else {
        src(g)
    };
    let align: i32 = match op {
        MemOp::Ldr | MemOp::Str | MemOp::Ldrd | MemOp::Strd => 4,
        MemOp::Ldrh | MemOp::Strh | MemOp::Ldrsh => 2,
        _ => 1,
    };
    let (base, offset, index) = match g.gen_range(0..5) {
        // Narrow-friendly: r7, small positive offsets.
        0 | 1 => (
            r(7),
            MemOffset::Imm {
                neg: false,
                imm: (g.gen_range(0..32) * align) as u16,
            },
            Index::Offset,
        ),
        2 => {
            let off = g.gen_range(-250 / align..=250 / align) * align;
            (
                r(11),
                MemOffset::Imm {
                    neg: off < 0,
                    imm: off.unsigned_abs() as u16,
                },
                Index::Offset,
            )
        }
        3 if !dbl => {
            let amount = g.gen_range(0..4);
            let rm = r(9);
            let base = if g.gen() { r(7) } else { r(11) };
            let off = if amount == 0 {
                MemOffset::Reg { neg: false, rm }
            } else {
                MemOffset::ScaledReg {
                    neg: false,
                    rm,
                    shift: Shift::Lsl,
                    amount,
                }
            };
            (base, off, Index::Offset)
        }
        _ => {
            let off: i32 = g.gen_range(-4..=4) * 4;
            let index = if g.gen() {
                Index::PreWriteback
            } else {
                Index::Post
            };
            (
                r(10),
                MemOffset::Imm {
                    neg: off < 0,
                    imm: off.unsigned_abs() as u16,
                },
                index,
            )
        }
    };
    Inst::Mem {
        cond: al(),
        op,
        rt,
        addr: Addr {
            base,
            offset,
            index,
        },
    }
}

fn vfp(g: &mut SmallRng) -> Inst {
    let sreg = |g: &mut SmallRng| SReg::new(g.gen_range(0..32)).expect("s");
    match g.gen_range(0..8) {
        0 => Inst::Vldr {
            cond: al(),
            dd: dreg(g),
            rn: r(11),
            offset: 8 * g.gen_range(-60..60),
        },
        1 => Inst::Vstr {
            cond: al(),
            dd: dreg(g),
            rn: r(11),
            offset: 8 * g.gen_range(-60..60),
        },
        2 => Inst::VArith {
            cond: al(),
            op: [
                VArithOp::Vadd,
                VArithOp::Vsub,
                VArithOp::Vmul,
                VArithOp::Vdiv,
            ][g.gen_range(0..4)],
            dd: dreg(g),
            dn: dreg(g),
            dm: dreg(g),
        },
        3 => Inst::VUnary {
            cond: al(),
            op: [VUnaryOp::Vmov, VUnaryOp::Vabs, VUnaryOp::Vneg][g.gen_range(0..3)],
            dd: dreg(g),
            dm: dreg(g),
        },
        4 => Inst::Vcmp {
            cond: al(),
            e: false,
            dd: dreg(g),
            dm: if g.gen() { Some(dreg(g)) } else { None },
        },
        5 => Inst::VmrsNzcv { cond: al() },
        6 => {
            let (rt, rt2) = (src(g), src(g));
            if g.gen() {
                Inst::VmovToD {
                    cond: al(),
                    dm: dreg(g),
                    rt,
                    rt2,
                }
            } else {
                let (rt, sn) = (dst(g), sreg(g));
                Inst::VmovFromS { cond: al(), rt, sn }
            }
        }
        _ => Inst::Vcvt {
            cond: al(),
            op: [
                VcvtOp::F64FromS32,
                VcvtOp::F64FromU32,
                VcvtOp::S32FromF64,
                VcvtOp::U32FromF64,
            ][g.gen_range(0..4)],
            d: dreg(g),
            s: sreg(g),
        },
    }
}

/// A body: groups of instructions (some in IT blocks), some skipped by forward branches.
fn body(g: &mut SmallRng) -> (Vec<u8>, Vec<Inst>) {
    let mut out = Vec::new();
    let mut listing = Vec::new();
    let ngroups = g.gen_range(1..10);
    let mut k = 0;
    while k < ngroups {
        let n = g.gen_range(1..=3);
        let c = Cond::ALL[g.gen_range(0..14)];
        let conditional = g.gen_bool(0.35);
        let insts: Vec<Inst> = (0..n)
            .map(|j| {
                let i = one(g);
                if conditional {
                    with_cond(&i, if j == 0 || g.gen() { c } else { c.invert() })
                } else {
                    i
                }
            })
            .collect();
        let Ok(bytes) = assemble_t32(&insts) else {
            continue;
        };
        k += 1;
        if g.gen_bool(0.2) {
            // A forward branch over this group (narrow: the offset is small).
            let bc = if g.gen() {
                Cond::Al
            } else {
                Cond::ALL[g.gen_range(0..14)]
            };
            let b = Inst::B {
                cond: bc,
                link: false,
                offset: bytes.len() as i32 - 2,
            };
            encode_t32(&b, false)
                .expect("short branch")
                .push_to(&mut out);
            listing.push(b);
        }
        out.extend_from_slice(&bytes);
        listing.extend(insts);
    }
    (out, listing)
}

/// The whole code: A32 entry, T32 body, A32 return; as words.
fn code_words(body: &[u8]) -> Vec<u32> {
    let mut t = Vec::new();
    t.extend_from_slice(&0x465fu16.to_le_bytes()); // mov r7, r11
    t.extend_from_slice(body);
    encode_t32(
        &Inst::Dp {
            cond: al(),
            op: DpOp::Mov,
            s: false,
            rd: r(7),
            rn: Reg::R0,
            op2: Operand2::imm(0).expect("0"),
        },
        false,
    )
    .expect("mov.w r7, #0")
    .push_to(&mut t);
    t.extend_from_slice(&0xbd00u16.to_le_bytes()); // pop {pc}
    if t.len() % 4 != 0 {
        t.extend_from_slice(&0xbf00u16.to_le_bytes()); // nop
    }
    let mut words = vec![0xe52d_e004, 0xfaff_ffff]; // push {lr} ; blx to the next word
    words.extend(
        t.chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
    );
    words
}

struct Seq {
    words: Vec<u32>,
    listing: Vec<Inst>,
    seed: u32,
    r: [u32; 13],
    apsr: u32,
    fpscr: u32,
    d: [u64; 16],
}

fn sequence(g: &mut SmallRng) -> Seq {
    loop {
        let (b, listing) = body(g);
        let words = code_words(&b);
        if words.len() > 60 {
            continue;
        }
        let mut rr = [0u32; 13];
        for x in rr.iter_mut() {
            *x = value(g);
        }
        rr[9] = 12;
        let mut d = [0u64; 16];
        for x in d.iter_mut() {
            *x = match g.gen_range(0..3) {
                0 => (g.gen_range(-1000..1000) as f64 / 8.0).to_bits(),
                1 => g.gen(),
                _ => (g.gen::<i32>() as f64).to_bits(),
            };
        }
        return Seq {
            words,
            listing,
            seed: g.gen(),
            r: rr,
            apsr: g.gen::<u32>() & 0xf000_0000,
            // Flags and DN only: the simulator honours the FPSCR rounding mode in VCVTR only.
            fpscr: (g.gen::<u32>() & 0xf000_0000) | if g.gen() { 0 } else { 0x0200_0000 },
            d,
        };
    }
}

impl Seq {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.words.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.seed.to_le_bytes());
        for w in &self.words {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for x in &self.r {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.extend_from_slice(&self.apsr.to_le_bytes());
        out.extend_from_slice(&self.fpscr.to_le_bytes());
        for x in &self.d {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
}

fn scratch_fill(seed: u32) -> Vec<u8> {
    let mut x = if seed == 0 { 1 } else { seed };
    let mut v = Vec::with_capacity(SCRATCH);
    for _ in 0..SCRATCH / 4 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

fn build_harness() -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim-arm32/tests/harness/harness.c");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-arm32-harness-t32");
    let st = Command::new("arm-linux-gnueabihf-gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("arm-linux-gnueabihf-gcc is needed (scripts/setup)");
    assert!(st.success(), "building {} failed", src.display());
    out
}

fn run_sim(sim: &mut Sim, map: &mut LowMapping, seq: &Seq) -> Result<Vec<u8>, sim_arm32::Fault> {
    let code = map.addr();
    let scratch = code + 4096;
    {
        let bytes = map.as_mut_slice();
        for (i, w) in seq.words.iter().enumerate() {
            bytes[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        bytes[4096..4096 + SCRATCH].copy_from_slice(&scratch_fill(seq.seed));
    }
    sim.invalidate(code, 4096);
    let cpu = &mut sim.cpu;
    cpu.regs = [0; 16];
    cpu.regs[..13].copy_from_slice(&seq.r);
    cpu.regs[10] = scratch + 512;
    cpu.regs[11] = scratch + 512;
    cpu.regs[13] = code + 8192;
    cpu.nzcv = seq.apsr;
    cpu.fpscr = seq.fpscr;
    cpu.d = seq.d;
    sim.set_step_limit(Some(sim.counters.instructions + 400));
    sim.call(code, &[])?;
    let cpu = &sim.cpu;
    let mut out = Vec::with_capacity(OUT_BYTES);
    for i in 0..16 {
        let v = match i {
            10 | 11 => cpu.regs[i].wrapping_sub(scratch),
            13..=15 => 0,
            _ => cpu.regs[i],
        };
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cpu.nzcv.to_le_bytes());
    out.extend_from_slice(&cpu.fpscr.to_le_bytes());
    for d in &cpu.d {
        out.extend_from_slice(&d.to_le_bytes());
    }
    out.extend_from_slice(&map.as_slice()[4096..4096 + SCRATCH]);
    Ok(out)
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

fn diff(q: &[u8], s: &[u8]) -> Vec<String> {
    let mut d = Vec::new();
    for i in 0..13 {
        let (a, b) = (u32_at(q, i), u32_at(s, i));
        if a != b {
            d.push(format!("r{i}: qemu {a:#010x} sim {b:#010x}"));
        }
    }
    let (qa, sa) = (u32_at(q, 16) >> 28, u32_at(s, 16) >> 28);
    if qa != sa {
        d.push(format!("NZCV: qemu {qa:04b} sim {sa:04b}"));
    }
    let (qf, sf) = (u32_at(q, 17) & FPSCR_CMP, u32_at(s, 17) & FPSCR_CMP);
    if qf != sf {
        d.push(format!("FPSCR: qemu {qf:#010x} sim {sf:#010x}"));
    }
    for i in 0..16 {
        let o = 72 + 8 * i;
        if q[o..o + 8] != s[o..o + 8] {
            d.push(format!(
                "d{i}: qemu {:016x} sim {:016x}",
                u64::from_le_bytes(q[o..o + 8].try_into().unwrap()),
                u64::from_le_bytes(s[o..o + 8].try_into().unwrap())
            ));
        }
    }
    for i in 0..SCRATCH {
        if q[STATE_BYTES + i] != s[STATE_BYTES + i] {
            d.push(format!(
                "scratch[{}] (r11{:+}) qemu {:#04x} sim {:#04x}",
                i,
                i as i64 - 512,
                q[STATE_BYTES + i],
                s[STATE_BYTES + i]
            ));
            break;
        }
    }
    d
}

#[test]
fn t32_differential_against_qemu_arm() {
    let harness = build_harness();
    let seed = match std::env::var("BEAMJIT_SEED") {
        Ok(s) => s.trim().parse().expect("BEAMJIT_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    };
    let n: usize = std::env::var("BEAMJIT_DIFF_SEQS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(if cfg!(target_arch = "arm") {
            1000
        } else {
            20_000
        });
    eprintln!("t32_differential_against_qemu_arm: BEAMJIT_SEED={seed}, {n} sequences");
    let mut g = SmallRng::seed_from_u64(seed);
    let seqs: Vec<Seq> = (0..n).map(|_| sequence(&mut g)).collect();
    let input = Path::new(env!("CARGO_TARGET_TMPDIR")).join("t32-diff-input.bin");
    let mut buf = Vec::new();
    for s in &seqs {
        s.encode(&mut buf);
    }
    std::fs::write(&input, &buf).expect("write input");
    let mut child = Command::new("qemu-arm")
        .arg(&harness)
        .stdin(std::fs::File::open(&input).expect("open input"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qemu-arm is needed (scripts/setup)");
    let mut out = child.stdout.take().expect("stdout");
    let mut map = LowMapping::new(8192).expect("low mapping");
    let mut sim = Sim::new();
    // SAFETY: the ranges lie inside `map`, which outlives `sim`'s use below.
    unsafe {
        sim.add_code_region(map.addr(), 4096).expect("code");
        sim.add_region(map.addr() + 4096, 4096, Perms::RW)
            .expect("data + stack");
    }
    let mut q = vec![0u8; OUT_BYTES];
    let mut failures = Vec::new();
    let mut t32_insts = 0usize;
    for (idx, seq) in seqs.iter().enumerate() {
        if let Err(e) = out.read_exact(&mut q) {
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut err);
            }
            panic!(
                "harness output ended at #{idx} ({e}): {err}\n{:?}",
                seq.listing
            );
        }
        t32_insts += seq.listing.len();
        let problems = match run_sim(&mut sim, &mut map, seq) {
            Ok(s) => diff(&q, &s),
            Err(f) => vec![format!("simulator fault: {f}")],
        };
        if !problems.is_empty() {
            failures.push(format!(
                "#{idx}: {:08x?}\n{:?}\n  {}",
                seq.words,
                seq.listing,
                problems.join("\n  ")
            ));
            if failures.len() >= 3 {
                break;
            }
        }
    }
    drop(out);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        failures.is_empty(),
        "BEAMJIT_SEED={seed}: {} sequences differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{n} sequences, {t32_insts} T32 instructions agree");
}
