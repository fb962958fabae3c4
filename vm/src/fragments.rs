//! Shared fragments built as CLIF (docs/beam-machine.md §4) and compiled by backend-arm32
//! like any other code: process entry, normal exit, the target of unresolved calls, and
//! lazy loading (the per-cell stub and the fragment it goes to).

use beam_ir::machine::{self, segment_signature, Pinned};
use beam_ir::rtcall::{RtFn, NS_EXPORT_CELL, NS_FRAGMENT, NS_RUNTIME, NS_SEGMENT};
use beam_runtime::sched_regs::{Field, StepCode};
use beam_runtime::term::Term;
use cranelift_codegen::ir::{
    types::I32, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder, UserExternalName,
    UserFuncName,
};
use cranelift_frontend::FunctionBuilder;

/// Fragment numbers (`ExternalName::User { namespace: NS_FRAGMENT, index }`).
pub const PROCESS_ENTRY: u32 = machine::FRAGMENT_PROCESS_ENTRY;
pub const NORMAL_EXIT: u32 = machine::FRAGMENT_NORMAL_EXIT;
pub const UNDEF: u32 = machine::FRAGMENT_UNDEF;
pub const HANDLE: u32 = machine::FRAGMENT_HANDLE;
pub const RETURN_X0: u32 = 4;
pub const LAZY: u32 = 5;

/// `undef`: what an export cell holds until its function is loaded. A segment that
/// makes `error:undef` pending and goes to `handle` (the atom terms are the runtime's,
/// passed in), so a `try` around the call catches it.
pub fn undef(error: Term, undef: Term) -> Function {
    machine::build_segment(UserFuncName::user(NS_FRAGMENT, UNDEF), |b, p| {
        let class = b.ins().iconst(I32, error.0 as i32 as i64);
        machine::store_field(b, p[0], Field::ExcReason, class);
        let reason = b.ins().iconst(I32, undef.0 as i32 as i64);
        machine::store_field(b, p[0], Field::ExcValue, reason);
        let step = b.ins().iconst(I32, StepCode::Error as i64);
        machine::store_field(b, p[0], Field::Pending, step);
        let handle = fragment_ref(b, HANDLE);
        b.ins().return_call(handle, p);
    })
}

/// A reference to fragment `index` (segment signature) from a function being built.
fn fragment_ref(b: &mut FunctionBuilder, index: u32) -> FuncRef {
    let sig = b.import_signature(segment_signature());
    let name = b
        .func
        .declare_imported_user_function(UserExternalName::new(NS_FRAGMENT, index));
    b.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: sig,
        colocated: false,
        patchable: false,
    })
}

/// A BIF called as an Erlang function (through an export cell: `fun erlang:abs/1`,
/// `apply(erlang, F, Args)`, a remote call the loader did not turn into a BIF call): a
/// segment, numbered `index` in its install set, that calls BIF number `id` with x0..x2
/// and returns its value to CP, or goes to `handle` when it raised.
pub fn bif_trampoline(index: u32, id: u32, arity: u32) -> Function {
    machine::build_segment(UserFuncName::user(NS_SEGMENT, index), |b, p| {
        let (s, cp) = (p[0], p[4]);
        machine::save_pinned(
            b,
            &Pinned {
                s,
                htop: p[1],
                e: p[2],
                fcalls: p[3],
            },
        );
        let id = b.ins().iconst(I32, i64::from(id));
        let mut args = vec![s, id, p[5]];
        for i in 1..3 {
            let v = if i < arity {
                machine::load_x(b, s, i)
            } else {
                b.ins().iconst(I32, 0)
            };
            args.push(v);
        }
        let rt_bif = rt_ref(b, RtFn::Bif);
        let call = b.ins().call(rt_bif, &args);
        let r = b.inst_results(call)[0];
        let after = machine::reload_pinned(b, s);
        let (ok, bad) = (b.create_block(), b.create_block());
        b.ins().brif(r, ok, &[], bad, &[]);
        b.switch_to_block(ok);
        b.seal_block(ok);
        let seg = b.import_signature(segment_signature());
        // A return: the return point's function has a frame holding its CP (CP 0).
        let zero = b.ins().iconst(I32, 0);
        b.ins().return_call_indirect(
            seg,
            cp,
            &[after.s, after.htop, after.e, after.fcalls, zero, r],
        );
        b.switch_to_block(bad);
        b.seal_block(bad);
        let handle = fragment_ref(b, HANDLE);
        let zero = b.ins().iconst(I32, 0);
        b.ins().return_call(
            handle,
            &[after.s, after.htop, after.e, after.fcalls, cp, zero],
        );
    })
}

