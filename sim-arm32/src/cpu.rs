//! Architectural state: core registers, APSR flags, VFPv3-D16 registers and FPSCR.

/// APSR / FPSCR flag bits (ARM ARM B1.3.3; the same positions in FPSCR).
pub const N: u32 = 1 << 31;
pub const Z: u32 = 1 << 30;
pub const C: u32 = 1 << 29;
pub const V: u32 = 1 << 28;
pub const NZCV_MASK: u32 = N | Z | C | V;

/// FPSCR.DN (default NaN) and FPSCR.FZ (flush to zero) bits.
pub const FPSCR_DN: u32 = 1 << 25;
pub const FPSCR_FZ: u32 = 1 << 24;
/// FPSCR cumulative exception bits: IOC, DZC, OFC, UFC, IXC, IDC.
pub const FPSCR_IOC: u32 = 1 << 0;
pub const FPSCR_DZC: u32 = 1 << 1;
pub const FPSCR_OFC: u32 = 1 << 2;
pub const FPSCR_UFC: u32 = 1 << 3;
pub const FPSCR_IXC: u32 = 1 << 4;
pub const FPSCR_IDC: u32 = 1 << 7;

/// The user-mode state of an ARMv7-A core (ARM state only).
///
/// While the simulator is stopped, `regs[15]` holds the address of the next instruction
/// to execute (not the "+8" value an instruction reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpu {
    /// r0–r15 (r13 = SP, r14 = LR, r15 = PC).
    pub regs: [u32; 16],
    /// APSR condition flags in bits 31..28 (N, Z, C, V); other bits are always zero.
    pub nzcv: u32,
    /// d0–d15 as raw IEEE-754 bits. s(2n) is the low half of d(n), s(2n+1) the high half.
    pub d: [u64; 16],
    /// FPSCR. Rounding mode, DN and the NZCV/exception bits are honoured as documented in
    /// `vfp.rs`.
    pub fpscr: u32,
}

impl Default for Cpu {
    fn default() -> Self {
        Cpu::new()
    }
}

impl Cpu {
    /// All registers zero, flags clear, FPSCR = 0 (round to nearest, no default NaN,
    /// no flush-to-zero: the Linux armhf process default).
    pub fn new() -> Self {
        Cpu {
            regs: [0; 16],
            nzcv: 0,
            d: [0; 16],
            fpscr: 0,
        }
    }

    /// The program counter (address of the next instruction while stopped).
    pub fn pc(&self) -> u32 {
        self.regs[15]
    }

    /// Single-precision register s`n` (n < 32) as raw bits.
    pub fn s(&self, n: usize) -> u32 {
        let d = self.d[(n >> 1) & 15];
        if n & 1 == 0 {
            d as u32
        } else {
            (d >> 32) as u32
        }
    }

    /// Sets single-precision register s`n` (n < 32) from raw bits.
    pub fn set_s(&mut self, n: usize, v: u32) {
        let d = &mut self.d[(n >> 1) & 15];
        if n & 1 == 0 {
            *d = (*d & 0xFFFF_FFFF_0000_0000) | v as u64;
        } else {
            *d = (*d & 0xFFFF_FFFF) | ((v as u64) << 32);
        }
    }

    /// d`n` as an f64.
    pub fn f64(&self, n: usize) -> f64 {
        f64::from_bits(self.d[n & 15])
    }

    /// Sets d`n` from an f64.
    pub fn set_f64(&mut self, n: usize, v: f64) {
        self.d[n & 15] = v.to_bits();
    }

    /// The carry flag as 0 or 1.
    #[inline]
    pub fn carry(&self) -> u32 {
        (self.nzcv >> 29) & 1
    }

    /// True when condition `cond` (0..=14, ARM ARM A8.3) holds; 15 is treated as AL.
    #[inline]
    pub fn cond_passed(&self, cond: u8) -> bool {
        (COND_TABLE[cond as usize & 15] >> (self.nzcv >> 28)) & 1 != 0
    }
}

/// For each condition, a 16-bit mask indexed by the NZCV nibble: bit i set when the
/// condition passes with flags i (N = 8, Z = 4, C = 2, V = 1).
static COND_TABLE: [u16; 16] = build_cond_table();

const fn build_cond_table() -> [u16; 16] {
    let mut t = [0u16; 16];
    let mut cond = 0;
    while cond < 16 {
        let mut f = 0;
        let mut mask = 0u16;
        while f < 16 {
            let n = f & 8 != 0;
            let z = f & 4 != 0;
            let c = f & 2 != 0;
            let v = f & 1 != 0;
            let pass = match cond {
                0 => z,
                1 => !z,
                2 => c,
                3 => !c,
                4 => n,
                5 => !n,
                6 => v,
                7 => !v,
                8 => c && !z,
                9 => !c || z,
                10 => n == v,
                11 => n != v,
                12 => !z && n == v,
                13 => z || n != v,
                _ => true,
            };
            if pass {
                mask |= 1 << f;
            }
            f += 1;
        }
        t[cond] = mask;
        cond += 1;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_follow_the_arm_arm_table() {
        let mut cpu = Cpu::new();
        cpu.nzcv = Z | C;
        assert!(cpu.cond_passed(0)); // EQ
        assert!(!cpu.cond_passed(1)); // NE
        assert!(cpu.cond_passed(2)); // CS
        assert!(!cpu.cond_passed(8)); // HI needs !Z
        assert!(cpu.cond_passed(9)); // LS
        assert!(cpu.cond_passed(10)); // GE: N == V
        assert!(!cpu.cond_passed(12)); // GT needs !Z
        cpu.nzcv = N;
        assert!(cpu.cond_passed(11)); // LT
        assert!(cpu.cond_passed(13)); // LE
        assert!(cpu.cond_passed(14)); // AL
    }

    #[test]
    fn s_registers_alias_d_halves() {
        let mut cpu = Cpu::new();
        cpu.set_s(3, 0x1234_5678);
        cpu.set_s(2, 0x9abc_def0);
        assert_eq!(cpu.d[1], 0x1234_5678_9abc_def0);
        assert_eq!(cpu.s(3), 0x1234_5678);
    }
}
