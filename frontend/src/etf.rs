//! Decoder for the external term format (`term_to_binary`), used by the `LitT`, `Attr` and
//! `CInf` chunks. Tag numbers are from OTP's `erts/doc/.../erl_ext_dist` ("External Term
//! Format") documentation.
//!
//! The result is a plain Rust model ([`ExtTerm`]); the runtime builds heap terms from it.
//! Lengths are checked against the remaining input before anything is allocated and nesting
//! is bounded, so hostile input can neither exhaust memory nor overflow the stack.

use num_bigint::{BigInt, Sign};

use crate::error::{ErrorKind, Result};
use crate::reader::Reader;

/// A decoded term.
#[derive(Clone, Debug, PartialEq)]
pub enum ExtTerm {
    /// An integer that fits `i64`.
    Integer(i64),
    /// An integer outside `i64` (always normalised: never fits `i64`).
    BigInt(BigInt),
    Float(f64),
    Atom(String),
    Tuple(Vec<ExtTerm>),
    Nil,
    /// `STRING_EXT`: a list of bytes, kept compact.
    String(Vec<u8>),
    /// A non-empty list; `tail` is `Nil` for proper lists.
    List {
        elems: Vec<ExtTerm>,
        tail: Box<ExtTerm>,
    },
    /// A binary (`bits == 0`) or bitstring whose last byte holds `bits` (1..=7) significant
    /// high-order bits.
    Binary {
        bytes: Vec<u8>,
        bits: u8,
    },
    /// Key/value pairs in encoding order.
    Map(Vec<(ExtTerm, ExtTerm)>),
    /// `fun M:F/A`.
    Export {
        module: Box<ExtTerm>,
        function: Box<ExtTerm>,
        arity: u8,
    },
    /// A local fun (`NEW_FUN_EXT`).
    Fun(Box<FunTerm>),
    Pid {
        node: Box<ExtTerm>,
        id: u32,
        serial: u32,
        creation: u32,
    },
    Port {
        node: Box<ExtTerm>,
        id: u64,
        creation: u32,
    },
    Reference {
        node: Box<ExtTerm>,
        creation: u32,
        ids: Vec<u32>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct FunTerm {
    pub arity: u8,
    pub uniq: [u8; 16],
    pub index: u32,
    pub module: ExtTerm,
    pub old_index: ExtTerm,
    pub old_uniq: ExtTerm,
    pub pid: ExtTerm,
    pub free: Vec<ExtTerm>,
}

/// Deepest nesting accepted; real literals are far shallower.
pub const MAX_DEPTH: usize = 512;

/// Decodes one complete term, `131` version byte included, and requires that nothing follows.
pub fn decode_term(r: &mut Reader<'_>) -> Result<ExtTerm> {
    let at = r.offset();
    let version = r.u8()?;
    if version != 131 {
        return Err(r.err_at(
            at,
            ErrorKind::Etf(format!("version byte {version}, expected 131")),
        ));
    }
    let t = term(r, 0)?;
    r.finish()?;
    Ok(t)
}

fn etf(r: &Reader<'_>, at: usize, msg: impl Into<String>) -> crate::error::LoadError {
    r.err_at(at, ErrorKind::Etf(msg.into()))
}

fn atom_from(r: &Reader<'_>, at: usize, bytes: &[u8], utf8: bool) -> Result<String> {
    if utf8 {
        String::from_utf8(bytes.to_vec()).map_err(|_| etf(r, at, "atom is not valid UTF-8"))
    } else {
        // Latin-1: each byte is one code point.
        Ok(bytes.iter().map(|&b| b as char).collect())
    }
}

fn big(r: &mut Reader<'_>, n: usize) -> Result<ExtTerm> {
    let sign = r.u8()?;
    let digits = r.bytes(n)?;
    let mag = BigInt::from_bytes_le(Sign::Plus, digits);
    let v = if sign == 0 { mag } else { -mag };
    Ok(int_term(v))
}

/// Normalises an integer: `Integer` if it fits `i64`, else `BigInt`.
pub fn int_term(v: BigInt) -> ExtTerm {
    match i64::try_from(&v) {
        Ok(i) => ExtTerm::Integer(i),
        Err(_) => ExtTerm::BigInt(v),
    }
}

fn elems(r: &mut Reader<'_>, n: usize, depth: usize) -> Result<Vec<ExtTerm>> {
    // Every element takes at least one byte, so `n` is bounded by the input.
    let mut v = Vec::with_capacity(n.min(r.remaining()));
    for _ in 0..n {
        v.push(term(r, depth + 1)?);
    }
    Ok(v)
}

fn checked_len(r: &Reader<'_>, at: usize, n: u32, min_item: usize) -> Result<usize> {
    r.check_count("term length", i64::from(n), min_item, at)
}

fn term(r: &mut Reader<'_>, depth: usize) -> Result<ExtTerm> {
    let at = r.offset();
    if depth > MAX_DEPTH {
        return Err(etf(r, at, format!("nesting deeper than {MAX_DEPTH}")));
    }
    let tag = r.u8()?;
    Ok(match tag {
        // SMALL_INTEGER_EXT
        97 => ExtTerm::Integer(i64::from(r.u8()?)),
        // INTEGER_EXT
        98 => ExtTerm::Integer(i64::from(r.i32()?)),
        // FLOAT_EXT: 31 bytes of "%.20e" text, NUL padded.
        99 => {
            let text = r.bytes(31)?;
            let s: String = text
                .iter()
                .take_while(|&&b| b != 0)
                .map(|&b| b as char)
                .collect();
            let f: f64 = s
                .trim()
                .parse()
                .map_err(|_| etf(r, at, "bad FLOAT_EXT text"))?;
            ExtTerm::Float(f)
        }
        // NEW_FLOAT_EXT
        70 => ExtTerm::Float(f64::from_bits(r.u64()?)),
        // ATOM_EXT (Latin-1, u16 length), SMALL_ATOM_EXT (Latin-1, u8 length)
        100 => {
            let n = r.u16()? as usize;
            let b = r.bytes(n)?;
            ExtTerm::Atom(atom_from(r, at, b, false)?)
        }
        115 => {
            let n = r.u8()? as usize;
            let b = r.bytes(n)?;
            ExtTerm::Atom(atom_from(r, at, b, false)?)
        }
        // ATOM_UTF8_EXT, SMALL_ATOM_UTF8_EXT
        118 => {
            let n = r.u16()? as usize;
            let b = r.bytes(n)?;
            ExtTerm::Atom(atom_from(r, at, b, true)?)
        }
        119 => {
            let n = r.u8()? as usize;
            let b = r.bytes(n)?;
            ExtTerm::Atom(atom_from(r, at, b, true)?)
        }
        // SMALL_TUPLE_EXT, LARGE_TUPLE_EXT
        104 => {
            let n = r.u8()? as usize;
            ExtTerm::Tuple(elems(r, n, depth)?)
        }
        105 => {
            let n_at = r.offset();
            let n = r.u32()?;
            let n = checked_len(r, n_at, n, 1)?;
            ExtTerm::Tuple(elems(r, n, depth)?)
        }
        // NIL_EXT
        106 => ExtTerm::Nil,
        // STRING_EXT
        107 => {
            let n = r.u16()? as usize;
            ExtTerm::String(r.bytes(n)?.to_vec())
        }
        // LIST_EXT: length, elements, tail.
        108 => {
            let n_at = r.offset();
            let n = r.u32()?;
            let n = checked_len(r, n_at, n, 1)?;
            let elems = elems(r, n, depth)?;
            let tail = term(r, depth + 1)?;
            if elems.is_empty() {
                return Err(etf(r, at, "LIST_EXT with no elements"));
            }
            ExtTerm::List {
                elems,
                tail: Box::new(tail),
            }
        }
        // BINARY_EXT
        109 => {
            let n = r.u32()? as usize;
            ExtTerm::Binary {
                bytes: r.bytes(n)?.to_vec(),
                bits: 0,
            }
        }
        // BIT_BINARY_EXT: length, bits used in the last byte (1..=8), data.
        77 => {
            let n = r.u32()? as usize;
            let bits = r.u8()?;
            let bytes = r.bytes(n)?.to_vec();
            if n == 0 || !(1..=8).contains(&bits) {
                return Err(etf(
                    r,
                    at,
                    format!("BIT_BINARY_EXT with {n} bytes and {bits} bits"),
                ));
            }
            let bits = if bits == 8 { 0 } else { bits };
            ExtTerm::Binary { bytes, bits }
        }
        // SMALL_BIG_EXT, LARGE_BIG_EXT
        110 => {
            let n = r.u8()? as usize;
            big(r, n)?
        }
        111 => {
            let n_at = r.offset();
            let n = r.u32()?;
            let n = checked_len(r, n_at, n, 1)?;
            big(r, n)?
        }
        // MAP_EXT: arity, then key/value pairs.
        116 => {
            let n_at = r.offset();
            let n = r.u32()?;
            let n = checked_len(r, n_at, n, 2)?;
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let k = term(r, depth + 1)?;
                let v = term(r, depth + 1)?;
                pairs.push((k, v));
            }
            ExtTerm::Map(pairs)
        }
        // EXPORT_EXT: module atom, function atom, arity small integer.
        113 => {
            let module = term(r, depth + 1)?;
            let function = term(r, depth + 1)?;
            let a_at = r.offset();
            let arity = match term(r, depth + 1)? {
                ExtTerm::Integer(a) if (0..=255).contains(&a) => a as u8,
                _ => return Err(etf(r, a_at, "EXPORT_EXT arity is not a small integer")),
            };
            if !matches!(module, ExtTerm::Atom(_)) || !matches!(function, ExtTerm::Atom(_)) {
                return Err(etf(r, at, "EXPORT_EXT module/function is not an atom"));
            }
            ExtTerm::Export {
                module: Box::new(module),
                function: Box::new(function),
                arity,
            }
        }
        // NEW_FUN_EXT: size, arity, uniq[16], index, numfree, module, oldindex, olduniq, pid, free...
        112 => {
            let _size = r.u32()?;
            let arity = r.u8()?;
            let uniq = r.array::<16>()?;
            let index = r.u32()?;
            let nf_at = r.offset();
            let num_free = r.u32()?;
            let num_free = checked_len(r, nf_at, num_free, 1)?;
            let module = term(r, depth + 1)?;
            let old_index = term(r, depth + 1)?;
            let old_uniq = term(r, depth + 1)?;
            let pid = term(r, depth + 1)?;
            let free = elems(r, num_free, depth)?;
            ExtTerm::Fun(Box::new(FunTerm {
                arity,
                uniq,
                index,
                module,
                old_index,
                old_uniq,
                pid,
                free,
            }))
        }
        // PID_EXT, NEW_PID_EXT
        103 | 88 => {
            let node = term(r, depth + 1)?;
            let id = r.u32()?;
            let serial = r.u32()?;
            let creation = if tag == 103 {
                u32::from(r.u8()?)
            } else {
                r.u32()?
            };
            ExtTerm::Pid {
                node: Box::new(node),
                id,
                serial,
                creation,
            }
        }
        // PORT_EXT, NEW_PORT_EXT, V4_PORT_EXT
        102 | 89 | 120 => {
            let node = term(r, depth + 1)?;
            let id = if tag == 120 {
                r.u64()?
            } else {
                u64::from(r.u32()?)
            };
            let creation = if tag == 102 {
                u32::from(r.u8()?)
            } else {
                r.u32()?
            };
            ExtTerm::Port {
                node: Box::new(node),
                id,
                creation,
            }
        }
        // REFERENCE_EXT (old), NEW_REFERENCE_EXT, NEWER_REFERENCE_EXT
        101 => {
            let node = term(r, depth + 1)?;
            let id = r.u32()?;
            let creation = u32::from(r.u8()?);
            ExtTerm::Reference {
                node: Box::new(node),
                creation,
                ids: vec![id],
            }
        }
        114 | 90 => {
            let n = r.u16()? as usize;
            let node = term(r, depth + 1)?;
            let creation = if tag == 114 {
                u32::from(r.u8()?)
            } else {
                r.u32()?
            };
            let n = r.check_count("reference ids", n as i64, 4, at)?;
            let mut ids = Vec::with_capacity(n);
            for _ in 0..n {
                ids.push(r.u32()?);
            }
            ExtTerm::Reference {
                node: Box::new(node),
                creation,
                ids,
            }
        }
        // COMPRESSED (zlib): uncompressed size, then a deflate stream of a term without the
        // version byte.
        80 => {
            let size = r.u32()? as u64;
            let data = r.rest();
            let inner = crate::inflate::inflate(data, size).map_err(|k| r.err_at(at, k))?;
            let mut ir = Reader::decompressed(&inner, r.chunk());
            let t = term(&mut ir, depth + 1)?;
            ir.finish()?;
            t
        }
        other => return Err(etf(r, at, format!("unknown tag {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bytes: &[u8]) -> Result<ExtTerm> {
        decode_term(&mut Reader::new(bytes, 0, None))
    }

    fn atom(s: &str) -> ExtTerm {
        ExtTerm::Atom(s.into())
    }

    #[test]
    fn integers_of_all_sizes() {
        assert_eq!(dec(&[131, 97, 255]).unwrap(), ExtTerm::Integer(255));
        assert_eq!(
            dec(&[131, 98, 0xff, 0xff, 0xff, 0xfe]).unwrap(),
            ExtTerm::Integer(-2)
        );
        // SMALL_BIG_EXT -(2^64 - 1)
        let b = dec(&[131, 110, 8, 1, 255, 255, 255, 255, 255, 255, 255, 255]).unwrap();
        assert_eq!(b, ExtTerm::BigInt(-(BigInt::from(u64::MAX))));
        // A big that fits i64 is normalised.
        assert_eq!(dec(&[131, 110, 1, 1, 5]).unwrap(), ExtTerm::Integer(-5));
        // LARGE_BIG_EXT 2^80
        let mut v = vec![131, 111, 0, 0, 0, 11, 0];
        v.extend([0; 10]);
        v.push(1);
        assert_eq!(dec(&v).unwrap(), ExtTerm::BigInt(BigInt::from(1) << 80));
    }

    #[test]
    fn old_float_text_and_new_float() {
        let mut v = vec![131, 99];
        let text = b"1.50000000000000000000e+00";
        v.extend_from_slice(text);
        v.extend(std::iter::repeat_n(0, 31 - text.len()));
        assert_eq!(dec(&v).unwrap(), ExtTerm::Float(1.5));
        let mut v = vec![131, 70];
        v.extend((-0.25f64).to_bits().to_be_bytes());
        assert_eq!(dec(&v).unwrap(), ExtTerm::Float(-0.25));
    }

    #[test]
    fn tuples_lists_maps() {
        // LARGE_TUPLE_EXT {[], "a"}
        let v = [131, 105, 0, 0, 0, 2, 106, 107, 0, 1, b'a'];
        assert_eq!(
            dec(&v).unwrap(),
            ExtTerm::Tuple(vec![ExtTerm::Nil, ExtTerm::String(b"a".to_vec())])
        );
        // Improper list [a|b] with Latin-1 atoms.
        let v = [131, 108, 0, 0, 0, 1, 115, 1, b'a', 115, 1, b'b'];
        assert_eq!(
            dec(&v).unwrap(),
            ExtTerm::List {
                elems: vec![atom("a")],
                tail: Box::new(atom("b"))
            }
        );
        // Empty map.
        assert_eq!(dec(&[131, 116, 0, 0, 0, 0]).unwrap(), ExtTerm::Map(vec![]));
        // Bitstring with 8 bits in the last byte is a plain binary.
        assert_eq!(
            dec(&[131, 77, 0, 0, 0, 1, 8, 0xab]).unwrap(),
            ExtTerm::Binary {
                bytes: vec![0xab],
                bits: 0
            }
        );
    }

    #[test]
    fn pids_ports_refs_funs() {
        let node = [119, 1, b'n'];
        let mut v = vec![131, 88];
        v.extend(node);
        v.extend([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
        assert!(matches!(
            dec(&v).unwrap(),
            ExtTerm::Pid {
                id: 1,
                serial: 2,
                creation: 3,
                ..
            }
        ));
        let mut v = vec![131, 120];
        v.extend(node);
        v.extend([0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1]);
        assert!(matches!(
            dec(&v).unwrap(),
            ExtTerm::Port {
                id: 9,
                creation: 1,
                ..
            }
        ));
        let mut v = vec![131, 90, 0, 2];
        v.extend(node);
        v.extend([0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 8]);
        assert!(matches!(dec(&v).unwrap(), ExtTerm::Reference { ref ids, .. } if ids == &[7, 8]));
        // NEW_FUN_EXT with one free variable.
        let mut v = vec![131, 112, 0, 0, 0, 0, 1];
        v.extend([0xaa; 16]);
        v.extend([0, 0, 0, 3, 0, 0, 0, 1]);
        v.extend([119, 1, b'm', 97, 0, 97, 5]);
        v.push(88);
        v.extend(node);
        v.extend([0; 12]);
        v.extend([97, 42]);
        match dec(&v).unwrap() {
            ExtTerm::Fun(f) => {
                assert_eq!((f.arity, f.index), (1, 3));
                assert_eq!(f.free, vec![ExtTerm::Integer(42)]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn compressed_term() {
        use std::io::Write;
        let inner = [104, 2, 97, 1, 97, 2];
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&inner).unwrap();
        let mut v = vec![131, 80, 0, 0, 0, inner.len() as u8];
        v.extend(z.finish().unwrap());
        assert_eq!(
            dec(&v).unwrap(),
            ExtTerm::Tuple(vec![ExtTerm::Integer(1), ExtTerm::Integer(2)])
        );
    }

    #[test]
    fn hostile_input_is_a_typed_error() {
        // Deep nesting: a chain of 1-tuples.
        let mut v = vec![131];
        v.extend(std::iter::repeat_n([104, 1], MAX_DEPTH + 10).flatten());
        v.push(106);
        assert!(matches!(dec(&v).unwrap_err().kind, ErrorKind::Etf(_)));
        // A list claiming 2^32-1 elements in a few bytes.
        let e = dec(&[131, 108, 255, 255, 255, 255, 106]).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::BadCount { .. }), "{e}");
        assert_eq!(e.offset, 2);
        // Unknown tag, wrong version, trailing bytes.
        assert!(matches!(
            dec(&[131, 200]).unwrap_err().kind,
            ErrorKind::Etf(_)
        ));
        assert!(matches!(
            dec(&[130, 106]).unwrap_err().kind,
            ErrorKind::Etf(_)
        ));
        assert!(matches!(
            dec(&[131, 106, 0]).unwrap_err().kind,
            ErrorKind::TrailingBytes(1)
        ));
        // Invalid UTF-8 in a UTF-8 atom.
        assert!(dec(&[131, 119, 1, 0xff]).is_err());
    }
}
