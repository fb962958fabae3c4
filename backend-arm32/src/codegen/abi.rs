//! Register conventions (see docs/abi.md). For now every compiled function uses the AAPCS
//! integer convention: arguments and results in r0–r3, r4–r11 callee-saved, r12 (ip) the
//! scratch register outside the allocator (it carries spill/reload moves that regalloc2
//! cannot do in one instruction and the value tests of conditional branches).

use regalloc2::{MachineEnv, PReg, RegClass};

/// Integer argument/result registers (AAPCS: r0–r3).
pub const INT_ARG_REGS: [u8; 4] = [0, 1, 2, 3];

/// The scratch register kept outside the allocator.
pub const SCRATCH: u8 = 12;

/// Callee-saved registers the allocator may hand out (AAPCS: r4–r11).
pub const CALLEE_SAVED: [u8; 8] = [4, 5, 6, 7, 8, 9, 10, 11];

/// The core register `n` as a regalloc2 physical register.
pub fn preg(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Int)
}

/// The allocator's view of the machine: caller-saved r0–r3 preferred (no save needed),
/// then r4–r11 (saved in the prologue when used). sp, lr, pc and r12 are never allocated.
pub fn machine_env() -> MachineEnv {
    MachineEnv {
        preferred_regs_by_class: [(0..4).map(preg).collect(), vec![], vec![]],
        non_preferred_regs_by_class: [
            CALLEE_SAVED.iter().map(|&r| preg(r)).collect(),
            vec![],
            vec![],
        ],
        scratch_by_class: [Some(preg(SCRATCH)), None, None],
        fixed_stack_slots: vec![],
    }
}
