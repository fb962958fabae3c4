//! Loads and stores: LDR/STR (word, byte, halfword, signed), LDRD/STRD, LDM/STM.
//!
//! Alignment (ARM ARM A3.2.1 with SCTLR.A = 0, as Linux runs user code): word and
//! halfword LDR/STR may be unaligned; LDRD/STRD and LDM/STM fault unless word-aligned.

use crate::decode::{Addressing, Offset, Op, Size};
use crate::exec_dp::shift_by_imm;
use crate::fault::{Fault, FaultKind};
use crate::sim::{Flow, Sim};

impl Sim {
    /// (access address, value written back to Rn).
    #[inline]
    fn address(&self, am: Addressing) -> (u32, u32) {
        let base = self.r(am.rn);
        let off_addr = match am.off {
            Offset::Imm(i) => base.wrapping_add(i as u32),
            Offset::Reg {
                rm,
                shift,
                amount,
                add,
            } => {
                let (v, _) = shift_by_imm(self.r(rm), shift, amount as u32, self.cpu.carry());
                if add {
                    base.wrapping_add(v)
                } else {
                    base.wrapping_sub(v)
                }
            }
        };
        (if am.pre { off_addr } else { base }, off_addr)
    }

    #[cold]
    fn read_fault(&self, addr: u32, size: u32) -> Fault {
        self.fault(addr, FaultKind::WildRead { size })
    }

    #[cold]
    fn write_fault(&self, addr: u32, size: u32) -> Fault {
        self.fault(addr, FaultKind::WildWrite { size })
    }

    fn aligned(&self, addr: u32, size: u32) -> Result<(), Fault> {
        if addr & 3 != 0 {
            Err(self.fault(addr, FaultKind::Unaligned { size }))
        } else {
            Ok(())
        }
    }

    /// LDR/LDRB/LDRH/LDRSB/LDRSH (kept out of `exec_mem` so the run loop dispatches to
    /// it directly).
    #[inline(always)]
    pub(crate) fn exec_load(&mut self, size: Size, rt: u8, am: Addressing) -> Result<Flow, Fault> {
        self.counters.loads += 1;
        let (addr, wb) = self.address(am);
        let v = match size {
            Size::Word => self
                .mem
                .read_u32(addr)
                .ok_or_else(|| self.read_fault(addr, 4))?,
            Size::Byte => self
                .mem
                .read_u8(addr)
                .ok_or_else(|| self.read_fault(addr, 1))? as u32,
            Size::SByte => self
                .mem
                .read_u8(addr)
                .ok_or_else(|| self.read_fault(addr, 1))? as i8 as u32,
            Size::Half => self
                .mem
                .read_u16(addr)
                .ok_or_else(|| self.read_fault(addr, 2))? as u32,
            Size::SHalf => self
                .mem
                .read_u16(addr)
                .ok_or_else(|| self.read_fault(addr, 2))? as i16 as u32,
        };
        if am.wb {
            self.cpu.regs[am.rn as usize & 15] = wb;
        }
        if rt == 15 {
            return self.bx_write_pc(v);
        }
        self.cpu.regs[rt as usize & 15] = v;
        Ok(Flow::Next)
    }

    /// STR/STRB/STRH.
    #[inline(always)]
    pub(crate) fn exec_store(&mut self, size: Size, rt: u8, am: Addressing) -> Result<Flow, Fault> {
        self.counters.stores += 1;
        let (addr, wb) = self.address(am);
        let v = self.r(rt);
        let (ok, n) = match size {
            Size::Word => (self.mem.write_u32(addr, v), 4),
            Size::Byte | Size::SByte => (self.mem.write_u8(addr, v as u8), 1),
            Size::Half | Size::SHalf => (self.mem.write_u16(addr, v as u16), 2),
        };
        if !ok {
            return Err(self.write_fault(addr, n));
        }
        if am.wb {
            self.cpu.regs[am.rn as usize & 15] = wb;
        }
        Ok(Flow::Next)
    }

