//! Oracle test for the T32 encoder: random instructions of every form the encoder takes
//! (registers biased to r0–r7 so that the narrow forms are exercised, conditions through IT
//! blocks) are printed in unified syntax and assembled by GNU `arm-linux-gnueabihf-as
//! -mthumb`; our bytes must equal its bytes exactly, which checks the encodings and the
//! choice between narrow and wide forms at once. Our bytes are also disassembled by
//! `arm-linux-gnueabihf-objdump -M force-thumb`, which must decode every instruction (no
//! `undefined`, `.word` or `UNPREDICTABLE`) with the mnemonic we meant.
//!
//! Each case (an optional IT block and its instructions) sits at its own 32-byte slot
//! (`.org`, zero fill) so that one assembler run serves all. The seed is printed; set
//! `BEAMJIT_SEED` to replay.

use backend_arm32::asm::t32::{inst_cond, with_cond, writes_pc};
use backend_arm32::asm::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::process::Command;

const SLOT: usize = 32;

fn r(n: u32) -> Reg {
    Reg::new(n).expect("register < 16")
}
/// r0–r12, low registers three times as likely.
fn rg(g: &mut StdRng) -> Reg {
    if g.gen_bool(0.75) {
        r(g.gen_range(0..8))
    } else {
        r(g.gen_range(8..13))
    }
}
fn cond(g: &mut StdRng) -> Cond {
    Cond::ALL[g.gen_range(0..14)]
}
fn imm_op(g: &mut StdRng) -> Operand2 {
    let v: u32 = match g.gen_range(0..4) {
        0 => g.gen_range(0..8),
        1 => g.gen_range(0..256),
        2 => g.gen_range(0..4096),
        _ => u32::from(g.gen::<u8>()).rotate_right(2 * g.gen_range(0..16)),
    };
    Operand2::Imm(encode_imm(v).unwrap_or(ImmRot { imm8: 0, rot: 0 }))
}

fn dp(g: &mut StdRng, op2: Operand2) -> Inst {
    let op = DpOp::ALL[g.gen_range(0..16)];
    let rd = rg(g);
    let rn = if g.gen_bool(0.4) { rd } else { rg(g) };
    Inst::Dp {
        cond: Cond::Al,
        op,
        s: g.gen() || op.is_compare(),
        rd: if op.is_compare() { Reg::R0 } else { rd },
        rn: if op.is_move() { Reg::R0 } else { rn },
        op2,
    }
}

fn mem(g: &mut StdRng) -> Inst {
    let op = MemOp::ALL[g.gen_range(0..10)];
    let dbl = matches!(op, MemOp::Ldrd | MemOp::Strd);
    let rt = if dbl { r(2 * g.gen_range(0..6)) } else { rg(g) };
    let base = if g.gen_bool(0.15) { Reg::SP } else { rg(g) };
    let index = [
        Index::Offset,
        Index::Offset,
        Index::PreWriteback,
        Index::Post,
    ][g.gen_range(0..4)];
    let neg = g.gen_bool(0.2);
    let offset = match g.gen_range(0..6) {
        0 | 1 if dbl => MemOffset::Imm {
            neg,
            imm: 4 * g.gen_range(0..256),
        },
        0 => MemOffset::Imm {
            neg,
            imm: g.gen_range(0..64),
        },
        1 => MemOffset::Imm {
            neg,
            imm: g.gen_range(0..4096),
        },
        2 | 3 => MemOffset::Reg {
            neg: false,
            rm: rg(g),
        },
        4 => MemOffset::ScaledReg {
            neg: false,
            rm: rg(g),
            shift: Shift::Lsl,
            amount: g.gen_range(1..4),
        },
        _ => MemOffset::Imm {
            neg,
            imm: g.gen_range(0..256),
        },
    };
    // "#-0" assembles as "#0" in an offset address but keeps U = 0 in objdump's text.
    let offset = match offset {
        MemOffset::Imm { imm: 0, .. } => MemOffset::Imm { neg: false, imm: 0 },
        o => o,
    };
    Inst::Mem {
        cond: Cond::Al,
        op,
        rt,
        addr: Addr {
            base,
            offset,
            index,
        },
    }
}

