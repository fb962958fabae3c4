//! The code generator for Cranelift IR.
