//! Format changes of OTP releases newer than the installed OTP 25, with fixtures built
//! byte by byte: OTP 28's `AtU8` (negative count, `u`-encoded lengths) and uncompressed
//! `LitT`, OTP 27-29 opcodes (`executable_line`, `debug_line`, `bif3`), and the compact
//! term encoding's rarer forms. Formats from erts/emulator/beam/beam_file.c (erlang/otp
//! master) and genop.tab.

mod common;

use std::io::Write;

use beam_frontend::{decode, AllocKind, ErrorKind, ExtTerm, Operand, Reg};
use common::{build_module, compact};
use num_bigint::BigInt;

const U: u8 = 0;
const I: u8 = 1;
const A: u8 = 2;
const X: u8 = 3;
const F: u8 = 5;

fn u(v: i64) -> Vec<u8> {
    compact(U, v)
}

/// Atom table in the OTP 28 long form.
fn atoms_long(names: &[&str]) -> Vec<u8> {
    let mut out = (-(names.len() as i32)).to_be_bytes().to_vec();
    for n in names {
        out.extend(u(n.len() as i64));
        out.extend_from_slice(n.as_bytes());
    }
    out
}

fn be32(vals: &[u32]) -> Vec<u8> {
    vals.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// 100 three-byte characters: 300 bytes, too long for the old one-byte length.
fn long_atom() -> String {
    "\u{20ac}".repeat(100)
}

fn atom_names() -> Vec<String> {
    ["otp28", "f", "entry", "erlang", "setelement", "ok"]
        .iter()
        .map(|s| s.to_string())
        .chain([long_atom()])
        .collect()
}

/// The external-term encoding of the one literal:
/// `{ok, [1,2|3], <<1,2,3:4>>, #{'ok' => 1}, 3.5, 2^70, "ab", fun erlang:setelement/3, 'ä'}`.
fn literal_etf() -> Vec<u8> {
    let mut t = vec![131, 104, 9];
    t.extend([119, 2, b'o', b'k']); // SMALL_ATOM_UTF8_EXT ok
    t.extend([108, 0, 0, 0, 2, 97, 1, 97, 2, 97, 3]); // LIST_EXT [1,2|3]
    t.extend([77, 0, 0, 0, 3, 4, 1, 2, 0x30]); // BIT_BINARY_EXT <<1,2,3:4>>
    t.extend([116, 0, 0, 0, 1, 119, 2, b'o', b'k', 97, 1]); // MAP_EXT #{ok => 1}
    t.push(70);
    t.extend(3.5f64.to_bits().to_be_bytes()); // NEW_FLOAT_EXT
    t.extend([110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40]); // SMALL_BIG_EXT 2^70
    t.extend([107, 0, 2, b'a', b'b']); // STRING_EXT "ab"
    t.extend([113, 119, 6]); // EXPORT_EXT erlang:setelement/3
    t.extend_from_slice(b"erlang");
    t.extend([119, 10]);
    t.extend_from_slice(b"setelement");
    t.extend([97, 3]);
    t.extend([100, 0, 1, 0xe4]); // ATOM_EXT (Latin-1) 'ä'
    t
}

fn literal_table() -> Vec<u8> {
    let etf = literal_etf();
    let mut out = be32(&[1, etf.len() as u32]);
    out.extend(etf);
    out
}

/// LitT in the OTP 28 form: uncompressed size 0, table stored as is.
fn litt_uncompressed() -> Vec<u8> {
    let mut out = be32(&[0]);
    out.extend(literal_table());
    out
}

/// LitT in the classic form: uncompressed size, zlib stream.
fn litt_compressed() -> Vec<u8> {
    let table = literal_table();
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&table).unwrap();
    let mut out = be32(&[table.len() as u32]);
    out.extend(enc.finish().unwrap());
    out
}

