//! Shared helpers for the codegen tests (included with `#[path]` by each test file):
//! parse CLIF text, compile it with our backend, and run the machine code on a real ARM
//! implementation — natively when the tests themselves run on ARM (e.g. under qemu-arm),
//! otherwise by wrapping the code in a tiny static ARM ELF executed by `qemu-arm`.

#![allow(dead_code)]

// The hosted harness assembles a tiny ARM executable around the code under test.
#[cfg(not(target_arch = "arm"))]
use backend_arm32::asm::{self, Cond, DReg, DpOp, Inst, Operand2, Reg, RegList};
use backend_arm32::codegen::{compile, Flags, Isa};

/// Parses a CLIF function from text.
pub fn parse(text: &str) -> cranelift_codegen::ir::Function {
    let mut funcs = cranelift_reader::parse_functions(text).expect("CLIF parses");
    assert_eq!(funcs.len(), 1, "one function per test");
    funcs.remove(0)
}

/// Compiles CLIF text and runs it with up to four 32-bit arguments; returns (r0, r1).
pub fn run_clif(text: &str, args: &[u32]) -> (u32, u32) {
    let f = parse(text);
    run_func(&f, args)
}

/// The flags the tests compile with (qemu-arm's default CPU has SDIV/UDIV).
pub const FLAGS: Flags = Flags {
    has_hw_div: true,
    ..Flags::DEFAULT
};

/// Compiles a parsed function and runs it; returns (r0, r1).
pub fn run_func(f: &cranelift_codegen::ir::Function, args: &[u32]) -> (u32, u32) {
    let code = compile(f, &FLAGS).unwrap_or_else(|e| panic!("compile: {e}"));
    assert!(
        code.code.relocs.is_empty(),
        "tests run code without relocations"
    );
    run_code(&code.code.bytes, args)
}

/// Natively the code runs in a forked child, so a trap (SIGILL) kills only the child; the
/// result comes back through a pipe.
#[cfg(target_arch = "arm")]
pub fn run_code_checked(bytes: &[u8], args: &[u32]) -> Result<(u32, u32), i32> {
    run_image_checked(&|_| bytes.to_vec(), args)
}

#[cfg(target_arch = "arm")]
pub fn run_image_checked(build: &dyn Fn(u32) -> Vec<u8>, args: &[u32]) -> Result<(u32, u32), i32> {
    run_image_checked_vfp(build, args, &[], false).map(|(a, b, _)| (a, b))
}

/// Like [`run_image_checked`], with f64 arguments in d0–d7 (`fargs`, raw bits); returns
/// (r0, r1, d0). `float_ret`: the code returns an f64 (natively the call must be typed so).
#[cfg(target_arch = "arm")]
pub fn run_image_checked_vfp(
    build: &dyn Fn(u32) -> Vec<u8>,
    args: &[u32],
    fargs: &[u64],
    float_ret: bool,
) -> Result<(u32, u32, u64), i32> {
    run_image_isa_checked_vfp(build, args, fargs, float_ret, Isa::A32)
}

/// [`run_image_checked_vfp`] for an image of instruction set `isa`: T32 code is called at
/// its first byte's address with bit 0 set (a `BLX reg` into Thumb state).
#[cfg(target_arch = "arm")]
pub fn run_image_isa_checked_vfp(
    build: &dyn Fn(u32) -> Vec<u8>,
    args: &[u32],
    fargs: &[u64],
    float_ret: bool,
    isa: Isa,
) -> Result<(u32, u32, u64), i32> {
    let mut fds = [0i32; 2];
    // SAFETY: plain POSIX calls; the child only runs the code, writes 8 bytes and _exits.
    unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0, "pipe");
        let pid = libc::fork();
        assert!(pid >= 0, "fork");
        if pid == 0 {
            let (a, b, d) = run_image_in_process(build, args, fargs, float_ret, isa);
            let mut buf = [0u8; 16];
            buf[..4].copy_from_slice(&a.to_le_bytes());
            buf[4..8].copy_from_slice(&b.to_le_bytes());
            buf[8..].copy_from_slice(&d.to_le_bytes());
            libc::write(fds[1], buf.as_ptr() as *const libc::c_void, 16);
            libc::_exit(0);
        }
        libc::close(fds[1]);
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        let mut buf = [0u8; 16];
        let n = libc::read(fds[0], buf.as_mut_ptr() as *mut libc::c_void, 16);
        libc::close(fds[0]);
        if libc::WIFSIGNALED(status) {
            return Err(libc::WTERMSIG(status));
        }
        assert_eq!(n, 16, "child wrote its result");
        let w = |i: usize| u32::from_le_bytes(buf[i..i + 4].try_into().unwrap());
        Ok((w(0), w(4), u64::from(w(8)) | u64::from(w(12)) << 32))
    }
}

