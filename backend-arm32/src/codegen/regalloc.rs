//! Register allocation with regalloc2's Ion allocator on our [`VCode`].

use super::abi::machine_env;
use super::vcode::VCode;

/// Runs regalloc2; the error text names what it rejected.
pub fn allocate(vcode: &VCode) -> Result<regalloc2::Output, String> {
    let options = regalloc2::RegallocOptions {
        verbose_log: false,
        validate_ssa: cfg!(debug_assertions),
        algorithm: regalloc2::Algorithm::Ion,
    };
    regalloc2::run(vcode, &machine_env(), &options).map_err(|e| format!("{e:?}"))
}
