//! Host functions that guest code calls through "redirect" addresses, and the AAPCS-VFP
//! argument rules (ARM IHI 0042, §6.1.2 and §6.5) used both to read a redirect's arguments
//! and to pass arguments in [`crate::Sim::call_args`].

use crate::cpu::Cpu;
use crate::fault::{Fault, FaultKind};
use crate::memory::Memory;

/// A host function reachable from guest code. It reads its arguments through the
/// [`HostCall`] and returns the value to place in r0/r1 or d0.
pub type HostFn = Box<dyn FnMut(&mut HostCall<'_>) -> Result<HostRet, Fault>>;

/// What a host function returns to the guest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostRet {
    /// Nothing: r0–r3 and d0–d7 keep whatever values they had.
    Void,
    /// r0.
    I32(u32),
    /// r0 = low word, r1 = high word.
    I64(u64),
    /// d0.
    F64(f64),
    /// Stop the simulation: `Sim::call` returns an [`crate::Outcome`] with `stopped`
    /// set to this code (the guest is left at the redirect's return address).
    Stop(u32),
}

/// A guest function argument for [`crate::Sim::call_args`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg {
    I32(u32),
    I64(u64),
    F64(f64),
}

/// Where the next argument lives under AAPCS-VFP.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ArgCursor {
    /// Next core register (NCRN).
    ncrn: u32,
    /// Next stacked argument offset from SP (NSAA - SP).
    nsaa: u32,
    /// Next free D register for VFP arguments (d0–d7); 8 once one went to the stack.
    next_d: u32,
}

/// The location of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loc {
    Core(u32),
    CorePair(u32),
    D(u32),
    /// Byte offset from SP at the call.
    Stack(u32),
}

impl ArgCursor {
    pub(crate) fn next_u32(&mut self) -> Loc {
        if self.ncrn < 4 {
            self.ncrn += 1;
            Loc::Core(self.ncrn - 1)
        } else {
            self.nsaa += 4;
            Loc::Stack(self.nsaa - 4)
        }
    }

    pub(crate) fn next_u64(&mut self) -> Loc {
        self.ncrn = (self.ncrn + 1) & !1;
        if self.ncrn <= 2 {
            self.ncrn += 2;
            Loc::CorePair(self.ncrn - 2)
        } else {
            self.ncrn = 4;
            self.nsaa = (self.nsaa + 7) & !7;
            self.nsaa += 8;
            Loc::Stack(self.nsaa - 8)
        }
    }

    pub(crate) fn next_f64(&mut self) -> Loc {
        if self.next_d < 8 {
            self.next_d += 1;
            Loc::D(self.next_d - 1)
        } else {
            self.nsaa = (self.nsaa + 7) & !7;
            self.nsaa += 8;
            Loc::Stack(self.nsaa - 8)
        }
    }

    /// Bytes of stack the arguments so far need.
    pub(crate) fn stack_bytes(&self) -> u32 {
        self.nsaa
    }
}

/// The guest state seen by a host function while it runs.
pub struct HostCall<'a> {
    /// The registers at the call (r0–r3 and d0–d7 hold arguments, SP the stacked ones,
    /// LR the return address).
    pub cpu: &'a mut Cpu,
    /// Guest memory, for reading pointer arguments (checked accesses).
    pub mem: &'a Memory,
    /// The redirect address that was called.
    pub addr: u32,
    cursor: ArgCursor,
}

impl<'a> HostCall<'a> {
    pub(crate) fn new(cpu: &'a mut Cpu, mem: &'a Memory, addr: u32) -> Self {
        HostCall {
            cpu,
            mem,
            addr,
            cursor: ArgCursor::default(),
        }
    }

    fn stack_word(&self, off: u32) -> Result<u32, Fault> {
        let addr = self.cpu.regs[13].wrapping_add(off);
        self.mem.read_u32(addr).ok_or(Fault {
            pc: self.addr,
            addr,
            kind: FaultKind::WildRead { size: 4 },
        })
    }

    /// The next 32-bit integer (or pointer) argument, in declaration order.
    pub fn arg_u32(&mut self) -> Result<u32, Fault> {
        match self.cursor.next_u32() {
            Loc::Core(r) => Ok(self.cpu.regs[r as usize]),
            Loc::Stack(off) => self.stack_word(off),
            _ => unreachable_loc(self.addr),
        }
    }

    /// The next argument as a signed 32-bit integer.
    pub fn arg_i32(&mut self) -> Result<i32, Fault> {
        self.arg_u32().map(|v| v as i32)
    }

    /// The next 64-bit integer argument (an even register pair or 8-aligned stack slot).
    pub fn arg_u64(&mut self) -> Result<u64, Fault> {
        match self.cursor.next_u64() {
            Loc::CorePair(r) => {
                Ok(self.cpu.regs[r as usize] as u64 | (self.cpu.regs[r as usize + 1] as u64) << 32)
            }
            Loc::Stack(off) => {
                Ok(self.stack_word(off)? as u64 | (self.stack_word(off + 4)? as u64) << 32)
            }
            _ => unreachable_loc(self.addr),
        }
    }

    /// The next double argument (d0–d7, then the stack).
    pub fn arg_f64(&mut self) -> Result<f64, Fault> {
        match self.cursor.next_f64() {
            Loc::D(d) => Ok(self.cpu.f64(d as usize)),
            Loc::Stack(off) => Ok(f64::from_bits(
                self.stack_word(off)? as u64 | (self.stack_word(off + 4)? as u64) << 32,
            )),
            _ => unreachable_loc(self.addr),
        }
    }

    /// A fault to return from a host function that cannot complete.
    pub fn error(&self, msg: impl Into<String>) -> Fault {
        Fault {
            pc: self.addr,
            addr: self.addr,
            kind: FaultKind::Host(msg.into()),
        }
    }
}

/// The cursor never yields these locations for the asked kind; report instead of panic.
fn unreachable_loc<T>(addr: u32) -> Result<T, Fault> {
    Err(Fault {
        pc: addr,
        addr,
        kind: FaultKind::Host("internal: argument location mismatch".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aapcs_vfp_argument_locations() {
        let mut c = ArgCursor::default();
        assert_eq!(c.next_u32(), Loc::Core(0));
        assert_eq!(c.next_f64(), Loc::D(0));
        assert_eq!(c.next_u64(), Loc::CorePair(2));
        assert_eq!(c.next_u32(), Loc::Stack(0));
        assert_eq!(c.next_u64(), Loc::Stack(8));
        for i in 1..8 {
            assert_eq!(c.next_f64(), Loc::D(i));
        }
        assert_eq!(c.next_f64(), Loc::Stack(16));
        assert_eq!(c.stack_bytes(), 24);
    }
}
