//! The real OTP boot (docs/boot.md, issue #16): when a VM runs OTP's own `init`
//! (`Options::otp_boot`, `beam --otp-boot`), the BIF tables that stand in for Erlang
//! modules of OTP step aside, so those modules' own code runs.
//!
//! Without the real boot, `io`, `code`, `logger`, `init`'s argument queries and
//! `application:which_applications/0,1` are BIFs (there is no group leader, code server,
//! logger process or application controller to talk to). With it, OTP's modules are the
//! only implementation: a call of `io:format/2` is a remote call into io.erl. What stays
//! are the real BIFs and NIFs of OTP (`erlang:is_builtin/3`, `prim_file`'s, `zlib`'s) and
//! the BIF versions of functions whose Erlang code in OTP only wraps BIFs
//! (`maps:get/3`, `erlang:spawn/1`...), which answer the same.
//!
//! The mode is per VM thread (like the loader's state) and fixed when the VM is made:
//! the loader compiles calls as BIF calls or remote calls by it, and the native-code
//! cache keys code by it.

use std::cell::Cell;

thread_local! {
    static OTP_BOOT: Cell<bool> = const { Cell::new(false) };
}

/// Sets the mode of this thread's VM (`Vm::new`).
pub(crate) fn set(on: bool) {
    OTP_BOOT.with(|b| b.set(on));
}

/// Whether this thread's VM runs the real boot.
pub fn on() -> bool {
    OTP_BOOT.with(Cell::get)
}

/// Whether `module:name/arity` is a BIF here only as a stand-in for OTP's Erlang code,
/// and so no BIF under the real boot.
pub(crate) fn stand_in(module: &str, name: &str, arity: u32) -> bool {
    match module {
        // Whole modules of Erlang code: io.erl, io_lib.erl, code.erl (code_server),
        // logger.erl, init.erl (the argument queries ask the init process),
        // application.erl (application_controller).
        "io" => name != "printable_range",
        "io_lib" | "code" | "logger" | "init" | "application" => true,
        // prim_file.erl's helper process loop (the rest of the table are its NIFs or
        // stand in for its Erlang functions over them with the same answers).
        "prim_file" => name == "start" && arity == 0,
        // os.erl runs a command through a spawn port.
        "os" => name == "cmd" && matches!(arity, 1 | 2),
        _ => false,
    }
}

/// Whether the BIF `module:name/arity` is in force in this thread's VM.
pub(crate) fn bif_in_force(module: &str, name: &str, arity: u32) -> bool {
    !(on() && stand_in(module, name, arity))
}
