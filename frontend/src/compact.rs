//! The compact term encoding used for operands in the `Code` chunk (and for line items).
//!
//! Facts from OTP's `beam_asm.erl`/`beam_disasm.erl` and `erts/emulator/beam/beam_file.c`:
//! the low 3 bits of the first byte are the tag (`u`=0, `i`=1, `a`=2, `x`=3, `y`=4, `f`=5,
//! `h`=6, `z`=7). Bit 3 clear: the value is the high 4 bits. Bit 3 set and bit 4 clear: the
//! value is 11 bits, the high 3 bits of the first byte then the next byte. Both set: the
//! high 3 bits give a byte count (`n + 2`), or with all three set a `u`-encoded count follows
//! (`u + 9`); the value is that many big-endian bytes, two's complement for `i` only.
//! `z` introduces an extended form selected by its value: 0 float (8 bytes), 1 list,
//! 2 floating-point register, 3 allocation list, 4 literal, 5 typed register.

use num_bigint::BigInt;

use crate::error::{ErrorKind, Result};
use crate::reader::Reader;

pub const TAG_U: u8 = 0;
pub const TAG_I: u8 = 1;
pub const TAG_A: u8 = 2;
pub const TAG_X: u8 = 3;
pub const TAG_Y: u8 = 4;
pub const TAG_F: u8 = 5;
pub const TAG_H: u8 = 6;
pub const TAG_Z: u8 = 7;

/// An index into the module's atom table as written in the file (1-based; 0 means `[]`).
pub type AtomIndex = u32;

