//! The A32 assembler.