/// Code: one function `f/1` using the OTP 27-29 instructions and the rarer compact forms.
fn code_chunk(max_opcode: u32, instr_extra: &[u8]) -> Vec<u8> {
    let mut c = be32(&[16, 0, max_opcode, 3, 1]);
    let mut op = |n: u8, args: &[Vec<u8>]| {
        c.push(n);
        for a in args {
            c.extend_from_slice(a);
        }
    };
    op(1, &[u(1)]); // label 1
    op(2, &[compact(A, 1), compact(A, 2), u(1)]); // func_info 'otp28' 'f' 1
    op(1, &[u(2)]); // label 2
    op(183, &[u(7), u(1)]); // executable_line 7 1
    op(184, &[compact(A, 3), u(7), u(2), u(1)]); // debug_line 'entry' 7 2 1
                                                 // bif3 f0 setelement x0 x1 x2 x0
    op(
        185,
        &[
            compact(F, 0),
            u(0),
            compact(X, 0),
            compact(X, 1),
            compact(X, 2),
            compact(X, 0),
        ],
    );
    op(64, &[vec![0x47, 0x00], compact(X, 1)]); // move {literal 0} x1
    op(64, &[compact(I, -1), compact(X, 2)]); // move -1
    op(64, &[compact(I, -300), compact(X, 2)]); // move -300
    op(64, &[compact(I, 1000), compact(X, 2)]); // move 1000
    op(64, &[compact(I, 0x1234_5678_9abc), compact(X, 2)]); // six bytes
                                                            // move 2^70 (len code 7: u(9-byte count - 9) then 9 bytes... here 10 bytes)
    let mut big = vec![0xf9u8];
    big.extend(u(1));
    big.extend([0x00, 0x40, 0, 0, 0, 0, 0, 0, 0, 0]);
    op(64, &[big, compact(X, 2)]);
    let mut fl = vec![0x07u8];
    fl.extend(2.5f64.to_bits().to_be_bytes());
    op(64, &[fl, compact(X, 2)]); // move z0 float 2.5
    op(96, &[compact(X, 0), vec![0x27, 0x30]]); // fmove x0 fr3
    let mut alloc = vec![0x37u8];
    alloc.extend(u(2));
    alloc.extend(u(0));
    alloc.extend(u(5));
    alloc.extend(u(2));
    alloc.extend(u(1));
    op(16, &[alloc, u(2)]); // test_heap alloc(words=5,funs=1) 2
    let mut tr = vec![0x57u8];
    tr.extend(compact(X, 0));
    tr.extend(u(1));
    op(64, &[tr, compact(X, 3)]); // move tr(x0,type1) x3
    c.extend_from_slice(instr_extra);
    c.push(19); // return
    c.push(3); // int_code_end
    c
}

/// Type chunk in the OTP 27/28 layout (version 3): "any", then an integer in 0..=255.
fn type_chunk() -> Vec<u8> {
    let mut t = be32(&[3, 2]);
    t.extend(0x0fffu16.to_be_bytes());
    t.extend((1u16 << 5 | 1 << 12 | 1 << 13).to_be_bytes());
    t.extend(0i64.to_be_bytes());
    t.extend(255i64.to_be_bytes());
    t
}

fn module_with(litt: Vec<u8>, code: Vec<u8>) -> Vec<u8> {
    let names = atom_names();
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    build_module(&[
        (*b"AtU8", atoms_long(&names)),
        (*b"Code", code),
        (*b"StrT", Vec::new()),
        (*b"ImpT", be32(&[1, 4, 5, 3])),
        (*b"ExpT", be32(&[1, 2, 1, 2])),
        (*b"LitT", litt),
        (*b"Type", type_chunk()),
    ])
}

fn expected_literal() -> ExtTerm {
    ExtTerm::Tuple(vec![
        ExtTerm::Atom("ok".into()),
        ExtTerm::List {
            elems: vec![ExtTerm::Integer(1), ExtTerm::Integer(2)],
            tail: Box::new(ExtTerm::Integer(3)),
        },
        ExtTerm::Binary {
            bytes: vec![1, 2, 0x30],
            bits: 4,
        },
        ExtTerm::Map(vec![(ExtTerm::Atom("ok".into()), ExtTerm::Integer(1))]),
        ExtTerm::Float(3.5),
        ExtTerm::BigInt(BigInt::from(1) << 70),
        ExtTerm::String(b"ab".to_vec()),
        ExtTerm::Export {
            module: Box::new(ExtTerm::Atom("erlang".into())),
            function: Box::new(ExtTerm::Atom("setelement".into())),
            arity: 3,
        },
        ExtTerm::Atom("\u{e4}".into()),
    ])
}