/// A decoded instruction operand.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `u`: an unsigned number (arity, live count, import index, ...).
    Unsigned(u64),
    /// `i`: an integer literal that fits `i64`.
    Integer(i64),
    /// `i`: an integer literal outside `i64`.
    BigInt(BigInt),
    /// `a N` with N > 0: atom number N (1-based, as in the file).
    Atom(AtomIndex),
    /// `a 0`: the empty list.
    Nil,
    X(u32),
    Y(u32),
    /// `f N`: label N (0 means "no label").
    Label(u32),
    /// `h`: a character (obsolete).
    Char(u32),
    /// `z 0`: a float literal inline (obsolete).
    Float(f64),
    /// `z 1`: a list of operands (select lists, map pairs, environments, ...).
    List(Vec<Operand>),
    /// `z 2`: floating-point register.
    FloatReg(u32),
    /// `z 3`: allocation list.
    Alloc(Vec<(AllocKind, u64)>),
    /// `z 4`: literal table index.
    Literal(u32),
    /// `z 5`: a register with an index into the `Type` table.
    TypedReg {
        reg: Reg,
        type_index: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    X(u32),
    Y(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocKind {
    Words,
    Floats,
    Funs,
}

/// The raw value of one tagged number.
enum Value {
    Small(u64),
    /// More bytes than fit `u64` (or a negative `i`), big-endian.
    Bytes(Vec<u8>),
}

fn bad(r: &Reader<'_>, at: usize, msg: String) -> crate::error::LoadError {
    r.err_at(at, ErrorKind::CompactTerm(msg))
}

/// Reads a tag and its numeric value. For `i`, `Bytes` is two's complement.
fn tagged(r: &mut Reader<'_>) -> Result<(u8, Value, usize)> {
    let at = r.offset();
    let b = r.u8()?;
    let tag = b & 7;
    if b & 0x08 == 0 {
        return Ok((tag, Value::Small(u64::from(b >> 4)), at));
    }
    if b & 0x10 == 0 {
        let lo = r.u8()?;
        return Ok((
            tag,
            Value::Small((u64::from(b >> 5) << 8) | u64::from(lo)),
            at,
        ));
    }
    if tag == TAG_Z {
        return Err(bad(
            r,
            at,
            format!("extended tag with a multi-byte value (byte {b:#04x})"),
        ));
    }
    let len_code = b >> 5;
    let n = if len_code < 7 {
        usize::from(len_code) + 2
    } else {
        let (t, v, lat) = tagged(r)?;
        match (t, v) {
            (TAG_U, Value::Small(n)) if n <= r.remaining() as u64 => n as usize + 9,
            (TAG_U, Value::Small(n)) => {
                return Err(bad(
                    r,
                    lat,
                    format!("integer of {} bytes runs past the end", n + 9),
                ))
            }
            _ => return Err(bad(r, lat, "bad length prefix of a large integer".into())),
        }
    };
    let bytes = r.bytes(n)?;
    let negative = tag == TAG_I && bytes.first().is_some_and(|&f| f & 0x80 != 0);
    if n <= 8 && !negative {
        let v = bytes.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        return Ok((tag, Value::Small(v), at));
    }
    Ok((tag, Value::Bytes(bytes.to_vec()), at))
}

fn small(r: &Reader<'_>, v: Value, at: usize, what: &str) -> Result<u64> {
    match v {
        Value::Small(n) => Ok(n),
        Value::Bytes(b) => Err(bad(
            r,
            at,
            format!("{what} value of {} bytes is too large", b.len()),
        )),
    }
}

fn small32(r: &Reader<'_>, v: Value, at: usize, what: &str) -> Result<u32> {
    let n = small(r, v, at, what)?;
    u32::try_from(n).map_err(|_| bad(r, at, format!("{what} value {n} is too large")))
}

/// Reads an operand that must be a `u` (used inside extended forms).
pub fn read_u(r: &mut Reader<'_>) -> Result<u64> {
    let (tag, v, at) = tagged(r)?;
    if tag != TAG_U {
        return Err(bad(r, at, format!("expected tag u, found tag {tag}")));
    }
    small(r, v, at, "u")
}

/// Reads a raw tag and small value: the line table uses `a` and `i` items.
pub fn read_tag_small(r: &mut Reader<'_>) -> Result<(u8, u64, usize)> {
    let (tag, v, at) = tagged(r)?;
    let n = small(r, v, at, "line item")?;
    Ok((tag, n, at))
}

/// Reads one operand. `in_list` forbids nested lists (the format never nests them).
pub fn read_operand(r: &mut Reader<'_>, in_list: bool) -> Result<Operand> {
    let (tag, v, at) = tagged(r)?;
    Ok(match tag {
        TAG_U => Operand::Unsigned(small(r, v, at, "u")?),
        TAG_I => match v {
            Value::Small(n) => match i64::try_from(n) {
                Ok(i) => Operand::Integer(i),
                Err(_) => Operand::BigInt(BigInt::from(n)),
            },
            Value::Bytes(b) => match crate::etf::int_term(BigInt::from_signed_bytes_be(&b)) {
                crate::etf::ExtTerm::Integer(i) => Operand::Integer(i),
                crate::etf::ExtTerm::BigInt(b) => Operand::BigInt(b),
                _ => return Err(bad(r, at, "integer".into())),
            },
        },
        TAG_A => match small32(r, v, at, "atom")? {
            0 => Operand::Nil,
            n => Operand::Atom(n),
        },
        TAG_X => Operand::X(small32(r, v, at, "x register")?),
        TAG_Y => Operand::Y(small32(r, v, at, "y register")?),
        TAG_F => Operand::Label(small32(r, v, at, "label")?),
        TAG_H => Operand::Char(small32(r, v, at, "character")?),
        _ => {
            let ext = small(r, v, at, "extended")?;
            match ext {
                0 => Operand::Float(f64::from_bits(r.u64()?)),
                1 => {
                    if in_list {
                        return Err(bad(r, at, "nested list".into()));
                    }
                    let len_at = r.offset();
                    let n = read_u(r)?;
                    // Each element takes at least one byte.
                    let n = r.check_count(
                        "list operand length",
                        n.min(i64::MAX as u64) as i64,
                        1,
                        len_at,
                    )?;
                    let mut v = Vec::with_capacity(n);
                    for _ in 0..n {
                        v.push(read_operand(r, true)?);
                    }
                    Operand::List(v)
                }
                2 => {
                    let n_at = r.offset();
                    let n = read_u(r)?;
                    Operand::FloatReg(
                        u32::try_from(n).map_err(|_| bad(r, n_at, "fr too large".into()))?,
                    )
                }
                3 => {
                    let len_at = r.offset();
                    let n = read_u(r)?;
                    let n = r.check_count(
                        "allocation list length",
                        n.min(i64::MAX as u64) as i64,
                        2,
                        len_at,
                    )?;
                    let mut v = Vec::with_capacity(n);
                    for _ in 0..n {
                        let k_at = r.offset();
                        let kind = match read_u(r)? {
                            0 => AllocKind::Words,
                            1 => AllocKind::Floats,
                            2 => AllocKind::Funs,
                            k => return Err(bad(r, k_at, format!("allocation kind {k}"))),
                        };
                        v.push((kind, read_u(r)?));
                    }
                    Operand::Alloc(v)
                }
                4 => {
                    let i_at = r.offset();
                    let n = read_u(r)?;
                    Operand::Literal(
                        u32::try_from(n)
                            .map_err(|_| bad(r, i_at, "literal index too large".into()))?,
                    )
                }
                5 => {
                    let reg_at = r.offset();
                    let reg = match read_operand(r, true)? {
                        Operand::X(n) => Reg::X(n),
                        Operand::Y(n) => Reg::Y(n),
                        other => {
                            return Err(bad(r, reg_at, format!("typed register holds {other:?}")))
                        }
                    };
                    let t_at = r.offset();
                    let t = read_u(r)?;
                    let type_index = u32::try_from(t)
                        .map_err(|_| bad(r, t_at, "type index too large".into()))?;
                    Operand::TypedReg { reg, type_index }
                }
                other => return Err(bad(r, at, format!("unknown extended tag z{other}"))),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(bytes: &[u8]) -> Result<Operand> {
        let mut r = Reader::new(bytes, 0, None);
        let o = read_operand(&mut r, false)?;
        r.finish()?;
        Ok(o)
    }

    #[test]
    fn every_tag_and_size() {
        assert_eq!(op(&[0x50]).unwrap(), Operand::Unsigned(5)); // u 5
        assert_eq!(op(&[0x28, 0x10]).unwrap(), Operand::Unsigned(0x110)); // 11-bit
        assert_eq!(op(&[0x18, 0x12, 0x34]).unwrap(), Operand::Unsigned(0x1234)); // 2 bytes
        assert_eq!(op(&[0x19, 0xff, 0xff]).unwrap(), Operand::Integer(-1)); // i, negative
        assert_eq!(
            op(&[0x39, 0x00, 0x80, 0x00]).unwrap(),
            Operand::Integer(0x8000)
        );
        assert_eq!(op(&[0x02]).unwrap(), Operand::Nil);
        assert_eq!(op(&[0x12]).unwrap(), Operand::Atom(1));
        assert_eq!(op(&[0x23]).unwrap(), Operand::X(2));
        assert_eq!(op(&[0x34]).unwrap(), Operand::Y(3));
        assert_eq!(op(&[0x45]).unwrap(), Operand::Label(4));
        assert_eq!(op(&[0x56]).unwrap(), Operand::Char(5));
        // z1 list of 2, z2 fr, z4 literal.
        assert_eq!(
            op(&[0x17, 0x20, 0x03, 0x13]).unwrap(),
            Operand::List(vec![Operand::X(0), Operand::X(1)])
        );
        assert_eq!(op(&[0x27, 0x10]).unwrap(), Operand::FloatReg(1));
        assert_eq!(op(&[0x47, 0x70]).unwrap(), Operand::Literal(7));
        // 8-byte u and i at the i64 boundary.
        let mut v = vec![0xd8];
        v.extend(u64::MAX.to_be_bytes());
        assert_eq!(op(&v).unwrap(), Operand::Unsigned(u64::MAX));
        let mut v = vec![0xd9];
        v.extend(i64::MIN.to_be_bytes());
        assert_eq!(op(&v).unwrap(), Operand::Integer(i64::MIN));
        // 9 bytes: i becomes a big integer.
        let mut v = vec![0xf9, 0x00, 0x01];
        v.extend([0u8; 8]);
        assert_eq!(op(&v).unwrap(), Operand::BigInt(BigInt::from(1) << 64));
    }

    #[test]
    fn malformed_compact_terms() {
        let kind = |b: &[u8]| op(b).unwrap_err().kind;
        assert!(matches!(
            kind(&[0x17, 0x10, 0x17, 0x00]),
            ErrorKind::CompactTerm(_)
        )); // nested list
        assert!(matches!(kind(&[0x67]), ErrorKind::CompactTerm(_))); // z6
        assert!(matches!(kind(&[0x1f, 0x00]), ErrorKind::CompactTerm(_))); // multi-byte z
        assert!(matches!(
            kind(&[0x57, 0x12, 0x00]),
            ErrorKind::CompactTerm(_)
        )); // tr of an atom
            // 9-byte u does not fit.
        let mut v = vec![0xf8, 0x00, 0x01];
        v.extend([0u8; 8]);
        assert!(matches!(kind(&v), ErrorKind::CompactTerm(_)));
        // Length prefix claiming more bytes than remain; list longer than the input.
        assert!(matches!(
            kind(&[0xf9, 0xf8, 0x7f, 0xff, 0xff, 0xff]),
            ErrorKind::CompactTerm(_)
        ));
        assert!(matches!(
            kind(&[0x17, 0xd8, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]),
            ErrorKind::BadCount { .. }
        ));
        assert!(matches!(kind(&[0x18, 0x12]), ErrorKind::Truncated { .. }));
    }
}