fn one(g: &mut StdRng, form: usize) -> Inst {
    match form {
        0 => {
            let i = imm_op(g);
            dp(g, i)
        }
        1 => {
            let rm = rg(g);
            dp(g, Operand2::Reg(rm))
        }
        2 => {
            let shift = Shift::ALL[g.gen_range(0..4)];
            let amount = match shift {
                Shift::Lsl | Shift::Ror => g.gen_range(1..32),
                _ => g.gen_range(1..=32),
            };
            let rm = rg(g);
            dp(g, Operand2::RegShiftImm { rm, shift, amount })
        }
        3 => {
            let rm = rg(g);
            dp(g, Operand2::Rrx(rm))
        }
        4 => {
            let rd = rg(g);
            let rm = if g.gen() { rd } else { rg(g) };
            Inst::Dp {
                cond: Cond::Al,
                op: DpOp::Mov,
                s: g.gen(),
                rd,
                rn: Reg::R0,
                op2: Operand2::RegShiftReg {
                    rm,
                    shift: Shift::ALL[g.gen_range(0..4)],
                    rs: rg(g),
                },
            }
        }
        5 => {
            // SP arithmetic.
            let v = 4 * g.gen_range(0..256);
            let (rd, rn) = match g.gen_range(0..3) {
                0 => (Reg::SP, Reg::SP),
                1 => (rg(g), Reg::SP),
                _ => (Reg::SP, rg(g)),
            };
            let op = if g.gen() { DpOp::Add } else { DpOp::Sub };
            Inst::Dp {
                cond: Cond::Al,
                op,
                s: false,
                rd,
                rn,
                op2: Operand2::imm(v).unwrap_or(Operand2::Reg(Reg::R0)),
            }
        }
        6 => {
            let (rd, imm) = (rg(g), g.gen());
            if g.gen() {
                Inst::Movw {
                    cond: Cond::Al,
                    rd,
                    imm,
                }
            } else {
                Inst::Movt {
                    cond: Cond::Al,
                    rd,
                    imm,
                }
            }
        }
        7 => {
            let (rd, rn, rm, ra) = (rg(g), rg(g), rg(g), rg(g));
            match g.gen_range(0..6) {
                0 => Inst::Mul {
                    cond: Cond::Al,
                    s: g.gen(),
                    rd,
                    rn,
                    rm: if g.gen() { rd } else { rm },
                },
                1 => Inst::Mla {
                    cond: Cond::Al,
                    s: false,
                    rd,
                    rn,
                    rm,
                    ra,
                },
                2 => Inst::Mls {
                    cond: Cond::Al,
                    rd,
                    rn,
                    rm,
                    ra,
                },
                3 => Inst::LongMul {
                    cond: Cond::Al,
                    op: [
                        LongMulOp::Umull,
                        LongMulOp::Umlal,
                        LongMulOp::Smull,
                        LongMulOp::Smlal,
                    ][g.gen_range(0..4)],
                    s: false,
                    rdlo: rd,
                    rdhi: ra,
                    rn,
                    rm,
                },
                4 => Inst::Div {
                    cond: Cond::Al,
                    signed: g.gen(),
                    rd,
                    rn,
                    rm,
                },
                _ => Inst::Clz {
                    cond: Cond::Al,
                    rd,
                    rm,
                },
            }
        }
        8 => mem(g),
        9 => {
            let load = g.gen();
            let sp = g.gen_bool(0.4);
            let rn = if sp { Reg::SP } else { rg(g) };
            let mut list: u16 = if g.gen_bool(0.2) {
                1 << g.gen_range(0..13)
            } else if g.gen() {
                g.gen::<u8>() as u16
            } else {
                g.gen::<u16>() & 0x1fff
            };
            if g.gen_bool(0.3) {
                list |= if load { 1 << 15 } else { 1 << 14 };
            }
            Inst::Block {
                cond: Cond::Al,
                load,
                // GNU as turns `stmia sp!` into PUSH (which is STMDB): not compared.
                mode: if g.gen() && (load || !sp) {
                    BlockMode::Ia
                } else {
                    BlockMode::Db
                },
                rn,
                writeback: sp || g.gen(),
                regs: RegList(list.max(1)),
            }
        }
        10 => {
            let rm = r(g.gen_range(0..15));
            if g.gen() {
                Inst::Bx { cond: Cond::Al, rm }
            } else {
                Inst::BlxReg { cond: Cond::Al, rm }
            }
        }
        11 => {
            let d = |g: &mut StdRng| DReg::new(g.gen_range(0..16)).expect("d < 16");
            let s = |g: &mut StdRng| SReg::new(g.gen_range(0..32)).expect("s < 32");
            match g.gen_range(0..8) {
                0 => Inst::Vldr {
                    cond: Cond::Al,
                    dd: d(g),
                    rn: rg(g),
                    offset: 4 * g.gen_range(-255..256),
                },
                1 => Inst::Vstr {
                    cond: Cond::Al,
                    dd: d(g),
                    rn: rg(g),
                    offset: 4 * g.gen_range(-255..256),
                },
                2 => Inst::VArith {
                    cond: Cond::Al,
                    op: [
                        VArithOp::Vadd,
                        VArithOp::Vsub,
                        VArithOp::Vmul,
                        VArithOp::Vdiv,
                    ][g.gen_range(0..4)],
                    dd: d(g),
                    dn: d(g),
                    dm: d(g),
                },
                3 => Inst::VUnary {
                    cond: Cond::Al,
                    op: [
                        VUnaryOp::Vmov,
                        VUnaryOp::Vabs,
                        VUnaryOp::Vneg,
                        VUnaryOp::Vsqrt,
                    ][g.gen_range(0..4)],
                    dd: d(g),
                    dm: d(g),
                },
                4 => Inst::Vcmp {
                    cond: Cond::Al,
                    e: g.gen(),
                    dd: d(g),
                    dm: if g.gen() { Some(d(g)) } else { None },
                },
                5 => Inst::VmrsNzcv { cond: Cond::Al },
                6 => Inst::Vcvt {
                    cond: Cond::Al,
                    op: [
                        VcvtOp::F64FromS32,
                        VcvtOp::F64FromU32,
                        VcvtOp::S32FromF64,
                        VcvtOp::U32FromF64,
                    ][g.gen_range(0..4)],
                    d: d(g),
                    s: s(g),
                },
                _ => {
                    let (rt, rt2) = (rg(g), rg(g));
                    if g.gen() {
                        Inst::VmovToD {
                            cond: Cond::Al,
                            dm: d(g),
                            rt,
                            rt2,
                        }
                    } else {
                        Inst::VmovFromS {
                            cond: Cond::Al,
                            rt,
                            sn: s(g),
                        }
                    }
                }
            }
        }
        _ => {
            if g.gen() {
                Inst::Bkpt {
                    imm: g.gen_range(0..256),
                }
            } else {
                Inst::Udf { imm: g.gen() }
            }
        }
    }
}

