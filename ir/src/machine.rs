//! The BEAM machine model in CLIF terms (docs/beam-machine.md): the pinned values every
//! segment threads, the segment and process-entry signatures, X register and hand-off field
//! access through the scheduler-registers pointer, and the process-entry fragment.
//!
//! Offsets come from `beam_runtime::sched_regs`, the one definition of the block's layout.

use beam_runtime::sched_regs::{x_offset, Field};
use cranelift_codegen::ir::{
    types::I32, AbiParam, Function, InstBuilder, MemFlagsData, Signature, UserFuncName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use target_lexicon::PointerWidth;

/// Values every segment receives and passes on in the tail convention's pinned registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pinned {
    /// The scheduler-registers pointer `S` (address of x0).
    pub s: Value,
    /// Heap top.
    pub htop: Value,
    /// Erlang stack pointer (also the heap limit: the heap may grow up to it).
    pub e: Value,
    /// Reductions left.
    pub fcalls: Value,
}

/// Number of segment parameters: the four pinned values, then `CP` and `x0`.
pub const SEGMENT_PARAMS: usize = 6;
/// Number of segment results: the four pinned values, then the step code.
pub const SEGMENT_RESULTS: usize = 5;

/// The target as `FunctionBuilder::finalize` sees it (it needs the pointer type only when
/// values are declared for stack maps, which this project does not use): 32-bit ARM, the
/// tail convention, 4 KiB pages.
pub fn frontend_config() -> TargetFrontendConfig {
    TargetFrontendConfig {
        default_call_conv: CallConv::Tail,
        pointer_width: PointerWidth::U32,
        page_size_align_log2: 12,
    }
}

/// `(S, HTOP, E, FCALLS, CP, x0) -> (S, HTOP, E, FCALLS, step)` in the tail convention
/// (backend-arm32 puts parameters/results 0–3 in the pinned registers).
pub fn segment_signature() -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params
        .extend((0..SEGMENT_PARAMS).map(|_| AbiParam::new(I32)));
    sig.returns
        .extend((0..SEGMENT_RESULTS).map(|_| AbiParam::new(I32)));
    sig
}

/// A function with the segment signature named `name`: `body` builds it from the entry
/// block (sealed) and its parameters `(S, HTOP, E, FCALLS, CP, x0)`. Every fragment and
/// stub with that signature starts the same way.
pub fn build_segment(
    name: UserFuncName,
    body: impl FnOnce(&mut FunctionBuilder, &[Value]),
) -> Function {
    let mut func = Function::with_name_signature(name, segment_signature());
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    body(&mut b, &p);
    b.finalize(frontend_config());
    func
}

/// `process_entry(S) -> step`: a C-ABI (AAPCS) function the scheduler calls.
pub fn entry_signature() -> Signature {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.push(AbiParam::new(I32));
    sig.returns.push(AbiParam::new(I32));
    sig
}

/// Memory flags for the block: always aligned, never trapping (the block is mapped for
/// the life of the scheduler).
fn block_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Loads X register `i`.
pub fn load_x(b: &mut FunctionBuilder, s: Value, i: u32) -> Value {
    b.ins().load(I32, block_flags(), s, x_offset(i))
}

/// Stores `v` to X register `i`.
pub fn store_x(b: &mut FunctionBuilder, s: Value, i: u32, v: Value) {
    b.ins().store(block_flags(), v, s, x_offset(i));
}

/// Loads a hand-off field.
pub fn load_field(b: &mut FunctionBuilder, s: Value, f: Field) -> Value {
    b.ins().load(I32, block_flags(), s, f.offset())
}

/// Stores a hand-off field.
pub fn store_field(b: &mut FunctionBuilder, s: Value, f: Field, v: Value) {
    b.ins().store(block_flags(), v, s, f.offset());
}

/// Writes the pinned values that can change (HTOP, E, FCALLS) to the block: before a
/// runtime call that may collect garbage, yield or raise.
pub fn save_pinned(b: &mut FunctionBuilder, p: &Pinned) {
    store_field(b, p.s, Field::Htop, p.htop);
    store_field(b, p.s, Field::E, p.e);
    store_field(b, p.s, Field::Fcalls, p.fcalls);
}

/// Reads them back: after such a call (a collection moves the heap and the stack).
pub fn reload_pinned(b: &mut FunctionBuilder, s: Value) -> Pinned {
    Pinned {
        s,
        htop: load_field(b, s, Field::Htop),
        e: load_field(b, s, Field::E),
        fcalls: load_field(b, s, Field::Fcalls),
    }
}

/// The process-entry fragment (docs/beam-machine.md §4): loads the pinned values, `CP`
/// and x0 from the block, calls the resume address with the segment convention, stores
/// the pinned values the chain of segments returns, and returns its step code.
pub fn process_entry() -> Function {
    let mut func = Function::with_name_signature(
        UserFuncName::user(crate::rtcall::NS_FRAGMENT, FRAGMENT_PROCESS_ENTRY),
        entry_signature(),
    );
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let s = b.block_params(entry)[0];
    let p = reload_pinned(&mut b, s);
    let cp = load_field(&mut b, s, Field::Cp);
    let x0 = load_x(&mut b, s, 0);
    let resume = load_field(&mut b, s, Field::Resume);
    let sig = b.import_signature(segment_signature());
    let call = b
        .ins()
        .call_indirect(sig, resume, &[p.s, p.htop, p.e, p.fcalls, cp, x0]);
    let r = b.inst_results(call).to_vec();
    let out = Pinned {
        s: r[0],
        htop: r[1],
        e: r[2],
        fcalls: r[3],
    };
    save_pinned(&mut b, &out);
    b.ins().return_(&[r[4]]);
    b.finalize(frontend_config());
    func
}

