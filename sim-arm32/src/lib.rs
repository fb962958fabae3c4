//! An in-process ARMv7-A simulator (A32, T32 and VFPv3-D16).
//!
//! Guest addresses are host addresses: everything guest code may touch lives in host
//! memory mapped below 4 GiB ([`host_mem`]), so a 32-bit guest pointer can be
//! dereferenced by the host as it is, and runtime code written in Rust works unchanged
//! whether the generated code runs here or natively on ARM.
//!
//! Usage: create a [`Sim`], register memory with [`Sim::add_region`] (data) and code
//! with [`Sim::add_code_region`], register host functions with [`Sim::add_redirect`],
//! set SP (`sim.cpu.regs[13]`) and run guest functions with [`Sim::call`] /
//! [`Sim::call_args`]. Every guest memory access is checked; anything wrong ends the run
//! with a [`Fault`] (pc, address, [`FaultKind`]) instead of touching host memory.
//!
//! Semantics follow the ARM Architecture Reference Manual ARMv7-A/R (DDI 0406C), user
//! mode, ARM and Thumb state: T32 (Thumb-2) code runs when control reaches an odd address
//! (BX/BLX/POP {pc}/LDR pc, BLX immediate, or [`Sim::call`] with an odd entry), see
//! `sim_thumb.rs`.
//! Instructions the ARM ARM calls UNPREDICTABLE fault with [`FaultKind::Unpredictable`]
//! where the decoder recognises them (PC operands of multiplies, writeback to the
//! loaded register, ...), instead of guessing a behaviour.

mod cpu;
mod decode;
mod decode_t32;
mod decode_vfp;
mod exec_dp;
mod exec_mem;
mod fault;
pub mod host_mem;
mod memory;
mod redirect;
mod sim;
mod sim_thumb;
mod vfp;

pub use cpu::{
    Cpu, C, FPSCR_DN, FPSCR_DZC, FPSCR_FZ, FPSCR_IDC, FPSCR_IOC, FPSCR_IXC, FPSCR_OFC, FPSCR_UFC,
    N, NZCV_MASK, V, Z,
};
pub use fault::{Fault, FaultKind};
pub use memory::{Memory, Perms, Region, RegionError};
pub use redirect::{Arg, HostCall, HostFn, HostRet};
pub use sim::{Counters, Outcome, Sim, TraceFn};

/// The return address [`Sim::call`] puts in LR: reaching it ends the run. It is never
/// inside a registered region (registration refuses that).
pub const RETURN_MAGIC: u32 = 0xFFFF_FFF0;
