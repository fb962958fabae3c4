//! Oracle test: every instruction form the assembler encodes is compared against GNU
//! `arm-linux-gnueabihf-objdump -D -z -b binary -marm`.
//!
//! For each form, the discrete fields (opcode, condition, S bit, registers, shift type,
//! indexing mode, ...) are enumerated exhaustively (a mixed-radix counter over the listed
//! dimensions) and the remaining fields (immediates, offsets, the other registers) are
//! random. All words go into one binary file and objdump runs once. For every word we check:
//! 1. objdump's text equals the text we expect for the `Inst` we encoded (`format_inst`);
//! 2. our disassembler (`disassemble`) prints the same text for the word;
//! 3. `decode(word)` gives back the `Inst`.
//!
//! Normalisation (both sides): objdump's `@ ...` comment tail is removed, runs of spaces
//! and tabs become one space, and the result is trimmed. Nothing else.
//!
//! The seed is printed; set `BEAMJIT_SEED` to replay. Hosted runs check every exhaustive
//! combination (> 100,000 encodings); under qemu-arm a small random sample of each form.

use backend_arm32::asm::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::process::Command;

type Gen = fn(&mut StdRng, &[usize]) -> Inst;

fn r(n: usize) -> Reg {
    Reg::new(n as u32).expect("register index < 16")
}
fn rr(rng: &mut StdRng) -> Reg {
    r(rng.gen_range(0..16))
}
/// A random register other than pc.
fn rnp(rng: &mut StdRng) -> Reg {
    r(rng.gen_range(0..15))
}
fn dr(n: usize) -> DReg {
    DReg::new(n as u32).expect("d index < 32")
}
fn sr(n: usize) -> SReg {
    SReg::new(n as u32).expect("s index < 32")
}
fn cond(n: usize) -> Cond {
    Cond::ALL[n]
}
fn shift_amount(rng: &mut StdRng, shift: Shift) -> u8 {
    match shift {
        // lsl #0 is the plain-register form; ror #0 is RRX.
        Shift::Lsl | Shift::Ror => rng.gen_range(1..32),
        Shift::Lsr | Shift::Asr => rng.gen_range(1..=32),
    }
}

fn dp(op: DpOp, c: Cond, s: bool, rd: Reg, rn: Reg, op2: Operand2) -> Inst {
    // Canonical form: compares have rd = r0 and S set; moves have rn = r0.
    Inst::Dp {
        cond: c,
        op,
        s: s || op.is_compare(),
        rd: if op.is_compare() { Reg::R0 } else { rd },
        rn: if op.is_move() { Reg::R0 } else { rn },
        op2,
    }
}