#[cfg(target_arch = "arm")]
fn run_image_in_process(
    build: &dyn Fn(u32) -> Vec<u8>,
    args: &[u32],
    fargs: &[u64],
    float_ret: bool,
    isa: Isa,
) -> (u32, u32, u64) {
    let mut a = [0u32; 4];
    a[..args.len()].copy_from_slice(args);
    let mut fa = [0f64; 8];
    for (d, &bits) in fa.iter_mut().zip(fargs) {
        *d = f64::from_bits(bits);
    }
    // SAFETY: a fresh anonymous mapping we own; the code is copied in, then called with the
    // AAPCS-VFP signature our backend gives functions of up to four integer params in
    // r0-r3 and eight f64 params in d0-d7 (result in r0/r1, or d0 when `float_ret`).
    unsafe {
        let len = 1 << 20;
        let p = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED, "mmap");
        let bytes = build(p as u32);
        assert!(bytes.len() <= len, "image fits the mapping");
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p as *mut u8, bytes.len());
        extern "C" {
            fn __clear_cache(start: *mut libc::c_char, end: *mut libc::c_char);
        }
        __clear_cache(
            p as *mut libc::c_char,
            (p as *mut libc::c_char).add(bytes.len()),
        );
        type F = f64;
        // A function pointer with bit 0 set is called by BLX reg in Thumb state.
        let entry = p as usize | usize::from(isa == Isa::T32);
        let r = if float_ret {
            let f: extern "C" fn(u32, u32, u32, u32, F, F, F, F, F, F, F, F) -> f64 =
                std::mem::transmute(entry);
            let d = f(
                a[0], a[1], a[2], a[3], fa[0], fa[1], fa[2], fa[3], fa[4], fa[5], fa[6], fa[7],
            );
            (0, 0, d.to_bits())
        } else {
            let f: extern "C" fn(u32, u32, u32, u32, F, F, F, F, F, F, F, F) -> u64 =
                std::mem::transmute(entry);
            let r = f(
                a[0], a[1], a[2], a[3], fa[0], fa[1], fa[2], fa[3], fa[4], fa[5], fa[6], fa[7],
            );
            (r as u32, (r >> 32) as u32, 0)
        };
        libc::munmap(p, len);
        r
    }
}

/// Builds a static ARM ELF: a harness that loads the arguments, calls the code with `bl`,
/// writes r0 and r1 (8 bytes) to stdout and exits; runs it under `qemu-arm`.
/// Runs code that must succeed.
pub fn run_code(bytes: &[u8], args: &[u32]) -> (u32, u32) {
    run_code_checked(bytes, args).unwrap_or_else(|sig| panic!("code died with signal {sig}"))
}

/// Compiles CLIF text and runs it; `Err(signal)` if the code was killed (a trap: UDF
/// raises SIGILL).
pub fn run_clif_checked(text: &str, args: &[u32]) -> Result<(u32, u32), i32> {
    let f = parse(text);
    let code = compile(&f, &FLAGS).unwrap_or_else(|e| panic!("compile: {e}"));
    run_code_checked(&code.code.bytes, args)
}

#[cfg(not(target_arch = "arm"))]
pub fn run_code_checked(bytes: &[u8], args: &[u32]) -> Result<(u32, u32), i32> {
    run_image_checked(&|_| bytes.to_vec(), args)
}

/// Runs an image (built by `build` for the address it gets; its entry point is its first
/// byte) under qemu-arm.
#[cfg(not(target_arch = "arm"))]
pub fn run_image_checked(build: &dyn Fn(u32) -> Vec<u8>, args: &[u32]) -> Result<(u32, u32), i32> {
    run_image_checked_vfp(build, args, &[], false).map(|(a, b, _)| (a, b))
}

