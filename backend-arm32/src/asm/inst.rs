//! The typed A32 instruction ([`Inst`]). Every variant carries its condition; forms that are
//! unconditional in the architecture (BLX imm, BKPT, UDF) have none.

use super::{Addr, Cond, DReg, Operand2, Reg, RegList, SReg};

/// Data-processing opcodes (ARM ARM A5.2.1, bits 24:21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DpOp {
    And = 0,
    Eor = 1,
    Sub = 2,
    Rsb = 3,
    Add = 4,
    Adc = 5,
    Sbc = 6,
    Rsc = 7,
    Tst = 8,
    Teq = 9,
    Cmp = 10,
    Cmn = 11,
    Orr = 12,
    Mov = 13,
    Bic = 14,
    Mvn = 15,
}

impl DpOp {
    /// All sixteen opcodes, in encoding order.
    pub const ALL: [DpOp; 16] = [
        DpOp::And,
        DpOp::Eor,
        DpOp::Sub,
        DpOp::Rsb,
        DpOp::Add,
        DpOp::Adc,
        DpOp::Sbc,
        DpOp::Rsc,
        DpOp::Tst,
        DpOp::Teq,
        DpOp::Cmp,
        DpOp::Cmn,
        DpOp::Orr,
        DpOp::Mov,
        DpOp::Bic,
        DpOp::Mvn,
    ];

    /// The lower-case mnemonic.
    pub fn name(self) -> &'static str {
        [
            "and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "tst", "teq", "cmp", "cmn",
            "orr", "mov", "bic", "mvn",
        ][self as usize]
    }

    /// TST/TEQ/CMP/CMN: no destination, always set flags.
    pub fn is_compare(self) -> bool {
        matches!(self, DpOp::Tst | DpOp::Teq | DpOp::Cmp | DpOp::Cmn)
    }

    /// MOV/MVN: no first operand.
    pub fn is_move(self) -> bool {
        matches!(self, DpOp::Mov | DpOp::Mvn)
    }
}

/// Long multiplies (ARM ARM A5.2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LongMulOp {
    Umull = 4,
    Umlal = 5,
    Smull = 6,
    Smlal = 7,
}

/// Single loads and stores (ARM ARM A5.3 word/byte, A5.2.8 extra load/store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemOp {
    Ldr,
    Str,
    Ldrb,
    Strb,
    Ldrh,
    Strh,
    Ldrsb,
    Ldrsh,
    /// Doubleword: `rt` must be even and not r14; the second register is rt+1.
    Ldrd,
    /// Doubleword store; see [`MemOp::Ldrd`].
    Strd,
}

impl MemOp {
    /// All memory ops.
    pub const ALL: [MemOp; 10] = [
        MemOp::Ldr,
        MemOp::Str,
        MemOp::Ldrb,
        MemOp::Strb,
        MemOp::Ldrh,
        MemOp::Strh,
        MemOp::Ldrsb,
        MemOp::Ldrsh,
        MemOp::Ldrd,
        MemOp::Strd,
    ];

    /// The lower-case mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            MemOp::Ldr => "ldr",
            MemOp::Str => "str",
            MemOp::Ldrb => "ldrb",
            MemOp::Strb => "strb",
            MemOp::Ldrh => "ldrh",
            MemOp::Strh => "strh",
            MemOp::Ldrsb => "ldrsb",
            MemOp::Ldrsh => "ldrsh",
            MemOp::Ldrd => "ldrd",
            MemOp::Strd => "strd",
        }
    }

    /// Word/byte forms (12-bit immediate, scaled register offsets allowed).
    pub fn is_word_byte(self) -> bool {
        matches!(self, MemOp::Ldr | MemOp::Str | MemOp::Ldrb | MemOp::Strb)
    }

    /// Does this op load?
    pub fn is_load(self) -> bool {
        matches!(
            self,
            MemOp::Ldr | MemOp::Ldrb | MemOp::Ldrh | MemOp::Ldrsb | MemOp::Ldrsh | MemOp::Ldrd
        )
    }
}

/// Block transfer addressing (ARM ARM A5.5): increment/decrement, after/before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockMode {
    Ia,
    Ib,
    Da,
    Db,
}

/// VFP three-register arithmetic (ARM ARM A7.5, table A7-16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VArithOp {
    Vadd,
    Vsub,
    Vmul,
    Vdiv,
}

/// VFP two-register operations (ARM ARM A7.5, table A7-17).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VUnaryOp {
    Vmov,
    Vabs,
    Vneg,
    Vsqrt,
}

/// Conversions between f64 and 32-bit integers held in an S register (ARM ARM A8.8.306).
/// Float-to-integer conversions round toward zero (the `vcvt` form, not `vcvtr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VcvtOp {
    /// `vcvt.f64.s32 dd, sm`
    F64FromS32,
    /// `vcvt.f64.u32 dd, sm`
    F64FromU32,
    /// `vcvt.s32.f64 sd, dm`
    S32FromF64,
    /// `vcvt.u32.f64 sd, dm`
    U32FromF64,
}

