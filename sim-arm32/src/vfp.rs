//! VFPv3-D16 execution: double-precision arithmetic with ARM NaN rules, compares,
//! conversions, moves, VLDR/VSTR/VLDM/VSTM, VMRS/VMSR.
//!
//! Arithmetic is the host's IEEE-754 double arithmetic (correctly rounded, round to
//! nearest even), with NaN handling done here the ARM way (FPProcessNaNs, A2.7.7): a
//! signalling NaN operand wins and is quietened, else the first quiet NaN; operations
//! that create a NaN give the default NaN 0x7FF8_0000_0000_0000; FPSCR.DN makes every NaN
//! result the default NaN. FPSCR's rounding mode is honoured by VCVTR only, and FPSCR.FZ
//! (flush to zero) is not modelled: Linux starts processes with FPSCR = 0 and the
//! generated code never changes it. Cumulative exception flags: IOC (invalid) and DZC
//! (divide by zero) are set; OFC/UFC/IXC/IDC are not.

use crate::cpu::{FPSCR_DN, FPSCR_DZC, FPSCR_IOC, NZCV_MASK};
use crate::decode::{Op, VBin, VUn};
use crate::fault::{Fault, FaultKind};
use crate::sim::{Flow, Sim};

const SIGN: u64 = 1 << 63;
const QUIET: u64 = 1 << 51;
pub(crate) const DEFAULT_NAN: u64 = 0x7FF8_0000_0000_0000;
const DEFAULT_NAN32: u32 = 0x7FC0_0000;

fn is_nan(x: u64) -> bool {
    x & !SIGN > 0x7FF0_0000_0000_0000
}

fn is_snan(x: u64) -> bool {
    is_nan(x) && x & QUIET == 0
}

impl Sim {
    fn fp_nan(&mut self, x: u64) -> u64 {
        if self.cpu.fpscr & FPSCR_DN != 0 {
            DEFAULT_NAN
        } else {
            x | QUIET
        }
    }

    /// FPProcessNaNs for two operands: `Some(result)` when either is a NaN.
    fn process_nans(&mut self, a: u64, b: u64) -> Option<u64> {
        if is_snan(a) || is_snan(b) {
            self.cpu.fpscr |= FPSCR_IOC;
            let x = if is_snan(a) { a } else { b };
            return Some(self.fp_nan(x));
        }
        if is_nan(a) {
            return Some(self.fp_nan(a));
        }
        if is_nan(b) {
            return Some(self.fp_nan(b));
        }
        None
    }

    /// A computed result: a NaN made from non-NaN operands is an invalid operation.
    fn fp_result(&mut self, r: f64) -> u64 {
        if r.is_nan() {
            self.cpu.fpscr |= FPSCR_IOC;
            DEFAULT_NAN
        } else {
            r.to_bits()
        }
    }

    fn fp_add(&mut self, a: u64, b: u64) -> u64 {
        if let Some(n) = self.process_nans(a, b) {
            return n;
        }
        self.fp_result(f64::from_bits(a) + f64::from_bits(b))
    }

    fn fp_sub(&mut self, a: u64, b: u64) -> u64 {
        if let Some(n) = self.process_nans(a, b) {
            return n;
        }
        self.fp_result(f64::from_bits(a) - f64::from_bits(b))
    }

    fn fp_mul(&mut self, a: u64, b: u64) -> u64 {
        if let Some(n) = self.process_nans(a, b) {
            return n;
        }
        self.fp_result(f64::from_bits(a) * f64::from_bits(b))
    }

    fn fp_div(&mut self, a: u64, b: u64) -> u64 {
        if let Some(n) = self.process_nans(a, b) {
            return n;
        }
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        if y == 0.0 && x.is_finite() && x != 0.0 {
            self.cpu.fpscr |= FPSCR_DZC;
        }
        self.fp_result(x / y)
    }

    fn fp_sqrt(&mut self, a: u64) -> u64 {
        if is_nan(a) {
            if is_snan(a) {
                self.cpu.fpscr |= FPSCR_IOC;
            }
            return self.fp_nan(a);
        }
        self.fp_result(f64::from_bits(a).sqrt())
    }

