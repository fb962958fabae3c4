//! Cranelift IR for BEAM code: the BEAM machine model, the lowering of specific
//! instructions to SSA, and the mid-end pipeline that runs before the ARM32 backend.

pub mod lower;
pub mod machine;
pub mod mid_end;
pub mod rtcall;
pub mod tags;
