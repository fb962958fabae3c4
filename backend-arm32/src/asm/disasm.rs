//! Text for instructions, in GNU objdump's unified syntax (`-marm`, standard register
//! names r10 = sl, r11 = fp, r12 = ip), without objdump's `@ comment` tails. Branch targets
//! are printed as absolute addresses, as objdump does.

use super::decode::decode;
use super::inst::{BlockMode, DpOp, Inst, LongMulOp, MemOp, VArithOp, VUnaryOp, VcvtOp};
use super::{encode_imm, Addr, DReg, Index, MemOffset, Operand2, Reg, RegList, SReg};
use std::fmt::Write;

/// Text for the word at address `addr`; words the decoder does not know print as
/// `.word 0x........`.
pub fn disassemble(word: u32, addr: u32) -> String {
    match decode(word) {
        Some(inst) => format_inst(&inst, addr),
        None => format!(".word\t{word:#010x}"),
    }
}

/// Name of a core register as objdump prints it.
pub fn reg_name(r: Reg) -> &'static str {
    [
        "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "sl", "fp", "ip", "sp", "lr",
        "pc",
    ][r.num() as usize]
}

fn d(r: DReg) -> String {
    format!("d{}", r.num())
}
fn s(r: SReg) -> String {
    format!("s{}", r.num())
}

fn op2_text(op2: Operand2) -> String {
    match op2 {
        // Like objdump: a rotation other than the smallest possible one is printed
        // explicitly ("#imm8, rot") since the value alone would re-encode differently.
        Operand2::Imm(i) => match encode_imm(i.value()) {
            Some(canon) if canon.rot == i.rot => format!("#{}", i.value() as i32),
            _ => format!("#{}, {}", i.imm8, 2 * u32::from(i.rot)),
        },
        Operand2::Reg(rm) => reg_name(rm).to_string(),
        Operand2::RegShiftImm { rm, shift, amount } => {
            format!("{}, {} #{}", reg_name(rm), shift.name(), amount)
        }
        Operand2::Rrx(rm) => format!("{}, rrx", reg_name(rm)),
        Operand2::RegShiftReg { rm, shift, rs } => {
            format!("{}, {} {}", reg_name(rm), shift.name(), reg_name(rs))
        }
    }
}

fn addr_text(a: Addr) -> String {
    let base = reg_name(a.base);
    let off = match a.offset {
        MemOffset::Imm { neg: false, imm: 0 } if a.index == Index::Offset => None,
        MemOffset::Imm { neg, imm } => Some(format!("#{}{}", if neg { "-" } else { "" }, imm)),
        MemOffset::Reg { neg, rm } => {
            Some(format!("{}{}", if neg { "-" } else { "" }, reg_name(rm)))
        }
        MemOffset::ScaledReg {
            neg,
            rm,
            shift,
            amount,
        } => Some(format!(
            "{}{}, {} #{}",
            if neg { "-" } else { "" },
            reg_name(rm),
            shift.name(),
            amount
        )),
    };
    match (a.index, off) {
        (_, None) => format!("[{base}]"),
        (Index::Offset, Some(o)) => format!("[{base}, {o}]"),
        (Index::PreWriteback, Some(o)) => format!("[{base}, {o}]!"),
        (Index::Post, Some(o)) => format!("[{base}], {o}"),
    }
}

fn reglist_text(l: RegList) -> String {
    let names: Vec<&str> = (0..16u32)
        .filter(|i| l.0 & (1 << i) != 0)
        .map(|i| reg_name(Reg::masked(i)))
        .collect();
    format!("{{{}}}", names.join(", "))
}

