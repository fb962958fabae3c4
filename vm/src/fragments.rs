//! Shared fragments built as CLIF (docs/beam-machine.md §4) and compiled by backend-arm32
//! like any other code: process entry, normal exit, and the target of unresolved calls.

use beam_ir::machine::{self, segment_signature};
use beam_ir::rtcall::NS_FRAGMENT;
use beam_runtime::sched_regs::{Field, StepCode};
use beam_runtime::term::Term;
use cranelift_codegen::ir::{types::I32, Function, InstBuilder, UserFuncName};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

/// Fragment numbers (`ExternalName::User { namespace: NS_FRAGMENT, index }`).
pub const PROCESS_ENTRY: u32 = machine::FRAGMENT_PROCESS_ENTRY;
pub const NORMAL_EXIT: u32 = machine::FRAGMENT_NORMAL_EXIT;
pub const UNDEF: u32 = 2;

/// `undef`: what an export cell holds until its function is loaded. A segment that raises
/// `error:undef` (the atom terms are the runtime's, passed in).
pub fn undef(error: Term, undef: Term) -> Function {
    let mut func =
        Function::with_name_signature(UserFuncName::user(NS_FRAGMENT, UNDEF), segment_signature());
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let class = b.ins().iconst(I32, error.0 as i32 as i64);
    machine::store_field(&mut b, p[0], Field::ExcReason, class);
    let reason = b.ins().iconst(I32, undef.0 as i32 as i64);
    machine::store_field(&mut b, p[0], Field::ExcValue, reason);
    let step = b.ins().iconst(I32, StepCode::Error as i64);
    b.ins().return_(&[p[0], p[1], p[2], p[3], step]);
    b.finalize();
    func
}

/// All fragments, in fragment-number order.
pub fn all(normal: Term, error: Term, undef_atom: Term) -> Vec<Function> {
    vec![
        machine::process_entry(),
        machine::normal_exit(normal.0),
        undef(error, undef_atom),
    ]
}
