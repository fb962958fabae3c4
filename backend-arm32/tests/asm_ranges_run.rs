//! Labels, literal pools and ranges, executed: functions far larger than every literal reach
//! (LDR 4 KiB, VLDR 1020 bytes) and branches at the full B/BL reach (±32 MiB) are assembled
//! with the `CodeBuffer` and run in `sim-arm32`; the results must match a model computed
//! here from the same random program.
//!
//! The model also counts instructions and taken branches. A literal pool is entered only
//! through its branch-around, so `instructions - model instructions` (what the buffer
//! added) must equal `taken branches - model branches`: every extra instruction executed
//! was a pool's branch, and no pool word was ever executed.
//!
//! The seed is printed; `BEAMJIT_SEED=<n>` replays a run.

use backend_arm32::asm::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sim_arm32::host_mem::LowMapping;
use sim_arm32::{Perms, Sim};

fn seed() -> u64 {
    match std::env::var("BEAMJIT_SEED") {
        Ok(s) => s.parse().expect("BEAMJIT_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

const STACK: u32 = 64 * 1024;
const DATA_WORDS: usize = 64;

fn dp(op: DpOp, s: bool, rd: Reg, rn: Reg, op2: Operand2) -> Inst {
    Inst::Dp {
        cond: Cond::Al,
        op,
        s,
        rd,
        rn,
        op2,
    }
}

fn imm(v: u32) -> Operand2 {
    Operand2::imm(v).expect("encodable immediate")
}

/// `eor r0, rs, r0, ror #7`: folds `rs` into the checksum in r0.
fn mix(rs: Reg) -> Inst {
    dp(
        DpOp::Eor,
        false,
        Reg::R0,
        rs,
        Operand2::RegShiftImm {
            rm: Reg::R0,
            shift: Shift::Ror,
            amount: 7,
        },
    )
}

/// `tst r4, #1`: the condition for the conditional literal loads (NE when r4 is odd).
fn tst_r4() -> Inst {
    dp(DpOp::Tst, true, Reg::R0, Reg::R4, imm(1))
}

fn push_lr() -> Inst {
    Inst::Block {
        cond: Cond::Al,
        load: false,
        mode: BlockMode::Db,
        rn: Reg::SP,
        writeback: true,
        regs: RegList::of(&[Reg::LR]),
    }
}

fn pop_pc() -> Inst {
    Inst::Block {
        cond: Cond::Al,
        load: true,
        mode: BlockMode::Ia,
        rn: Reg::SP,
        writeback: true,
        regs: RegList::of(&[Reg::PC]),
    }
}

/// One step of a generated program.
#[derive(Debug)]
enum Item {
    /// `[tst r4,#1;] ldr{ne} r1, =v; mix r1`.
    Lit { cond: bool, v: u32 },
    /// `[tst r4,#1;] vldr{ne} dk, =bits; vmov r2, r3, dk; mix r2; mix r3`.
    VLit { cond: bool, d: u8, bits: u64 },
    /// `ldr r1, =&data[slot]` (an Abs32 relocation); `ldr r1, [r1]; mix r1`.
    Addr { slot: usize },
    /// `add r4, r4, #1`, n times.
    Fill(u32),
    /// `b over`; `words` never-executed UDFs with literal uses among them; `over:`.
    Skip { words: u32, lits: Vec<u32> },
    /// `mov r6, #n; top: body; subs r6, r6, #1; bne top`.
    Loop { n: u32, body: Vec<Item> },
    /// `bl helper` through a Call relocation; the helper does `add r0, r0, r4; bx lr`.
    Call,
}

fn gen_value(rng: &mut StdRng) -> u32 {
    // Few distinct small values so some pool entries are shared between uses.
    if rng.gen_bool(0.3) {
        rng.gen_range(0..8)
    } else {
        rng.gen()
    }
}

fn gen_fill(rng: &mut StdRng) -> u32 {
    match rng.gen_range(0..20) {
        0..=13 => rng.gen_range(0..8),
        14..=17 => rng.gen_range(100..600),
        // Around the 4 KiB LDR reach (1024 words).
        _ => rng.gen_range(900..1100),
    }
}

fn gen_items(rng: &mut StdRng, n: usize, depth: u32) -> Vec<Item> {
    (0..n)
        .map(|_| match rng.gen_range(0..100) {
            0..=29 => Item::Lit {
                cond: rng.gen_bool(0.3),
                v: gen_value(rng),
            },
            30..=49 => Item::VLit {
                cond: rng.gen_bool(0.3),
                d: rng.gen_range(0..16),
                bits: if rng.gen_bool(0.3) {
                    rng.gen_range(0..4)
                } else {
                    rng.gen()
                },
            },
            50..=57 => Item::Addr {
                slot: rng.gen_range(0..DATA_WORDS),
            },
            58..=84 => Item::Fill(gen_fill(rng)),
            85..=89 => Item::Skip {
                words: rng.gen_range(0..1500),
                lits: (0..rng.gen_range(0..4)).map(|_| gen_value(rng)).collect(),
            },
            90..=94 if depth == 0 => {
                let n = rng.gen_range(1..5);
                let len = rng.gen_range(1..40);
                Item::Loop {
                    n,
                    body: gen_items(rng, len, depth + 1),
                }
            }
            _ => Item::Call,
        })
        .collect()
}

/// What the program must leave behind.
#[derive(Debug, Default)]
struct Model {
    r0: u32,
    r1: u32,
    r4: u32,
    d: [u64; 16],
    instructions: u64,
    branches: u64,
}

impl Model {
    fn mix(&mut self, v: u32) {
        self.r0 = v ^ self.r0.rotate_right(7);
    }

    fn run(&mut self, items: &[Item], data: &[u32]) {
        for it in items {
            match it {
                Item::Lit { cond, v } => {
                    self.instructions += 2 + u64::from(*cond);
                    if !cond || self.r4 & 1 != 0 {
                        self.r1 = *v;
                    }
                    self.mix(self.r1);
                }
                Item::VLit { cond, d, bits } => {
                    self.instructions += 4 + u64::from(*cond);
                    if !cond || self.r4 & 1 != 0 {
                        self.d[*d as usize] = *bits;
                    }
                    let v = self.d[*d as usize];
                    self.mix(v as u32);
                    self.mix((v >> 32) as u32);
                }
                Item::Addr { slot } => {
                    self.instructions += 3;
                    self.r1 = data[*slot];
                    self.mix(self.r1);
                }
                Item::Fill(n) => {
                    self.instructions += u64::from(*n);
                    self.r4 = self.r4.wrapping_add(*n);
                }
                Item::Skip { .. } => {
                    self.instructions += 1;
                    self.branches += 1;
                }
                Item::Loop { n, body } => {
                    self.instructions += 1;
                    for i in 0..*n {
                        self.run(body, data);
                        self.instructions += 2;
                        if i + 1 < *n {
                            self.branches += 1;
                        }
                    }
                }
                Item::Call => {
                    self.instructions += 3;
                    self.branches += 2;
                    self.r0 = self.r0.wrapping_add(self.r4);
                }
            }
        }
    }
}

/// Symbol numbers for relocations: data slots, then the helper function.
const HELPER_SYM: u32 = 1000;

fn emit_items(buf: &mut CodeBuffer, items: &[Item], rng: &mut StdRng) {
    for it in items {
        match it {
            Item::Lit { cond, v } => {
                let c = if *cond {
                    buf.emit(&tst_r4()).unwrap();
                    Cond::Ne
                } else {
                    Cond::Al
                };
                buf.ldr_literal(c, Reg::R1, *v).unwrap();
                buf.emit(&mix(Reg::R1)).unwrap();
            }
            Item::VLit { cond, d, bits } => {
                let c = if *cond {
                    buf.emit(&tst_r4()).unwrap();
                    Cond::Ne
                } else {
                    Cond::Al
                };
                let dd = DReg::new(u32::from(*d)).unwrap();
                buf.vldr_literal(c, dd, *bits).unwrap();
                buf.emit(&Inst::VmovFromD {
                    cond: Cond::Al,
                    rt: Reg::R2,
                    rt2: Reg::R3,
                    dm: dd,
                })
                .unwrap();
                buf.emit(&mix(Reg::R2)).unwrap();
                buf.emit(&mix(Reg::R3)).unwrap();
            }
            Item::Addr { slot } => {
                buf.ldr_address(Cond::Al, Reg::R1, *slot as u32).unwrap();
                buf.emit(&Inst::Mem {
                    cond: Cond::Al,
                    op: MemOp::Ldr,
                    rt: Reg::R1,
                    addr: Addr::imm(Reg::R1, 0),
                })
                .unwrap();
                buf.emit(&mix(Reg::R1)).unwrap();
            }
            Item::Fill(n) => {
                for _ in 0..*n {
                    buf.emit(&dp(DpOp::Add, false, Reg::R4, Reg::R4, imm(1)))
                        .unwrap();
                }
            }
            Item::Skip { words, lits } => {
                let over = buf.new_label();
                buf.branch(Cond::Al, false, over).unwrap();
                for i in 0..*words {
                    // A literal use in dead code still gets its pool entry placed in range.
                    if !lits.is_empty() && rng.gen_bool(0.01) {
                        let v = lits[rng.gen_range(0..lits.len())];
                        buf.ldr_literal(Cond::Al, Reg::R7, v).unwrap();
                    } else {
                        buf.emit(&Inst::Udf { imm: i as u16 }).unwrap();
                    }
                }
                buf.bind(over).unwrap();
            }
            Item::Loop { n, body } => {
                buf.emit(&dp(DpOp::Mov, false, Reg::R6, Reg::R0, imm(*n)))
                    .unwrap();
                let top = buf.new_label();
                buf.bind(top).unwrap();
                emit_items(buf, body, rng);
                buf.emit(&dp(DpOp::Sub, true, Reg::R6, Reg::R6, imm(1)))
                    .unwrap();
                buf.branch(Cond::Ne, false, top).unwrap();
            }
            Item::Call => buf.call(Cond::Al, HELPER_SYM).unwrap(),
        }
    }
}

/// A mapping holding code, the helper, data and a stack, with a simulator over it.
/// `sim` is declared first so it is dropped before the memory it points into.
struct Machine {
    sim: Sim,
    map: LowMapping,
    code_len: usize,
}

impl Machine {
    fn new(code_len: usize) -> Machine {
        let code_len = code_len.div_ceil(4096) * 4096;
        let map = LowMapping::new(code_len + STACK as usize + 4096).expect("low mapping");
        let mut sim = Sim::new();
        let base = map.addr();
        // SAFETY: every range is inside `map`, which lives in the same struct and is
        // dropped after `sim`.
        unsafe {
            sim.add_code_region(base, code_len as u32).unwrap();
            sim.add_region(base + code_len as u32, STACK + 4096, Perms::RW)
                .unwrap();
        }
        sim.cpu.regs[13] = base + code_len as u32 + STACK;
        Machine { sim, map, code_len }
    }

    fn code_addr(&self) -> u32 {
        self.map.addr()
    }

    fn data_addr(&self) -> u32 {
        self.map.addr() + self.code_len as u32 + STACK
    }

    fn write(&mut self, off: usize, bytes: &[u8]) {
        self.map.as_mut_slice()[off..off + bytes.len()].copy_from_slice(bytes);
    }
}

fn word_at(bytes: &[u8], off: u32) -> u32 {
    let o = off as usize;
    u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap())
}

/// Patches a B/BL at `site` (an address) to branch to `target`.
fn patch_branch(word: u32, site: u32, target: u32) -> u32 {
    let off = target.wrapping_sub(site.wrapping_add(8)) as i32;
    assert!((-(1 << 25)..(1 << 25)).contains(&off), "call out of reach");
    (word & 0xff00_0000) | ((off >> 2) as u32 & 0x00ff_ffff)
}

#[test]
fn random_functions_past_every_literal_reach_run_correctly() {
    let seed = seed();
    println!("BEAMJIT_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let rounds = if cfg!(target_arch = "arm") { 6 } else { 25 };
    let (mut pools, mut bytes, mut executed) = (0u64, 0usize, 0u64);
    for round in 0..rounds {
        let len = rng.gen_range(50..300);
        let items = gen_items(&mut rng, len, 0);
        let mut buf = CodeBuffer::new();
        buf.emit(&push_lr()).unwrap();
        emit_items(&mut buf, &items, &mut rng);
        buf.emit(&pop_pc()).unwrap();
        let code = buf.finish().unwrap();

        let mut helper = CodeBuffer::new();
        helper
            .emit(&dp(
                DpOp::Add,
                false,
                Reg::R0,
                Reg::R0,
                Operand2::Reg(Reg::R4),
            ))
            .unwrap();
        helper
            .emit(&Inst::Bx {
                cond: Cond::Al,
                rm: Reg::LR,
            })
            .unwrap();
        let helper = helper.finish().unwrap();

        let helper_off = code.bytes.len().div_ceil(16) * 16;
        let mut m = Machine::new(helper_off + helper.bytes.len());
        let data: Vec<u32> = (0..DATA_WORDS).map(|_| rng.gen()).collect();
        let (base, data_addr) = (m.code_addr(), m.data_addr());
        let mut image = code.bytes.clone();
        for r in &code.relocs {
            let w = word_at(&image, r.offset);
            let patched = match r.kind {
                RelocKind::Abs32 => {
                    assert!((r.symbol as usize) < DATA_WORDS);
                    data_addr + 4 * r.symbol
                }
                RelocKind::Call => {
                    assert_eq!(r.symbol, HELPER_SYM);
                    patch_branch(w, base + r.offset, base + helper_off as u32)
                }
                RelocKind::ThumbCall => unreachable!("A32 code has no T32 calls"),
            };
            image[r.offset as usize..r.offset as usize + 4].copy_from_slice(&patched.to_le_bytes());
        }
        m.write(0, &image);
        m.write(helper_off, &helper.bytes);
        let data_bytes: Vec<u8> = data.iter().flat_map(|w| w.to_le_bytes()).collect();
        let data_off = (data_addr - base) as usize;
        m.write(data_off, &data_bytes);

        let mut model = Model {
            r0: rng.gen(),
            r1: rng.gen(),
            r4: rng.gen(),
            ..Model::default()
        };
        for d in model.d.iter_mut() {
            *d = rng.gen();
        }
        m.sim.cpu.regs[4] = model.r4;
        m.sim.cpu.d = model.d;
        let (r0, r1) = (model.r0, model.r1);
        // push + body + pop {pc}.
        model.instructions += 2;
        model.branches += 1;
        model.run(&items, &data);

        let out = m
            .sim
            .call(base, &[r0, r1])
            .unwrap_or_else(|f| panic!("round {round}: fault {f:?} (seed {seed})"));
        let c = m.sim.counters;
        assert_eq!(out.r0, model.r0, "round {round}: checksum (seed {seed})");
        assert_eq!(m.sim.cpu.regs[1], model.r1, "round {round}: r1");
        assert_eq!(m.sim.cpu.regs[4], model.r4, "round {round}: r4");
        assert_eq!(m.sim.cpu.d, model.d, "round {round}: d registers");
        assert!(c.instructions >= model.instructions);
        let extra = c.instructions - model.instructions;
        assert_eq!(
            extra,
            c.branches_taken - model.branches,
            "round {round}: instructions beyond the program must all be pool branch-arounds \
             (seed {seed})"
        );
        pools += extra;
        bytes += code.bytes.len();
        executed += c.instructions;
    }
    println!(
        "{rounds} functions, {} KiB of code, {executed} instructions run, {pools} pool \
         branch-arounds executed",
        bytes / 1024
    );
    // Each function is many times larger than the 4 KiB reach: pools must have been placed
    // in the middle of code and jumped over.
    assert!(pools >= rounds as u64, "too few pools were exercised");
}

/// Straight-line code with no room for pools except where the buffer decides: exactly one
/// VLDR per 1020 bytes and one LDR per 4 KiB, each checked, in one function of 1 MiB.
#[test]
fn dense_literals_every_word() {
    let mut buf = CodeBuffer::new();
    let mut model = Model::default();
    let n = if cfg!(target_arch = "arm") {
        20_000
    } else {
        100_000
    };
    // Consecutive literal loads: every pool is as full as the reach allows.
    let mut items = Vec::new();
    for i in 0..n as u32 {
        let v = i.wrapping_mul(0x9e37_79b9);
        if i % 3 == 0 {
            items.push(Item::VLit {
                cond: false,
                d: (i % 16) as u8,
                bits: u64::from(v) << 20 | u64::from(i),
            });
        } else {
            items.push(Item::Lit { cond: false, v });
        }
    }
    let mut rng = StdRng::seed_from_u64(0);
    buf.emit(&push_lr()).unwrap();
    emit_items(&mut buf, &items, &mut rng);
    buf.emit(&pop_pc()).unwrap();
    let code = buf.finish().unwrap();
    let mut m = Machine::new(code.bytes.len());
    m.write(0, &code.bytes);
    model.instructions += 2;
    model.branches += 1;
    model.run(&items, &[]);
    let out = m.sim.call(m.code_addr(), &[0, 0]).unwrap();
    let c = m.sim.counters;
    assert_eq!(out.r0, model.r0);
    assert_eq!(m.sim.cpu.d, model.d);
    let pools = c.instructions - model.instructions;
    assert_eq!(pools, c.branches_taken - model.branches);
    // A pool must follow its first VLDR use within 1020 bytes; with the pool's own words
    // (a third of the bytes here) that is one pool per ~1.5 KiB: hundreds in 1+ MiB.
    assert!(
        pools as usize >= code.bytes.len() / 2048,
        "{pools} pools for {} bytes",
        code.bytes.len()
    );
    println!("{} bytes, {pools} pools", code.bytes.len());
}

/// B and BL at exactly their ±32 MiB reach, forward and backward, executed:
///
/// ```text
/// 0:        push {lr}
/// 4:        b far                ; forward, offset +2^25 - 4 (the maximum)
/// back:     add r0, r0, #2       ; reached from `hop` with offset -2^25 (the minimum)
///           cmp r0, #3
///           bleq helper          ; forward, maximum offset
///           blne wrong
///           add r0, r0, #0x100
///           pop {pc}
/// wrong:    udf
///           ...
/// hop:      b back               ; at back + 2^25 - 8
///           udf
/// far:      add r0, r0, #1
///           b hop
///           udf ...
/// helper:   add r0, r0, #4
///           bx lr
/// ```
#[test]
fn branches_at_full_reach_run() {
    const REACH: u32 = 1 << 25;
    let mut buf = CodeBuffer::new();
    let (far, back, helper, hop, wrong) = (
        buf.new_label(),
        buf.new_label(),
        buf.new_label(),
        buf.new_label(),
        buf.new_label(),
    );
    buf.emit(&push_lr()).unwrap();
    buf.branch(Cond::Al, false, far).unwrap();
    assert_eq!(buf.offset(), 8);
    buf.bind(back).unwrap();
    buf.emit(&dp(DpOp::Add, false, Reg::R0, Reg::R0, imm(2)))
        .unwrap();
    buf.emit(&dp(DpOp::Cmp, true, Reg::R0, Reg::R0, imm(3)))
        .unwrap();
    let bleq_at = buf.offset();
    buf.branch(Cond::Eq, true, helper).unwrap();
    buf.branch(Cond::Ne, true, wrong).unwrap();
    buf.emit(&dp(DpOp::Add, false, Reg::R0, Reg::R0, imm(0x100)))
        .unwrap();
    buf.emit(&pop_pc()).unwrap();
    buf.bind(wrong).unwrap();
    buf.emit(&Inst::Udf { imm: 1 }).unwrap();
    // hop sits at back + 2^25 - 8 (its b reaches back at -2^25); far = 4 + 8 + 2^25 - 4.
    let hop_at = 8 + REACH - 8;
    let far_at = 4 + 8 + REACH - 4;
    let helper_at = bleq_at + 8 + REACH - 4;
    // Never executed: a udf traps if control ever lands in the padding.
    let pad_to = |buf: &mut CodeBuffer, to: u32| {
        while buf.offset() < to {
            buf.emit(&Inst::Udf { imm: 2 }).unwrap();
        }
        assert_eq!(buf.offset(), to);
    };
    pad_to(&mut buf, hop_at);
    buf.bind(hop).unwrap();
    buf.branch(Cond::Al, false, back).unwrap();
    pad_to(&mut buf, far_at);
    buf.bind(far).unwrap();
    buf.emit(&dp(DpOp::Add, false, Reg::R0, Reg::R0, imm(1)))
        .unwrap();
    buf.branch(Cond::Al, false, hop).unwrap();
    pad_to(&mut buf, helper_at);
    buf.bind(helper).unwrap();
    buf.emit(&dp(DpOp::Add, false, Reg::R0, Reg::R0, imm(4)))
        .unwrap();
    buf.emit(&Inst::Bx {
        cond: Cond::Al,
        rm: Reg::LR,
    })
    .unwrap();
    let code = buf.finish().unwrap();

    // The three long branches carry the extreme offsets.
    let off = |at: u32| decode(word_at(&code.bytes, at));
    assert!(matches!(off(4), Some(Inst::B { offset, .. }) if offset == (REACH - 4) as i32));
    assert!(matches!(off(hop_at), Some(Inst::B { offset, .. }) if offset == -(REACH as i32)));
    assert!(
        matches!(off(bleq_at), Some(Inst::B { cond: Cond::Eq, link: true, offset })
            if offset == (REACH - 4) as i32)
    );

    let mut m = Machine::new(code.bytes.len());
    m.write(0, &code.bytes);
    let out = m.sim.call(m.code_addr(), &[0]).unwrap();
    assert_eq!(out.r0, 0x107);
    // push, b far, add, b hop, b back, add, cmp, bleq, add, bx lr, blne (not taken), add, pop.
    assert_eq!(m.sim.counters.instructions, 13);
    assert_eq!(m.sim.counters.branches_taken, 6);
}