/// One A32 instruction. Branch offsets are byte offsets from the instruction's address + 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Inst {
    /// Data processing. For compares `rd` is ignored and `s` is implied; for moves `rn` is
    /// ignored.
    Dp {
        cond: Cond,
        op: DpOp,
        s: bool,
        rd: Reg,
        rn: Reg,
        op2: Operand2,
    },
    /// `movw rd, #imm16` (low half, clears the top).
    Movw { cond: Cond, rd: Reg, imm: u16 },
    /// `movt rd, #imm16` (top half, keeps the bottom).
    Movt { cond: Cond, rd: Reg, imm: u16 },
    /// `mul rd, rn, rm`
    Mul {
        cond: Cond,
        s: bool,
        rd: Reg,
        rn: Reg,
        rm: Reg,
    },
    /// `mla rd, rn, rm, ra` (rd = rn*rm + ra)
    Mla {
        cond: Cond,
        s: bool,
        rd: Reg,
        rn: Reg,
        rm: Reg,
        ra: Reg,
    },
    /// `mls rd, rn, rm, ra` (rd = ra - rn*rm)
    Mls {
        cond: Cond,
        rd: Reg,
        rn: Reg,
        rm: Reg,
        ra: Reg,
    },
    /// `umull/umlal/smull/smlal rdlo, rdhi, rn, rm`
    LongMul {
        cond: Cond,
        op: LongMulOp,
        s: bool,
        rdlo: Reg,
        rdhi: Reg,
        rn: Reg,
        rm: Reg,
    },
    /// `sdiv rd, rn, rm` (or `udiv` when `signed` is false). Needs the divide extension.
    Div {
        cond: Cond,
        signed: bool,
        rd: Reg,
        rn: Reg,
        rm: Reg,
    },
    /// `clz rd, rm`
    Clz { cond: Cond, rd: Reg, rm: Reg },
    /// Single load/store; for doublewords `rt` is the even first register.
    Mem {
        cond: Cond,
        op: MemOp,
        rt: Reg,
        addr: Addr,
    },
    /// `ldm/stm{mode} rn{!}, {regs}`.
    Block {
        cond: Cond,
        load: bool,
        mode: BlockMode,
        rn: Reg,
        writeback: bool,
        regs: RegList,
    },
    /// `b` (or `bl` when `link`) to this instruction's address + 8 + `offset`.
    B { cond: Cond, link: bool, offset: i32 },
    /// `blx #offset` (switches to Thumb; offset is a multiple of 2).
    BlxImm { offset: i32 },
    /// `bx rm`
    Bx { cond: Cond, rm: Reg },
    /// `blx rm`
    BlxReg { cond: Cond, rm: Reg },
    /// `vldr dd, [rn, #offset]` (offset a multiple of 4 within ±1020).
    Vldr {
        cond: Cond,
        dd: DReg,
        rn: Reg,
        offset: i32,
    },
    /// `vstr dd, [rn, #offset]`
    Vstr {
        cond: Cond,
        dd: DReg,
        rn: Reg,
        offset: i32,
    },
    /// `vmov sn, rt`
    VmovToS { cond: Cond, sn: SReg, rt: Reg },
    /// `vmov rt, sn`
    VmovFromS { cond: Cond, rt: Reg, sn: SReg },
    /// `vmov dm, rt, rt2` (rt is the low word)
    VmovToD {
        cond: Cond,
        dm: DReg,
        rt: Reg,
        rt2: Reg,
    },
    /// `vmov rt, rt2, dm`
    VmovFromD {
        cond: Cond,
        rt: Reg,
        rt2: Reg,
        dm: DReg,
    },
    /// `vadd/vsub/vmul/vdiv.f64 dd, dn, dm`
    VArith {
        cond: Cond,
        op: VArithOp,
        dd: DReg,
        dn: DReg,
        dm: DReg,
    },
    /// `vmov/vabs/vneg/vsqrt.f64 dd, dm`
    VUnary {
        cond: Cond,
        op: VUnaryOp,
        dd: DReg,
        dm: DReg,
    },
    /// `vcmp{e}.f64 dd, dm`, or against `#0.0` when `dm` is `None`.
    Vcmp {
        cond: Cond,
        e: bool,
        dd: DReg,
        dm: Option<DReg>,
    },
    /// `vmrs APSR_nzcv, fpscr` (copies the FP flags to the core flags).
    VmrsNzcv { cond: Cond },
    /// VCVT between f64 and s32/u32; `d` is the double, `s` the integer side.
    Vcvt {
        cond: Cond,
        op: VcvtOp,
        d: DReg,
        s: SReg,
    },
    /// `bkpt #imm16`
    Bkpt { imm: u16 },
    /// `udf #imm16` (permanently undefined)
    Udf { imm: u16 },
}