    fn compare(&mut self, a: u64, b: u64, e: bool) {
        let flags = if is_nan(a) || is_nan(b) {
            if e || is_snan(a) || is_snan(b) {
                self.cpu.fpscr |= FPSCR_IOC;
            }
            0b0011
        } else {
            let (x, y) = (f64::from_bits(a), f64::from_bits(b));
            if x == y {
                0b0110
            } else if x < y {
                0b1000
            } else {
                0b0010
            }
        };
        self.cpu.fpscr = (self.cpu.fpscr & !NZCV_MASK) | (flags << 28);
    }

    /// FPToFixed for 32-bit results (A2.7.8): saturating, NaN gives 0, both with IOC.
    fn fp_to_int(&mut self, a: u64, signed: bool, rz: bool) -> u32 {
        if is_nan(a) {
            self.cpu.fpscr |= FPSCR_IOC;
            return 0;
        }
        let x = f64::from_bits(a);
        let mode = if rz { 3 } else { (self.cpu.fpscr >> 22) & 3 };
        let r = match mode {
            0 => {
                // Round half to even.
                let f = x.floor();
                let diff = x - f;
                if diff > 0.5 || (diff == 0.5 && (f / 2.0).floor() * 2.0 != f) {
                    f + 1.0
                } else {
                    f
                }
            }
            1 => x.ceil(),
            2 => x.floor(),
            _ => x.trunc(),
        };
        let (lo, hi) = if signed {
            (i32::MIN as f64, i32::MAX as f64)
        } else {
            (0.0, u32::MAX as f64)
        };
        if r < lo {
            self.cpu.fpscr |= FPSCR_IOC;
            return if signed { i32::MIN as u32 } else { 0 };
        }
        if r > hi {
            self.cpu.fpscr |= FPSCR_IOC;
            return if signed { i32::MAX as u32 } else { u32::MAX };
        }
        if signed {
            r as i32 as u32
        } else {
            r as u32
        }
    }

    fn f64_to_f32(&mut self, a: u64) -> u32 {
        if is_nan(a) {
            if is_snan(a) {
                self.cpu.fpscr |= FPSCR_IOC;
            }
            if self.cpu.fpscr & FPSCR_DN != 0 {
                return DEFAULT_NAN32;
            }
            // Sign, all-ones exponent, quiet bit, then the top fraction bits (FPConvert).
            return ((a >> 32) as u32 & 0x8000_0000)
                | 0x7FC0_0000
                | ((a >> 29) as u32 & 0x003F_FFFF);
        }
        (f64::from_bits(a) as f32).to_bits()
    }

    fn f32_to_f64(&mut self, a: u32) -> u64 {
        if a & 0x7FFF_FFFF > 0x7F80_0000 {
            if a & 0x0040_0000 == 0 {
                self.cpu.fpscr |= FPSCR_IOC;
            }
            if self.cpu.fpscr & FPSCR_DN != 0 {
                return DEFAULT_NAN;
            }
            return ((a as u64 & 0x8000_0000) << 32)
                | DEFAULT_NAN
                | ((a as u64 & 0x003F_FFFF) << 29);
        }
        (f32::from_bits(a) as f64).to_bits()
    }

    fn vfp_read_fault(&self, addr: u32, size: u32) -> Fault {
        self.fault(addr, FaultKind::WildRead { size })
    }

    fn vfp_write_fault(&self, addr: u32, size: u32) -> Fault {
        self.fault(addr, FaultKind::WildWrite { size })
    }

    fn vfp_aligned(&self, addr: u32, size: u32) -> Result<(), Fault> {
        if addr & 3 != 0 {
            Err(self.fault(addr, FaultKind::Unaligned { size }))
        } else {
            Ok(())
        }
    }