#[test]
fn otp28_atoms_uncompressed_literals_and_new_opcodes() {
    let m = decode(&module_with(litt_uncompressed(), code_chunk(185, &[]))).unwrap();
    assert_eq!(m.name(), "otp28");
    assert_eq!(m.atom(7), long_atom());
    assert_eq!(m.atom(7).len(), 300);
    assert_eq!(m.literals, vec![expected_literal()]);
    assert_eq!(m.code.otp_needed, 29);
    assert_eq!(m.functions.len(), 1);
    let f = &m.functions[0];
    assert_eq!((m.atom(f.name), f.arity, f.entry), ("f", 1, 2));
    let ops: Vec<&str> = f.code.iter().map(|i| i.op.name).collect();
    assert_eq!(
        ops,
        [
            "label",
            "func_info",
            "label",
            "executable_line",
            "debug_line",
            "bif3",
            "move",
            "move",
            "move",
            "move",
            "move",
            "move",
            "move",
            "fmove",
            "test_heap",
            "move",
            "return"
        ]
    );
    let args = |k: usize| f.code[k].args.clone();
    assert_eq!(args(3), [Operand::Unsigned(7), Operand::Unsigned(1)]);
    assert_eq!(
        args(4),
        [
            Operand::Atom(3),
            Operand::Unsigned(7),
            Operand::Unsigned(2),
            Operand::Unsigned(1)
        ]
    );
    assert_eq!(
        args(5),
        [
            Operand::Label(0),
            Operand::Unsigned(0),
            Operand::X(0),
            Operand::X(1),
            Operand::X(2),
            Operand::X(0)
        ]
    );
    assert_eq!(args(6)[0], Operand::Literal(0));
    assert_eq!(args(7)[0], Operand::Integer(-1));
    assert_eq!(args(8)[0], Operand::Integer(-300));
    assert_eq!(args(9)[0], Operand::Integer(1000));
    assert_eq!(args(10)[0], Operand::Integer(0x1234_5678_9abc));
    assert_eq!(args(11)[0], Operand::BigInt(BigInt::from(1) << 70));
    assert_eq!(args(12)[0], Operand::Float(2.5));
    assert_eq!(args(13)[1], Operand::FloatReg(3));
    assert_eq!(
        args(14)[0],
        Operand::Alloc(vec![(AllocKind::Words, 5), (AllocKind::Funs, 1)])
    );
    assert_eq!(
        args(15)[0],
        Operand::TypedReg {
            reg: Reg::X(0),
            type_index: 1
        }
    );
    let types = m.types.as_ref().unwrap();
    assert_eq!((types.version, types.count), (3, 2));
    assert_eq!(types.entries[0].bits, (1 << 13) - 1);
    assert_eq!(types.entries[1].bits, 1 << 6, "integer in the v1 layout");
    assert_eq!(types.entries[1].range(), Some((0, 255)));
    // The disassembly prints the new instructions by name.
    let text = beam_frontend::text::module(&m);
    assert!(
        text.contains("bif3 f0 bif('setelement') x0 x1 x2 x0"),
        "{text}"
    );
    assert!(text.contains("debug_line 'entry' 7 2 1"), "{text}");
}

#[test]
fn compressed_and_uncompressed_literal_tables_agree() {
    let a = decode(&module_with(litt_uncompressed(), code_chunk(185, &[]))).unwrap();
    let b = decode(&module_with(litt_compressed(), code_chunk(185, &[]))).unwrap();
    assert_eq!(a.literals, b.literals);
}

#[test]
fn otp_needed_follows_the_highest_opcode() {
    // A header that claims OTP 28 (highest opcode 184) while the code uses bif3 (185).
    let mut code = code_chunk(184, &[]);
    let err = decode(&module_with(litt_uncompressed(), code.clone())).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::OpcodeAboveHeader { opcode: 185, .. }),
        "{err}"
    );
    assert_eq!(err.chunk.map(|c| c.0), Some(*b"Code"));
    code[8..12].copy_from_slice(&192u32.to_be_bytes());
    let err = decode(&module_with(litt_uncompressed(), code)).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::ModuleTooNew(192)), "{err}");
    assert!(err.to_string().contains("OTP newer than 29"), "{err}");
    assert_eq!(beam_frontend::opcodes::otp_needed(183), Some(27));
    assert_eq!(beam_frontend::opcodes::otp_needed(184), Some(28));
    assert_eq!(beam_frontend::opcodes::otp_needed(180), Some(25));
    assert_eq!(beam_frontend::opcodes::otp_needed(176), Some(24));
}

#[test]
fn out_of_range_indices_in_code_are_typed_errors() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        ([vec![7u8], u(1), u(9)].concat(), "import"), // call_ext 1 import#9
        ([vec![64u8, 0x47], u(5), compact(X, 0)].concat(), "literal"), // move {literal 5}
        ([vec![61u8], compact(F, 99)].concat(), "label"), // jump f99
        ([vec![64u8], compact(A, 99), compact(X, 0)].concat(), "atom"), // move atom#99
        (
            [vec![64u8, 0x57], compact(X, 0), u(7), compact(X, 0)].concat(),
            "type",
        ), // tr type#7
        (
            [vec![171u8], u(3), compact(X, 0), vec![0x17, 0x00]].concat(),
            "lambda",
        ), // make_fun3 #3
    ];
    for (extra, what) in cases {
        let file = module_with(litt_uncompressed(), code_chunk(185, &extra));
        let e = decode(&file).unwrap_err();
        match &e.kind {
            ErrorKind::IndexOutOfRange { what: w, .. } => assert_eq!(*w, what, "{e}"),
            other => panic!("{what}: expected IndexOutOfRange, got {other:?} ({e})"),
        }
        assert_eq!(e.chunk.map(|c| c.0), Some(*b"Code"));
        assert!(e.offset > 0 && e.offset < file.len(), "{e}");
    }
}
