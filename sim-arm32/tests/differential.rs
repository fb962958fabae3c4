//! Differential test against qemu-arm: random instruction sequences run both in the
//! simulator and in a small static C harness (tests/harness/harness.c) under qemu-arm,
//! and must end with identical core registers, APSR flags, VFP registers, FPSCR flags
//! and scratch memory.
//!
//! Seed: printed; set `BEAMJIT_SEED` to replay. Count: `BEAMJIT_DIFF_SEQS` (default
//! 100,000 hosted, 3,000 when the test itself runs on ARM, i.e. under qemu-arm).
//!
//! Register discipline of the generated code: r0–r8 and r12 are free data registers;
//! r9 holds a small constant index (12) and is only read; r11 = scratch + 512 is a base
//! register that is never written and never used in arithmetic; r10 starts at scratch +
//! 512 and is used only as a base with word-multiple writeback. So no data register ever
//! holds an address, and the harness's and the simulator's scratch addresses may differ
//! (both report r10/r11 as offsets). SP, LR and PC are never written.

mod gen;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gen::{Seq, SCRATCH};
use rand::{rngs::SmallRng, Rng, SeedableRng};
use sim_arm32::host_mem::LowMapping;
use sim_arm32::{Perms, Sim};

const STATE_BYTES: usize = 64 + 8 + 128;
const OUT_BYTES: usize = STATE_BYTES + SCRATCH;
/// FPSCR bits compared: NZCV, DN/FZ, RMode, IOC, DZC. OFC/UFC/IXC/IDC are not modelled.
const FPSCR_CMP: u32 = 0xF3C0_0003;

fn tool_ok(tool: &str, arg: &str) {
    let ok = Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the differential test needs `{tool}` (install with scripts/setup: gcc-arm-linux-gnueabihf, qemu-user)"
    );
}

fn build_harness() -> PathBuf {
    tool_ok("arm-linux-gnueabihf-gcc", "--version");
    tool_ok("qemu-arm", "--version");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/harness/harness.c");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-arm32-harness");
    let st = Command::new("arm-linux-gnueabihf-gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("run arm-linux-gnueabihf-gcc");
    assert!(st.success(), "building {} failed", src.display());
    out
}

