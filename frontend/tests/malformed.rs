//! Malformed input gives a typed error naming the chunk and byte offset, never a panic.

mod common;

use beam_frontend::{decode, ErrorKind, LoadError, Space};
use common::build_module;

fn lists_beam() -> Vec<u8> {
    let p = common::otp_beams()
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "lists.beam"));
    std::fs::read(p.expect("lists.beam in the installed OTP")).unwrap()
}

fn chunks(file: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    beam_frontend::container::read_chunks(file)
        .unwrap()
        .into_iter()
        .map(|c| (c.id.0, c.data.to_vec()))
        .collect()
}

fn with_chunk(file: &[u8], id: &[u8; 4], f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut cs = chunks(file);
    let c = cs.iter_mut().find(|(i, _)| i == id).expect("chunk present");
    f(&mut c.1);
    build_module(&cs)
}

/// File offset of the first data byte of chunk `id`.
fn chunk_offset(file: &[u8], id: &[u8; 4]) -> usize {
    beam_frontend::container::read_chunks(file)
        .unwrap()
        .into_iter()
        .find(|c| &c.id.0 == id)
        .unwrap()
        .offset
}

fn err(file: &[u8]) -> LoadError {
    let e = decode(file).expect_err("decoding should fail");
    let _ = e.to_string();
    e
}

fn chunk_name(e: &LoadError) -> Option<[u8; 4]> {
    e.chunk.map(|c| c.0)
}

#[test]
fn real_module_decodes() {
    let m = decode(&lists_beam()).unwrap();
    assert_eq!(m.name(), "lists");
    assert!(m
        .exports
        .iter()
        .any(|e| m.atom(e.function) == "reverse" && e.arity == 2));
    assert!(m.functions.len() > 100);
}

#[test]
fn wrong_magic_and_truncation() {
    let good = lists_beam();
    let mut bad = good.clone();
    bad[0] = b'X';
    let e = err(&bad);
    assert!(
        matches!(e.kind, ErrorKind::BadMagic { .. }) && e.offset == 0 && e.chunk.is_none(),
        "{e}"
    );
    let mut bad = good.clone();
    bad[9] = b'X';
    assert!(matches!(
        err(&bad).kind,
        ErrorKind::BadMagic {
            expected: "BEAM",
            ..
        }
    ));
    for cut in [0, 3, 7, 11, 20, good.len() / 2, good.len() - 1] {
        let e = err(&good[..cut]);
        assert!(
            matches!(
                e.kind,
                ErrorKind::Truncated { .. } | ErrorKind::FormSize { .. }
            ),
            "cut {cut}: {e}"
        );
    }
    // Truncated but with the form size repaired: the damaged chunk is named.
    let mut cut = good[..good.len() / 2].to_vec();
    let n = (cut.len() - 8) as u32;
    cut[4..8].copy_from_slice(&n.to_be_bytes());
    let e = err(&cut);
    assert!(
        matches!(e.kind, ErrorKind::ChunkPastEnd { .. }) && e.chunk.is_some(),
        "{e}"
    );
}

#[test]
fn chunk_size_past_the_end() {
    let good = lists_beam();
    let mut bad = good.clone();
    bad[16..20].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
    let e = err(&bad);
    assert!(matches!(e.kind, ErrorKind::ChunkPastEnd { .. }), "{e}");
    assert_eq!(e.offset, 16);
    assert!(e.to_string().contains("byte 0x10"), "{e}");
}

#[test]
fn bad_compact_term_names_code_offset() {
    let good = lists_beam();
    let code_at = chunk_offset(&good, b"Code");
    // The first instruction is `label 1` at code offset 20: make its operand an extended
    // tag with a multi-byte value (0xff), which the format does not allow.
    let bad = with_chunk(&good, b"Code", |c| c[21] = 0xff);
    let e = err(&bad);
    assert_eq!(chunk_name(&e), Some(*b"Code"));
    assert!(matches!(e.kind, ErrorKind::CompactTerm(_)), "{e}");
    assert_eq!(e.offset, code_at + 21, "{e}");
}

#[test]
fn opcode_out_of_range() {
    let good = lists_beam();
    let bad = with_chunk(&good, b"Code", |c| c[20] = 0);
    assert!(matches!(err(&bad).kind, ErrorKind::UnknownOpcode(0)));
    let bad = with_chunk(&good, b"Code", |c| c[20] = 250);
    assert!(matches!(err(&bad).kind, ErrorKind::UnknownOpcode(250)));
    let bad = with_chunk(&good, b"Code", |c| c[20] = 185);
    assert!(matches!(
        err(&bad).kind,
        ErrorKind::OpcodeAboveHeader { opcode: 185, .. }
    ));
}

