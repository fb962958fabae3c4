//! The scheduler-registers block: the X register file plus the words compiled code and the
//! runtime hand to each other (docs/beam-machine.md §1).
//!
//! Compiled code keeps a pointer `S` to x0 in a pinned register. X register `i` is at
//! `S + 4*i`, and the hand-off fields sit just below x0 at small negative offsets, so every
//! field and all 1024 X registers are one A32 LDR/STR with an immediate offset (±4095).
//!
//! This module is the single definition of the layout: the IR lowering (`beam_ir::machine`)
//! takes its offsets from here, so generated code and the runtime cannot disagree.

use crate::process::MAX_X_REGS;

/// A hand-off field of the block, at a fixed negative byte offset from x0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Field {
    /// Heap top (`HTOP`) saved when compiled code leaves to the runtime or the scheduler.
    Htop = -4,
    /// Erlang stack pointer (`E`, the lowest used stack word) saved likewise.
    E = -8,
    /// Reductions left in the slice (`FCALLS`).
    Fcalls = -12,
    /// Continuation pointer (`CP`): where a `return` goes.
    Cp = -16,
    /// Code address to resume the process at (BEAM's `p->i`).
    Resume = -20,
    /// Number of live X registers at a yield, GC or runtime call.
    Live = -24,
    /// The argument of a step code: the halt status, the exit reason, a timeout.
    StepArg = -28,
    /// The exception class/reason being raised (BEAM's `freason`/`fvalue`).
    ExcReason = -32,
    ExcValue = -36,
    /// The address of the process-entry fragment's return path.
    ExitPath = -40,
    /// The step code compiled code leaves with after a runtime call raised or halted
    /// (the runtime sets it; the code returns it to the scheduler).
    Pending = -44,
    /// The value the first function of a process returned (kept by `normal_exit`, so the
    /// `beam` command and tests can show what `MODULE:FUNCTION(...)` returned).
    Result = -48,
    /// The running process's pid term (the creator recorded in funs it builds).
    SelfPid = -52,
    /// The receive position: index of the next message `loop_rec` looks at.
    RecvIdx = -56,
    /// Where a `receive ... after` continues when its timeout fires (with `Resume` the
    /// address for a new message).
    TimeoutResume = -60,
    /// Where the pending exception was raised, for its stack trace: the address of the
    /// failing IR segment (written by its failure path), or in template code the return
    /// address of the last runtime call (written after every call). The runtime clears it
    /// when it makes an exception pending.
    ExcCode = -64,
    /// The BEAM instruction (its index in the function) that raised, written with
    /// `ExcCode` by IR failure paths; `u32::MAX` when not known (template code: the
    /// address says which instruction).
    ExcPos = -68,
    /// Guest address of the running process's queued message terms, oldest first
    /// (`mailbox::View`): `loop_rec` loads message `RecvIdx` from here...
    RecvBase = -72,
    /// ...when `RecvIdx < RecvLen`; otherwise it asks the runtime.
    RecvLen = -76,
    /// The return address of the BIF call in progress (the code's LR at `rt_bif`), for
    /// `process_info(self(), current_function)`: the native shim stores it with one
    /// `str` (a thread-local set and restore cost about 23 M instructions over
    /// 100,000 ETS operations); 0 when the BIF was reached through `apply`.
    BifSite = -80,
}

impl Field {
    /// Every field, for layout checks.
    pub const ALL: [Field; 20] = [
        Field::Htop,
        Field::E,
        Field::Fcalls,
        Field::Cp,
        Field::Resume,
        Field::Live,
        Field::StepArg,
        Field::ExcReason,
        Field::ExcValue,
        Field::ExitPath,
        Field::Pending,
        Field::Result,
        Field::SelfPid,
        Field::RecvIdx,
        Field::TimeoutResume,
        Field::ExcCode,
        Field::ExcPos,
        Field::RecvBase,
        Field::RecvLen,
        Field::BifSite,
    ];

    /// Byte offset from x0.
    pub const fn offset(self) -> i32 {
        self as i32
    }
}

/// Bytes of header below x0 (a multiple of 8 so x0 keeps the block's alignment).
pub const HEADER_BYTES: u32 = 80;

/// Bytes of the whole block.
pub const BLOCK_BYTES: u32 = HEADER_BYTES + 4 * MAX_X_REGS as u32;

/// Byte offset of X register `i` from x0.
pub const fn x_offset(i: u32) -> i32 {
    4 * i as i32
}

/// How compiled code left to the scheduler: the step code a segment returns.
/// The argument, where there is one, is in [`Field::StepArg`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum StepCode {
    /// Reductions spent: resume at [`Field::Resume`] with [`Field::Live`] X registers.
    Yield = 1,
    /// Wait for a message in `receive` (timeout in `StepArg`, `u32::MAX` = infinity).
    Wait = 2,
    /// The process ends; the reason term is in `StepArg`.
    Exit = 3,
    /// `erlang:halt/1,2`: the whole VM stops with the status in `StepArg`.
    Halt = 4,
    /// An exception nobody caught: class and reason in `ExcReason`/`ExcValue`.
    Error = 5,
}

impl StepCode {
    /// The step code a segment returned, or `None` for a value no segment may return.
    pub fn from_u32(v: u32) -> Option<StepCode> {
        Some(match v {
            1 => StepCode::Yield,
            2 => StepCode::Wait,
            3 => StepCode::Exit,
            4 => StepCode::Halt,
            5 => StepCode::Error,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn fields_are_distinct_aligned_words_inside_the_header() {
        let mut seen = HashSet::new();
        for f in Field::ALL {
            let off = f.offset();
            assert!(off < 0 && off % 4 == 0, "{f:?} at {off}");
            assert!(
                -off <= HEADER_BYTES as i32,
                "{f:?} at {off} is below the header"
            );
            assert!(seen.insert(off), "{f:?} shares offset {off}");
        }
        assert_eq!(HEADER_BYTES % 8, 0);
    }

    #[test]
    fn every_slot_is_one_a32_immediate_away() {
        // LDR/STR (immediate) reach ±4095 bytes (ARM ARM A8.8.63): all X registers and
        // all fields must be one instruction from the pinned pointer.
        assert!(x_offset(MAX_X_REGS as u32 - 1) <= 4095);
        assert!(Field::ALL.iter().all(|f| f.offset() >= -4095));
    }

    #[test]
    fn step_codes_round_trip() {
        for c in [
            StepCode::Yield,
            StepCode::Wait,
            StepCode::Exit,
            StepCode::Halt,
            StepCode::Error,
        ] {
            assert_eq!(StepCode::from_u32(c as u32), Some(c));
        }
        assert_eq!(StepCode::from_u32(0), None);
        assert_eq!(StepCode::from_u32(6), None);
    }
}
