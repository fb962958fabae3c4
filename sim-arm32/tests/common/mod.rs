//! Test fixture: one low mapping split into code, data and stack regions.
#![allow(dead_code)]

use sim_arm32::host_mem::LowMapping;
use sim_arm32::{Perms, Sim};

pub const CODE_SIZE: u32 = 64 * 1024;
pub const DATA_SIZE: u32 = 64 * 1024;
pub const STACK_SIZE: u32 = 64 * 1024;

pub struct Env {
    pub sim: Sim,
    pub map: LowMapping,
    pub code: u32,
    pub data: u32,
    pub stack_top: u32,
}

impl Env {
    pub fn new() -> Env {
        let map =
            LowMapping::new((CODE_SIZE + DATA_SIZE + STACK_SIZE) as usize).expect("low mapping");
        let code = map.addr();
        let data = code + CODE_SIZE;
        let stack = data + DATA_SIZE;
        let mut sim = Sim::new();
        // SAFETY: all three ranges lie inside `map`, which lives as long as `sim` in Env
        // (and Env drops `sim` before `map`: fields drop in declaration order).
        unsafe {
            sim.add_code_region(code, CODE_SIZE).unwrap();
            sim.add_region(data, DATA_SIZE, Perms::RW).unwrap();
            sim.add_region(stack, STACK_SIZE, Perms::RW).unwrap();
        }
        sim.cpu.regs[13] = stack + STACK_SIZE;
        Env {
            sim,
            map,
            code,
            data,
            stack_top: stack + STACK_SIZE,
        }
    }

    /// Writes `words` at code offset `off` (bytes) and invalidates them.
    pub fn load(&mut self, off: u32, words: &[u32]) -> u32 {
        let addr = self.code + off;
        let bytes = self.map.as_mut_slice();
        for (i, w) in words.iter().enumerate() {
            let o = off as usize + 4 * i;
            bytes[o..o + 4].copy_from_slice(&w.to_le_bytes());
        }
        self.sim.invalidate(addr, 4 * words.len() as u32);
        addr
    }

    pub fn data_u32(&self, off: u32) -> u32 {
        let o = (self.data - self.code + off) as usize;
        u32::from_le_bytes(self.map.as_slice()[o..o + 4].try_into().unwrap())
    }

    pub fn set_data_u32(&mut self, off: u32, v: u32) {
        let o = (self.data - self.code + off) as usize;
        self.map.as_mut_slice()[o..o + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Runs `words` (which should end with `bx lr`) as a function with `args`.
    pub fn run(
        &mut self,
        words: &[u32],
        args: &[u32],
    ) -> Result<sim_arm32::Outcome, sim_arm32::Fault> {
        let entry = self.load(0, words);
        self.sim.call(entry, args)
    }
}

pub const BX_LR: u32 = 0xe12fff1e;
