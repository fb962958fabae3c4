//! The simulator: state, code cache, run loop, calls into guest code and redirects.

use std::collections::HashMap;

use crate::cpu::Cpu;
use crate::decode::{decode, Decoded, Op};
use crate::fault::{Fault, FaultKind};
use crate::memory::{Memory, Perms, RegionError};
use crate::redirect::{Arg, ArgCursor, HostCall, HostFn, HostRet, Loc};
use crate::RETURN_MAGIC;

/// Decoded-instruction cache granule: 4 KiB of code (1024 instructions).
const PAGE_SHIFT: u32 = 12;
const PAGE_SLOTS: usize = 1 << (PAGE_SHIFT - 2);

/// Event counters, updated as instructions retire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Instructions executed, including those whose condition failed (they retire too).
    pub instructions: u64,
    /// Load instructions executed (an LDM/VLDM counts once).
    pub loads: u64,
    /// Store instructions executed (an STM/VSTM counts once).
    pub stores: u64,
    /// Control transfers that left the sequential path (taken B/BL/BX/BLX, PC writes).
    pub branches_taken: u64,
    /// Redirected host calls.
    pub host_calls: u64,
}

/// Called before each instruction with its address, its word and the state before it.
pub type TraceFn = Box<dyn FnMut(u32, u32, &Cpu)>;

/// What a finished [`Sim::call`] / [`Sim::run`] left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// r0 at the return.
    pub r0: u32,
    /// r1 at the return (high word of a 64-bit result).
    pub r1: u32,
    /// d0 at the return, raw bits (a double result).
    pub d0: u64,
    /// `Some(code)` when a host function returned [`HostRet::Stop`].
    pub stopped: Option<u32>,
}

impl Outcome {
    /// d0 as an f64.
    pub fn f64(&self) -> f64 {
        f64::from_bits(self.d0)
    }

    /// r1:r0 as a 64-bit value.
    pub fn u64(&self) -> u64 {
        self.r0 as u64 | (self.r1 as u64) << 32
    }
}

/// How control continues after one instruction.
pub(crate) enum Flow {
    Next,
    Jump(u32),
    Stop(u32),
}

/// No cache page yet (see `CodeRegion::pages`).
const NO_PAGE: u32 = u32::MAX;

pub(crate) struct CodeRegion {
    pub(crate) base: u32,
    pub(crate) len: u32,
    /// Per 4 KiB page, the index in `Sim::cache` of its first slot, or `NO_PAGE` until the
    /// page is first executed.
    pages: Vec<u32>,
}

/// An ARMv7-A A32 + VFPv3-D16 simulator over host memory below 4 GiB.
pub struct Sim {
    /// Architectural state; free to inspect and change between runs.
    pub cpu: Cpu,
    /// Registered guest memory.
    pub mem: Memory,
    /// Event counters (reset them by assigning `Counters::default()`).
    pub counters: Counters,
    pub(crate) code: Vec<CodeRegion>,
    /// Decoded instructions of every executed code page, `PAGE_SLOTS` per page, in one
    /// array so that the fast fetch path is a single indexed load. The first page is a
    /// dummy that stays undecoded: `hot_start` points at it when there is no hot page, so
    /// the fast path always falls through to `fetch_slow` then, whatever the pc.
    cache: Vec<Decoded>,
    /// Fast path: the page of the last fetch (its address and its first slot in `cache`).
    hot_base: u32,
    hot_start: usize,
    /// Cache pages of removed regions, free for reuse.
    free_pages: Vec<u32>,
    pub(crate) redirects: HashMap<u32, usize>,
    host_fns: Vec<HostFn>,
    pub(crate) trace: Option<TraceFn>,
    pub(crate) step_limit: Option<u64>,
    /// Address of the instruction being executed (for faults).
    pub(crate) cur_pc: u32,
    /// Decoded T32 instructions by address (see `sim_thumb.rs`).
    pub(crate) tcache: HashMap<u32, crate::decode_t32::TDecoded>,
    /// ARMv7-M mode ([`Sim::set_m_profile`]).
    pub(crate) m_profile: bool,
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new()
    }
}

