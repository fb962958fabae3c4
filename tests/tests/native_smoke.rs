//! Proves the native half of the suite really runs on ARM: the target is 32-bit ARM, and
//! hand-encoded A32 machine code placed in executable memory runs through a function pointer.
#![cfg(target_arch = "arm")]

use beam_runtime::code_memory::CodeMemory;

#[test]
fn target_is_32_bit_arm() {
    assert!(cfg!(target_arch = "arm"));
    assert_eq!(std::mem::size_of::<usize>(), 4);
    assert_eq!(std::mem::size_of::<*const u8>(), 4);
}

/// Little-endian bytes of A32 words (encodings from the ARM ARM, checked with
/// arm-linux-gnueabihf-objdump).
fn code(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[test]
fn runs_arm_machine_code_from_mmapped_page() {
    let mut mem = CodeMemory::new(4096).unwrap();
    // add r0, r0, r1 ; mul r0, r0, r0 ... keep it simple and observable:
    //   e0800001  add   r0, r0, r1
    //   e1a00080  lsl   r0, r0, #1
    //   e12fff1e  bx    lr
    mem.write(0, &code(&[0xe080_0001, 0xe1a0_0080, 0xe12f_ff1e]))
        .unwrap();
    // A second function after it, to show the cache flush covers the whole range:
    //   e3a0002a  mov   r0, #42
    //   e12fff1e  bx    lr
    mem.write(64, &code(&[0xe3a0_002a, 0xe12f_ff1e])).unwrap();
    mem.make_executable().unwrap();
    // SAFETY: the page holds complete A32 functions following AAPCS (args r0/r1, result r0,
    // return via bx lr); the memory is executable and the icache was flushed.
    let f: extern "C" fn(u32, u32) -> u32 = unsafe { std::mem::transmute(mem.as_ptr()) };
    assert_eq!(f(20, 1), 42);
    assert_eq!(f(0xffff_ffff, 2), 2);
    // SAFETY: as above, at offset 64.
    let g: extern "C" fn() -> u32 = unsafe { std::mem::transmute(mem.as_ptr().add(64)) };
    assert_eq!(g(), 42);
}
