//! Term operations: Erlang term order and equality ([`compare`](mod@compare)), `io_lib:format` `~w`
//! ([`print`](mod@print)) and `~p` ([`pretty`]) printing, the external term format ([`etf`]) and
//! `erlang:phash2` ([`hash`]), `io_lib:format` ([`format`](mod@format)), all checked against OTP 25's `erl` by
//! `runtime/tests/ops_erl_oracle.rs`; [`view`] has the shared term readers. The rules are
//! summarised in docs/terms.md.
//!
//! Funs and exports point at code; what they *are* in Erlang terms (module, function,
//! arity, fun index) is known to the loader, not to the heap. The loader registers a
//! [`CodeInfo`] once ([`set_code_info`]) so that printing, ordering and the external
//! format can name them; without one, funs and exports compare by address, print with
//! their address, and cannot be encoded or hashed.

pub mod compare;
pub mod etf;
pub mod format;
pub mod hash;
pub mod ihash;
pub mod phash;
pub mod pretty;
pub mod print;
pub mod view;

pub use compare::{arith_eq, compare, compare_exact, exact_eq};
pub use etf::EtfError;
pub use view::TermError;

use crate::term::Term;
use std::sync::OnceLock;

/// What the loader knows about code addresses held by funs and exports.
pub trait CodeInfo: Send + Sync {
    /// `(module, function, arity)` of the export entry at `entry`.
    fn export_mfa(&self, entry: u32) -> Option<(Term, Term, u32)>;
    /// The export entry for `module:function/arity` (decoding `fun M:F/A`).
    fn export_entry(&self, module: Term, function: Term, arity: u32) -> Option<u32>;
    /// `(module, old_index, old_uniq)` of the fun entry at `entry`: what OTP prints as
    /// `#Fun<Module.Index.Uniq>` and orders funs by.
    fn fun_identity(&self, entry: u32) -> Option<(Term, u32, u32)>;
    /// The module checksum of `module`'s current code (`module_info(md5)`, a local fun's
    /// `new_uniq` in the external format).
    fn module_md5(&self, _module: Term) -> Option<[u8; 16]> {
        None
    }
    /// The code entry of fun number `index` of `module`'s current code, if that code is
    /// the one with checksum `md5` and the fun's `old_uniq` (decoding a local fun).
    fn fun_entry(&self, _module: Term, _index: u32, _old_uniq: u32, _md5: [u8; 16]) -> Option<u32> {
        None
    }
    /// An entry standing for a fun of code that is not loaded (its module is not, or
    /// not with checksum `md5`): erl decodes such a fun, which raises `badfun` or
    /// `undef` when called. `None`: the term is refused.
    fn unloaded_fun_entry(
        &self,
        _module: Term,
        _index: u32,
        _old_uniq: u32,
        _md5: [u8; 16],
        _arity: u32,
    ) -> Option<u32> {
        None
    }
    /// The checksum a fun with `entry` was decoded with, when it is not its module's
    /// current code's (an entry of [`CodeInfo::unloaded_fun_entry`]).
    fn fun_new_uniq(&self, _entry: u32) -> Option<[u8; 16]> {
        None
    }
}

static CODE_INFO: OnceLock<Box<dyn CodeInfo>> = OnceLock::new();

/// Registers the process-wide [`CodeInfo`]; `false` if one was already registered.
pub fn set_code_info(info: Box<dyn CodeInfo>) -> bool {
    CODE_INFO.set(info).is_ok()
}

pub(crate) fn code_info() -> Option<&'static dyn CodeInfo> {
    CODE_INFO.get().map(|b| &**b)
}