impl Sim {
    /// A simulator with no memory, no code and a zeroed CPU.
    pub fn new() -> Self {
        Sim {
            cpu: Cpu::new(),
            mem: Memory::new(),
            counters: Counters::default(),
            code: Vec::new(),
            cache: vec![Decoded::UNDECODED; PAGE_SLOTS],
            hot_base: 0,
            hot_start: 0,
            free_pages: Vec::new(),
            redirects: HashMap::new(),
            host_fns: Vec::new(),
            trace: None,
            step_limit: None,
            cur_pc: 0,
            tcache: HashMap::new(),
            m_profile: false,
        }
    }

    /// ARMv7-M (Cortex-M) mode, for checking code generated for M-profile cores: only
    /// Thumb state exists, so a branch to an even address faults (`NotMProfile`, where an
    /// M core takes an INVSTATE UsageFault) and so does `BLX imm`; [`Sim::call`] enters
    /// at an odd address with LR = [`crate::RETURN_MAGIC`] | 1. Redirects (host
    /// functions) and the magic return address are reached with bit 0 set, as an M core
    /// reaches any function; the simulator then runs them as usual.
    pub fn set_m_profile(&mut self, on: bool) {
        self.m_profile = on;
    }

    /// Registers `[base, base + len)` of host memory with `perms`. With
    /// [`Perms::EXEC`] the range is also a code region: instructions are fetched from it
    /// and decoded once into a cache (call [`Sim::invalidate`] after rewriting code).
    ///
    /// # Safety
    /// As [`Memory::add_region`]: the range must stay live host memory at address `base`
    /// while registered.
    pub unsafe fn add_region(
        &mut self,
        base: u32,
        len: u32,
        perms: Perms,
    ) -> Result<(), RegionError> {
        let perms = if perms.contains(Perms::EXEC) {
            perms.union(Perms::READ)
        } else {
            perms
        };
        // SAFETY: forwarded from our caller.
        unsafe { self.mem.add_region(base, len, perms)? };
        if perms.contains(Perms::EXEC) {
            let npages =
                ((base as u64 + len as u64 - 1) >> PAGE_SHIFT) - (base as u64 >> PAGE_SHIFT) + 1;
            self.code.push(CodeRegion {
                base,
                len,
                pages: vec![NO_PAGE; npages as usize],
            });
        }
        Ok(())
    }

    /// Registers a readable, executable code region (see [`Sim::add_region`]).
    ///
    /// # Safety
    /// As [`Memory::add_region`].
    pub unsafe fn add_code_region(&mut self, base: u32, len: u32) -> Result<(), RegionError> {
        // SAFETY: forwarded from our caller.
        unsafe { self.add_region(base, len, Perms::RX) }
    }

    /// Forgets the region starting at `base` (and its decoded code).
    pub fn remove_region(&mut self, base: u32) -> bool {
        // The region's cache pages are recycled for code executed later.
        for c in self.code.iter().filter(|c| c.base == base) {
            self.free_pages
                .extend(c.pages.iter().copied().filter(|&p| p != NO_PAGE));
        }
        if let Some(c) = self.code.iter().find(|c| c.base == base) {
            let (lo, hi) = (c.base as u64, c.base as u64 + c.len as u64);
            self.tcache.retain(|&a, _| !(lo..hi).contains(&(a as u64)));
        }
        self.code.retain(|c| c.base != base);
        self.hot_start = 0;
        self.mem.remove_region(base).is_some()
    }