fn forms() -> Vec<(&'static str, Vec<usize>, Gen)> {
    vec![
        ("dp imm", vec![16, 15, 2, 16], |g, d| {
            let op2 = Operand2::Imm(ImmRot {
                imm8: g.gen(),
                rot: g.gen_range(0..16),
            });
            let rn = rr(g);
            dp(DpOp::ALL[d[0]], cond(d[1]), d[2] == 1, r(d[3]), rn, op2)
        }),
        ("dp reg", vec![16, 15, 2, 16], |g, d| {
            let (rd, rn) = (rr(g), rr(g));
            dp(
                DpOp::ALL[d[0]],
                cond(d[1]),
                d[2] == 1,
                rd,
                rn,
                Operand2::Reg(r(d[3])),
            )
        }),
        ("dp regs", vec![16, 16, 16], |g, d| {
            let (c, rm) = (cond(g.gen_range(0..15)), rr(g));
            dp(
                DpOp::ALL[d[0]],
                c,
                g.gen(),
                r(d[1]),
                r(d[2]),
                Operand2::Reg(rm),
            )
        }),
        ("dp shift imm", vec![16, 15, 4, 16], |g, d| {
            let shift = Shift::ALL[d[2]];
            let op2 = Operand2::RegShiftImm {
                rm: rr(g),
                shift,
                amount: shift_amount(g, shift),
            };
            let (s, rn) = (g.gen(), rr(g));
            dp(DpOp::ALL[d[0]], cond(d[1]), s, r(d[3]), rn, op2)
        }),
        ("dp rrx", vec![16, 15, 2, 16], |g, d| {
            let (rd, rn) = (rr(g), rr(g));
            dp(
                DpOp::ALL[d[0]],
                cond(d[1]),
                d[2] == 1,
                rd,
                rn,
                Operand2::Rrx(r(d[3])),
            )
        }),
        ("dp shift reg", vec![16, 15, 4, 15], |g, d| {
            let op2 = Operand2::RegShiftReg {
                rm: rnp(g),
                shift: Shift::ALL[d[2]],
                rs: r(d[3]),
            };
            let (s, rd, rn) = (g.gen(), rnp(g), rnp(g));
            dp(DpOp::ALL[d[0]], cond(d[1]), s, rd, rn, op2)
        }),
        ("movw/movt", vec![15, 15, 2, 8], |g, d| {
            let (c, rd, imm) = (cond(d[0]), r(d[1]), g.gen());
            if d[2] == 0 {
                Inst::Movw { cond: c, rd, imm }
            } else {
                Inst::Movt { cond: c, rd, imm }
            }
        }),
        ("mul", vec![15, 2, 15, 15], |g, d| Inst::Mul {
            cond: cond(d[0]),
            s: d[1] == 1,
            rd: r(d[2]),
            rn: r(d[3]),
            rm: rnp(g),
        }),
        ("mla", vec![15, 2, 15, 15], |g, d| Inst::Mla {
            cond: cond(d[0]),
            s: d[1] == 1,
            rd: r(d[2]),
            rn: rnp(g),
            rm: rnp(g),
            ra: r(d[3]),
        }),
        ("mls", vec![15, 15, 15], |g, d| Inst::Mls {
            cond: cond(d[0]),
            rd: r(d[1]),
            rn: rnp(g),
            rm: r(d[2]),
            ra: rnp(g),
        }),
        ("long mul", vec![4, 15, 2, 15, 4], |g, d| {
            let rdlo = r(d[3]);
            let mut rdhi = rnp(g);
            if rdhi == rdlo {
                rdhi = r((d[3] + 1) % 15);
            }
            Inst::LongMul {
                cond: cond(d[1]),
                op: [
                    LongMulOp::Umull,
                    LongMulOp::Umlal,
                    LongMulOp::Smull,
                    LongMulOp::Smlal,
                ][d[0]],
                s: d[2] == 1,
                rdlo,
                rdhi,
                rn: rnp(g),
                rm: rnp(g),
            }
        }),
        ("div", vec![2, 15, 15, 15], |g, d| Inst::Div {
            cond: cond(d[1]),
            signed: d[0] == 1,
            rd: r(d[2]),
            rn: r(d[3]),
            rm: rnp(g),
        }),
        ("clz", vec![15, 15, 15], |_, d| Inst::Clz {
            cond: cond(d[0]),
            rd: r(d[1]),
            rm: r(d[2]),
        }),
        ("mem", vec![10, 15, 3, 3, 16], |g, d| {
            let op = MemOp::ALL[d[0]];
            let index = [Index::Offset, Index::PreWriteback, Index::Post][d[2]];
            let neg = g.gen();
            let offset = match d[3] {
                0 => MemOffset::Imm {
                    neg,
                    imm: if op.is_word_byte() {
                        g.gen_range(0..4096)
                    } else {
                        g.gen_range(0..256)
                    },
                },
                1 => MemOffset::Reg { neg, rm: rnp(g) },
                _ => {
                    let shift = Shift::ALL[g.gen_range(0..4)];
                    MemOffset::ScaledReg {
                        neg,
                        rm: rnp(g),
                        shift,
                        amount: shift_amount(g, shift),
                    }
                }
            };
            let base = rr(g);
            Inst::Mem {
                cond: cond(d[1]),
                op,
                rt: r(d[4]),
                addr: Addr {
                    base,
                    offset,
                    index,
                },
            }
        }),
        ("mem base", vec![10, 16, 3], |g, d| {
            let op = MemOp::ALL[d[0]];
            let rt = if op.is_word_byte() {
                rr(g)
            } else {
                r(2 * g.gen_range(0..7))
            };
            Inst::Mem {
                cond: Cond::Al,
                op,
                rt,
                addr: Addr {
                    base: r(d[1]),
                    offset: MemOffset::Imm {
                        neg: g.gen(),
                        imm: g.gen_range(0..256),
                    },
                    index: [Index::Offset, Index::PreWriteback, Index::Post][d[2]],
                },
            }
        }),
        ("ldm/stm", vec![2, 4, 15, 2, 15, 2], |g, d| Inst::Block {
            cond: cond(d[2]),
            load: d[0] == 1,
            mode: [BlockMode::Ia, BlockMode::Ib, BlockMode::Da, BlockMode::Db][d[1]],
            rn: r(d[4]),
            writeback: d[3] == 1,
            regs: RegList(if g.gen() {
                1 << g.gen_range(0..16)
            } else {
                g.gen_range(1..=0xffff)
            }),
        }),
        ("b/bl", vec![15, 2, 50], |g, d| Inst::B {
            cond: cond(d[0]),
            link: d[1] == 1,
            offset: g.gen_range(-(1 << 23)..(1 << 23)) * 4,
        }),
        ("blx imm", vec![400], |g, _| Inst::BlxImm {
            offset: g.gen_range(-(1 << 24)..(1 << 24)) * 2,
        }),
        ("bx/blx reg", vec![15, 15, 2], |_, d| {
            if d[2] == 0 {
                Inst::Bx {
                    cond: cond(d[0]),
                    rm: r(d[1]),
                }
            } else {
                Inst::BlxReg {
                    cond: cond(d[0]),
                    rm: r(d[1]),
                }
            }
        }),
        ("vldr/vstr", vec![2, 15, 32, 16], |g, d| {
            let (c, dd, rn, offset) = (cond(d[1]), dr(d[2]), r(d[3]), g.gen_range(-255..=255) * 4);
            if d[0] == 0 {
                Inst::Vldr {
                    cond: c,
                    dd,
                    rn,
                    offset,
                }
            } else {
                Inst::Vstr {
                    cond: c,
                    dd,
                    rn,
                    offset,
                }
            }
        }),
        ("vmov s", vec![2, 15, 32, 15], |_, d| {
            let (c, sn, rt) = (cond(d[1]), sr(d[2]), r(d[3]));
            if d[0] == 0 {
                Inst::VmovToS { cond: c, sn, rt }
            } else {
                Inst::VmovFromS { cond: c, rt, sn }
            }
        }),
        ("vmov d", vec![2, 15, 32, 15], |g, d| {
            let (c, dm, rt) = (cond(d[1]), dr(d[2]), r(d[3]));
            let mut rt2 = rnp(g);
            if rt2 == rt {
                rt2 = r((d[3] + 1) % 15);
            }
            if d[0] == 0 {
                Inst::VmovToD {
                    cond: c,
                    dm,
                    rt,
                    rt2,
                }
            } else {
                Inst::VmovFromD {
                    cond: c,
                    rt,
                    rt2,
                    dm,
                }
            }
        }),
        ("varith", vec![4, 15, 32, 32], |g, d| Inst::VArith {
            cond: cond(d[1]),
            op: [
                VArithOp::Vadd,
                VArithOp::Vsub,
                VArithOp::Vmul,
                VArithOp::Vdiv,
            ][d[0]],
            dd: dr(d[2]),
            dn: dr(d[3]),
            dm: dr(g.gen_range(0..32)),
        }),
        ("vunary", vec![4, 15, 32, 32], |_, d| Inst::VUnary {
            cond: cond(d[1]),
            op: [
                VUnaryOp::Vmov,
                VUnaryOp::Vabs,
                VUnaryOp::Vneg,
                VUnaryOp::Vsqrt,
            ][d[0]],
            dd: dr(d[2]),
            dm: dr(d[3]),
        }),
        ("vcmp", vec![2, 15, 32, 33], |_, d| Inst::Vcmp {
            cond: cond(d[1]),
            e: d[0] == 1,
            dd: dr(d[2]),
            dm: if d[3] == 32 { None } else { Some(dr(d[3])) },
        }),
        ("vmrs", vec![15], |_, d| Inst::VmrsNzcv { cond: cond(d[0]) }),
        ("vcvt", vec![4, 15, 32, 32], |_, d| Inst::Vcvt {
            cond: cond(d[1]),
            op: [
                VcvtOp::F64FromS32,
                VcvtOp::F64FromU32,
                VcvtOp::S32FromF64,
                VcvtOp::U32FromF64,
            ][d[0]],
            d: dr(d[2]),
            s: sr(d[3]),
        }),
        ("bkpt/udf", vec![2, 300], |g, d| {
            let imm = g.gen();
            if d[0] == 0 {
                Inst::Bkpt { imm }
            } else {
                Inst::Udf { imm }
            }
        }),
    ]
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

fn normalise(text: &str) -> String {
    let text = text.split('@').next().unwrap_or("");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs objdump once over `words` (at addresses 0, 4, ...) and returns one text per word.
fn objdump(words: &[u32]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("beamjit-asm-objdump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join("words.bin");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    std::fs::write(&path, bytes).expect("write words");
    let out = Command::new("arm-linux-gnueabihf-objdump")
        .args(["-D", "-z", "-b", "binary", "-marm"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "arm-linux-gnueabihf-objdump is required for this test and could not be run \
                 ({e}); install binutils-arm-linux-gnueabihf (scripts/setup does)"
            )
        });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "objdump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut texts = vec![None; words.len()];
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "   1c:\te1a00311 \tlsl\tr0, r1, r3"
        let Some((addr, rest)) = line.split_once(":\t") else {
            continue;
        };
        let Ok(addr) = usize::from_str_radix(addr.trim(), 16) else {
            continue;
        };
        let text = rest.split_once('\t').map(|x| x.1).unwrap_or("");
        if addr % 4 == 0 && addr / 4 < texts.len() {
            texts[addr / 4] = Some(normalise(text));
        }
    }
    texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| t.unwrap_or_else(|| panic!("objdump printed nothing for word {i}")))
        .collect()
}