    pub(crate) fn exec_mem(&mut self, op: &Op) -> Result<Flow, Fault> {
        match *op {
            Op::Ldrd { rt, am } => {
                self.counters.loads += 1;
                let (addr, wb) = self.address(am);
                self.aligned(addr, 8)?;
                let lo = self
                    .mem
                    .read_u32(addr)
                    .ok_or_else(|| self.read_fault(addr, 8))?;
                let a2 = addr.wrapping_add(4);
                let hi = self
                    .mem
                    .read_u32(a2)
                    .ok_or_else(|| self.read_fault(a2, 8))?;
                if am.wb {
                    self.cpu.regs[am.rn as usize & 15] = wb;
                }
                self.cpu.regs[rt as usize & 15] = lo;
                self.cpu.regs[(rt as usize + 1) & 15] = hi;
                Ok(Flow::Next)
            }
            Op::Strd { rt, am } => {
                self.counters.stores += 1;
                let (addr, wb) = self.address(am);
                self.aligned(addr, 8)?;
                let a2 = addr.wrapping_add(4);
                if !self.mem.allowed(addr, 4, crate::Perms::WRITE) {
                    return Err(self.write_fault(addr, 8));
                }
                if !self.mem.allowed(a2, 4, crate::Perms::WRITE) {
                    return Err(self.write_fault(a2, 8));
                }
                self.mem.write_u32(addr, self.r(rt));
                self.mem.write_u32(a2, self.r(rt + 1));
                if am.wb {
                    self.cpu.regs[am.rn as usize & 15] = wb;
                }
                Ok(Flow::Next)
            }
            Op::Ldm {
                rn,
                list,
                before,
                up,
                wb,
            } => {
                self.counters.loads += 1;
                let (start, new_base) = self.block(rn, list, before, up);
                self.aligned(start, 4)?;
                let n = list.count_ones();
                if !self.mem.allowed(start, 4 * n, crate::Perms::READ) {
                    return Err(self.read_fault(start, 4 * n));
                }
                let mut vals = [0u32; 16];
                let mut a = start;
                for (i, v) in vals.iter_mut().enumerate() {
                    if list & (1 << i) != 0 {
                        *v = self.mem.read_u32(a).ok_or_else(|| self.read_fault(a, 4))?;
                        a = a.wrapping_add(4);
                    }
                }
                if wb {
                    self.cpu.regs[rn as usize & 15] = new_base;
                }
                for (i, v) in vals.iter().enumerate().take(15) {
                    if list & (1 << i) != 0 {
                        self.cpu.regs[i] = *v;
                    }
                }
                if list & 0x8000 != 0 {
                    return self.bx_write_pc(vals[15]);
                }
                Ok(Flow::Next)
            }
            Op::Stm {
                rn,
                list,
                before,
                up,
                wb,
            } => {
                self.counters.stores += 1;
                let (start, new_base) = self.block(rn, list, before, up);
                self.aligned(start, 4)?;
                let n = list.count_ones();
                if !self.mem.allowed(start, 4 * n, crate::Perms::WRITE) {
                    return Err(self.write_fault(start, 4 * n));
                }
                let mut a = start;
                for i in 0..16u8 {
                    if list & (1 << i) != 0 {
                        // PC stores as the instruction address + 8 (PCStoreValue, ARMv7).
                        self.mem.write_u32(a, self.r(i));
                        a = a.wrapping_add(4);
                    }
                }
                if wb {
                    self.cpu.regs[rn as usize & 15] = new_base;
                }
                Ok(Flow::Next)
            }
            _ => Ok(Flow::Next),
        }
    }

    /// Lowest address and written-back base of an LDM/STM (A8.8.57-60, A8.8.197-200).
    fn block(&self, rn: u8, list: u16, before: bool, up: bool) -> (u32, u32) {
        let base = self.r(rn);
        let bytes = 4 * list.count_ones();
        match (before, up) {
            (false, true) => (base, base.wrapping_add(bytes)),
            (true, true) => (base.wrapping_add(4), base.wrapping_add(bytes)),
            (false, false) => (
                base.wrapping_sub(bytes).wrapping_add(4),
                base.wrapping_sub(bytes),
            ),
            (true, false) => (base.wrapping_sub(bytes), base.wrapping_sub(bytes)),
        }
    }
}
