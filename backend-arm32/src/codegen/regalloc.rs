//! Register allocation with regalloc2's Ion allocator on our [`VCode`].

use std::cell::RefCell;

use super::abi::machine_env;
use super::vcode::VCode;

thread_local! {
    /// regalloc2's working state, kept between functions: `run_with_ctx` clears and
    /// refills its vectors and sets instead of allocating them anew, which is most of
    /// the allocator's fixed cost per function (a module compiles thousands of small
    /// segments; measured natively on lists.beam, docs/compile-speed.md).
    static CTX: RefCell<regalloc2::Ctx> = RefCell::new(regalloc2::Ctx::default());
}

/// Runs regalloc2 (Ion, or Fastalloc when `fast`); the error text names what it rejected.
pub fn allocate(vcode: &VCode, fast: bool) -> Result<regalloc2::Output, String> {
    let options = regalloc2::RegallocOptions {
        verbose_log: false,
        validate_ssa: cfg!(debug_assertions),
        algorithm: if fast {
            regalloc2::Algorithm::Fastalloc
        } else {
            regalloc2::Algorithm::Ion
        },
    };
    let env = machine_env();
    CTX.with(|cell| {
        // A re-entrant call (none today) would find the context borrowed: it gets a
        // fresh one rather than a panic.
        match cell.try_borrow_mut() {
            Ok(mut ctx) => {
                regalloc2::run_with_ctx(vcode, &env, &options, &mut ctx)
                    .map_err(|e| format!("{e:?}"))?;
                // The output moves out (the caller keeps it); the rest stays for reuse.
                Ok(std::mem::take(&mut ctx.output))
            }
            Err(_) => regalloc2::run(vcode, &env, &options).map_err(|e| format!("{e:?}")),
        }
    })
}