#[test]
fn encodings_match_objdump() {
    let seed = seed();
    println!("BEAMJIT_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let qemu = cfg!(target_arch = "arm");
    let mut insts: Vec<(&str, Inst)> = Vec::new();
    let mut rejected = 0usize;
    for (name, dims, gen) in forms() {
        let total: usize = dims.iter().product();
        let n = if qemu { total.min(200) } else { total };
        for k in 0..n {
            let mut i = if qemu { rng.gen_range(0..total) } else { k };
            let ds: Vec<usize> = dims
                .iter()
                .map(|&d| {
                    let x = i % d;
                    i /= d;
                    x
                })
                .collect();
            let inst = gen(&mut rng, &ds);
            match encode(&inst) {
                Ok(_) => insts.push((name, inst)),
                // Only UNPREDICTABLE register combinations may be refused.
                Err(AsmError::Unpredictable(_)) | Err(AsmError::Unsupported(_)) => rejected += 1,
                Err(e) => panic!("{name}: {inst:?} refused: {e}"),
            }
        }
    }
    let words: Vec<u32> = insts
        .iter()
        .map(|(_, i)| encode(i).expect("encoded above"))
        .collect();
    let texts = objdump(&words);
    let mut failures = Vec::new();
    let mut per_form = std::collections::HashMap::new();
    for (k, ((name, inst), (word, theirs))) in
        insts.iter().zip(words.iter().zip(&texts)).enumerate()
    {
        let addr = (k * 4) as u32;
        let ours = normalise(&format_inst(inst, addr));
        let dis = normalise(&disassemble(*word, addr));
        let back = decode(*word);
        if ours != *theirs || dis != *theirs || back != Some(*inst) {
            let seen = per_form.entry(*name).or_insert(0usize);
            *seen += 1;
            if *seen > 4 {
                failures.push(String::new());
                continue;
            }
            failures.push(format!(
                "{name} @{addr:#x} {word:08x}: objdump `{theirs}`, expected `{ours}`, \
                 disassembler `{dis}`, decode {back:?} vs {inst:?}"
            ));
        }
    }
    println!(
        "checked {} encodings against objdump ({} UNPREDICTABLE combinations refused)",
        words.len(),
        rejected
    );
    if !failures.is_empty() {
        panic!(
            "{} of {} encodings differ from objdump (BEAMJIT_SEED={seed}); up to 4 per form:\n{}",
            failures.len(),
            words.len(),
            failures
                .iter()
                .filter(|f| !f.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    if !qemu {
        assert!(
            words.len() >= 100_000,
            "only {} encodings checked",
            words.len()
        );
    }
}
