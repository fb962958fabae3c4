//! An in-process ARMv7-A simulator (A32 and VFPv3-D16).
//!
//! Guest addresses are host addresses: everything guest code may touch lives in host
//! memory mapped below 4 GiB ([`host_mem`]), so a 32-bit guest pointer can be
//! dereferenced by the host as it is, and runtime code written in Rust works unchanged
//! whether the generated code runs here or natively on ARM.

pub mod host_mem;
