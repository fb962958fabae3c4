//! Lowering of the float-register instructions and of `raw_raise`/`badrecord`.
//!
//! BEAM's float registers become `f64` SSA variables (one `cranelift_frontend` variable
//! per `{fr, N}`), which the ARM backend allocates in VFP D registers: a chain of float
//! operations runs unboxed, and a heap float is built only where `fmove` stores one into
//! an X or Y register. The compiler never keeps a float register live across a call or a
//! label reached from another segment, so they need no spilling at segment boundaries;
//! they are raw values, not terms, so the collector need not see them either.
//!
//! Semantics (OTP 25 `erts/emulator/beam/jit/arm/instr_float.cpp`, `beam_emu`'s
//! `fconv`/`i_fadd`...): `fconv` converts a small integer, bignum or float and raises
//! `badarith` for anything else (and for a bignum outside the double range); each
//! arithmetic operation raises `badarith` when its result is infinite or NaN.

use beam_frontend::specific::{type_bits, Dst, FSrc, FloatOp, Op, Src};
use beam_frontend::Reg;
use beam_runtime::term::{self, Term};
use cranelift_codegen::ir::{
    condcodes::{FloatCC, IntCC},
    types::F64,
    InstBuilder, Value,
};
use cranelift_frontend::Variable;
use num_traits::ToPrimitive;

use super::{flags, Lower, LowerError};
use crate::rtcall::{RaiseKind, RtFn};
use crate::tags;

/// Byte offset from a boxed float term to its double (after the header word).
const FLOAT_VALUE: i32 = 4 - term::PRIMARY_BOXED as i32;

/// The header word of a heap float (`HEADER_FLONUM`: two data words on a 32-bit BEAM).
fn float_header() -> u32 {
    Term::header(2, term::FLOAT_SUBTAG).0
}

impl Lower<'_, '_> {
    /// The variable of float register `n`, declared on first use.
    fn frvar(&mut self, n: u32) -> Variable {
        if let Some(&var) = self.frs.get(&n) {
            return var;
        }
        let var = self.b.declare_var(F64);
        self.frs.insert(n, var);
        var
    }

    fn fr(&mut self, n: u32) -> Value {
        let v = self.frvar(n);
        self.b.use_var(v)
    }

    fn set_fr(&mut self, n: u32, v: Value) {
        let var = self.frvar(n);
        self.b.def_var(var, v);
    }

    fn f64const(&mut self, f: f64) -> Value {
        self.b.ins().f64const(f)
    }

    /// The double inside a boxed float term.
    fn unbox_float(&mut self, t: Value) -> Value {
        self.b.ins().load(F64, flags(), t, FLOAT_VALUE)
    }

    /// Raises `badarith` (or jumps to `fail` when it is not 0) and continues emitting in a
    /// fresh unreachable block, so the caller's instruction stream stays well-formed.
    fn float_fail(&mut self, fail: u32) {
        if fail != 0 {
            let blk = self.target(fail);
            self.b.ins().jump(blk, &[]);
        } else {
            let zero = self.iconst(0);
            self.raise(RaiseKind::Badarith, zero);
        }
        let dead = self.b.create_block();
        self.b.switch_to_block(dead);
    }

    /// Continues only when `f` is finite (not infinite, not NaN); else `float_fail`.
    fn check_finite(&mut self, f: Value, fail: u32) {
        let abs = self.b.ins().fabs(f);
        let inf = self.f64const(f64::INFINITY);
        let finite = self.b.ins().fcmp(FloatCC::LessThan, abs, inf);
        let (ok, bad) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(finite, ok, &[], bad, &[]);
        self.b.switch_to_block(bad);
        self.b.set_cold_block(bad);
        self.float_fail(fail);
        // `float_fail` left us in a dead block: end it.
        self.b.ins().jump(ok, &[]);
        self.b.switch_to_block(ok);
    }

    /// The double value of a term source for `fconv`: inline for small integers and
    /// floats, `erlang:float/1` for bignums, `badarith` for everything else.
    fn float_of(&mut self, src: &Src) -> Value {
        match src {
            Src::Float(f) => return self.f64const(*f),
            Src::Int(n) => return self.f64const(*n as f64),
            Src::BigInt(n) => {
                if let Some(f) = n.to_f64().filter(|f| f.is_finite()) {
                    return self.f64const(f);
                }
            }
            Src::Reg(_, k) if k.only(type_bits::FLOAT) => {
                let t = self.src(src);
                return self.unbox_float(t);
            }
            Src::Reg(_, k) if k.small_int() => {
                let t = self.src(src);
                let n = tags::small_value(&mut self.b, t);
                return self.b.ins().fcvt_from_sint(F64, n);
            }
            Src::Reg(..) | Src::Literal(_) => {}
            Src::Atom(_) | Src::Nil => {}
        }
        if matches!(src, Src::Atom(_) | Src::Nil | Src::BigInt(_)) {
            // Never a (convertible) number: the instruction always raises.
            self.float_fail(0);
            return self.f64const(0.0);
        }
        let t = self.src(src);
        let done = self.b.create_block();
        self.b.append_block_param(done, F64);
        let (small, not_small) = (self.b.create_block(), self.b.create_block());
        let is_small = tags::is_small(&mut self.b, t);
        self.b.ins().brif(is_small, small, &[], not_small, &[]);

        self.b.switch_to_block(small);
        let ts = self.small_view(t, src);
        let n = tags::small_value(&mut self.b, ts);
        let f = self.b.ins().fcvt_from_sint(F64, n);
        self.b.ins().jump(done, &[f.into()]);

        self.b.switch_to_block(not_small);
        let (boxed, slow) = (self.b.create_block(), self.b.create_block());
        let is_boxed = tags::is_boxed(&mut self.b, t);
        self.b.ins().brif(is_boxed, boxed, &[], slow, &[]);
        self.b.switch_to_block(boxed);
        let header = self.header(t);
        let want = self.iconst(float_header() as i32 as i64);
        let is_float = self.b.ins().icmp(IntCC::Equal, header, want);
        let unbox = self.b.create_block();
        self.b.ins().brif(is_float, unbox, &[], slow, &[]);
        self.b.switch_to_block(unbox);
        let f = self.unbox_float(t);
        self.b.ins().jump(done, &[f.into()]);

        // A bignum (or not a number): `erlang:float/1` builds the float in a heap
        // fragment; any failure is `badarith`, as `fconv` raises.
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        let bif = self.env.bif("erlang", "float", 1).unwrap_or(u32::MAX);
        self.spill(0);
        let (id, zero) = (self.iconst(bif as i64), self.iconst(0));
        let r = self
            .call_rt(RtFn::Bif, &[self.s, id, t, zero, zero])
            .expect("rt_bif returns a term");
        self.unspill(0);
        let (ok, bad) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(r, ok, &[], bad, &[]);
        self.b.switch_to_block(bad);
        self.b.set_cold_block(bad);
        let zero = self.iconst(0);
        self.raise(RaiseKind::Badarith, zero);
        self.b.switch_to_block(ok);
        let f = self.unbox_float(r);
        self.b.ins().jump(done, &[f.into()]);

        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }

