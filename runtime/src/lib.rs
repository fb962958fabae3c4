//! The BEAM runtime for 32-bit targets.

pub mod atom;
pub mod code_memory;
pub mod ops;
pub mod term;