#[test]
fn corrupt_zlib_in_literals() {
    let good = lists_beam();
    let bad = with_chunk(&good, b"LitT", |c| {
        for b in c.iter_mut().skip(6).take(8) {
            *b ^= 0x5a;
        }
    });
    let e = err(&bad);
    assert_eq!(chunk_name(&e), Some(*b"LitT"));
    assert!(
        matches!(
            e.kind,
            ErrorKind::Zlib(_) | ErrorKind::UncompressedSize { .. } | ErrorKind::Etf(_)
        ),
        "{e}"
    );
    // A declared size far beyond what deflate can produce is refused before allocating.
    let bad = with_chunk(&good, b"LitT", |c| {
        c[0..4].copy_from_slice(&0x7fff_ffffu32.to_be_bytes())
    });
    assert!(matches!(err(&bad).kind, ErrorKind::Zlib(_)));
}

#[test]
fn indices_out_of_range() {
    let good = lists_beam();
    // Atom: ImpT's first module atom.
    let bad = with_chunk(&good, b"ImpT", |c| {
        c[4..8].copy_from_slice(&100_000u32.to_be_bytes())
    });
    let e = err(&bad);
    assert!(
        matches!(e.kind, ErrorKind::IndexOutOfRange { what: "atom", .. })
            && chunk_name(&e) == Some(*b"ImpT"),
        "{e}"
    );
    // Label: ExpT's first label.
    let bad = with_chunk(&good, b"ExpT", |c| {
        c[12..16].copy_from_slice(&100_000u32.to_be_bytes())
    });
    assert!(matches!(
        err(&bad).kind,
        ErrorKind::IndexOutOfRange { what: "label", .. }
    ));
    // Literal: drop every literal but keep the code that uses them.
    let bad = with_chunk(&good, b"LitT", |c| {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &0u32.to_be_bytes()).unwrap();
        let mut v = 4u32.to_be_bytes().to_vec();
        v.extend(z.finish().unwrap());
        *c = v;
    });
    let e = err(&bad);
    assert!(
        matches!(
            e.kind,
            ErrorKind::IndexOutOfRange {
                what: "literal",
                ..
            }
        ) && chunk_name(&e) == Some(*b"Code"),
        "{e}"
    );
    // Atom table too short for the code's atoms.
    let bad = with_chunk(&good, b"AtU8", |c| {
        c[0..4].copy_from_slice(&1u32.to_be_bytes());
        let n = c[4] as usize;
        c.truncate(5 + n);
    });
    assert!(matches!(
        err(&bad).kind,
        ErrorKind::IndexOutOfRange { what: "atom", .. }
    ));
}

#[test]
fn huge_counts_are_rejected_without_allocating() {
    let good = lists_beam();
    for id in [b"AtU8", b"ImpT", b"ExpT", b"FunT"] {
        let bad = with_chunk(&good, id, |c| {
            c[0..4].copy_from_slice(&0x7fff_fff0u32.to_be_bytes())
        });
        let e = err(&bad);
        assert!(matches!(e.kind, ErrorKind::BadCount { .. }), "{e}");
        assert_eq!(chunk_name(&e), Some(*id));
    }
}

#[test]
fn errors_inside_decompressed_literals_say_so() {
    let good = lists_beam();
    let bad = with_chunk(&good, b"LitT", |c| {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&c[4..]), &mut plain)
            .unwrap();
        plain[9] = 255; // count, size, version byte, then the first tag
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &plain).unwrap();
        let mut v = (plain.len() as u32).to_be_bytes().to_vec();
        v.extend(z.finish().unwrap());
        *c = v;
    });
    let e = err(&bad);
    assert_eq!(e.space, Space::Decompressed);
    assert_eq!(e.offset, 9);
    assert!(
        e.to_string().starts_with(
            "chunk LitT (decompressed), byte 0x9: external term format: unknown tag 255"
        ),
        "{e}"
    );
}

#[test]
fn legacy_latin1_atom_chunk() {
    let good = lists_beam();
    let reference = decode(&good).unwrap();
    // The same table under the pre-OTP 21 name `Atom` (Latin-1; lists' atoms are ASCII).
    let mut cs = chunks(&good);
    cs.iter_mut().find(|(id, _)| id == b"AtU8").unwrap().0 = *b"Atom";
    let m = decode(&build_module(&cs)).unwrap();
    assert_eq!(m.atoms, reference.atoms);
    assert_eq!(m.functions, reference.functions);
    // A Latin-1 byte becomes the same character in UTF-8.
    let c = cs.iter_mut().find(|(id, _)| id == b"Atom").unwrap();
    let len = c.1[4] as usize;
    c.1[5 + len - 1] = 0xe9; // last character of the module name -> 'é'
    let m = decode(&build_module(&cs)).unwrap();
    assert_eq!(m.name(), "listé");
}