/// Like [`run_image_checked`], with f64 arguments in d0–d7 (`fargs`, raw bits); returns
/// (r0, r1, d0).
#[cfg(not(target_arch = "arm"))]
pub fn run_image_checked_vfp(
    build: &dyn Fn(u32) -> Vec<u8>,
    args: &[u32],
    fargs: &[u64],
    float_ret: bool,
) -> Result<(u32, u32, u64), i32> {
    run_image_isa_checked_vfp(build, args, fargs, float_ret, Isa::A32)
}

/// [`run_image_checked_vfp`] for an image of instruction set `isa` (T32: the A32 harness
/// reaches it through `BX` to its address with bit 0 set).
#[cfg(not(target_arch = "arm"))]
pub fn run_image_isa_checked_vfp(
    build: &dyn Fn(u32) -> Vec<u8>,
    args: &[u32],
    fargs: &[u64],
    _float_ret: bool,
    isa: Isa,
) -> Result<(u32, u32, u64), i32> {
    const BASE: u32 = 0x10000;
    const HDR: u32 = 52 + 32;
    let mut b = asm::CodeBuffer::new();
    let e = |b: &mut asm::CodeBuffer, i: Inst| b.emit(&i).expect("harness encodes");
    let load = |b: &mut asm::CodeBuffer, i: u32, v: u32| {
        let rd = Reg::new(i).unwrap();
        e(
            b,
            Inst::Movw {
                cond: Cond::Al,
                rd,
                imm: v as u16,
            },
        );
        e(
            b,
            Inst::Movt {
                cond: Cond::Al,
                rd,
                imm: (v >> 16) as u16,
            },
        );
    };
    // f64 arguments through r0/r1 into d0-d7 first, then the integer ones.
    for (i, &bits) in fargs.iter().enumerate() {
        load(&mut b, 0, bits as u32);
        load(&mut b, 1, (bits >> 32) as u32);
        e(
            &mut b,
            Inst::VmovToD {
                cond: Cond::Al,
                dm: DReg::new(i as u32).unwrap(),
                rt: Reg::R0,
                rt2: Reg::R1,
            },
        );
    }
    for (i, &v) in args.iter().enumerate() {
        load(&mut b, i as u32, v);
    }
    let func = b.new_label();
    b.branch(Cond::Al, true, func).unwrap();
    // r0, r1 and d0 (through r2/r3) to the stack, then 16 bytes to stdout.
    e(
        &mut b,
        Inst::VmovFromD {
            cond: Cond::Al,
            rt: Reg::new(2).unwrap(),
            rt2: Reg::new(3).unwrap(),
            dm: DReg::new(0).unwrap(),
        },
    );
    e(
        &mut b,
        Inst::Block {
            cond: Cond::Al,
            load: false,
            mode: asm::BlockMode::Db,
            rn: Reg::SP,
            writeback: true,
            regs: RegList::of(&[Reg::R0, Reg::R1, Reg::new(2).unwrap(), Reg::new(3).unwrap()]),
        },
    );
    let mov = |b: &mut asm::CodeBuffer, rd: Reg, op2: Operand2| {
        b.emit(&Inst::Dp {
            cond: Cond::Al,
            op: DpOp::Mov,
            s: false,
            rd,
            rn: rd,
            op2,
        })
        .unwrap()
    };
    let imm = |v: u32| Operand2::imm(v).unwrap();
    mov(&mut b, Reg::R1, Operand2::Reg(Reg::SP));
    mov(&mut b, Reg::R0, imm(1));
    mov(&mut b, Reg::R2, imm(16));
    mov(&mut b, Reg::R7, imm(4));
    b.emit_word(0xef00_0000); // svc #0 (write)
    mov(&mut b, Reg::R0, imm(0));
    mov(&mut b, Reg::R7, imm(1));
    b.emit_word(0xef00_0000); // svc #0 (exit)
    b.bind(func).unwrap();
    if isa == Isa::T32 {
        // `add ip, pc, #1; bx ip`: PC reads 8 ahead, which is where the image starts; the
        // T32 code returns to the harness's A32 LR with BX LR / POP {pc}.
        let ip = Reg::new(12).unwrap();
        b.emit(&Inst::Dp {
            cond: Cond::Al,
            op: DpOp::Add,
            s: false,
            rd: ip,
            rn: Reg::PC,
            op2: Operand2::imm(1).unwrap(),
        })
        .unwrap();
        e(
            &mut b,
            Inst::Bx {
                cond: Cond::Al,
                rm: ip,
            },
        );
    }
    let mut code = b.finish().expect("harness finishes").bytes;
    let bytes = build(BASE + HDR + code.len() as u32);
    code.extend_from_slice(&bytes);

    let total = HDR + code.len() as u32;
    let mut elf = Vec::new();
    // ELF32 header (System V gABI; ARM: EM_ARM = 40, EABI version 5, hard-float flag).
    elf.extend_from_slice(&[0x7f, b'E', b'L', b'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let h16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let h32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    h16(&mut elf, 2); // ET_EXEC
    h16(&mut elf, 40); // EM_ARM
    h32(&mut elf, 1);
    h32(&mut elf, BASE + HDR); // entry
    h32(&mut elf, 52); // phoff
    h32(&mut elf, 0); // shoff
    h32(&mut elf, 0x0500_0400); // EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_HARD
    h16(&mut elf, 52);
    h16(&mut elf, 32);
    h16(&mut elf, 1);
    h16(&mut elf, 40);
    h16(&mut elf, 0);
    h16(&mut elf, 0);
    // PT_LOAD of the whole file, read+exec.
    for x in [1, 0, BASE, BASE, total, total, 5, 0x1000] {
        h32(&mut elf, x);
    }
    elf.extend_from_slice(&code);

    let dir = std::env::temp_dir();
    let path = dir.join(format!(
        "codegen-test-{}-{}.elf",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&path, &elf).expect("write ELF");
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    // No core files from trapping runs (UDF ends the process with SIGILL); a run that
    // does not end within two minutes (generated code looping) fails instead of hanging.
    let out = std::process::Command::new("sh")
        .args(["-c", "ulimit -c 0; exec timeout 120 qemu-arm \"$0\""])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("qemu-arm is needed for these tests (scripts/setup): {e}"));
    let _ = std::fs::remove_file(&path);
    if let Some(sig) = std::os::unix::process::ExitStatusExt::signal(&out.status) {
        return Err(sig);
    }
    assert!(
        out.status.success(),
        "qemu-arm failed: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.len(), 16, "harness writes r0, r1 and d0");
    let w = |i: usize| u32::from_le_bytes(out.stdout[i..i + 4].try_into().unwrap());
    Ok((w(0), w(4), u64::from(w(8)) | u64::from(w(12)) << 32))
}

#[cfg(not(target_arch = "arm"))]
static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

// ---- programs of several functions, host functions ----------------------------------

use backend_arm32::codegen::link::link_isa;
use backend_arm32::codegen::{CompiledCode, SymbolName};

/// Host ("runtime") functions that CLIF test files may call by name. Position-sensitive
/// formulas so that swapped or misplaced arguments show.
pub extern "C" fn rt_add3(a: i32, b: i32, c: i32) -> i32 {
    a.wrapping_add(b.wrapping_mul(3))
        .wrapping_add(c.wrapping_mul(5))
}
pub extern "C" fn rt_sum6(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32) -> i32 {
    [a, b, c, d, e, f]
        .iter()
        .enumerate()
        .fold(0i32, |s, (i, &x)| {
            s.wrapping_add(x.wrapping_mul(i as i32 + 1))
        })
}
pub extern "C" fn rt_pair(a: i32) -> i64 {
    // Two results in r0/r1 (the CLIF side declares `-> i32, i32`).
    (a.wrapping_mul(7) as u32 as i64) | ((a.wrapping_sub(1) as u32 as i64) << 32)
}

/// An AAPCS-VFP host function: f64 arguments in d0/d1, the i32 in r0, the result in d0.
pub extern "C" fn rt_fmix(a: f64, n: i32, b: f64) -> f64 {
    a * 2.0 + f64::from(n) + b / 4.0
}

/// A host function as the simulator runs it: integer arguments in, r1:r0 out.
pub type HostImpl = fn(&[i32]) -> u64;

/// The host functions by name with a simulator implementation: (name, arity, function).
pub fn host_functions() -> Vec<(&'static str, HostImpl)> {
    vec![
        ("rt_add3", |a| rt_add3(a[0], a[1], a[2]) as u32 as u64),
        ("rt_sum6", |a| {
            rt_sum6(a[0], a[1], a[2], a[3], a[4], a[5]) as u32 as u64
        }),
        ("rt_pair", |a| rt_pair(a[0]) as u64),
        // EABI division helpers (quotient r0, remainder r1); callers check for zero.
        ("__aeabi_uidivmod", |a| {
            let (n, d) = (a[0] as u32, a[1] as u32);
            (n / d) as u64 | ((n % d) as u64) << 32
        }),
        ("__aeabi_idivmod", |a| {
            let (n, d) = (a[0], a[1]);
            (n.wrapping_div(d) as u32 as u64) | (n.wrapping_rem(d) as u32 as u64) << 32
        }),
    ]
}

/// How many integer arguments each host function takes.
fn host_arity(name: &str) -> usize {
    match name {
        "rt_add3" => 3,
        "rt_sum6" => 6,
        "rt_pair" => 1,
        _ => 2,
    }
}

/// Whether linking `funcs` needs symbols from outside the set (host functions).
pub fn needs_host(funcs: &[(SymbolName, CompiledCode)]) -> bool {
    funcs
        .iter()
        .any(|(_, c)| c.symbols.iter().any(|s| !funcs.iter().any(|(n, _)| n == s)))
}

/// `funcs` reordered with `entry` first (the qemu harness branches to the image start).
fn entry_first(
    funcs: &[(SymbolName, CompiledCode)],
    entry: usize,
) -> Vec<(SymbolName, &CompiledCode)> {
    let mut v: Vec<(SymbolName, &CompiledCode)> = vec![(funcs[entry].0.clone(), &funcs[entry].1)];
    for (i, (n, c)) in funcs.iter().enumerate() {
        if i != entry {
            v.push((n.clone(), c));
        }
    }
    v
}

/// Runs function `entry` of a program on ARM: natively with the host functions linked
/// as real functions; hosted under qemu-arm, or in sim-arm32 (host functions as redirects)
/// when the program calls any. `Err(signal)` when the code was killed (SIGILL for traps).
pub fn run_program_checked(
    funcs: &[(SymbolName, CompiledCode)],
    entry: usize,
    args: &[u32],
) -> Result<(u32, u32), i32> {
    run_program_checked_vfp(funcs, entry, args, &[], false).map(|(a, b, _)| (a, b))
}

/// Like [`run_program_checked`], with f64 arguments in d0–d7 (raw bits); returns
/// (r0, r1, d0). `float_ret`: the entry function returns an f64.
pub fn run_program_checked_vfp(
    funcs: &[(SymbolName, CompiledCode)],
    entry: usize,
    args: &[u32],
    fargs: &[u64],
    float_ret: bool,
) -> Result<(u32, u32, u64), i32> {
    run_program_isa_checked_vfp(funcs, entry, args, fargs, float_ret, Isa::A32)
}

/// [`run_program_checked_vfp`] for functions compiled for instruction set `isa`: linked
/// with [`link_isa`] (T32 entries and call targets odd) and entered in that state.
pub fn run_program_isa_checked_vfp(
    funcs: &[(SymbolName, CompiledCode)],
    entry: usize,
    args: &[u32],
    fargs: &[u64],
    float_ret: bool,
    isa: Isa,
) -> Result<(u32, u32, u64), i32> {
    let order = entry_first(funcs, entry);
    let thumb = isa == Isa::T32;
    #[cfg(target_arch = "arm")]
    {
        extern "C" {
            fn __aeabi_uidivmod();
            fn __aeabi_idivmod();
        }
        let resolve = |s: &SymbolName| -> Option<u32> {
            let SymbolName::Named(n) = s else { return None };
            Some(match n.as_str() {
                "rt_add3" => rt_add3 as *const () as usize as u32,
                "rt_sum6" => rt_sum6 as *const () as usize as u32,
                "rt_pair" => rt_pair as *const () as usize as u32,
                "rt_fmix" => rt_fmix as *const () as usize as u32,
                "__aeabi_uidivmod" => __aeabi_uidivmod as *const () as usize as u32,
                "__aeabi_idivmod" => __aeabi_idivmod as *const () as usize as u32,
                _ => return None,
            })
        };
        run_image_isa_checked_vfp(
            &|base| {
                link_isa(&order, base, &resolve, thumb)
                    .unwrap_or_else(|e| panic!("link: {e}"))
                    .bytes
            },
            args,
            fargs,
            float_ret,
            isa,
        )
    }
    #[cfg(not(target_arch = "arm"))]
    {
        if needs_host(funcs) {
            return run_in_sim(&order, args, fargs, isa);
        }
        run_image_isa_checked_vfp(
            &|base| {
                link_isa(&order, base, &|_| None, thumb)
                    .unwrap_or_else(|e| panic!("link: {e}"))
                    .bytes
            },
            args,
            fargs,
            float_ret,
            isa,
        )
    }
}

/// Runs the first of `funcs` (code of instruction set `isa`) in sim-arm32, host functions
/// as redirects (A32 addresses: T32 code reaches them with `BLX`); f64 arguments (`fargs`,
/// raw bits) in d0–d7. Returns (r0, r1, d0).
pub fn run_in_sim(
    funcs: &[(SymbolName, &CompiledCode)],
    args: &[u32],
    fargs: &[u64],
    isa: Isa,
) -> Result<(u32, u32, u64), i32> {
    use sim_arm32::host_mem::LowMapping;
    use sim_arm32::{Arg, FaultKind, HostRet, Perms, Sim};
    const STACK: u32 = 1 << 20;
    const HOST_BASE: u32 = 0x1000;
    let hosts = host_functions();
    // rt_fmix (f64 arguments) sits after the integer host functions.
    let fmix_addr = HOST_BASE + 16 * hosts.len() as u32;
    let resolve = |s: &SymbolName| -> Option<u32> {
        let SymbolName::Named(n) = s else { return None };
        if n == "rt_fmix" {
            return Some(fmix_addr);
        }
        hosts
            .iter()
            .position(|(h, _)| h == n)
            .map(|i| HOST_BASE + 16 * i as u32)
    };
    let (_, size) = backend_arm32::codegen::link::layout(funcs);
    let code_len = (size as u32).next_multiple_of(4096).max(4096);
    let mut map = LowMapping::new((code_len + STACK) as usize).expect("low mapping");
    let base = map.addr();
    let image =
        link_isa(funcs, base, &resolve, isa == Isa::T32).unwrap_or_else(|e| panic!("link: {e}"));
    map.as_mut_slice()[..image.bytes.len()].copy_from_slice(&image.bytes);
    let mut sim = Sim::new();
    // SAFETY: both ranges lie inside `map`, which outlives `sim` (dropped at the end of
    // this function, after `sim`).
    unsafe {
        sim.add_code_region(base, code_len).expect("code region");
        sim.add_region(base + code_len, STACK, Perms::RW)
            .expect("stack region");
    }
    for (i, (name, f)) in hosts.into_iter().enumerate() {
        let n = host_arity(name);
        sim.add_redirect(
            HOST_BASE + 16 * i as u32,
            Box::new(move |c| {
                let mut a = Vec::new();
                for _ in 0..n {
                    a.push(c.arg_i32()?);
                }
                Ok(HostRet::I64(f(&a)))
            }),
        );
    }
    sim.add_redirect(
        fmix_addr,
        Box::new(|c| {
            let a = c.arg_f64()?;
            let n = c.arg_i32()?;
            let b = c.arg_f64()?;
            Ok(HostRet::F64(rt_fmix(a, n, b)))
        }),
    );
    sim.cpu.regs[13] = base + code_len + STACK;
    sim.set_step_limit(Some(1 << 28));
    let mut call_args: Vec<Arg> = args.iter().map(|&a| Arg::I32(a)).collect();
    call_args.extend(fargs.iter().map(|&d| Arg::F64(f64::from_bits(d))));
    match sim.call_args(image.entries[0], &call_args) {
        Ok(o) => Ok((o.r0, o.r1, o.d0)),
        Err(f) if matches!(f.kind, FaultKind::Undefined { .. }) => Err(4),
        Err(f) => panic!("simulator fault: {f}"),
    }
}
