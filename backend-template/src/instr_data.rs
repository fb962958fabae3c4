//! Moving and building terms: `move`, `swap`, list and tuple construction and access,
//! `set_tuple_element`, `make_fun` (heap words reserved by the compiler's `test_heap`,
//! HTOP bumped inline).

use backend_arm32::asm::{Cond, Reg};
use beam_frontend::specific::{Dst, Known, Op, Src};
use beam_frontend::Reg as BReg;
use beam_ir::rtcall::NS_SEGMENT;
use beam_runtime::sched_regs::Field;
use beam_runtime::term;

use crate::masm::{HTOP, R};
use crate::{arityval, Fx, TemplateError};
use backend_arm32::codegen::SymbolName;

/// Byte offset of a list cell's head from the tagged pointer.
const HD: i32 = -(term::PRIMARY_LIST as i32);
/// Byte offset of a boxed term's header from the tagged pointer.
const HEADER: i32 = -(term::PRIMARY_BOXED as i32);

impl Fx<'_> {
    pub(crate) fn data_op(&mut self, op: &Op) -> R {
        match op {
            Op::Move { src, dst } => {
                self.load(Reg::R0, src)?;
                self.store(Reg::R0, *dst)
            }
            Op::Swap(x, y) => {
                self.load(Reg::R0, &dst_src(*x))?;
                self.load(Reg::R1, &dst_src(*y))?;
                self.store(Reg::R1, *x)?;
                self.store(Reg::R0, *y)
            }
            Op::PutList { head, tail, dst } => {
                self.load(Reg::R0, head)?;
                self.load(Reg::R1, tail)?;
                self.a.str(Reg::R0, HTOP, 0)?;
                self.a.str(Reg::R1, HTOP, 4)?;
                self.a
                    .add_imm(false, Reg::R2, HTOP, term::PRIMARY_LIST as i32)?;
                self.a.add_imm(false, HTOP, HTOP, 8)?;
                self.store(Reg::R2, *dst)
            }
            Op::PutTuple { dst, elems } => {
                let n = elems.len() as u32;
                self.a.mov_imm(Cond::Al, Reg::R0, arityval(n))?;
                self.a.str(Reg::R0, HTOP, 0)?;
                for (i, e) in elems.iter().enumerate() {
                    self.load(Reg::R0, e)?;
                    self.a.str(Reg::R0, HTOP, heap_off(i as u32 + 1)?)?;
                }
                self.a
                    .add_imm(false, Reg::R2, HTOP, term::PRIMARY_BOXED as i32)?;
                self.a.add_imm(false, HTOP, HTOP, 4 * (n as i32 + 1))?;
                self.store(Reg::R2, *dst)
            }
            Op::GetList { src, head, tail } => {
                self.load(Reg::R0, src)?;
                self.a.ldr(Reg::R1, Reg::R0, HD)?;
                self.a.ldr(Reg::R2, Reg::R0, HD + 4)?;
                self.store(Reg::R1, *head)?;
                self.store(Reg::R2, *tail)
            }
            Op::GetHd { src, dst } | Op::GetTl { src, dst } => {
                let off = HD + if matches!(op, Op::GetTl { .. }) { 4 } else { 0 };
                self.load(Reg::R0, src)?;
                self.a.ldr(Reg::R1, Reg::R0, off)?;
                self.store(Reg::R1, *dst)
            }
            Op::GetTupleElement { src, index, dst } => {
                self.load(Reg::R0, src)?;
                self.a
                    .ldr(Reg::R1, Reg::R0, heap_off(index + 1)? + HEADER)?;
                self.store(Reg::R1, *dst)
            }
            Op::SetTupleElement {
                value,
                tuple,
                index,
            } => {
                self.load(Reg::R0, value)?;
                self.load(Reg::R1, tuple)?;
                self.a.str(Reg::R0, Reg::R1, heap_off(index + 1)? + HEADER)
            }
            Op::MakeFun { lambda, dst, env } => self.make_fun(*lambda, *dst, env),
            _ => Err(TemplateError::NotImplemented("data dispatch")),
        }
    }

    /// `make_fun3`, built inline as the IR mode does (runtime `construct::fun` layout):
    /// header, the lambda's entry address, an unused word, arity, free-variable count,
    /// creator pid, environment.
    fn make_fun(&mut self, lambda: u32, dst: Dst, env: &[Src]) -> R {
        let l = *self
            .m
            .lambdas
            .get(lambda as usize)
            .ok_or(TemplateError::Lambda(lambda))?;
        let func = self
            .fs
            .iter()
            .position(|f| f.entry == l.label)
            .ok_or(TemplateError::MissingLabel(l.label))? as u32;
        let nf = env.len() as u32;
        let header = ((5 + nf) << term::HEADER_ARITY_OFFS) | term::FUN_SUBTAG;
        self.a.mov_imm(Cond::Al, Reg::R0, header)?;
        self.a.str(Reg::R0, HTOP, 0)?;
        self.a.ldr_symbol(
            Reg::R0,
            SymbolName::User {
                namespace: NS_SEGMENT,
                index: func,
            },
        )?;
        self.a.str(Reg::R0, HTOP, 4)?;
        self.a.mov_imm(Cond::Al, Reg::R0, 0)?;
        self.a.str(Reg::R0, HTOP, 8)?;
        self.a
            .mov_imm(Cond::Al, Reg::R0, l.arity.saturating_sub(l.num_free))?;
        self.a.str(Reg::R0, HTOP, 12)?;
        self.a.mov_imm(Cond::Al, Reg::R0, nf)?;
        self.a.str(Reg::R0, HTOP, 16)?;
        self.a.ld_field(Reg::R0, Field::SelfPid)?;
        self.a.str(Reg::R0, HTOP, 20)?;
        for (i, s) in env.iter().enumerate() {
            self.load(Reg::R0, s)?;
            self.a.str(Reg::R0, HTOP, heap_off(6 + i as u32)?)?;
        }
        self.a
            .add_imm(false, Reg::R2, HTOP, term::PRIMARY_BOXED as i32)?;
        self.a.add_imm(false, HTOP, HTOP, 4 * (6 + nf as i32))?;
        self.store(Reg::R2, dst)
    }
}

/// Byte offset of word `i` of a heap object.
fn heap_off(i: u32) -> Result<i32, TemplateError> {
    if i > 1000 {
        return Err(TemplateError::Encoding("heap word beyond 4000 bytes"));
    }
    Ok(4 * i as i32)
}

/// A destination read as a source (for `swap`).
fn dst_src(d: Dst) -> Src {
    match d {
        Dst::X(i) => Src::Reg(BReg::X(i), Known::default()),
        Dst::Y(i) => Src::Reg(BReg::Y(i), Known::default()),
    }
}
