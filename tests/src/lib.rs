//! Shared helpers for the cross-crate tests.
pub mod erl;
pub mod progfuzz;