    pub(crate) fn exec_vfp(&mut self, op: &Op) -> Result<Flow, Fault> {
        let d = |n: u8| n as usize & 15;
        match *op {
            Op::VBin { op, dd, dn, dm } => {
                let (a, b, acc) = (self.cpu.d[d(dn)], self.cpu.d[d(dm)], self.cpu.d[d(dd)]);
                let r = match op {
                    VBin::Add => self.fp_add(a, b),
                    VBin::Sub => self.fp_sub(a, b),
                    VBin::Mul => self.fp_mul(a, b),
                    VBin::Nmul => self.fp_mul(a, b) ^ SIGN,
                    VBin::Div => self.fp_div(a, b),
                    // VMLA/VMLS/VNMLA/VNMLS (A8.8.337, A8.8.352): product rounded, then
                    // added; negations are FPNeg (sign flips, NaNs included).
                    VBin::Mla => {
                        let p = self.fp_mul(a, b);
                        self.fp_add(acc, p)
                    }
                    VBin::Mls => {
                        let p = self.fp_mul(a, b);
                        self.fp_add(acc, p ^ SIGN)
                    }
                    VBin::Nmla => {
                        let p = self.fp_mul(a, b);
                        self.fp_add(acc ^ SIGN, p ^ SIGN)
                    }
                    VBin::Nmls => {
                        let p = self.fp_mul(a, b);
                        self.fp_add(acc ^ SIGN, p)
                    }
                };
                self.cpu.d[d(dd)] = r;
            }
            Op::VUn { op, dd, dm } => {
                let a = self.cpu.d[d(dm)];
                self.cpu.d[d(dd)] = match op {
                    VUn::Mov => a,
                    VUn::Abs => a & !SIGN,
                    VUn::Neg => a ^ SIGN,
                    VUn::Sqrt => self.fp_sqrt(a),
                };
            }
            Op::VMovImm { double, reg, bits } => {
                if double {
                    self.cpu.d[d(reg)] = bits;
                } else {
                    self.cpu.set_s(reg as usize, bits as u32);
                }
            }
            Op::VMovS { sd, sm } => {
                let v = self.cpu.s(sm as usize);
                self.cpu.set_s(sd as usize, v);
            }
            Op::VCmp { dd, dm, e } => {
                let b = dm.map_or(0, |m| self.cpu.d[d(m)]);
                self.compare(self.cpu.d[d(dd)], b, e);
            }
            Op::VCvtFromInt { dd, sm, signed } => {
                let v = self.cpu.s(sm as usize);
                let x = if signed { v as i32 as f64 } else { v as f64 };
                self.cpu.d[d(dd)] = x.to_bits();
            }
            Op::VCvtToInt { sd, dm, signed, rz } => {
                let v = self.fp_to_int(self.cpu.d[d(dm)], signed, rz);
                self.cpu.set_s(sd as usize, v);
            }
            Op::VCvtF64F32 { dd, sm } => {
                let v = self.f32_to_f64(self.cpu.s(sm as usize));
                self.cpu.d[d(dd)] = v;
            }
            Op::VCvtF32F64 { sd, dm } => {
                let v = self.f64_to_f32(self.cpu.d[d(dm)]);
                self.cpu.set_s(sd as usize, v);
            }
            Op::VMovCoreS { sn, rt, to_core } => {
                if to_core {
                    self.cpu.regs[rt as usize & 15] = self.cpu.s(sn as usize);
                } else {
                    let v = self.r(rt);
                    self.cpu.set_s(sn as usize, v);
                }
            }
            Op::VMovCore2 {
                double,
                m,
                rt,
                rt2,
                to_core,
            } => {
                let (s0, s1) = if double {
                    (2 * d(m), 2 * d(m) + 1)
                } else {
                    (m as usize, m as usize + 1)
                };
                if to_core {
                    self.cpu.regs[rt as usize & 15] = self.cpu.s(s0);
                    self.cpu.regs[rt2 as usize & 15] = self.cpu.s(s1);
                } else {
                    let (lo, hi) = (self.r(rt), self.r(rt2));
                    self.cpu.set_s(s0, lo);
                    self.cpu.set_s(s1, hi);
                }
            }
            Op::VMovScalar { dd, x, rt, to_core } => {
                let s = 2 * d(dd) + x as usize;
                if to_core {
                    self.cpu.regs[rt as usize & 15] = self.cpu.s(s);
                } else {
                    let v = self.r(rt);
                    self.cpu.set_s(s, v);
                }
            }
            Op::Vmrs { rt } => {
                if rt == 15 {
                    self.cpu.nzcv = self.cpu.fpscr & NZCV_MASK;
                } else {
                    self.cpu.regs[rt as usize & 15] = self.cpu.fpscr;
                }
            }
            Op::Vmsr { rt } => {
                // Len/Stride (short vectors) and the trap enables read as zero here.
                self.cpu.fpscr = self.r(rt) & 0xFFC0_009F;
            }
            Op::Vldr {
                double,
                reg,
                rn,
                off,
            } => {
                self.counters.loads += 1;
                let addr = self.r(rn).wrapping_add(off as u32);
                self.vfp_aligned(addr, if double { 8 } else { 4 })?;
                if double {
                    let v = self
                        .mem
                        .read_u64(addr)
                        .ok_or_else(|| self.vfp_read_fault(addr, 8))?;
                    self.cpu.d[d(reg)] = v;
                } else {
                    let v = self
                        .mem
                        .read_u32(addr)
                        .ok_or_else(|| self.vfp_read_fault(addr, 4))?;
                    self.cpu.set_s(reg as usize, v);
                }
            }
            Op::Vstr {
                double,
                reg,
                rn,
                off,
            } => {
                self.counters.stores += 1;
                let addr = self.r(rn).wrapping_add(off as u32);
                self.vfp_aligned(addr, if double { 8 } else { 4 })?;
                let ok = if double {
                    self.mem.write_u64(addr, self.cpu.d[d(reg)])
                } else {
                    self.mem.write_u32(addr, self.cpu.s(reg as usize))
                };
                if !ok {
                    return Err(self.vfp_write_fault(addr, if double { 8 } else { 4 }));
                }
            }
            Op::Vldm {
                double,
                first,
                count,
                rn,
                up,
                wb,
            } => {
                self.counters.loads += 1;
                let words = count as u32 * if double { 2 } else { 1 };
                let base = self.r(rn);
                let start = if up {
                    base
                } else {
                    base.wrapping_sub(4 * words)
                };
                self.vfp_aligned(start, 4 * words)?;
                if !self.mem.allowed(start, 4 * words, crate::Perms::READ) {
                    return Err(self.vfp_read_fault(start, 4 * words));
                }
                let s0 = if double {
                    2 * first as usize
                } else {
                    first as usize
                };
                for i in 0..words {
                    let a = start.wrapping_add(4 * i);
                    let v = self
                        .mem
                        .read_u32(a)
                        .ok_or_else(|| self.vfp_read_fault(a, 4))?;
                    self.cpu.set_s(s0 + i as usize, v);
                }
                if wb {
                    self.cpu.regs[rn as usize & 15] = if up {
                        base.wrapping_add(4 * words)
                    } else {
                        start
                    };
                }
            }
            Op::Vstm {
                double,
                first,
                count,
                rn,
                up,
                wb,
            } => {
                self.counters.stores += 1;
                let words = count as u32 * if double { 2 } else { 1 };
                let base = self.r(rn);
                let start = if up {
                    base
                } else {
                    base.wrapping_sub(4 * words)
                };
                self.vfp_aligned(start, 4 * words)?;
                if !self.mem.allowed(start, 4 * words, crate::Perms::WRITE) {
                    return Err(self.vfp_write_fault(start, 4 * words));
                }
                let s0 = if double {
                    2 * first as usize
                } else {
                    first as usize
                };
                for i in 0..words {
                    self.mem
                        .write_u32(start.wrapping_add(4 * i), self.cpu.s(s0 + i as usize));
                }
                if wb {
                    self.cpu.regs[rn as usize & 15] = if up {
                        base.wrapping_add(4 * words)
                    } else {
                        start
                    };
                }
            }
            _ => return Err(self.fault(self.cur_pc, FaultKind::Unsupported { word: 0 })),
        }
        Ok(Flow::Next)
    }
}