fn seed() -> u64 {
    match std::env::var("BEAMJIT_SEED") {
        Ok(s) => s.trim().parse().expect("BEAMJIT_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

fn count() -> usize {
    if let Ok(s) = std::env::var("BEAMJIT_DIFF_SEQS") {
        return s
            .trim()
            .parse()
            .expect("BEAMJIT_DIFF_SEQS must be a number");
    }
    if cfg!(target_arch = "arm") {
        3_000
    } else {
        100_000
    }
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

/// The simulator side: code page + scratch buffer in one low mapping.
struct SimSide {
    sim: Sim,
    map: LowMapping,
}

impl SimSide {
    fn new() -> SimSide {
        let map = LowMapping::new(8192).expect("low mapping");
        let mut sim = Sim::new();
        // SAFETY: both ranges lie inside `map`, owned next to `sim` for the whole test.
        unsafe {
            sim.add_code_region(map.addr(), 4096).unwrap();
            sim.add_region(map.addr() + 4096, SCRATCH as u32, Perms::RW)
                .unwrap();
        }
        SimSide { sim, map }
    }

    /// Runs `seq`; returns the result in the harness's output format.
    fn run(&mut self, seq: &Seq) -> Result<Vec<u8>, sim_arm32::Fault> {
        let code = self.map.addr();
        let scratch = code + 4096;
        {
            let bytes = self.map.as_mut_slice();
            for (i, w) in seq
                .words
                .iter()
                .chain(std::iter::once(&0xe12fff1e))
                .enumerate()
            {
                bytes[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
            }
            bytes[4096..4096 + SCRATCH].copy_from_slice(&gen::scratch_fill(seq.seed));
        }
        self.sim.invalidate(code, 4 * (seq.words.len() as u32 + 1));
        let cpu = &mut self.sim.cpu;
        cpu.regs = [0; 16];
        cpu.regs[..13].copy_from_slice(&seq.r);
        cpu.regs[10] = scratch + 512;
        cpu.regs[11] = scratch + 512;
        cpu.nzcv = seq.apsr & 0xF000_0000;
        cpu.fpscr = seq.fpscr;
        cpu.d = seq.d;
        self.sim
            .set_step_limit(Some(self.sim.counters.instructions + 200));
        self.sim.call(code, &[])?;
        let cpu = &self.sim.cpu;
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
        out.extend_from_slice(&self.map.as_slice()[4096..4096 + SCRATCH]);
        Ok(out)
    }
}

/// Differences between the harness (qemu) and simulator outputs, empty when equal.
fn diff(q: &[u8], s: &[u8]) -> Vec<String> {
    let mut d = Vec::new();
    for i in 0..13 {
        let (a, b) = (u32_at(q, i), u32_at(s, i));
        if a != b {
            d.push(format!("r{i}: qemu {a:#010x} sim {b:#010x}"));
        }
    }
    let (qa, sa) = (u32_at(q, 16) & 0xF000_0000, u32_at(s, 16) & 0xF000_0000);
    if qa != sa {
        d.push(format!(
            "APSR.NZCV: qemu {:04b} sim {:04b}",
            qa >> 28,
            sa >> 28
        ));
    }
    let (qf, sf) = (u32_at(q, 17) & FPSCR_CMP, u32_at(s, 17) & FPSCR_CMP);
    if qf != sf {
        d.push(format!(
            "FPSCR (masked {FPSCR_CMP:#x}): qemu {qf:#010x} sim {sf:#010x}"
        ));
    }
    for i in 0..16 {
        let o = 72 + 8 * i;
        let a = u64::from_le_bytes(q[o..o + 8].try_into().unwrap());
        let b = u64::from_le_bytes(s[o..o + 8].try_into().unwrap());
        if a != b {
            d.push(format!(
                "d{i}: qemu {a:#018x} ({}) sim {b:#018x} ({})",
                f64::from_bits(a),
                f64::from_bits(b)
            ));
        }
    }
    for i in 0..SCRATCH {
        let (a, b) = (q[STATE_BYTES + i], s[STATE_BYTES + i]);
        if a != b {
            d.push(format!(
                "scratch[{i}] (offset {} from r11): qemu {a:#04x} sim {b:#04x}",
                i as i64 - 512
            ));
        }
    }
    d
}

fn disassemble(words: &[u32]) -> String {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-arm32-failing-seq.bin");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    if std::fs::write(&path, bytes).is_err() {
        return format!("{words:08x?}");
    }
    match Command::new("arm-linux-gnueabihf-objdump")
        .args(["-D", "-b", "binary", "-marm"])
        .arg(&path)
        .output()
    {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.contains(":\t"))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(_) => format!("{words:08x?}"),
    }
}

fn report(seed: u64, idx: usize, seq: &Seq, problems: &[String]) -> String {
    format!(
        "differential mismatch (BEAMJIT_SEED={seed}, sequence #{idx}):\n{}\ninitial r0-r12 = {:08x?}\n\
         APSR = {:#010x}, FPSCR = {:#010x}\nd = {:016x?}\ndifferences:\n  {}",
        disassemble(&seq.words),
        seq.r,
        seq.apsr,
        seq.fpscr,
        seq.d,
        problems.join("\n  ")
    )
}

#[test]
fn differential_against_qemu_arm() {
    let harness = build_harness();
    let seed = seed();
    let n = count();
    eprintln!("differential_against_qemu_arm: BEAMJIT_SEED={seed}, {n} sequences");
    let mut rng = SmallRng::seed_from_u64(seed);
    let seqs: Vec<Seq> = (0..n).map(|_| gen::sequence(&mut rng)).collect();
    let _ = rng.gen::<u32>();

    let input_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-arm32-diff-input.bin");
    {
        let mut buf = Vec::with_capacity(n * 256);
        for s in &seqs {
            s.encode(&mut buf);
        }
        std::fs::write(&input_path, &buf).expect("write harness input");
    }
    let mut child = Command::new("qemu-arm")
        .arg(&harness)
        .stdin(std::fs::File::open(&input_path).expect("open harness input"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qemu-arm");
    let mut out = child.stdout.take().expect("harness stdout");
    let mut side = SimSide::new();
    let mut qbuf = vec![0u8; OUT_BYTES];
    let mut failures = Vec::new();
    for (idx, seq) in seqs.iter().enumerate() {
        if let Err(e) = out.read_exact(&mut qbuf) {
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut err);
            }
            let _ = child.wait();
            panic!(
                "harness output ended at sequence #{idx} ({e}); harness stderr: {err}\n{}",
                report(seed, idx, seq, &[])
            );
        }
        match side.run(seq) {
            Ok(sbuf) => {
                let d = diff(&qbuf, &sbuf);
                if !d.is_empty() {
                    failures.push(report(seed, idx, seq, &d));
                }
            }
            Err(f) => failures.push(report(seed, idx, seq, &[format!("simulator fault: {f}")])),
        }
        if failures.len() >= 5 {
            break;
        }
    }
    drop(out);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::io::stderr().flush();
    assert!(
        failures.is_empty(),
        "{} of {n} sequences differ (first ones shown):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