    /// Emits a float or error instruction; true when it ended the block.
    pub(super) fn float_op(&mut self, op: &Op) -> Result<bool, LowerError> {
        match op {
            Op::FloatMove { src, fr } => {
                let v = match src {
                    FSrc::Fr(n) => self.fr(*n),
                    // A term the compiler proved to be a float (or a float constant).
                    FSrc::Term(Src::Float(f)) => self.f64const(*f),
                    FSrc::Term(s @ (Src::Reg(..) | Src::Literal(_))) => {
                        let t = self.src(s);
                        self.unbox_float(t)
                    }
                    // Not a float: convert (the compiler never emits this; be safe).
                    FSrc::Term(s) => self.float_of(s),
                };
                self.set_fr(*fr, v);
            }
            Op::FloatConv { src, fr } => {
                let v = self.float_of(src);
                self.set_fr(*fr, v);
            }
            Op::FloatStore { fr, dst } => {
                let f = self.fr(*fr);
                let p = self.heap_alloc(3);
                let h = self.iconst(float_header() as i32 as i64);
                self.b.ins().store(flags(), h, p, 0);
                self.b.ins().store(flags(), f, p, 4);
                let off = self.iconst(term::PRIMARY_BOXED as i64);
                let boxed = self.b.ins().iadd(p, off);
                self.dst(*dst, boxed);
            }
            Op::FloatArith {
                op,
                fail,
                args,
                dst,
            } => {
                let a = self.fr(args[0]);
                let r = match (op, args.get(1)) {
                    // `0.0 - X`, not a sign flip: erl (OTP 25) gives 0.0, not -0.0, for
                    // `-X * 2.0` with X = 0.0 when the compiler emitted `fnegate`
                    // (checked with tests/erlang/output/float_regs.erl).
                    (FloatOp::Neg, _) => {
                        let zero = self.f64const(0.0);
                        self.b.ins().fsub(zero, a)
                    }
                    (_, Some(&n)) => {
                        let c = self.fr(n);
                        match op {
                            FloatOp::Add => self.b.ins().fadd(a, c),
                            FloatOp::Sub => self.b.ins().fsub(a, c),
                            FloatOp::Mul => self.b.ins().fmul(a, c),
                            _ => self.b.ins().fdiv(a, c),
                        }
                    }
                    (_, None) => return Err(LowerError::FloatOperands),
                };
                // Negation of a finite value is finite: no check needed.
                if *op != FloatOp::Neg {
                    self.check_finite(r, *fail);
                }
                self.set_fr(*dst, r);
            }
            Op::RawRaise => {
                let class = self.x(0);
                let mut any = None;
                for name in ["error", "exit", "throw"] {
                    let a = self.iconst(self.env.atom_named(name) as i32 as i64);
                    let hit = self.b.ins().icmp(IntCC::Equal, class, a);
                    any = Some(match any {
                        None => hit,
                        Some(prev) => self.b.ins().bor(prev, hit),
                    });
                }
                let (raise, cont) = (self.b.create_block(), self.b.create_block());
                let any = any.expect("three classes");
                self.b.ins().brif(any, raise, &[], cont, &[]);
                self.b.switch_to_block(raise);
                let bif = self.env.bif("erlang", "raise", 3).unwrap_or(u32::MAX);
                let x = |i| Src::Reg(Reg::X(i), Default::default());
                self.call_bif(bif, 0, None, &[x(0), x(1), x(2)], Dst::X(0));
                // Not reached: raise/3 with a valid class always raises.
                self.leave_pending();
                // Not a class: x0 becomes `badarg` and execution goes on.
                self.b.switch_to_block(cont);
                let badarg = self.iconst(self.env.atom_named("badarg") as i32 as i64);
                self.set_x(0, badarg);
            }
            Op::Badrecord(s) => {
                let v = self.src(s);
                self.raise(RaiseKind::Badrecord, v);
                return Ok(true);
            }
            _ => {}
        }
        Ok(false)
    }
}
