//! Random A32/VFP instruction sequences for the differential test, built from field
//! templates (ARM ARM DDI 0406C encodings). See differential.rs for the register rules.

use rand::{rngs::SmallRng, Rng};

pub const SCRATCH: usize = 1024;

/// Free data registers (may be written).
const DST: [u32; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12];
/// Registers that may be read as data (r9 is a constant 12).
const SRC: [u32; 11] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12];
const R_IDX: u32 = 9;
const R_PTR: u32 = 10;
const R_BASE: u32 = 11;

/// One test case: code words and the initial state.
pub struct Seq {
    pub words: Vec<u32>,
    pub seed: u32,
    pub r: [u32; 13],
    pub apsr: u32,
    pub fpscr: u32,
    pub d: [u64; 16],
}

impl Seq {
    /// The harness's input record.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.words.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.seed.to_le_bytes());
        for w in &self.words {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for r in &self.r {
            out.extend_from_slice(&r.to_le_bytes());
        }
        out.extend_from_slice(&self.apsr.to_le_bytes());
        out.extend_from_slice(&self.fpscr.to_le_bytes());
        for d in &self.d {
            out.extend_from_slice(&d.to_le_bytes());
        }
    }
}

/// The scratch contents for `seed` (xorshift32, as in harness.c).
pub fn scratch_fill(seed: u32) -> Vec<u8> {
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

fn pick<T: Copy>(rng: &mut SmallRng, xs: &[T]) -> T {
    xs[rng.gen_range(0..xs.len())]
}

fn int_value(rng: &mut SmallRng) -> u32 {
    match rng.gen_range(0..8) {
        0 => pick(rng, &[0, 1, 2, 31, 32, 33, 0xFF, 0x100]),
        1 => pick(
            rng,
            &[
                0xFFFF_FFFF,
                0x8000_0000,
                0x7FFF_FFFF,
                0xFFFF_FFFE,
                0x8000_0001,
            ],
        ),
        2 => rng.gen_range(0..64),
        3 => rng.gen::<u32>() >> rng.gen_range(0..32),
        _ => rng.gen(),
    }
}

fn f64_value(rng: &mut SmallRng) -> u64 {
    let f = match rng.gen_range(0..12) {
        0 => pick(
            rng,
            &[0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -2.5, 1e300, -1e-300],
        ),
        1 => pick(
            rng,
            &[
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                f64::MIN_POSITIVE,
                5e-324,
            ],
        ),
        2 => {
            // NaNs: quiet and signalling, either sign, various payloads.
            let payload = rng.gen::<u64>() & 0x0007_FFFF_FFFF_FFFF;
            let q = if rng.gen() { 1u64 << 51 } else { 0 };
            let p = if q == 0 && payload == 0 { 1 } else { payload };
            let s = if rng.gen() { 1u64 << 63 } else { 0 };
            return s | 0x7FF0_0000_0000_0000 | q | p;
        }
        3 => pick(
            rng,
            &[
                2147483647.0,
                2147483647.5,
                2147483648.0,
                -2147483648.0,
                -2147483648.5,
                -2147483649.0,
                4294967295.0,
                4294967295.5,
                4294967296.0,
                -0.5,
                0.5,
                1.5,
                2.5,
                -1.5,
            ],
        ),
        4 => (rng.gen::<i32>() as f64) / pick(rng, &[1.0, 2.0, 4.0, 3.0]),
        5 => rng.gen_range(-100i32..100) as f64,
        6 => f64::from_bits(rng.gen::<u64>() & 0x800F_FFFF_FFFF_FFFF), // subnormal
        _ => {
            let bits: u64 = rng.gen();
            if f64::from_bits(bits).is_nan() {
                1.25
            } else {
                f64::from_bits(bits)
            }
        }
    };
    f.to_bits()
}

fn cond(rng: &mut SmallRng) -> u32 {
    if rng.gen_range(0..3) == 0 {
        rng.gen_range(0..15)
    } else {
        14
    }
}

fn dp_common(rng: &mut SmallRng) -> (u32, u32, u32, u32) {
    let op = rng.gen_range(0..16u32);
    let test = (8..=11).contains(&op);
    let s = if test { 1 } else { rng.gen_range(0..2) };
    let rd = if test { 0 } else { pick(rng, &DST) };
    let rn = if op == 13 || op == 15 {
        0
    } else {
        pick(rng, &SRC)
    };
    (op, s, rn, rd)
}

fn gen_dp(rng: &mut SmallRng) -> u32 {
    let c = cond(rng);
    let (op, s, rn, rd) = dp_common(rng);
    let head = (c << 28) | (op << 21) | (s << 20) | (rn << 16) | (rd << 12);
    match rng.gen_range(0..3) {
        0 => head | (1 << 25) | rng.gen_range(0..0x1000),
        1 => head | (rng.gen_range(0..32) << 7) | (rng.gen_range(0..4) << 5) | pick(rng, &SRC),
        _ => {
            head | (pick(rng, &SRC) << 8) | (rng.gen_range(0..4) << 5) | (1 << 4) | pick(rng, &SRC)
        }
    }
}

fn gen_mul(rng: &mut SmallRng) -> u32 {
    let c = cond(rng) << 28;
    let s = rng.gen_range(0..2) << 20;
    let (rm, rs) = (pick(rng, &SRC), pick(rng, &SRC));
    match rng.gen_range(0..4) {
        0 => c | s | (pick(rng, &DST) << 16) | (rs << 8) | 0x90 | rm, // MUL
        1 => {
            c | (1 << 21)
                | s
                | (pick(rng, &DST) << 16)
                | (pick(rng, &SRC) << 12)
                | (rs << 8)
                | 0x90
                | rm
        } // MLA
        2 => {
            c | (0b0110 << 20)
                | (pick(rng, &DST) << 16)
                | (pick(rng, &SRC) << 12)
                | (rs << 8)
                | 0x90
                | rm
        } // MLS
        _ => {
            let hi = pick(rng, &DST);
            let mut lo = pick(rng, &DST);
            while lo == hi {
                lo = pick(rng, &DST);
            }
            let op = pick(rng, &[0b0100u32, 0b1000, 0b1010, 0b1100, 0b1110]);
            let s = if op == 0b0100 { 0 } else { s };
            c | (op << 20) | s | (hi << 16) | (lo << 12) | (rs << 8) | 0x90 | rm
        }
    }
}

fn gen_misc(rng: &mut SmallRng) -> u32 {
    let c = cond(rng) << 28;
    match rng.gen_range(0..4) {
        0 => {
            c | 0x0710_F010
                | (rng.gen_range(0..2) << 21)
                | (pick(rng, &DST) << 16)
                | (pick(rng, &SRC) << 8)
                | pick(rng, &SRC)
        } // SDIV/UDIV
        1 => c | 0x016F_0F10 | (pick(rng, &DST) << 12) | pick(rng, &SRC), // CLZ
        _ => {
            let imm = rng.gen::<u32>() & 0xFFFF;
            c | 0x0300_0000
                | (rng.gen_range(0..2) << 22)
                | ((imm >> 12) << 16)
                | (pick(rng, &DST) << 12)
                | (imm & 0xFFF) // MOVW/MOVT
        }
    }
}

/// (base register, P, W, U, byte offset magnitude) for an access of `align`-multiple
/// offsets within `max`.
fn addressing(rng: &mut SmallRng, max: u32, align: u32) -> (u32, u32, u32, u32, u32) {
    let u = rng.gen_range(0..2);
    if rng.gen_range(0..3) == 0 {
        // r10 with writeback (pre or post), word-multiple offsets keep it aligned.
        let off = rng.gen_range(0..=8u32) * 4;
        let p = rng.gen_range(0..2);
        (R_PTR, p, p, u, off.min(max))
    } else {
        // r10 may have drifted by up to 12 * 32 bytes: keep its offsets small.
        let base = if rng.gen() { R_BASE } else { R_PTR };
        let max = if base == R_PTR { max.min(64) } else { max };
        let off = (rng.gen_range(0..=max) / align) * align;
        (base, 1, 0, u, off)
    }
}

fn gen_ldst(rng: &mut SmallRng) -> u32 {
    let c = cond(rng) << 28;
    let load = rng.gen_range(0..2u32);
    let rt = if load == 1 {
        pick(rng, &DST)
    } else {
        pick(rng, &SRC)
    };
    match rng.gen_range(0..5) {
        0 | 1 => {
            // LDR/STR/LDRB/STRB immediate
            let (rn, p, w, u, off) = addressing(rng, 255, 1);
            c | (1 << 26)
                | (p << 24)
                | (u << 23)
                | (rng.gen_range(0..2) << 22)
                | (w << 21)
                | (load << 20)
                | (rn << 16)
                | (rt << 12)
                | off
        }
        2 => {
            // register offset: [base, ±r9, LSL #0..4]
            let (rn, p, w, u, _) = addressing(rng, 0, 4);
            let (p, w) = if rn == R_BASE { (1, 0) } else { (p, w) };
            // r9 = 12, so r10 stays word-aligned; with writeback LSL #0..1 (at most 24
            // bytes per instruction) keeps it inside the scratch buffer.
            let sh = if w == 1 || p == 0 {
                rng.gen_range(0..2)
            } else {
                rng.gen_range(0..5)
            };
            c | (0b011 << 25)
                | (p << 24)
                | (u << 23)
                | (rng.gen_range(0..2) << 22)
                | (w << 21)
                | (load << 20)
                | (rn << 16)
                | (rt << 12)
                | (sh << 7)
                | R_IDX
        }
        3 => {
            // halfword / signed byte / signed halfword, immediate or register
            let kind = if load == 1 { rng.gen_range(1..4) } else { 1 };
            let (rn, p, w, u, off) = addressing(rng, 255, 1);
            let imm_form = rng.gen_range(0..3) != 0;
            let low = if imm_form {
                ((off >> 4) << 8) | (off & 0xF) | (1 << 22)
            } else {
                R_IDX
            };
            c | (p << 24)
                | (u << 23)
                | (w << 21)
                | (load << 20)
                | (rn << 16)
                | (rt << 12)
                | low
                | 0x90
                | (kind << 5)
        }
        _ => {
            // LDRD / STRD (Rt even; Rt+1 must be a data register too)
            let rt = pick(rng, &[0u32, 2, 4, 6]);
            let (rn, p, w, u, off) = addressing(rng, 252, 4);
            let kind = if load == 1 { 2 } else { 3 };
            c | (p << 24)
                | (u << 23)
                | (1 << 22)
                | (w << 21)
                | (rn << 16)
                | (rt << 12)
                | ((off >> 4) << 8)
                | (off & 0xF)
                | 0x90
                | (kind << 5)
        }
    }
}

fn gen_ldm(rng: &mut SmallRng) -> u32 {
    let c = cond(rng) << 28;
    let load = rng.gen_range(0..2u32);
    let pool: &[u32] = if load == 1 { &DST } else { &SRC };
    let mut list = 0u32;
    for _ in 0..rng.gen_range(1..6) {
        list |= 1 << pick(rng, pool);
    }
    let (rn, w) = if rng.gen() { (R_PTR, 1) } else { (R_BASE, 0) };
    let pu = rng.gen_range(0..4u32);
    c | (0b100 << 25) | (pu << 23) | (w << 21) | (load << 20) | (rn << 16) | list
}

fn dreg(rng: &mut SmallRng) -> u32 {
    rng.gen_range(0..16)
}

/// Dd at bits 15:12 (D bit 22 = 0), Dn at 19:16, Dm at 3:0.
fn vfp3(c: u32, opc: u32, dd: u32, dn: u32, dm: u32) -> u32 {
    (c << 28) | opc | (dn << 16) | (dd << 12) | 0xB00 | dm
}

fn sreg_fields(s: u32, lo: u32, ext: u32) -> u32 {
    ((s >> 1) << lo) | ((s & 1) << ext)
}

fn gen_vfp(rng: &mut SmallRng) -> u32 {
    let c = cond(rng);
    let (dd, dn, dm) = (dreg(rng), dreg(rng), dreg(rng));
    match rng.gen_range(0..14) {
        0..=3 => {
            // VMLA, VMLS, VNMLS, VNMLA, VMUL, VNMUL, VADD, VSUB, VDIV
            let (opc1, op) = pick(
                rng,
                &[
                    (0u32, 0u32),
                    (0, 1),
                    (1, 0),
                    (1, 1),
                    (2, 0),
                    (2, 1),
                    (3, 0),
                    (3, 1),
                    (4, 0),
                    (4, 0),
                    (3, 0),
                    (2, 0),
                ],
            );
            let opc = 0x0E00_0000 | ((opc1 >> 2) << 23) | ((opc1 & 3) << 20) | (op << 6);
            vfp3(c, opc, dd, dn, dm)
        }
        4 => {
            // VMOV reg, VABS, VNEG, VSQRT
            let (opc2, b7) = pick(rng, &[(0u32, 0u32), (0, 1), (1, 0), (1, 1), (1, 1)]);
            vfp3(c, 0x0EB0_0040 | (b7 << 7), dd, opc2, dm)
        }
        5 => {
            // VCMP / VCMPE (reg or zero) then VMRS APSR_nzcv sometimes
            let e = rng.gen_range(0..2) << 7;
            if rng.gen() {
                vfp3(c, 0x0EB0_0040 | e, dd, 4, dm)
            } else {
                vfp3(c, 0x0EB0_0040 | e, dd, 5, 0)
            }
        }
        6 => (c << 28) | 0x0EF1_FA10, // VMRS APSR_nzcv, FPSCR
        7 => {
            // VMOV.F64 / .F32 immediate
            let imm = rng.gen_range(0..256u32);
            if rng.gen_range(0..4) == 0 {
                let s = rng.gen_range(0..32);
                (c << 28) | 0x0EB0_0A00 | ((imm >> 4) << 16) | sreg_fields(s, 12, 22) | (imm & 0xF)
            } else {
                (c << 28) | 0x0EB0_0B00 | ((imm >> 4) << 16) | (dd << 12) | (imm & 0xF)
            }
        }
        8 => {
            // VCVT f64 <- s32/u32, s32/u32 <- f64 (RZ or FPSCR rounding), f32 <-> f64
            let s = rng.gen_range(0..32);
            match rng.gen_range(0..4) {
                0 => {
                    (c << 28)
                        | 0x0EB8_0B40
                        | (rng.gen_range(0..2) << 7)
                        | (dd << 12)
                        | sreg_fields(s, 0, 5)
                }
                1 | 2 => {
                    (c << 28)
                        | 0x0EBC_0B40
                        | (rng.gen_range(0..2) << 16)
                        | (rng.gen_range(0..2) << 7)
                        | sreg_fields(s, 12, 22)
                        | dm
                }
                _ => {
                    if rng.gen() {
                        (c << 28) | 0x0EB7_0BC0 | sreg_fields(s, 12, 22) | dm // F32 <- F64
                    } else {
                        (c << 28) | 0x0EB7_0AC0 | (dd << 12) | sreg_fields(s, 0, 5)
                        // F64 <- F32
                    }
                }
            }
        }
        9 => {
            // VMOV core <-> single, core pair <-> double, core <-> scalar
            let s = rng.gen_range(0..32);
            let to_core = rng.gen_range(0..2u32);
            let rt = if to_core == 1 {
                pick(rng, &DST)
            } else {
                pick(rng, &SRC)
            };
            match rng.gen_range(0..3) {
                0 => (c << 28) | 0x0E00_0A10 | (to_core << 20) | sreg_fields(s, 16, 7) | (rt << 12),
                1 => {
                    let mut rt2 = if to_core == 1 {
                        pick(rng, &DST)
                    } else {
                        pick(rng, &SRC)
                    };
                    while to_core == 1 && rt2 == rt {
                        rt2 = pick(rng, &DST);
                    }
                    (c << 28) | 0x0C40_0B10 | (to_core << 20) | (rt2 << 16) | (rt << 12) | dm
                }
                _ => {
                    (c << 28)
                        | 0x0E00_0B10
                        | (to_core << 20)
                        | (rng.gen_range(0..2) << 21)
                        | (dd << 16)
                        | (rt << 12)
                }
            }
        }
        10 | 11 => {
            // VLDR / VSTR double or single
            let load = rng.gen_range(0..2u32) << 20;
            let u = rng.gen_range(0..2u32) << 23;
            let base = if rng.gen() { R_BASE } else { R_PTR };
            let imm8 = rng.gen_range(0..if base == R_PTR { 16 } else { 60u32 });
            if rng.gen_range(0..4) == 0 {
                let s = rng.gen_range(0..32);
                (c << 28) | 0x0D00_0A00 | u | load | (base << 16) | sreg_fields(s, 12, 22) | imm8
            } else {
                (c << 28) | 0x0D00_0B00 | u | load | (base << 16) | (dd << 12) | imm8
            }
        }
        12 => {
            // VLDM/VSTM IA (optionally !) or DB! on r10
            let load = rng.gen_range(0..2u32) << 20;
            let first = rng.gen_range(0..16u32);
            let n = rng.gen_range(1..=(16 - first).min(4));
            // (P:U, W) packed as PUW.
            let (pu_w, base) = match rng.gen_range(0..3) {
                0 => (0b010_u32, R_BASE),
                1 => (0b011, R_PTR),
                _ => (0b101, R_PTR),
            };
            (c << 28)
                | 0x0C00_0B00
                | ((pu_w >> 1) << 23)
                | ((pu_w & 1) << 21)
                | load
                | (base << 16)
                | (first << 12)
                | (2 * n)
        }
        _ => (c << 28) | 0x0EB0_0B40 | (dd << 12) | dm, // VMOV.F64
    }
}

/// One random sequence with its initial state.
pub fn sequence(rng: &mut SmallRng) -> Seq {
    let n = rng.gen_range(1..=12);
    let mut words = Vec::with_capacity(n);
    for _ in 0..n {
        let w = match rng.gen_range(0..20) {
            0..=6 => gen_dp(rng),
            7 | 8 => gen_mul(rng),
            9 | 10 => gen_misc(rng),
            11..=13 => gen_ldst(rng),
            14 => gen_ldm(rng),
            _ => gen_vfp(rng),
        };
        words.push(w);
    }
    let mut r = [0u32; 13];
    for v in r.iter_mut() {
        *v = int_value(rng);
    }
    r[R_IDX as usize] = 12;
    let mut d = [0u64; 16];
    for v in d.iter_mut() {
        *v = f64_value(rng);
    }
    let dn = if rng.gen_range(0..4) == 0 { 1 << 25 } else { 0 };
    Seq {
        words,
        seed: rng.gen(),
        r,
        apsr: rng.gen::<u32>() & 0xF000_0000,
        fpscr: (rng.gen::<u32>() & 0xF000_0000) | dn,
        d,
    }
}
