//! What the runtime asks the VM about code addresses in funs and exports
//! (`beam_runtime::ops::CodeInfo`): printing, ordering, hashing and the external format.

use beam_runtime::atom;
use beam_runtime::term::Term;

use crate::stacktrace::fun_identity;

/// What the runtime's printing, ordering and hashing ask about code addresses in funs
/// (`beam_runtime::ops::CodeInfo`), answered from this thread's VM.
pub(crate) struct VmCodeInfo;

impl beam_runtime::ops::CodeInfo for VmCodeInfo {
    fn export_mfa(&self, entry: u32) -> Option<(Term, Term, u32)> {
        crate::rt::cell_mfa(entry)
    }
    fn export_entry(&self, module: Term, function: Term, arity: u32) -> Option<u32> {
        crate::rt::export_cell(module, function, arity).or_else(|| {
            // erl makes an export entry for any `fun M:F/A` it decodes, loaded or not
            // (as `erlang:make_fun/3`); not while the loader itself is decoding.
            let (m, f) = (
                beam_runtime::atom::name(module)?,
                beam_runtime::atom::name(function)?,
            );
            crate::loader::with_loader(|l| l.fun_cell(&m, &f, arity)).ok()
        })
    }
    fn fun_identity(&self, entry: u32) -> Option<(Term, u32, u32)> {
        fun_identity(entry)
    }
    fn module_md5(&self, module: Term) -> Option<[u8; 16]> {
        crate::module_meta::get(&atom::name(module)?).map(|m| m.md5)
    }
    fn fun_entry(&self, module: Term, index: u32, old_uniq: u32, md5: [u8; 16]) -> Option<u32> {
        // Another version of the module (or a module loaded without its file, whose
        // checksum is unknown: all zeros on both sides) is not this fun's code.
        crate::unloaded_fun::code_of(&crate::unloaded_fun::Lambda {
            module,
            index,
            old_uniq,
            md5,
            arity: 0,
        })
    }
    fn unloaded_fun_entry(
        &self,
        module: Term,
        index: u32,
        old_uniq: u32,
        md5: [u8; 16],
        arity: u32,
    ) -> Option<u32> {
        crate::unloaded_fun::entry_for(crate::unloaded_fun::Lambda {
            module,
            index,
            old_uniq,
            md5,
            arity,
        })
    }
    fn fun_new_uniq(&self, entry: u32) -> Option<[u8; 16]> {
        crate::unloaded_fun::lambda(entry).map(|l| l.md5)
    }
}