    /// Forgets decoded instructions in `[addr, addr + len)`: call after rewriting code
    /// (the simulator's equivalent of an instruction-cache flush). Guest stores into code
    /// regions do not invalidate by themselves.
    pub fn invalidate(&mut self, addr: u32, len: u32) {
        let end = addr as u64 + len as u64;
        if !self.tcache.is_empty() {
            // A T32 instruction may start up to 2 bytes before the range.
            let lo = (addr as u64).saturating_sub(2);
            self.tcache.retain(|&a, _| !(lo..end).contains(&(a as u64)));
        }
        for c in &mut self.code {
            let cend = c.base as u64 + c.len as u64;
            let lo = (addr as u64).max(c.base as u64);
            let hi = end.min(cend);
            let mut a = lo & !3;
            while a < hi {
                let page = ((a >> PAGE_SHIFT) - (c.base as u64 >> PAGE_SHIFT)) as usize;
                let slot = ((a >> 2) as usize) & (PAGE_SLOTS - 1);
                if let Some(&start) = c.pages.get(page) {
                    if start != NO_PAGE {
                        if let Some(d) = self.cache.get_mut(start as usize + slot) {
                            *d = Decoded::UNDECODED;
                        }
                    }
                }
                a += 4;
            }
        }
    }

    /// Makes a branch to `addr` call `f` on the host with AAPCS-VFP arguments; when `f`
    /// returns, its result goes to r0/r1 or d0 and execution continues at LR.
    /// `addr` must be word-aligned; it need not lie in any region.
    pub fn add_redirect(&mut self, addr: u32, f: HostFn) {
        let idx = self.host_fns.len();
        self.host_fns.push(f);
        self.redirects.insert(addr, idx);
        self.invalidate(addr, 4);
    }

    /// Calls `f` before every instruction (`None` turns tracing off).
    pub fn set_trace(&mut self, f: Option<TraceFn>) {
        self.trace = f;
    }

    /// Stops with [`FaultKind::StepLimit`] once `counters.instructions` reaches `limit`.
    pub fn set_step_limit(&mut self, limit: Option<u64>) {
        self.step_limit = limit;
    }

    /// Calls the guest function at `entry` with up to four integer arguments in r0–r3 and
    /// the rest on the stack (SP must point into writable memory), LR set to the magic
    /// return address; runs until it returns there. SP is restored afterwards.
    pub fn call(&mut self, entry: u32, args: &[u32]) -> Result<Outcome, Fault> {
        let args: Vec<Arg> = args.iter().map(|&a| Arg::I32(a)).collect();
        self.call_args(entry, &args)
    }

    /// Like [`Sim::call`], with integer, 64-bit and double arguments placed by AAPCS-VFP.
    pub fn call_args(&mut self, entry: u32, args: &[Arg]) -> Result<Outcome, Fault> {
        let mut cur = ArgCursor::default();
        let locs: Vec<Loc> = args
            .iter()
            .map(|a| match a {
                Arg::I32(_) => cur.next_u32(),
                Arg::I64(_) => cur.next_u64(),
                Arg::F64(_) => cur.next_f64(),
            })
            .collect();
        let old_sp = self.cpu.regs[13];
        let stack = (cur.stack_bytes() + 7) & !7;
        let sp = old_sp.wrapping_sub(stack);
        for (a, l) in args.iter().zip(&locs) {
            let bits = match *a {
                Arg::I32(v) => v as u64,
                Arg::I64(v) => v,
                Arg::F64(v) => v.to_bits(),
            };
            match *l {
                Loc::Core(r) => self.cpu.regs[r as usize] = bits as u32,
                Loc::CorePair(r) => {
                    self.cpu.regs[r as usize] = bits as u32;
                    self.cpu.regs[r as usize + 1] = (bits >> 32) as u32;
                }
                Loc::D(d) => self.cpu.d[d as usize] = bits,
                Loc::Stack(off) => {
                    let ok = if matches!(a, Arg::I32(_)) {
                        self.mem.write_u32(sp.wrapping_add(off), bits as u32)
                    } else {
                        self.mem.write_u64(sp.wrapping_add(off), bits)
                    };
                    if !ok {
                        return Err(Fault {
                            pc: entry,
                            addr: sp.wrapping_add(off),
                            kind: FaultKind::WildWrite { size: 4 },
                        });
                    }
                }
            }
        }
        self.cpu.regs[13] = sp;
        self.cpu.regs[14] = RETURN_MAGIC | u32::from(self.m_profile);
        self.cpu.regs[15] = entry;
        if self.m_profile && entry & 1 == 0 {
            return Err(Fault {
                pc: entry,
                addr: entry,
                kind: FaultKind::NotMProfile {
                    what: "call of an even (A32) address",
                },
            });
        }
        let r = self.run();
        if matches!(r, Ok(Outcome { stopped: None, .. })) {
            self.cpu.regs[13] = old_sp;
        }
        r
    }