const FORMS: [&str; 13] = [
    "dp imm",
    "dp reg",
    "dp shift imm",
    "dp rrx",
    "shift by reg",
    "sp arith",
    "movw/movt",
    "multiply",
    "load/store",
    "ldm/stm",
    "bx/blx",
    "vfp",
    "bkpt/udf",
];

/// One test case: instructions, our bytes and the assembler source.
struct Case {
    form: &'static str,
    insts: Vec<Inst>,
    bytes: Vec<u8>,
    src: String,
}

/// A branch case: `b{cond}`/`bl` with an offset that is relative to the address + 4.
fn branch(g: &mut StdRng) -> Inst {
    let link = g.gen_bool(0.3);
    let c = if link || g.gen() { Cond::Al } else { cond(g) };
    let lim: i32 = match g.gen_range(0..3) {
        0 => 256,
        1 => 2048,
        _ if c != Cond::Al => 1 << 20,
        _ => 1 << 24,
    };
    Inst::B {
        cond: c,
        link,
        offset: 2 * g.gen_range(-lim / 2..lim / 2),
    }
}

fn branch_text(i: &Inst) -> String {
    let Inst::B { cond, link, offset } = *i else {
        unreachable!()
    };
    format!(
        "b{}{} .{:+}",
        if link { "l" } else { "" },
        cond.suffix(),
        offset + 4
    )
}

