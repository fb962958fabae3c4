//! Calls, tail calls, jump tables and overflow branches: the shape of the generated code
//! (relocations, fused branches, plain-branch tail calls) and the typed errors for what
//! the conventions cannot express. Their run-time behaviour is checked by the CLIF run
//! files (tests/clif/call_*.clif, tail_call*.clif, br_table.clif, overflow.clif).

#[path = "codegen_support.rs"]
mod support;

use backend_arm32::asm::{disassemble, RelocKind};
use backend_arm32::codegen::link::{link, LinkError};
use backend_arm32::codegen::{compile, CodegenError, CompiledCode, Flags, SymbolName};

fn compile_text(text: &str) -> Result<CompiledCode, CodegenError> {
    compile(&support::parse(text), &support::FLAGS)
}

fn asm(c: &CompiledCode) -> Vec<String> {
    c.code
        .bytes
        .chunks(4)
        .enumerate()
        .map(|(i, w)| {
            let w = u32::from_le_bytes(w.try_into().unwrap());
            // Mnemonic and operands separated by one space.
            disassemble(w, 4 * i as u32).replacen('\t', " ", 1)
        })
        .collect()
}

#[test]
fn codegen_call_relocations() {
    let c = compile_text(
        "function %f(i32) -> i32 {
    fn0 = colocated %near(i32) -> i32
    fn1 = %far(i32) -> i32
block0(v0: i32):
    v1 = call fn0(v0)
    v2 = call fn1(v1)
    return v2
}",
    )
    .unwrap();
    let kinds: Vec<(RelocKind, &SymbolName)> = c
        .code
        .relocs
        .iter()
        .map(|r| (r.kind, &c.symbols[r.symbol as usize]))
        .collect();
    assert_eq!(
        kinds,
        [
            (RelocKind::Call, &SymbolName::Named("near".into())),
            (RelocKind::Abs32, &SymbolName::Named("far".into())),
        ]
    );
    let text = asm(&c);
    assert!(text.iter().any(|l| l.starts_with("bl ")), "{text:?}");
    assert!(text.iter().any(|l| l.starts_with("blx")), "{text:?}");
    // A function that calls saves lr (push) and returns by popping it into pc.
    assert!(text[0].starts_with("stmfd sp!, {lr}"), "{text:?}");
}

#[test]
fn codegen_tail_call_is_a_branch() {
    let c = compile_text(
        "function %f(i32, i32) -> i32 tail {
    fn0 = colocated %g(i32, i32) -> i32 tail
block0(v0: i32, v1: i32):
    v2 = iadd v0, v1
    return_call fn0(v2, v1)
}",
    )
    .unwrap();
    let text = asm(&c);
    // Leaf tail code: no frame, the arguments already sit in r10/r11, one add and a `b`.
    assert_eq!(text.len(), 2, "{text:?}");
    assert!(text[0].starts_with("add"), "{text:?}");
    assert!(text[1].starts_with("b "), "{text:?}");
    assert_eq!(c.code.relocs[0].kind, RelocKind::Call);
    assert_eq!(c.code.relocs[0].offset, 4);
}

#[test]
fn codegen_overflow_branch_is_fused() {
    let c = compile_text(
        "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2, v3 = sadd_overflow v0, v1
    brif v3, block2, block1
block1:
    return v2
block2:
    v4 = iconst.i32 0
    return v4
}",
    )
    .unwrap();
    let text = asm(&c);
    assert!(text.iter().any(|l| l.starts_with("adds")), "{text:?}");
    assert!(
        text.iter()
            .any(|l| l.starts_with("bvs") || l.starts_with("bvc")),
        "{text:?}"
    );
    // The flag itself is never materialised.
    assert!(!text.iter().any(|l| l.starts_with("movvs")), "{text:?}");
}

