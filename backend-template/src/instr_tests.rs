//! Type tests, comparisons and multi-way branches: `is_*`, `is_eq*`/`is_ne*`/`is_lt`/
//! `is_ge`, `test_arity`, `is_tagged_tuple`, `jump`, `select_val`, `select_tuple_arity`.
//! Tag tests and small-integer comparisons are inline; the rest calls the same runtime
//! predicates as the IR mode (`rt_eq_exact`, `rt_eq`, `rt_compare`, `rt_is_type`).

use backend_arm32::asm::{Cond, Label, Reg};
use beam_frontend::specific::{Op, Src, Test};
use beam_ir::rtcall::{RtFn, TypeKind};
use beam_ir::tags;
use beam_runtime::term;

use crate::masm::R;
use crate::{arityval, Fx, TemplateError};

/// Byte offset of a boxed term's header from the tagged pointer.
const HEADER: i32 = -(term::PRIMARY_BOXED as i32);

impl Fx<'_> {
    /// Continues when `test` holds on `args`, else branches to label `fail`.
    pub(crate) fn test(&mut self, test: Test, fail: u32, args: &[Src]) -> R {
        let fail = self.beam_label(fail);
        let ok = self.a.label();
        let first = args
            .first()
            .ok_or(TemplateError::NotImplemented("a test without operands"))?;
        self.load(Reg::R0, first)?;
        if let Some(b) = args.get(1) {
            self.load(Reg::R1, b)?;
        }
        match test {
            Test::IsEqExact | Test::IsNeExact => {
                let eq = test == Test::IsEqExact;
                let immediate = |s: &Src| {
                    matches!(s, Src::Atom(_) | Src::Nil)
                        || matches!(s, Src::Int(n) if tags::small_const(*n).is_some())
                };
                self.a.cmp(Reg::R0, Reg::R1)?;
                if args.iter().any(immediate) {
                    self.a.b(if eq { Cond::Ne } else { Cond::Eq }, fail)?;
                } else {
                    self.a.b(Cond::Eq, if eq { ok } else { fail })?;
                    // Unequal words: equal terms only when neither is an immediate.
                    let differ = if eq { fail } else { ok };
                    for r in [Reg::R0, Reg::R1] {
                        self.a.and_imm(Reg::R12, r, term::PRIMARY_MASK)?;
                        self.a.cmp_imm(Cond::Al, Reg::R12, term::PRIMARY_IMMED1)?;
                        self.a.b(Cond::Eq, differ)?;
                    }
                    self.a.call_rt(RtFn::EqExact, None)?;
                    self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                    self.a.b(if eq { Cond::Eq } else { Cond::Ne }, fail)?;
                }
            }
            Test::IsEq | Test::IsNe | Test::IsLt | Test::IsGe => {
                // Fast path: two smalls compare as words (equal tags; signed order of
                // tagged smalls is the order of their values).
                let slow = self.a.label();
                let miss = match test {
                    Test::IsEq => Cond::Ne,
                    Test::IsNe => Cond::Eq,
                    Test::IsLt => Cond::Ge,
                    _ => Cond::Lt,
                };
                self.both_small(Reg::R0, Reg::R1)?;
                self.a.b(Cond::Ne, slow)?;
                self.a.cmp(Reg::R0, Reg::R1)?;
                self.a.b(miss, fail)?;
                self.a.b(Cond::Al, ok)?;
                self.a.bind(slow)?;
                if matches!(test, Test::IsEq | Test::IsNe) {
                    // rt_eq: 1 when equal.
                    self.a.call_rt(RtFn::Eq, None)?;
                    self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                    let miss = if test == Test::IsEq {
                        Cond::Eq
                    } else {
                        Cond::Ne
                    };
                    self.a.b(miss, fail)?;
                } else {
                    // rt_compare: negative / zero / positive.
                    self.a.call_rt(RtFn::Compare, None)?;
                    self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                    self.a.b(miss, fail)?;
                }
            }
            Test::IsInteger | Test::IsNumber => {
                self.a.and_imm(Reg::R12, Reg::R0, term::IMMED1_MASK)?;
                self.a.cmp_imm(Cond::Al, Reg::R12, term::IMMED1_SMALL)?;
                self.a.b(Cond::Eq, ok)?;
                let kind = if test == Test::IsInteger {
                    TypeKind::Integer
                } else {
                    TypeKind::Number
                };
                self.is_type(kind, fail)?;
            }
            Test::IsFloat => self.is_type(TypeKind::Float, fail)?,
            Test::IsBinary => self.is_type(TypeKind::Binary, fail)?,
            Test::IsBitstr => self.is_type(TypeKind::Bitstring, fail)?,
            Test::IsMap => self.is_type(TypeKind::Map, fail)?,
            Test::IsPid => self.is_type(TypeKind::Pid, fail)?,
            Test::IsPort => self.is_type(TypeKind::Port, fail)?,
            Test::IsReference => self.is_type(TypeKind::Reference, fail)?,
            // As the IR mode: a constant arity goes to rt_is_type above the kind byte
            // (`arity + 1`), which checks it; a variable one is not checked here.
            Test::IsFunction2 => match args.get(1) {
                Some(&Src::Int(n)) if (0..=255).contains(&n) => {
                    let kind = TypeKind::Function as u32 | ((n as u32 + 1) << 8);
                    self.is_type_raw(kind, fail)?
                }
                _ => self.is_type(TypeKind::Function, fail)?,
            },
            Test::IsFunction => self.is_type(TypeKind::Function, fail)?,
            Test::IsAtom => {
                self.a.and_imm(Reg::R12, Reg::R0, term::IMMED2_MASK)?;
                self.a.cmp_imm(Cond::Al, Reg::R12, term::IMMED2_ATOM)?;
                self.a.b(Cond::Ne, fail)?;
            }
            Test::IsNil => {
                self.a.cmp_imm(Cond::Al, Reg::R0, term::IMMED2_NIL)?;
                self.a.b(Cond::Ne, fail)?;
            }
            Test::IsNonemptyList => self.primary(term::PRIMARY_LIST, fail)?,
            Test::IsList => {
                self.a.cmp_imm(Cond::Al, Reg::R0, term::IMMED2_NIL)?;
                self.a.b(Cond::Eq, ok)?;
                self.primary(term::PRIMARY_LIST, fail)?;
            }
            Test::IsBoolean => {
                let (t, f) = (self.env.atom_named("true"), self.env.atom_named("false"));
                self.a.cmp_imm(Cond::Al, Reg::R0, t)?;
                self.a.b(Cond::Eq, ok)?;
                self.a.cmp_imm(Cond::Al, Reg::R0, f)?;
                self.a.b(Cond::Ne, fail)?;
            }
            Test::IsTuple => {
                self.primary(term::PRIMARY_BOXED, fail)?;
                self.a.ldr(Reg::R2, Reg::R0, HEADER)?;
                self.a.and_imm(Reg::R2, Reg::R2, term::HEADER_TAG_MASK)?;
                self.a.cmp_imm(Cond::Al, Reg::R2, term::ARITYVAL_SUBTAG)?;
                self.a.b(Cond::Ne, fail)?;
            }
            Test::TestArity(n) => {
                self.a.ldr(Reg::R2, Reg::R0, HEADER)?;
                self.a.cmp_imm(Cond::Al, Reg::R2, arityval(n))?;
                self.a.b(Cond::Ne, fail)?;
            }
            Test::IsTaggedTuple(n, atom) => {
                self.primary(term::PRIMARY_BOXED, fail)?;
                self.a.ldr(Reg::R2, Reg::R0, HEADER)?;
                self.a.cmp_imm(Cond::Al, Reg::R2, arityval(n))?;
                self.a.b(Cond::Ne, fail)?;
                self.a.ldr(Reg::R2, Reg::R0, HEADER + 4)?;
                let tag = self.env.atom(atom);
                self.a.cmp_imm(Cond::Al, Reg::R2, tag)?;
                self.a.b(Cond::Ne, fail)?;
            }
        }
        self.a.bind(ok)
    }

    /// Branches to `fail` unless r0's primary tag is `tag`.
    fn primary(&mut self, tag: u32, fail: Label) -> R {
        self.a.and_imm(Reg::R12, Reg::R0, term::PRIMARY_MASK)?;
        self.a.cmp_imm(Cond::Al, Reg::R12, tag)?;
        self.a.b(Cond::Ne, fail)
    }

    /// `rt_is_type(r0, kind)`; branches to `fail` when false.
    fn is_type(&mut self, kind: TypeKind, fail: Label) -> R {
        self.is_type_raw(kind as u32, fail)
    }

    /// `rt_is_type(r0, kind)` with a kind word (a [`TypeKind`], with is_function2's
    /// arity above it); branches to `fail` when false.
    fn is_type_raw(&mut self, kind: u32, fail: Label) -> R {
        self.a.mov_imm(Cond::Al, Reg::R1, kind)?;
        self.a.call_rt(RtFn::IsType, None)?;
        self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
        self.a.b(Cond::Eq, fail)
    }

    /// `jump`, `select_val` (a compare chain on the word), `select_tuple_arity`.
    pub(crate) fn branch_op(&mut self, op: &Op) -> R {
        match op {
            Op::Jump(l) => {
                let l = self.beam_label(*l);
                self.a.b(Cond::Al, l)
            }
            Op::SelectVal { src, fail, cases } => {
                self.load(Reg::R0, src)?;
                for (v, l) in cases {
                    let w = self
                        .const_word(v)
                        .ok_or(TemplateError::NotImplemented("select_val on a register"))?;
                    self.a.cmp_imm(Cond::Al, Reg::R0, w)?;
                    let l = self.beam_label(*l);
                    self.a.b(Cond::Eq, l)?;
                }
                let f = self.beam_label(*fail);
                self.a.b(Cond::Al, f)
            }
            Op::SelectTupleArity { src, fail, cases } => {
                self.load(Reg::R0, src)?;
                self.a.ldr(Reg::R2, Reg::R0, HEADER)?;
                for (n, l) in cases {
                    self.a.cmp_imm(Cond::Al, Reg::R2, arityval(*n))?;
                    let l = self.beam_label(*l);
                    self.a.b(Cond::Eq, l)?;
                }
                let f = self.beam_label(*fail);
                self.a.b(Cond::Al, f)
            }
            _ => Err(TemplateError::NotImplemented("branch dispatch")),
        }
    }
}