/// `normal_exit`: the CP a process's first function returns to. A segment (segment
/// signature) that ends the process with reason `normal` (the atom term `normal`, given by
/// the loader since atom numbers are the runtime's).
pub fn normal_exit(normal: u32) -> Function {
    build_segment(
        UserFuncName::user(crate::rtcall::NS_FRAGMENT, FRAGMENT_NORMAL_EXIT),
        |b, p| {
            let reason = b.ins().iconst(I32, normal as i32 as i64);
            store_field(b, p[0], Field::StepArg, reason);
            // x0 is what the process's first function returned.
            store_field(b, p[0], Field::Result, p[5]);
            let step = b
                .ins()
                .iconst(I32, beam_runtime::sched_regs::StepCode::Exit as i64);
            b.ins().return_(&[p[0], p[1], p[2], p[3], step]);
        },
    )
}

/// `handle`: where compiled code goes when a runtime call left an exception (or a halt)
/// pending (docs/beam-machine.md §4). A segment that asks the runtime for the innermost
/// catch on the Erlang stack and tail-calls its handler with `E` reset to the handler's
/// frame and x0 the non-value (x1..x3 hold class, reason and stack trace), or returns the
/// pending step to the scheduler when nothing catches.
pub fn handle_exception() -> Function {
    use crate::rtcall::{RtFn, NS_RUNTIME};
    use cranelift_codegen::ir::{ExtFuncData, ExternalName, UserExternalName};
    build_segment(
        UserFuncName::user(crate::rtcall::NS_FRAGMENT, FRAGMENT_HANDLE),
        |b, p| {
            let pinned = Pinned {
                s: p[0],
                htop: p[1],
                e: p[2],
                fcalls: p[3],
            };
            save_pinned(b, &pinned);
            // The CP at the raise, for the stack trace (the caller's return address when
            // the raising function has no frame; 0 when its frame holds it).
            store_field(b, p[0], Field::Cp, p[4]);
            let sig = b.import_signature(RtFn::Handle.signature());
            let name = b.func.declare_imported_user_function(UserExternalName::new(
                NS_RUNTIME,
                RtFn::Handle as u32,
            ));
            let handle = b.import_function(ExtFuncData {
                name: ExternalName::user(name),
                signature: sig,
                colocated: false,
                patchable: false,
            });
            let call = b.ins().call(handle, &[p[0]]);
            let addr = b.inst_results(call)[0];
            let after = reload_pinned(b, p[0]);
            let (caught, uncaught) = (b.create_block(), b.create_block());
            b.ins().brif(addr, caught, &[], uncaught, &[]);
            b.switch_to_block(uncaught);
            b.seal_block(uncaught);
            let step = load_field(b, p[0], Field::Pending);
            b.ins()
                .return_(&[after.s, after.htop, after.e, after.fcalls, step]);
            b.switch_to_block(caught);
            b.seal_block(caught);
            let seg = b.import_signature(segment_signature());
            let non_value = b.ins().iconst(I32, 0);
            // The handler's function has a frame (its catch tag is in a Y slot): CP 0.
            b.ins().return_call_indirect(
                seg,
                addr,
                &[
                    after.s,
                    after.htop,
                    after.e,
                    after.fcalls,
                    non_value,
                    non_value,
                ],
            );
        },
    )
}

/// `UserFuncName` indices (namespace [`crate::rtcall::NS_FRAGMENT`]) of the shared fragments.
pub const FRAGMENT_PROCESS_ENTRY: u32 = 0;
pub const FRAGMENT_NORMAL_EXIT: u32 = 1;
/// Raises `error:undef`: what an export cell holds until its function exists.
pub const FRAGMENT_UNDEF: u32 = 2;
pub const FRAGMENT_HANDLE: u32 = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::settings;
    use cranelift_codegen::verifier::verify_function;

    #[test]
    fn normal_exit_verifies() {
        let f = normal_exit(0x4b);
        verify_function(&f, &settings::Flags::new(settings::builder()))
            .unwrap_or_else(|e| panic!("{e}\n{}", f.display()));
    }

    #[test]
    fn handle_exception_verifies() {
        let f = handle_exception();
        verify_function(&f, &settings::Flags::new(settings::builder()))
            .unwrap_or_else(|e| panic!("{e}\n{}", f.display()));
        let text = f.display().to_string();
        assert!(text.contains("return_call_indirect"), "{text}");
    }

    #[test]
    fn process_entry_verifies() {
        let f = process_entry();
        verify_function(&f, &settings::Flags::new(settings::builder()))
            .unwrap_or_else(|e| panic!("{e}\n{}", f.display()));
        // The call passes all six segment parameters and uses all five results.
        let text = f.display().to_string();
        assert!(text.contains("call_indirect"), "{text}");
        assert_eq!(segment_signature().params.len(), SEGMENT_PARAMS);
        assert_eq!(segment_signature().returns.len(), SEGMENT_RESULTS);
    }
}
