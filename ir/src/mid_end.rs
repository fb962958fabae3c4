//! The mid-end: Cranelift's own target-independent optimiser run on our CLIF.
//!
//! `Context::optimize` needs a `TargetIsa` only for its flags, legalisation and pointer
//! type. Cranelift has no 32-bit ARM target, so the `pulley32` ISA stands in: it is a
//! 32-bit target (pointer type i32) whose legalisation leaves the operations we lower
//! untouched. The passes that run, in order (cranelift-codegen 0.121 `Context::optimize`):
//!
//! 1. CFG construction, then legalisation (expands only what the stand-in ISA lacks);
//! 2. dominator tree, unreachable-code elimination, removal of constant block params;
//! 3. alias resolution;
//! 4. the e-graph pass (at `speed`): GVN, constant folding, algebraic simplification by
//!    Cranelift's ISLE mid-end rules, alias analysis for redundant loads, LICM, and
//!    elaboration back into the CFG.

use std::cell::RefCell;
use std::sync::OnceLock;

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;

/// How much the mid-end does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptLevel {
    /// Legalise and clean the CFG only (no e-graph pass).
    None,
    /// The full e-graph pass.
    Speed,
}

/// The mid-end rejected a function.
#[derive(Debug, thiserror::Error)]
pub enum MidEndError {
    #[error("CLIF verifier: {0}")]
    Verifier(String),
    #[error("mid-end optimisation failed: {0}")]
    Codegen(String),
}

fn stand_in_isa(level: OptLevel) -> &'static OwnedTargetIsa {
    static NONE: OnceLock<OwnedTargetIsa> = OnceLock::new();
    static SPEED: OnceLock<OwnedTargetIsa> = OnceLock::new();
    let (cell, name) = match level {
        OptLevel::None => (&NONE, "none"),
        OptLevel::Speed => (&SPEED, "speed"),
    };
    cell.get_or_init(|| {
        let mut flags = settings::builder();
        flags
            .set("opt_level", name)
            .expect("opt_level is a known setting");
        // We verify ourselves, once, with a clear error.
        flags
            .set("enable_verifier", "false")
            .expect("known setting");
        let triple = "pulley32".parse().expect("pulley32 is a known triple");
        isa::lookup(triple)
            .expect("cranelift-codegen is built with the `pulley` feature")
            .finish(settings::Flags::new(flags))
            .expect("pulley32 accepts default flags")
    })
}

/// The pointer-sized integer type of the stand-in ISA (and of ARM32): `i32`.
pub fn pointer_type() -> cranelift_codegen::ir::Type {
    stand_in_isa(OptLevel::None).pointer_type()
}

/// Whether [`optimize`] runs Cranelift's verifier first: in debug builds (every test),
/// and in release builds when `BEAM_VERIFY_CLIF=1` is set. The lowering is tested to
/// produce valid CLIF for every installed OTP module (ir/tests/lower.rs); verifying each
/// function again on every load cost about 3% of compiling a module natively (lists.beam,
/// docs/compile-speed.md).
pub fn verify_enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        cfg!(debug_assertions) || std::env::var_os("BEAM_VERIFY_CLIF").is_some_and(|v| v == "1")
    })
}

thread_local! {
    /// One Cranelift context per thread, reused for every function: its CFG, dominator
    /// tree and loop analysis keep their allocations between functions (`for_function`
    /// would allocate them, and a regalloc2 context we never use, anew each time).
    static CTX: RefCell<Context> = RefCell::new(Context::new());
}

/// Verifies `func` (see [`verify_enabled`]), then runs the mid-end over it in place.
pub fn optimize(func: &mut Function, level: OptLevel) -> Result<(), MidEndError> {
    let isa = stand_in_isa(level);
    CTX.with(|cell| match cell.try_borrow_mut() {
        Ok(mut ctx) => optimize_in(&mut ctx, func, isa),
        // Re-entered (nothing does this today): a fresh context, not a panic.
        Err(_) => optimize_in(&mut Context::new(), func, isa),
    })
}

fn optimize_in(
    ctx: &mut Context,
    func: &mut Function,
    isa: &OwnedTargetIsa,
) -> Result<(), MidEndError> {
    ctx.clear();
    std::mem::swap(&mut ctx.func, func);
    let verified = if verify_enabled() {
        ctx.verify(isa.as_ref())
            .map_err(|e| MidEndError::Verifier(e.to_string()))
    } else {
        Ok(())
    };
    let result = verified.and_then(|()| {
        ctx.optimize(isa.as_ref(), &mut ControlPlane::default())
            .map_err(|e| MidEndError::Codegen(format!("{e:?}")))
    });
    // The optimised function goes back to the caller; the context keeps the caller's
    // emptied one, cleared next time.
    std::mem::swap(&mut ctx.func, func);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types::I32, AbiParam, InstBuilder, Signature, UserFuncName};
    use cranelift_codegen::isa::CallConv;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// f(x) = (x + (2 + 3)) ^ (x + 5), written with the constant unfolded and the
    /// addition duplicated, as a naive lowering of two BEAM ops would.
    fn duplicated_and_foldable() -> Function {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(I32));
        sig.returns.push(AbiParam::new(I32));
        let mut func = Function::with_name_signature(UserFuncName::testcase("f"), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        b.seal_block(block);
        let x = b.block_params(block)[0];
        let two = b.ins().iconst(I32, 2);
        let three = b.ins().iconst(I32, 3);
        let five_a = b.ins().iadd(two, three);
        let a = b.ins().iadd(x, five_a);
        let five_b = b.ins().iconst(I32, 5);
        let c = b.ins().iadd(x, five_b);
        let r = b.ins().bxor(a, c);
        b.ins().return_(&[r]);
        b.finalize(crate::machine::frontend_config());
        func
    }

    #[test]
    fn speed_folds_constants_and_merges_duplicates() {
        let mut f = duplicated_and_foldable();
        optimize(&mut f, OptLevel::Speed).unwrap();
        let text = f.display().to_string();
        // x ^ x with both sides the same value folds all the way to 0.
        assert!(text.contains("iconst.i32 0"), "{text}");
        assert!(!text.contains("iadd"), "{text}");
        assert!(!text.contains("bxor"), "{text}");
    }

    #[test]
    fn none_keeps_the_computation() {
        let mut f = duplicated_and_foldable();
        optimize(&mut f, OptLevel::None).unwrap();
        let text = f.display().to_string();
        assert_eq!(text.matches("iadd").count(), 3, "{text}");
    }

    #[test]
    fn invalid_function_is_a_verifier_error() {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.returns.push(AbiParam::new(I32));
        let mut func = Function::with_name_signature(UserFuncName::testcase("g"), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let block = b.create_block();
        b.switch_to_block(block);
        b.seal_block(block);
        b.ins().return_(&[]); // wrong number of return values
        b.finalize(crate::machine::frontend_config());
        assert!(matches!(
            optimize(&mut func, OptLevel::Speed),
            Err(MidEndError::Verifier(_))
        ));
    }

    #[test]
    fn pointer_type_is_32_bit() {
        assert_eq!(pointer_type(), I32);
    }
}