    /// Runs from `cpu.regs[15]` until control reaches the magic return address
    /// ([`crate::RETURN_MAGIC`]), a host function stops, or a fault.
    /// On a fault, `cpu.regs[15]` is the faulting instruction's address.
    pub fn run(&mut self) -> Result<Outcome, Fault> {
        // Two copies of each loop, so that the common untraced one has no trace test. A
        // loop returns `None` when control changes instruction set (an odd pc is Thumb).
        loop {
            let thumb = self.cpu.regs[15] & 1 != 0 && self.cpu.regs[15] != RETURN_MAGIC;
            let pc = self.cpu.regs[15];
            if self.m_profile && !thumb && pc != RETURN_MAGIC && !self.redirects.contains_key(&pc) {
                return Err(Fault {
                    pc,
                    addr: pc,
                    kind: FaultKind::NotMProfile { what: "A32 code" },
                });
            }
            let r = match (thumb, self.trace.is_some()) {
                (false, true) => self.run_loop::<true>()?,
                (false, false) => self.run_loop::<false>()?,
                (true, true) => self.run_thumb::<true>()?,
                (true, false) => self.run_thumb::<false>()?,
            };
            if let Some(o) = r {
                return Ok(o);
            }
        }
    }

    fn run_loop<const TRACE: bool>(&mut self) -> Result<Option<Outcome>, Fault> {
        let limit = self.step_limit.unwrap_or(u64::MAX);
        // The pc lives in a local between instructions (a store and reload of regs[15]
        // per instruction lengthened the loop's dependency chain); regs[15] is written
        // wherever someone can look at it: before executing (as pc + 8), for the trace,
        // and at every exit.
        let mut pc = self.cpu.regs[15];
        loop {
            // The condition is read from the cache entry before the operation is copied
            // out (copying a whole `Option<Decoded>` went through overlapping stack stores
            // and stalled on store forwarding).
            let (cond, op, word) = match self.fetch_hot(pc) {
                Some(d) => (d.cond, d.op, d.word),
                None => {
                    self.cpu.regs[15] = pc;
                    if pc == RETURN_MAGIC {
                        return Ok(Some(self.outcome(None)));
                    }
                    if pc & 1 != 0 {
                        return Ok(None);
                    }
                    let d = self.fetch_slow(pc)?;
                    (d.cond, d.op, d.word)
                }
            };
            if self.counters.instructions >= limit {
                self.cpu.regs[15] = pc;
                return Err(Fault {
                    pc,
                    addr: pc,
                    kind: FaultKind::StepLimit,
                });
            }
            if TRACE {
                self.cpu.regs[15] = pc;
                if let Some(t) = self.trace.as_mut() {
                    t(pc, word, &self.cpu);
                }
            }
            self.counters.instructions += 1;
            if cond != 14 && !self.cpu.cond_passed(cond) {
                pc = pc.wrapping_add(4);
                continue;
            }
            self.cur_pc = pc;
            self.cpu.regs[15] = pc.wrapping_add(8);
            match self.exec(op, word) {
                Ok(Flow::Next) => pc = pc.wrapping_add(4),
                Ok(Flow::Jump(t)) => {
                    pc = t;
                    self.counters.branches_taken += 1;
                }
                // A stopping host function has set regs[15] (to LR).
                Ok(Flow::Stop(code)) => return Ok(Some(self.outcome(Some(code)))),
                Err(f) => {
                    self.cpu.regs[15] = pc;
                    return Err(f);
                }
            }
        }
    }