/// Text for one instruction at address `addr`.
pub fn format_inst(inst: &Inst, addr: u32) -> String {
    let mut t = String::new();
    let sfx = |b: bool| if b { "s" } else { "" };
    // `write!` to a String cannot fail.
    let _ = match *inst {
        Inst::Dp {
            cond,
            op,
            s: sb,
            rd,
            rn,
            op2,
        } => {
            let c = cond.suffix();
            if op.is_compare() {
                write!(t, "{}{c}\t{}, {}", op.name(), reg_name(rn), op2_text(op2))
            } else if op == DpOp::Mov {
                let rd_ = reg_name(rd);
                match op2 {
                    Operand2::Reg(Reg::R0) if rd == Reg::R0 && !sb && c.is_empty() => {
                        write!(t, "nop")
                    }
                    Operand2::RegShiftImm { rm, shift, amount } => write!(
                        t,
                        "{}{}{c}\t{rd_}, {}, #{amount}",
                        shift.name(),
                        sfx(sb),
                        reg_name(rm)
                    ),
                    Operand2::Rrx(rm) => write!(t, "rrx{}{c}\t{rd_}, {}", sfx(sb), reg_name(rm)),
                    Operand2::RegShiftReg { rm, shift, rs } => write!(
                        t,
                        "{}{}{c}\t{rd_}, {}, {}",
                        shift.name(),
                        sfx(sb),
                        reg_name(rm),
                        reg_name(rs)
                    ),
                    _ => write!(t, "mov{}{c}\t{rd_}, {}", sfx(sb), op2_text(op2)),
                }
            } else if op == DpOp::Mvn {
                write!(t, "mvn{}{c}\t{}, {}", sfx(sb), reg_name(rd), op2_text(op2))
            } else {
                write!(
                    t,
                    "{}{}{c}\t{}, {}, {}",
                    op.name(),
                    sfx(sb),
                    reg_name(rd),
                    reg_name(rn),
                    op2_text(op2)
                )
            }
        }
        Inst::Movw { cond, rd, imm } => {
            write!(t, "movw{}\t{}, #{imm}", cond.suffix(), reg_name(rd))
        }
        Inst::Movt { cond, rd, imm } => {
            write!(t, "movt{}\t{}, #{imm}", cond.suffix(), reg_name(rd))
        }
        Inst::Mul {
            cond,
            s: sb,
            rd,
            rn,
            rm,
        } => write!(
            t,
            "mul{}{}\t{}, {}, {}",
            sfx(sb),
            cond.suffix(),
            reg_name(rd),
            reg_name(rn),
            reg_name(rm)
        ),
        Inst::Mla {
            cond,
            s: sb,
            rd,
            rn,
            rm,
            ra,
        } => write!(
            t,
            "mla{}{}\t{}, {}, {}, {}",
            sfx(sb),
            cond.suffix(),
            reg_name(rd),
            reg_name(rn),
            reg_name(rm),
            reg_name(ra)
        ),
        Inst::Mls {
            cond,
            rd,
            rn,
            rm,
            ra,
        } => write!(
            t,
            "mls{}\t{}, {}, {}, {}",
            cond.suffix(),
            reg_name(rd),
            reg_name(rn),
            reg_name(rm),
            reg_name(ra)
        ),
        Inst::LongMul {
            cond,
            op,
            s: sb,
            rdlo,
            rdhi,
            rn,
            rm,
        } => {
            let name = match op {
                LongMulOp::Umull => "umull",
                LongMulOp::Umlal => "umlal",
                LongMulOp::Smull => "smull",
                LongMulOp::Smlal => "smlal",
            };
            write!(
                t,
                "{name}{}{}\t{}, {}, {}, {}",
                sfx(sb),
                cond.suffix(),
                reg_name(rdlo),
                reg_name(rdhi),
                reg_name(rn),
                reg_name(rm)
            )
        }
        Inst::Div {
            cond,
            signed,
            rd,
            rn,
            rm,
        } => write!(
            t,
            "{}div{}\t{}, {}, {}",
            if signed { "s" } else { "u" },
            cond.suffix(),
            reg_name(rd),
            reg_name(rn),
            reg_name(rm)
        ),
        Inst::Clz { cond, rd, rm } => {
            write!(
                t,
                "clz{}\t{}, {}",
                cond.suffix(),
                reg_name(rd),
                reg_name(rm)
            )
        }
        Inst::Mem { cond, op, rt, addr } => {
            let c = cond.suffix();
            let push_pop = addr.base == Reg::SP
                && match (op, addr.index, addr.offset) {
                    (MemOp::Str, Index::PreWriteback, MemOffset::Imm { neg: true, imm: 4 }) => {
                        Some("push")
                    }
                    (MemOp::Ldr, Index::Post, MemOffset::Imm { neg: false, imm: 4 }) => Some("pop"),
                    _ => None,
                }
                .map(|n| write!(t, "{n}{c}\t{{{}}}", reg_name(rt)))
                .is_some();
            if push_pop {
                Ok(())
            } else {
                write!(t, "{}{c}\t{}, {}", op.name(), reg_name(rt), addr_text(addr))
            }
        }
        Inst::Block {
            cond,
            load,
            mode,
            rn,
            writeback,
            regs,
        } => {
            let c = cond.suffix();
            let many = regs.0.count_ones() > 1;
            let wb = if writeback { "!" } else { "" };
            match (load, mode, rn == Reg::SP && writeback) {
                (false, BlockMode::Db, true) if many => {
                    write!(t, "push{c}\t{}", reglist_text(regs))
                }
                (true, BlockMode::Ia, true) if many => write!(t, "pop{c}\t{}", reglist_text(regs)),
                (false, BlockMode::Db, true) => write!(t, "stmfd{c}\tsp!, {}", reglist_text(regs)),
                (true, BlockMode::Ia, true) => write!(t, "ldmfd{c}\tsp!, {}", reglist_text(regs)),
                _ => {
                    let m = match mode {
                        // objdump spells out "ia" only for STM with writeback.
                        BlockMode::Ia if writeback && !load => "ia",
                        BlockMode::Ia => "",
                        BlockMode::Ib => "ib",
                        BlockMode::Da => "da",
                        BlockMode::Db => "db",
                    };
                    let name = if load { "ldm" } else { "stm" };
                    write!(
                        t,
                        "{name}{m}{c}\t{}{wb}, {}",
                        reg_name(rn),
                        reglist_text(regs)
                    )
                }
            }
        }
        Inst::B { cond, link, offset } => write!(
            t,
            "b{}{}\t{:#x}",
            if link { "l" } else { "" },
            cond.suffix(),
            addr.wrapping_add(8).wrapping_add(offset as u32)
        ),
        Inst::BlxImm { offset } => write!(
            t,
            "blx\t{:#x}",
            addr.wrapping_add(8).wrapping_add(offset as u32)
        ),
        Inst::Bx { cond, rm } => write!(t, "bx{}\t{}", cond.suffix(), reg_name(rm)),
        Inst::BlxReg { cond, rm } => write!(t, "blx{}\t{}", cond.suffix(), reg_name(rm)),
        Inst::Vldr {
            cond,
            dd,
            rn,
            offset,
        }
        | Inst::Vstr {
            cond,
            dd,
            rn,
            offset,
        } => {
            let name = if matches!(inst, Inst::Vldr { .. }) {
                "vldr"
            } else {
                "vstr"
            };
            let a = if offset == 0 {
                format!("[{}]", reg_name(rn))
            } else {
                format!("[{}, #{offset}]", reg_name(rn))
            };
            write!(t, "{name}{}\t{}, {a}", cond.suffix(), d(dd))
        }
        Inst::VmovToS { cond, sn, rt } => {
            write!(t, "vmov{}\t{}, {}", cond.suffix(), s(sn), reg_name(rt))
        }
        Inst::VmovFromS { cond, rt, sn } => {
            write!(t, "vmov{}\t{}, {}", cond.suffix(), reg_name(rt), s(sn))
        }
        Inst::VmovToD { cond, dm, rt, rt2 } => write!(
            t,
            "vmov{}\t{}, {}, {}",
            cond.suffix(),
            d(dm),
            reg_name(rt),
            reg_name(rt2)
        ),
        Inst::VmovFromD { cond, rt, rt2, dm } => write!(
            t,
            "vmov{}\t{}, {}, {}",
            cond.suffix(),
            reg_name(rt),
            reg_name(rt2),
            d(dm)
        ),
        Inst::VArith {
            cond,
            op,
            dd,
            dn,
            dm,
        } => {
            let name = match op {
                VArithOp::Vadd => "vadd",
                VArithOp::Vsub => "vsub",
                VArithOp::Vmul => "vmul",
                VArithOp::Vdiv => "vdiv",
            };
            write!(
                t,
                "{name}{}.f64\t{}, {}, {}",
                cond.suffix(),
                d(dd),
                d(dn),
                d(dm)
            )
        }
        Inst::VUnary { cond, op, dd, dm } => {
            let name = match op {
                VUnaryOp::Vmov => "vmov",
                VUnaryOp::Vabs => "vabs",
                VUnaryOp::Vneg => "vneg",
                VUnaryOp::Vsqrt => "vsqrt",
            };
            write!(t, "{name}{}.f64\t{}, {}", cond.suffix(), d(dd), d(dm))
        }
        Inst::Vcmp { cond, e, dd, dm } => {
            let e = if e { "e" } else { "" };
            match dm {
                Some(dm) => write!(t, "vcmp{e}{}.f64\t{}, {}", cond.suffix(), d(dd), d(dm)),
                None => write!(t, "vcmp{e}{}.f64\t{}, #0.0", cond.suffix(), d(dd)),
            }
        }
        Inst::VmrsNzcv { cond } => write!(t, "vmrs{}\tAPSR_nzcv, fpscr", cond.suffix()),
        Inst::Vcvt {
            cond,
            op,
            d: dr,
            s: sr,
        } => {
            let c = cond.suffix();
            match op {
                VcvtOp::F64FromS32 => write!(t, "vcvt{c}.f64.s32\t{}, {}", d(dr), s(sr)),
                VcvtOp::F64FromU32 => write!(t, "vcvt{c}.f64.u32\t{}, {}", d(dr), s(sr)),
                VcvtOp::S32FromF64 => write!(t, "vcvt{c}.s32.f64\t{}, {}", s(sr), d(dr)),
                VcvtOp::U32FromF64 => write!(t, "vcvt{c}.u32.f64\t{}, {}", s(sr), d(dr)),
            }
        }
        Inst::Bkpt { imm } => write!(t, "bkpt\t{imm:#06x}"),
        Inst::Udf { imm } => write!(t, "udf\t#{imm}"),
    };
    t
}