/// `return_x0`: returns x0 from the X array to CP. Where `apply` of a BIF goes: the
/// runtime has called the BIF and stored its value in x0.
pub fn return_x0() -> Function {
    machine::build_segment(UserFuncName::user(NS_FRAGMENT, RETURN_X0), |b, p| {
        let x0 = machine::load_x(b, p[0], 0);
        let seg = b.import_signature(segment_signature());
        // A return: CP 0 at the return point (see `bif_trampoline`).
        let zero = b.ins().iconst(I32, 0);
        b.ins()
            .return_call_indirect(seg, p[4], &[p[0], p[1], p[2], p[3], zero, x0]);
    })
}

/// A reference to runtime function `f` from a function being built.
fn rt_ref(b: &mut FunctionBuilder, f: RtFn) -> FuncRef {
    let sig = b.import_signature(f.signature());
    let name = b
        .func
        .declare_imported_user_function(UserExternalName::new(NS_RUNTIME, f as u32));
    b.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: sig,
        colocated: false,
        patchable: false,
    })
}

/// `lazy`: where the stub of an export cell whose module is not loaded yet goes, with
/// the cell's address in place of x0 (the stub stored x0 in the X array). Calls
/// `rt_load`, which loads the module (the process is suspended in that call) and returns
/// the callee's address — or the `undef` fragment's — and continues there with the
/// caller's CP and x0: the call proceeds as if the cell had pointed at the code all along.
pub fn lazy() -> Function {
    machine::build_segment(UserFuncName::user(NS_FRAGMENT, LAZY), |b, p| {
        let (s, cp, cell) = (p[0], p[4], p[5]);
        machine::save_pinned(
            b,
            &Pinned {
                s,
                htop: p[1],
                e: p[2],
                fcalls: p[3],
            },
        );
        let load = rt_ref(b, RtFn::Load);
        let call = b.ins().call(load, &[s, cell]);
        let addr = b.inst_results(call)[0];
        let after = machine::reload_pinned(b, s);
        let x0 = machine::load_x(b, s, 0);
        let seg = b.import_signature(segment_signature());
        b.ins().return_call_indirect(
            seg,
            addr,
            &[after.s, after.htop, after.e, after.fcalls, cp, x0],
        );
    })
}

/// The stub an export cell holds while its module is not loaded: stores x0 in the X
/// array and goes to [`lazy`] with the cell's address (the symbol `NS_EXPORT_CELL` 0) as
/// its last argument. Compiled once per VM; each cell gets its own copy, linked with the
/// symbol resolved to that cell (so a stub costs a link, not a compilation).
pub fn lazy_stub() -> Function {
    machine::build_segment(UserFuncName::user(NS_SEGMENT, 0), |b, p| {
        machine::store_x(b, p[0], 0, p[5]);
        let name = b
            .func
            .declare_imported_user_function(UserExternalName::new(NS_EXPORT_CELL, 0));
        let gv = b
            .func
            .create_global_value(cranelift_codegen::ir::GlobalValueData::Symbol {
                name: ExternalName::user(name),
                offset: 0.into(),
                colocated: false,
                tls: false,
            });
        let cell = b.ins().symbol_value(I32, gv);
        let lazy = fragment_ref(b, LAZY);
        b.ins()
            .return_call(lazy, &[p[0], p[1], p[2], p[3], p[4], cell]);
    })
}

/// All fragments, in fragment-number order.
pub fn all(normal: Term, error: Term, undef_atom: Term) -> Vec<Function> {
    vec![
        machine::process_entry(),
        machine::normal_exit(normal.0),
        undef(error, undef_atom),
        machine::handle_exception(),
        return_x0(),
        lazy(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::settings;
    use cranelift_codegen::verifier::verify_function;

    #[test]
    fn fragments_and_trampolines_verify() {
        let flags = settings::Flags::new(settings::builder());
        let mut fs = all(Term(0x4b), Term(0x8b), Term(0xcb));
        fs.push(bif_trampoline(0, 7, 2));
        fs.push(lazy_stub());
        for f in fs {
            verify_function(&f, &flags).unwrap_or_else(|e| panic!("{e}\n{}", f.display()));
        }
    }
}
