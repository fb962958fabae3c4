//! Labels, literal pools and ranges.
//!
//! - Branches at exactly the B/BL reach (±32 MiB) resolve; one word further is a typed
//!   `FixupOutOfRange` error (forward: at bind time; backward: at the branch).
//! - Functions padded far past the LDR-literal (4 KiB) and VLDR (1020 byte) reach still load
//!   the right constants: GNU objdump (the oracle) prints the address each PC-relative load
//!   reads; we check the word(s) there hold the constant we asked for, and that control flow,
//!   followed from offset 0 through the branches around the pools, executes exactly the
//!   instructions we emitted, in order, and never a pool word.
//! - Relocations point at the pool word / BL they describe.

use backend_arm32::asm::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::process::Command;

const NOP: u32 = 0xe1a0_0000; // mov r0, r0

fn seed() -> u64 {
    match std::env::var("BEAMJIT_SEED") {
        Ok(s) => s.parse().expect("BEAMJIT_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

fn pad(buf: &mut CodeBuffer, words: u32) {
    for _ in 0..words {
        buf.emit_word(NOP);
    }
}

#[test]
fn forward_branch_reach() {
    // b at 0 reaches 8 + 2^25 - 4 (imm24 = 0x7fffff) but not 8 + 2^25.
    for (extra, ok) in [(0u32, true), (4, false)] {
        let mut buf = CodeBuffer::new();
        let l = buf.new_label();
        buf.branch(Cond::Al, true, l).unwrap();
        let target = 8 + (1 << 25) - 4 + extra;
        pad(&mut buf, (target - 4) / 4);
        assert_eq!(buf.offset(), target);
        let r = buf.bind(l);
        if ok {
            r.unwrap();
            let code = buf.finish().unwrap();
            let w = u32::from_le_bytes(code.bytes[0..4].try_into().unwrap());
            assert_eq!(
                decode(w),
                Some(Inst::B {
                    cond: Cond::Al,
                    link: true,
                    offset: (1 << 25) - 4
                })
            );
        } else {
            assert_eq!(
                r,
                Err(AsmError::FixupOutOfRange {
                    kind: "branch",
                    at: 0,
                    target,
                    limit: 1 << 25
                })
            );
        }
    }
}

#[test]
fn backward_branch_reach() {
    // A branch at X reaches 0 when 0 - (X + 8) >= -2^25.
    for (at, ok) in [((1u32 << 25) - 8, true), ((1 << 25) - 4, false)] {
        let mut buf = CodeBuffer::new();
        let l = buf.new_label();
        buf.bind(l).unwrap();
        pad(&mut buf, at / 4);
        let r = buf.branch(Cond::Ne, false, l);
        if ok {
            r.unwrap();
            let code = buf.finish().unwrap();
            let a = at as usize;
            let w = u32::from_le_bytes(code.bytes[a..a + 4].try_into().unwrap());
            assert_eq!(disassemble(w, at), "bne\t0x0");
        } else {
            assert!(matches!(
                r,
                Err(AsmError::FixupOutOfRange { kind: "branch", .. })
            ));
        }
    }
}

#[test]
fn field_ranges_are_typed_errors() {
    let vldr = |offset| Inst::Vldr {
        cond: Cond::Al,
        dd: DReg::new(0).unwrap(),
        rn: Reg::R1,
        offset,
    };
    assert!(encode(&vldr(1020)).is_ok());
    assert!(encode(&vldr(-1020)).is_ok());
    assert!(matches!(
        encode(&vldr(1024)),
        Err(AsmError::OutOfRange { .. })
    ));
    assert!(matches!(encode(&vldr(2)), Err(AsmError::OutOfRange { .. })));
    let ldr = |off| Inst::Mem {
        cond: Cond::Al,
        op: MemOp::Ldr,
        rt: Reg::R0,
        addr: Addr::imm(Reg::R1, off),
    };
    assert!(encode(&ldr(4095)).is_ok());
    assert!(encode(&ldr(-4095)).is_ok());
    assert!(matches!(
        encode(&ldr(4096)),
        Err(AsmError::OutOfRange { .. })
    ));
    let ldrh = Inst::Mem {
        cond: Cond::Al,
        op: MemOp::Ldrh,
        rt: Reg::R0,
        addr: Addr::imm(Reg::R1, 256),
    };
    assert!(matches!(encode(&ldrh), Err(AsmError::OutOfRange { .. })));
    let mut buf = CodeBuffer::new();
    let l = buf.new_label();
    buf.bind(l).unwrap();
    assert_eq!(buf.bind(l), Err(AsmError::LabelRebound(0)));
}

/// objdump's view of `bytes`: address -> (word, normalised text, `@ 0x...` comment address).
fn objdump(bytes: &[u8]) -> HashMap<u32, (u32, String, Option<u32>)> {
    // One directory per call: tests in this binary run in parallel threads.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("beamjit-asm-ranges-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join("code.bin");
    std::fs::write(&path, bytes).expect("write code");
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
    assert!(out.status.success(), "objdump failed");
    let mut map = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((addr, rest)) = line.split_once(":\t") else {
            continue;
        };
        let Ok(addr) = u32::from_str_radix(addr.trim(), 16) else {
            continue;
        };
        let Some((word, text)) = rest.split_once(" \t") else {
            continue;
        };
        let Ok(word) = u32::from_str_radix(word.trim(), 16) else {
            continue;
        };
        let (text, comment) = match text.split_once('@') {
            Some((t, c)) => (
                t,
                c.trim()
                    .strip_prefix("0x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok()),
            ),
            None => (text, None),
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        map.insert(addr, (word, text, comment));
    }
    map
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Word(u32),
    Double(u64),
    Nop(u32),
}

#[test]
fn literal_pools_stay_in_range() {
    let seed = seed();
    println!("BEAMJIT_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    // With VLDRs the 1020-byte reach decides where pools go; without, the 4 KiB LDR reach.
    pools_case(&mut rng, true);
    pools_case(&mut rng, false);
}

fn pools_case(rng: &mut StdRng, with_vldr: bool) {
    let mut buf = CodeBuffer::new();
    // The sequence of instructions we emit, in program order, with what each must do.
    let mut program: Vec<Expect> = Vec::new();
    let n = if cfg!(target_arch = "arm") {
        3000
    } else {
        20000
    };
    for i in 0..n {
        match rng.gen_range(0..10) {
            2 if !with_vldr => {
                buf.emit_word(NOP);
                program.push(Expect::Nop(NOP));
            }
            0..=1 => {
                // Few distinct values so some literals are shared between uses.
                let v = if rng.gen() {
                    rng.gen()
                } else {
                    rng.gen_range(0..8)
                };
                buf.ldr_literal(Cond::Al, Reg::new(rng.gen_range(0..13)).unwrap(), v)
                    .unwrap();
                program.push(Expect::Word(v));
            }
            2 => {
                let v = if rng.gen() {
                    rng.gen()
                } else {
                    rng.gen_range(0..8)
                };
                let dd = DReg::new(rng.gen_range(0..16)).unwrap();
                buf.vldr_literal(Cond::Al, dd, v).unwrap();
                program.push(Expect::Double(v));
            }
            _ => {
                // A distinct harmless word per position: `mov r0, #k` style via movw.
                let w = encode(&Inst::Movw {
                    cond: Cond::Al,
                    rd: Reg::R0,
                    imm: i as u16,
                })
                .unwrap();
                buf.emit_word(w);
                program.push(Expect::Nop(w));
            }
        }
    }
    buf.emit(&Inst::Bx {
        cond: Cond::Al,
        rm: Reg::LR,
    })
    .unwrap();
    let code = buf.finish().unwrap();
    let dump = objdump(&code.bytes);
    let word_at = |a: u32| -> u32 {
        let a = a as usize;
        u32::from_le_bytes(code.bytes[a..a + 4].try_into().expect("in bounds"))
    };
    // Follow control flow from 0.
    let mut pc = 0u32;
    let mut pools = 0;
    let mut reach = [0u32; 2];
    for (k, e) in program.iter().enumerate() {
        let (word, text, comment) = dump.get(&pc).cloned().expect("objdump line");
        if text.starts_with("b ") {
            // A branch around a pool: objdump's target must be the next instruction, and
            // the skipped words are pool data.
            let target = u32::from_str_radix(text.trim_start_matches("b 0x"), 16).unwrap();
            assert!(
                target > pc + 4,
                "pool branch at {pc:#x} goes backwards: {text}"
            );
            pools += 1;
            pc = target;
            let (w2, t2, c2) = dump.get(&pc).cloned().expect("objdump line");
            check_one(k, e, pc, (w2, &t2, c2), &word_at, &mut reach);
        } else {
            check_one(k, e, pc, (word, &text, comment), &word_at, &mut reach);
        }
        pc += 4;
    }
    if dump[&pc].1 != "bx lr" {
        // A pool may come right before the final instruction.
        let text = &dump[&pc].1;
        pc = u32::from_str_radix(text.trim_start_matches("b 0x"), 16).unwrap();
        pools += 1;
    }
    assert_eq!(dump[&pc].1, "bx lr");
    assert!(pools >= 2, "expected several pools, got {pools}");
    println!(
        "with_vldr={with_vldr}: {} instructions, {} pools, {} bytes, furthest ldr {} vldr {}",
        program.len(),
        pools,
        code.bytes.len(),
        reach[0],
        reach[1]
    );
    // Pools go late: uses get close to their reach (so the limits are really exercised).
    if with_vldr {
        assert!(
            reach[1] > 1000,
            "furthest vldr literal only {} bytes away",
            reach[1]
        );
    } else {
        assert!(
            reach[0] > 4000,
            "furthest ldr literal only {} bytes away",
            reach[0]
        );
    }
}

/// Checks that objdump's `(word, text, literal address)` at `pc` does what `e` says.
fn check_one(
    k: usize,
    e: &Expect,
    pc: u32,
    (word, text, comment): (u32, &str, Option<u32>),
    word_at: &dyn Fn(u32) -> u32,
    reach: &mut [u32; 2],
) {
    match *e {
        Expect::Nop(w) => assert_eq!(word, w, "instruction {k} at {pc:#x}: {text}"),
        Expect::Word(v) => {
            assert!(
                text.starts_with("ldr ") && text.contains("[pc"),
                "{k} at {pc:#x}: {text}"
            );
            let a = comment.expect("objdump prints the literal address");
            reach[0] = reach[0].max(a - (pc + 8));
            assert_eq!(
                word_at(a),
                v,
                "ldr literal {k} at {pc:#x} ({text}) reads {a:#x}"
            );
        }
        Expect::Double(v) => {
            assert!(
                text.starts_with("vldr ") && text.contains("[pc"),
                "{k} at {pc:#x}: {text}"
            );
            let a = comment.expect("objdump prints the literal address");
            reach[1] = reach[1].max(a - (pc + 8));
            let got = u64::from(word_at(a)) | (u64::from(word_at(a + 4)) << 32);
            assert_eq!(got, v, "vldr literal {k} at {pc:#x} ({text}) reads {a:#x}");
        }
    }
}

#[test]
fn relocations_point_at_their_sites() {
    let mut buf = CodeBuffer::new();
    buf.ldr_address(Cond::Al, Reg::R4, 77).unwrap();
    buf.call(Cond::Al, 99).unwrap();
    buf.emit(&Inst::Bx {
        cond: Cond::Al,
        rm: Reg::LR,
    })
    .unwrap();
    let code = buf.finish().unwrap();
    let dump = objdump(&code.bytes);
    let abs = code
        .relocs
        .iter()
        .find(|r| r.kind == RelocKind::Abs32)
        .unwrap();
    assert_eq!(abs.symbol, 77);
    assert_eq!(dump[&0].2, Some(abs.offset), "ldr reads the relocated word");
    let call = code
        .relocs
        .iter()
        .find(|r| r.kind == RelocKind::Call)
        .unwrap();
    assert_eq!((call.offset, call.symbol), (4, 99));
    assert!(dump[&4].1.starts_with("bl "));
}

#[test]
fn pool_right_after_last_use() {
    // finish() places the pool without a branch, directly after the last use: the offsets
    // are then negative (-4 from PC + 8) or small.
    let mut buf = CodeBuffer::new();
    buf.vldr_literal(Cond::Al, DReg::new(3).unwrap(), 0x4009_21fb_5444_2d18)
        .unwrap();
    buf.ldr_literal(Cond::Al, Reg::R2, 0xdead_beef).unwrap();
    let code = buf.finish().unwrap();
    let dump = objdump(&code.bytes);
    let word =
        |a: u32| u32::from_le_bytes(code.bytes[a as usize..a as usize + 4].try_into().unwrap());
    let d = dump[&0].2.expect("vldr literal address");
    assert_eq!((word(d), word(d + 4)), (0x5444_2d18, 0x4009_21fb));
    let l = dump[&4].2.expect("ldr literal address");
    assert_eq!(word(l), 0xdead_beef);
    assert_eq!(dump[&4].1, "ldr r2, [pc, #4]");
    assert_eq!(dump[&0].1, "vldr d3, [pc]");

    let mut buf = CodeBuffer::new();
    buf.ldr_literal(Cond::Al, Reg::R5, 0x1234_5678).unwrap();
    let code = buf.finish().unwrap();
    assert_eq!(code.bytes.len(), 8);
    assert_eq!(
        disassemble(u32::from_le_bytes(code.bytes[0..4].try_into().unwrap()), 0),
        "ldr\tr5, [pc, #-4]"
    );
    assert_eq!(&code.bytes[4..], &0x1234_5678u32.to_le_bytes());
}

/// A pool is never placed between a MOVW and the MOVT after it: the native-code cache
/// finds a 32-bit constant as an adjacent MOVW/MOVT pair (vm/src/cache_reloc.rs). The pair
/// is emitted at every offset around the point where a pending literal forces the pool.
#[test]
fn pool_never_splits_movw_movt() {
    for words in 1000..1030 {
        let mut buf = CodeBuffer::new();
        buf.ldr_literal(Cond::Al, Reg::R0, 0x1234_5678).unwrap();
        pad(&mut buf, words);
        for _ in 0..3 {
            let (cond, rd) = (Cond::Al, Reg::R1);
            buf.emit(&Inst::Movw {
                cond,
                rd,
                imm: 0x5678,
            })
            .unwrap();
            buf.emit(&Inst::Movt {
                cond,
                rd,
                imm: 0x1234,
            })
            .unwrap();
        }
        let code = buf.finish().unwrap();
        let w: Vec<u32> = code
            .bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let movw = |x: u32| matches!(decode(x), Some(Inst::Movw { .. }));
        let movt = |x: u32| matches!(decode(x), Some(Inst::Movt { .. }));
        let pairs = (0..w.len() - 1)
            .filter(|&i| movw(w[i]) && w[i] != 0x1234_5678)
            .inspect(|&i| assert!(movt(w[i + 1]), "padding {words}: MOVW at {i} split"))
            .count();
        assert_eq!(pairs, 3, "padding {words}");
    }
}
