//! Guest faults: everything that stops simulated code other than a normal return.
//!
//! A fault never crashes the host: every guest memory access is checked against the
//! registered regions before the host touches it.

/// Why the guest stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultKind {
    /// A load from an address outside every readable region.
    #[error("read of {size} bytes outside mapped memory")]
    WildRead { size: u32 },
    /// A store to an address outside every writable region.
    #[error("write of {size} bytes outside writable memory")]
    WildWrite { size: u32 },
    /// LDRD/STRD, LDM/STM, VLDR/VSTR/VLDM/VSTM need a word-aligned address even with
    /// SCTLR.A = 0 (ARM ARM DDI 0406C A3.2.1); LDR/STR/LDRH/STRH may be unaligned.
    #[error("unaligned access of {size} bytes")]
    Unaligned { size: u32 },
    /// The word is UNDEFINED in ARMv7-A A32 with VFPv3-D16 (or UDF).
    #[error("undefined instruction {word:#010x}")]
    Undefined { word: u32 },
    /// The word is a valid ARMv7 instruction this simulator does not implement.
    #[error("unsupported instruction {word:#010x}")]
    Unsupported { word: u32 },
    /// The ARM ARM calls this encoding (with these operands) UNPREDICTABLE.
    #[error("unpredictable instruction {word:#010x}")]
    Unpredictable { word: u32 },
    /// BKPT #imm.
    #[error("breakpoint #{imm}")]
    Breakpoint { imm: u16 },
    /// Control reached an address that is neither in a code region nor a redirect.
    #[error("jump outside code")]
    JumpOutsideCode,
    /// An interworking branch to an odd address: Thumb state is not simulated.
    #[error("branch to Thumb state (odd address) is not supported")]
    ThumbNotSupported,
    /// M-profile mode ([`crate::Sim::set_m_profile`]): a branch to an even address (A32
    /// state, which ARMv7-M does not have: an INVSTATE UsageFault there), or an
    /// A-profile-only instruction (`BLX imm`).
    #[error("A-profile only (ARMv7-M has no A32 state): {what}")]
    NotMProfile { what: &'static str },
    /// An interworking branch to an address with bits [1:0] = 0b10 (UNPREDICTABLE).
    #[error("branch to a misaligned ARM address")]
    MisalignedBranch,
    /// The instruction budget set with `Sim::set_step_limit` ran out.
    #[error("step limit reached")]
    StepLimit,
    /// A host function (redirect) reported an error.
    #[error("host function failed: {0}")]
    Host(String),
}

/// A guest fault: the faulting instruction's address, the data address involved (for
/// memory faults; otherwise the target or the pc) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("guest fault at pc {pc:#010x} (address {addr:#010x}): {kind}")]
pub struct Fault {
    pub pc: u32,
    pub addr: u32,
    pub kind: FaultKind,
}
