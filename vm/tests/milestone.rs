//! The seed's first milestone and the first programs, end to end: erlc-compiled modules
//! through the loader, specific instructions, CLIF segments, backend-arm32 and the runtime,
//! executed in the ARM32 simulator.

mod common;
use common::erlc;

use beam_runtime::atom;
use beam_vm::{Options, RunOutcome, Vm};

#[test]
fn hello_halts_with_42() {
    let dir = erlc(
        "hello",
        "-module(hello).\n-export([start/2]).\n\
         start(_BootMod, _BootArgs) -> erlang:halt(42, [{flush, false}]).\n",
    );
    // The simulator, on every host (it runs on ARM hosts too).
    let mut opts = Options::with_otp(vec![dir.clone()]);
    opts.native = false;
    let mut vm = Vm::new(opts).unwrap();
    let args = [atom::intern("boot").unwrap(), atom::intern("args").unwrap()];
    let out = vm.run("hello", "start", &args).unwrap();
    assert_eq!(out, RunOutcome::Halt(42));
    assert!(vm.instructions().is_some_and(|n| n > 0));
    std::fs::remove_dir_all(dir).ok();
}

/// The same milestone with the code running on the CPU: on an ARMv7 host, i.e. in the
/// native test suite under qemu-arm.
#[cfg(target_arch = "arm")]
#[test]
fn hello_halts_with_42_natively() {
    let dir = erlc(
        "hello_native",
        "-module(hello_native).\n-export([start/2]).\n\
         start(_BootMod, _BootArgs) -> erlang:halt(42, [{flush, false}]).\n",
    );
    let mut opts = Options::with_otp(vec![dir.clone()]);
    opts.native = true;
    let mut vm = Vm::new(opts).unwrap();
    let args = [atom::intern("boot").unwrap(), atom::intern("args").unwrap()];
    let out = vm.run("hello_native", "start", &args).unwrap();
    assert_eq!(out, RunOutcome::Halt(42));
    assert_eq!(vm.instructions(), None);
    std::fs::remove_dir_all(dir).ok();
}
