//! Hand-checked encodings (values from the ARM ARM, DDI 0406C, cross-checked with GNU as)
//! and basic buffer behaviour.

use backend_arm32::asm::*;

#[test]
fn known_words() {
    let add = Inst::Dp {
        cond: Cond::Al,
        op: DpOp::Add,
        s: false,
        rd: Reg::R0,
        rn: Reg::R1,
        op2: Operand2::Reg(Reg::R2),
    };
    assert_eq!(encode(&add), Ok(0xe081_0002));
    let bx = Inst::Bx {
        cond: Cond::Al,
        rm: Reg::LR,
    };
    assert_eq!(encode(&bx), Ok(0xe12f_ff1e));
    assert_eq!(
        encode_imm(0xff00_0000).map(|i| i.value()),
        Some(0xff00_0000)
    );
    assert_eq!(encode_imm(0x101), None);
}

#[test]
fn range_errors_are_typed() {
    let b = Inst::B {
        cond: Cond::Al,
        link: false,
        offset: 1 << 25,
    };
    assert!(matches!(encode(&b), Err(AsmError::OutOfRange { .. })));
    assert!(Reg::new(16).is_err());
    let mut buf = CodeBuffer::new();
    let l = buf.new_label();
    buf.branch(Cond::Al, false, l).unwrap();
    assert_eq!(buf.finish().unwrap_err(), AsmError::UnboundLabel(0));
}