fn seed() -> u64 {
    match std::env::var("BEAMJIT_SEED") {
        Ok(s) => s.parse().expect("BEAMJIT_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

fn tool(name: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is required for this test ({e}); scripts/setup installs binutils-arm-linux-gnueabihf"));
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The text GNU as reads for `inst` (our A32 disassembler's unified syntax serves).
fn text(inst: &Inst) -> String {
    match *inst {
        Inst::B { link: false, .. } | Inst::B { link: true, .. } => branch_text(inst),
        // One-register PUSH/POP: our A32 text says stmfd/ldmfd (as A32 objdump does).
        Inst::Block {
            cond,
            load,
            mode,
            rn: Reg::SP,
            writeback: true,
            regs,
        } if regs.0.count_ones() == 1
            && (load && mode == BlockMode::Ia || !load && mode == BlockMode::Db) =>
        {
            let r = regs.0.trailing_zeros();
            let name = [
                "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "sl", "fp", "ip", "sp",
                "lr", "pc",
            ][r as usize];
            format!(
                "{}{} {{{name}}}",
                if load { "pop" } else { "push" },
                cond.suffix()
            )
        }
        // Our A32 text calls mov r0, r0 "nop"; in T32 that is another instruction.
        Inst::Dp {
            cond,
            op: DpOp::Mov,
            s: false,
            rd: Reg::R0,
            op2: Operand2::Reg(Reg::R0),
            ..
        } => {
            format!("mov{} r0, r0", cond.suffix())
        }
        _ => format_inst(inst, 0).replace('\t', " "),
    }
}

fn first_word(s: &str) -> String {
    let w = s.split_whitespace().next().unwrap_or("");
    w.trim_end_matches(".w").trim_end_matches(".n").to_string()
}

#[test]
fn t32_encodings_match_gnu_as_and_objdump() {
    let seed = seed();
    println!("BEAMJIT_SEED={seed}");
    let mut g = StdRng::seed_from_u64(seed);
    let per_form = if cfg!(target_arch = "arm") { 100 } else { 2500 };
    let mut cases = Vec::new();
    let mut rejected = std::collections::BTreeMap::<&str, usize>::new();
    for (f, name) in FORMS.iter().enumerate() {
        for k in 0..per_form {
            // A third of the cases run inside an IT block of one to four instructions.
            let insts: Vec<Inst> = if k % 3 == 2 && f != 10 && f != 12 {
                let c = cond(&mut g);
                let n = g.gen_range(1..=4);
                let mut v: Vec<Inst> = (0..n)
                    .map(|j| {
                        let i = one(&mut g, f);
                        with_cond(&i, if j == 0 || g.gen() { c } else { c.invert() })
                    })
                    .collect();
                // A branch (a write to pc) must end its IT block.
                if let Some(p) = v.iter().position(writes_pc) {
                    v.truncate(p + 1);
                }
                v
            } else {
                vec![one(&mut g, f)]
            };
            match assemble_t32(&insts) {
                Ok(bytes) => cases.push(Case {
                    form: name,
                    insts,
                    bytes,
                    src: String::new(),
                }),
                Err(_) => *rejected.entry(name).or_default() += 1,
            }
        }
    }
    for _ in 0..per_form * 2 {
        let i = branch(&mut g);
        let mut bytes = Vec::new();
        encode_t32(&i, false).expect("in range").push_to(&mut bytes);
        cases.push(Case {
            form: "branch",
            insts: vec![i],
            bytes,
            src: String::new(),
        });
    }
    for c in &mut cases {
        let mut src = String::new();
        let c0 = inst_cond(&c.insts[0]);
        if c0 != Cond::Al && !matches!(c.insts[0], Inst::B { .. }) {
            let tail: String = c.insts[1..]
                .iter()
                .map(|i| if inst_cond(i) == c0 { 't' } else { 'e' })
                .collect();
            src.push_str(&format!("it{tail} {}\n", c0.suffix()));
        }
        for i in &c.insts {
            src.push_str(&text(i));
            src.push('\n');
        }
        c.src = src;
    }
    let dir = std::env::temp_dir().join(format!("beamjit-t32-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut asm = String::from(".syntax unified\n.thumb\n.text\n");
    let mut ours = Vec::new();
    for (k, c) in cases.iter().enumerate() {
        asm.push_str(&format!(".org {}, 0\n{}", k * SLOT, c.src));
        assert!(c.bytes.len() <= SLOT);
        ours.extend_from_slice(&c.bytes);
        ours.resize((k + 1) * SLOT, 0);
    }
    asm.push_str(&format!(".org {}, 0\n", cases.len() * SLOT));
    let (s, o, b, mine) = (
        dir.join("t.s"),
        dir.join("t.o"),
        dir.join("t.bin"),
        dir.join("ours.bin"),
    );
    std::fs::write(&s, &asm).expect("write source");
    std::fs::write(&mine, &ours).expect("write ours");
    let p = |x: &std::path::Path| x.to_str().expect("utf-8 temp path").to_string();
    tool(
        "arm-linux-gnueabihf-as",
        &["-march=armv7ve", "-mfpu=vfpv3-d16", "-o", &p(&o), &p(&s)],
    );
    tool(
        "arm-linux-gnueabihf-objcopy",
        &["-O", "binary", "-j", ".text", &p(&o), &p(&b)],
    );
    let theirs = std::fs::read(&b).expect("read as output");
    let dump = tool(
        "arm-linux-gnueabihf-objdump",
        &[
            "-D",
            "-z",
            "-b",
            "binary",
            "-marm",
            "-M",
            "force-thumb",
            &p(&mine),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(theirs.len(), ours.len(), "as output has a different length");
    // objdump's lines by address.
    let mut lines = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(&dump.stdout).lines() {
        let Some((addr, rest)) = line.split_once(":\t") else {
            continue;
        };
        let Ok(addr) = usize::from_str_radix(addr.trim(), 16) else {
            continue;
        };
        let text = rest.split_once('\t').map(|x| x.1).unwrap_or("").to_string();
        lines.insert(addr, text);
    }
    let mut failures = Vec::new();
    let mut bytes_total = 0;
    for (k, c) in cases.iter().enumerate() {
        let at = k * SLOT;
        bytes_total += c.bytes.len();
        let theirs = &theirs[at..at + SLOT];
        let pad_ok = theirs[c.bytes.len()..].iter().all(|&b| b == 0);
        let mut why = None;
        if &theirs[..c.bytes.len()] != c.bytes.as_slice() || !pad_ok {
            why = Some(format!("as gives {:02x?}", &theirs[..c.bytes.len().max(8)]));
        }
        let texts: Vec<&String> = lines
            .range(at..at + c.bytes.len())
            .map(|(_, t)| t)
            .collect();
        let want: Vec<String> = c.src.lines().map(first_word).collect();
        let got: Vec<String> = texts.iter().map(|t| first_word(t)).collect();
        if texts
            .iter()
            .any(|t| t.contains("undefined") || t.contains(".word") || t.contains("UNPREDICTABLE"))
        {
            why = Some(format!("objdump: {texts:?}"));
        } else if want != got && !aliases(&want, &got) {
            why = Some(format!("objdump mnemonics {got:?}, wanted {want:?}"));
        }
        if let Some(why) = why {
            failures.push(format!(
                "{}: {:?}\n  source {:?}\n  ours {:02x?}\n  {why}",
                c.form, c.insts, c.src, c.bytes
            ));
        }
    }
    println!(
        "{} cases, {} bytes; refused per form: {rejected:?}",
        cases.len(),
        bytes_total
    );
    if !failures.is_empty() {
        panic!(
            "{} of {} cases differ (BEAMJIT_SEED={seed}); first 25:\n{}",
            failures.len(),
            cases.len(),
            failures
                .iter()
                .take(25)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    // Every form must have been exercised, mostly accepted.
    for name in FORMS {
        let n = cases.iter().filter(|c| c.form == name).count();
        assert!(
            n * 3 >= per_form,
            "form {name}: only {n} of {per_form} cases encodable"
        );
    }
}

/// Mnemonic spellings that differ between our A32-style text and objdump's Thumb text for
/// the same bytes (the bytes themselves are compared with GNU as): LDM/STM/PUSH/POP and
/// their one-register LDR/STR forms, MOV with a shift vs the shift mnemonic, NEG for RSB #0.
fn aliases(want: &[String], got: &[String]) -> bool {
    fn class(m: &str) -> &str {
        if m.starts_with("push") || m.starts_with("stm") || m.starts_with("str") {
            "store"
        } else if m.starts_with("pop") || m.starts_with("ldm") || m.starts_with("ldr") {
            "load"
        } else if ["lsl", "lsr", "asr", "ror", "rrx", "mov", "nop"]
            .iter()
            .any(|x| m.starts_with(x))
        {
            "move"
        } else if m.starts_with("rsb") || m.starts_with("neg") {
            "rsb"
        } else if m.starts_with("it") {
            "it"
        } else {
            m
        }
    }
    want.len() == got.len() && want.iter().zip(got).all(|(w, g)| class(w) == class(g))
}