    pub(crate) fn outcome(&self, stopped: Option<u32>) -> Outcome {
        Outcome {
            r0: self.cpu.regs[0],
            r1: self.cpu.regs[1],
            d0: self.cpu.d[0],
            stopped,
        }
    }

    /// The cached decoded instruction at `pc` if it is in the page of the last fetch.
    #[inline(always)]
    fn fetch_hot(&self, pc: u32) -> Option<&Decoded> {
        let off = pc.wrapping_sub(self.hot_base);
        // One test for "inside the hot page and word-aligned".
        if off & !((1 << PAGE_SHIFT) - 4) != 0 {
            return None;
        }
        let d = self.cache.get(self.hot_start + (off >> 2) as usize)?;
        if d.op == Op::Undecoded {
            None
        } else {
            Some(d)
        }
    }

    #[cold]
    fn fetch_slow(&mut self, pc: u32) -> Result<Decoded, Fault> {
        let outside = Fault {
            pc,
            addr: pc,
            kind: FaultKind::JumpOutsideCode,
        };
        let region = self
            .code
            .iter()
            .position(|c| pc >= c.base && ((pc - c.base) as u64) + 4 <= c.len as u64);
        let Some(ri) = region else {
            if let Some(&i) = self.redirects.get(&pc) {
                return Ok(Decoded {
                    cond: 14,
                    op: Op::Redirect(i as u32),
                    word: 0,
                });
            }
            return Err(outside);
        };
        if pc & 3 != 0 {
            return Err(Fault {
                pc,
                addr: pc,
                kind: FaultKind::MisalignedBranch,
            });
        }
        let c = &self.code[ri];
        let page = ((pc >> PAGE_SHIFT) - (c.base >> PAGE_SHIFT)) as usize;
        let slot = ((pc >> 2) as usize) & (PAGE_SLOTS - 1);
        let d = match self.redirects.get(&pc) {
            Some(&i) => Decoded {
                cond: 14,
                op: Op::Redirect(i as u32),
                word: 0,
            },
            None => {
                let Some(word) = self.mem.read_u32(pc) else {
                    return Err(outside);
                };
                decode(word)
            }
        };
        let Some(p) = self.code[ri].pages.get_mut(page) else {
            return Err(outside);
        };
        if *p == NO_PAGE {
            match self.free_pages.pop() {
                Some(start) => {
                    *p = start;
                    let start = start as usize;
                    if let Some(page) = self.cache.get_mut(start..start + PAGE_SLOTS) {
                        page.fill(Decoded::UNDECODED);
                    }
                }
                None => {
                    *p = self.cache.len() as u32;
                    self.cache
                        .resize(self.cache.len() + PAGE_SLOTS, Decoded::UNDECODED);
                }
            }
        }
        let start = *p as usize;
        if let Some(s) = self.cache.get_mut(start + slot) {
            *s = d;
        }
        self.hot_base = pc & !((1 << PAGE_SHIFT) - 1);
        self.hot_start = start;
        Ok(d)
    }

    /// A fault at the current instruction.
    #[inline]
    pub(crate) fn fault(&self, addr: u32, kind: FaultKind) -> Fault {
        Fault {
            pc: self.cur_pc,
            addr,
            kind,
        }
    }

    /// Register read as an instruction sees it (r15 reads as the instruction address + 8).
    #[inline]
    pub(crate) fn r(&self, n: u8) -> u32 {
        self.cpu.regs[n as usize & 15]
    }