#[test]
fn codegen_br_table_shape() {
    let c = compile_text(
        "function %f(i32) -> i32 {
block0(v0: i32):
    br_table v0, block3, [block1, block2]
block1:
    v1 = iconst.i32 1
    return v1
block2:
    v2 = iconst.i32 2
    return v2
block3:
    v3 = iconst.i32 3
    return v3
}",
    )
    .unwrap();
    let text = asm(&c);
    let at = text
        .iter()
        .position(|l| l.starts_with("addcc"))
        .unwrap_or_else(|| panic!("no addcc pc: {text:?}"));
    assert!(text[at].contains("pc, pc"), "{text:?}");
    assert!(text[at - 1].starts_with("cmp"), "{text:?}");
    for l in &text[at + 1..at + 4] {
        assert!(l.starts_with("b "), "{text:?}");
    }
    // The table branches straight to the blocks (empty edge blocks are skipped).
    assert_eq!(text.len(), at + 4 + 6, "{text:?}");
}

#[test]
fn codegen_soft_division_calls_the_eabi_helper() {
    let f = support::parse(
        "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = srem v0, v1
    return v2
}",
    );
    let c = compile(
        &f,
        &Flags {
            has_hw_div: false,
            ..Flags::DEFAULT
        },
    )
    .unwrap();
    assert_eq!(c.symbols, [SymbolName::Named("__aeabi_idivmod".into())]);
    let text = asm(&c);
    assert!(!text.iter().any(|l| l.starts_with("sdiv")), "{text:?}");
    assert!(text.iter().any(|l| l.starts_with("udf")), "{text:?}");
}

#[test]
fn codegen_convention_errors() {
    // return_call needs the tail convention on both sides.
    let e = compile_text(
        "function %f(i32) -> i32 {
    fn0 = colocated %g(i32) -> i32 tail
block0(v0: i32):
    return_call fn0(v0)
}",
    );
    assert!(matches!(e, Err(CodegenError::Signature { .. })), "{e:?}");
    // At most 8 tail-convention parameters (no stack arguments).
    let params = ["i32"; 9].join(", ");
    let e = compile_text(&format!(
        "function %f({params}) -> i32 tail {{\nblock0({}):\n    return v0\n}}",
        (0..9)
            .map(|i| format!("v{i}: i32"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    assert!(
        matches!(&e, Err(CodegenError::Signature { why, .. }) if why.contains("tail")),
        "{e:?}"
    );
    // Five AAPCS results do not fit r0-r3.
    let e = compile_text(
        "function %f(i32) -> i32, i32, i32, i32, i32 {
block0(v0: i32):
    return v0, v0, v0, v0, v0
}",
    );
    assert!(matches!(e, Err(CodegenError::Signature { .. })), "{e:?}");
}

#[test]
fn codegen_link_errors() {
    let c = compile_text(
        "function %f(i32) -> i32 {
    fn0 = colocated %missing(i32) -> i32
block0(v0: i32):
    v1 = call fn0(v0)
    return v1
}",
    )
    .unwrap();
    let funcs = [(SymbolName::Named("f".into()), &c)];
    let e = link(&funcs, 0x10000, &|_| None).unwrap_err();
    assert!(matches!(&e, LinkError::Unresolved { symbol, .. } if symbol == "%missing"));
    // A colocated callee 64 MiB away is out of `bl` reach.
    let e = link(&funcs, 0x10000, &|_| Some(0x0500_0000)).unwrap_err();
    assert!(matches!(e, LinkError::CallOutOfRange { .. }), "{e:?}");
    // In reach: the imm24 field is patched (target = pc + 8 + 4 * imm24).
    let img = link(&funcs, 0x10000, &|_| Some(0x20000)).unwrap();
    let r = c.code.relocs[0];
    let at = r.offset as usize;
    let w = u32::from_le_bytes(img.bytes[at..at + 4].try_into().unwrap());
    let imm = ((w << 8) as i32 >> 6) as i64;
    assert_eq!(0x10000 + r.offset as i64 + 8 + imm, 0x20000);
}
