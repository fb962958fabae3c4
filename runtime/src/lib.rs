//! The BEAM runtime for 32-bit targets.

pub mod code_memory;