    /// BXWritePC (ARM ARM A2.3.2): also used for ALUWritePC and LoadWritePC in ARMv7.
    pub(crate) fn bx_write_pc(&self, target: u32) -> Result<Flow, Fault> {
        if target & 1 != 0 {
            // Interworking to Thumb: the run loop switches on the odd address.
            Ok(Flow::Jump(target))
        } else if target & 2 != 0 {
            Err(self.fault(target, FaultKind::MisalignedBranch))
        } else {
            Ok(Flow::Jump(target))
        }
    }

    #[inline(always)]
    pub(crate) fn exec(&mut self, op: Op, word: u32) -> Result<Flow, Fault> {
        match op {
            Op::Dp { op, s, rd, rn, op2 } => self.exec_dp(op, s, rd, rn, op2),
            Op::Movw { rd, imm } => {
                self.cpu.regs[rd as usize & 15] = imm as u32;
                Ok(Flow::Next)
            }
            Op::Movt { rd, imm } => {
                let r = &mut self.cpu.regs[rd as usize & 15];
                *r = (*r & 0xFFFF) | (imm as u32) << 16;
                Ok(Flow::Next)
            }
            Op::Branch { off, link } => {
                let pc = self.cur_pc;
                if link {
                    self.cpu.regs[14] = pc.wrapping_add(4);
                }
                Ok(Flow::Jump(pc.wrapping_add(8).wrapping_add(off as u32)))
            }
            Op::BlxImm { off } => {
                let pc = self.cur_pc;
                self.cpu.regs[14] = pc.wrapping_add(4);
                Ok(Flow::Jump(pc.wrapping_add(8).wrapping_add(off as u32) | 1))
            }
            Op::Bx { rm, link } => {
                let t = self.r(rm);
                if link {
                    self.cpu.regs[14] = self.cur_pc.wrapping_add(4);
                }
                self.bx_write_pc(t)
            }
            Op::Mul { .. } | Op::MulLong { .. } | Op::Div { .. } | Op::Clz { .. } => {
                self.exec_mul(&op)
            }
            Op::Mrs { rd } => {
                self.cpu.regs[rd as usize & 15] = self.cpu.nzcv;
                Ok(Flow::Next)
            }
            Op::Msr { rn } => {
                self.cpu.nzcv = self.r(rn) & crate::cpu::NZCV_MASK;
                Ok(Flow::Next)
            }
            Op::Load { size, rt, am } => self.exec_load(size, rt, am),
            Op::Store { size, rt, am } => self.exec_store(size, rt, am),
            Op::Ldrd { .. } | Op::Strd { .. } | Op::Ldm { .. } | Op::Stm { .. } => {
                self.exec_mem(&op)
            }
            Op::Nop => Ok(Flow::Next),
            Op::Redirect(i) => self.exec_redirect(i),
            Op::Fault(k) => Err(self.fault(self.cur_pc, k.to_kind(word))),
            Op::Undecoded => Err(self.fault(self.cur_pc, FaultKind::Unsupported { word })),
            _ => self.exec_vfp(&op),
        }
    }

    fn exec_redirect(&mut self, i: u32) -> Result<Flow, Fault> {
        let addr = self.cur_pc;
        self.counters.host_calls += 1;
        let Some(f) = self.host_fns.get_mut(i as usize) else {
            return Err(self.fault(addr, FaultKind::JumpOutsideCode));
        };
        let mut call = HostCall::new(&mut self.cpu, &self.mem, addr);
        let ret = f(&mut call)?;
        match ret {
            HostRet::Void => {}
            HostRet::I32(v) => self.cpu.regs[0] = v,
            HostRet::I64(v) => {
                self.cpu.regs[0] = v as u32;
                self.cpu.regs[1] = (v >> 32) as u32;
            }
            HostRet::F64(v) => self.cpu.set_f64(0, v),
            HostRet::Stop(code) => {
                self.cpu.regs[15] = self.cpu.regs[14];
                return Ok(Flow::Stop(code));
            }
        }
        let lr = self.cpu.regs[14];
        self.bx_write_pc(lr)
    }
}
