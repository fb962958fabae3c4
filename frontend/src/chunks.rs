//! Decoders for the table chunks. Layouts follow OTP's `beam_asm.erl` (writer) and
//! `erts/emulator/beam/beam_file.c` (reader).

use crate::compact::{self, TAG_A, TAG_I};
use crate::container::RawChunk;
use crate::error::{ErrorKind, Result};
use crate::etf::{self, ExtTerm};
use crate::model::{FunRef, Import, Lambda, LineItem, LineTable, TypeEntry, TypeTable};
use crate::reader::Reader;

/// `AtU8` (UTF-8) or legacy `Atom` (Latin-1). A negative count (OTP 28+) means the names'
/// lengths are compact-encoded `u` values instead of single bytes.
pub fn atoms(chunk: &RawChunk<'_>, utf8: bool) -> Result<Vec<String>> {
    let mut r = chunk.reader();
    let at = r.offset();
    let raw = r.i32()?;
    let long = raw < 0;
    let count = r.check_count("atom count", i64::from(raw).abs(), 1, at)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let name_at = r.offset();
        let len = if long {
            compact::read_u(&mut r)?
        } else {
            u64::from(r.u8()?)
        };
        let len = r.check_count("atom length", len.min(i64::MAX as u64) as i64, 1, name_at)?;
        let bytes = r.bytes(len)?;
        let name = if utf8 {
            String::from_utf8(bytes.to_vec()).map_err(|_| r.err_at(name_at, ErrorKind::BadUtf8))?
        } else {
            bytes.iter().map(|&b| b as char).collect()
        };
        out.push(name);
    }
    if out.is_empty() {
        return Err(r.err_at(
            at,
            ErrorKind::Structure("atom table is empty (no module name)".into()),
        ));
    }
    Ok(out)
}

fn atom_index(r: &Reader<'_>, at: usize, n: u32, atoms: usize) -> Result<u32> {
    if n == 0 || n as usize > atoms {
        return Err(r.err_at(
            at,
            ErrorKind::IndexOutOfRange {
                what: "atom",
                index: u64::from(n),
                len: atoms,
            },
        ));
    }
    Ok(n)
}

pub fn imports(chunk: &RawChunk<'_>, atoms: usize) -> Result<Vec<Import>> {
    let mut r = chunk.reader();
    let n = r.count("import count", 12)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.offset();
        let module = atom_index(&r, at, r.clone().u32()?, atoms)?;
        r.u32()?;
        let at = r.offset();
        let function = atom_index(&r, at, r.clone().u32()?, atoms)?;
        r.u32()?;
        let arity = r.u32()?;
        out.push(Import {
            module,
            function,
            arity,
        });
    }
    r.finish()?;
    Ok(out)
}

/// `ExpT` and `LocT`: name, arity, label.
pub fn fun_refs(chunk: &RawChunk<'_>, atoms: usize, labels: u32) -> Result<Vec<FunRef>> {
    let mut r = chunk.reader();
    let n = r.count("function count", 12)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.offset();
        let function = atom_index(&r, at, r.clone().u32()?, atoms)?;
        r.u32()?;
        let arity = r.u32()?;
        let at = r.offset();
        let label = r.u32()?;
        check_label(&r, at, label, labels)?;
        out.push(FunRef {
            function,
            arity,
            label,
        });
    }
    r.finish()?;
    Ok(out)
}

pub fn check_label(r: &Reader<'_>, at: usize, label: u32, labels: u32) -> Result<()> {
    if label >= labels {
        return Err(r.err_at(
            at,
            ErrorKind::IndexOutOfRange {
                what: "label",
                index: u64::from(label),
                len: labels as usize,
            },
        ));
    }
    Ok(())
}

/// `FunT`: name, arity, label, index, free variable count, old uniq.
pub fn lambdas(chunk: &RawChunk<'_>, atoms: usize, labels: u32) -> Result<Vec<Lambda>> {
    let mut r = chunk.reader();
    let n = r.count("lambda count", 24)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.offset();
        let function = atom_index(&r, at, r.clone().u32()?, atoms)?;
        r.u32()?;
        let arity = r.u32()?;
        let at = r.offset();
        let label = r.u32()?;
        check_label(&r, at, label, labels)?;
        let index = r.u32()?;
        let num_free = r.u32()?;
        let old_uniq = r.u32()?;
        out.push(Lambda {
            function,
            arity,
            label,
            index,
            num_free,
            old_uniq,
        });
    }
    r.finish()?;
    Ok(out)
}

/// `LitT`: `uncompressed_size:u32` then a zlib stream holding `count:u32` and
/// `size:u32 term` entries. OTP 28+ writes `uncompressed_size = 0` and the table itself
/// uncompressed.
pub fn literals(chunk: &RawChunk<'_>) -> Result<Vec<ExtTerm>> {
    let mut r = chunk.reader();
    let size_at = r.offset();
    let declared = r.u32()?;
    let data_at = r.offset();
    let rest = r.rest();
    if declared == 0 {
        return literal_table(Reader::new(rest, data_at, Some(chunk.id)));
    }
    let inflated = crate::inflate::inflate(rest, u64::from(declared)).map_err(|k| {
        let at = if matches!(k, ErrorKind::UncompressedSize { .. }) {
            size_at
        } else {
            data_at
        };
        r.err_at(at, k)
    })?;
    literal_table(Reader::decompressed(&inflated, Some(chunk.id)))
}

fn literal_table(mut r: Reader<'_>) -> Result<Vec<ExtTerm>> {
    let n = r.count("literal count", 5)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.offset();
        let size = r.u32()? as usize;
        let avail = r.remaining();
        if size > avail {
            return Err(r.err_at(
                at,
                ErrorKind::Truncated {
                    needed: size,
                    available: avail,
                },
            ));
        }
        let start = r.offset();
        let bytes = r.bytes(size)?;
        let mut tr = r.clone();
        tr = sub_reader(&tr, bytes, start);
        out.push(etf::decode_term(&mut tr)?);
    }
    r.finish()?;
    Ok(out)
}

/// A reader over `bytes` (which start at offset `start` in `parent`'s space).
fn sub_reader<'a>(parent: &Reader<'a>, bytes: &'a [u8], start: usize) -> Reader<'a> {
    let mut r = parent.clone();
    r.reset(bytes, start);
    r
}

/// `Attr` / `CInf`: one term.
pub fn term_chunk(chunk: &RawChunk<'_>) -> Result<ExtTerm> {
    let mut r = chunk.reader();
    etf::decode_term(&mut r)
}

/// `Line`: header, compact-encoded items (`a` selects the file, `i` is a line), then file
/// names as `u16` length + UTF-8.
pub fn lines(chunk: &RawChunk<'_>) -> Result<LineTable> {
    let mut r = chunk.reader();
    let version = r.u32()?;
    if version != 0 {
        return Err(r.err(ErrorKind::Line(format!("unknown version {version}"))));
    }
    let flags = r.u32()?;
    let instruction_count = r.u32()?;
    let item_count = r.count("line item count", 1)?;
    let name_count = r.count("line file name count", 2)?;
    let mut items = Vec::with_capacity(item_count + 1);
    items.push(LineItem { file: 0, line: 0 });
    let mut file = 0u32;
    while items.len() <= item_count {
        let (tag, v, at) = compact::read_tag_small(&mut r)?;
        match tag {
            TAG_A => {
                if v > name_count as u64 {
                    return Err(r.err_at(
                        at,
                        ErrorKind::IndexOutOfRange {
                            what: "line file",
                            index: v,
                            len: name_count,
                        },
                    ));
                }
                file = v as u32;
            }
            TAG_I => items.push(LineItem { file, line: v }),
            _ => return Err(r.err_at(at, ErrorKind::Line(format!("item with tag {tag}")))),
        }
    }
    let mut names = Vec::with_capacity(name_count);
    for _ in 0..name_count {
        let at = r.offset();
        let n = r.u16()? as usize;
        let b = r.bytes(n)?;
        names.push(String::from_utf8(b.to_vec()).map_err(|_| r.err_at(at, ErrorKind::BadUtf8))?);
    }
    r.finish()?;
    Ok(LineTable {
        version,
        flags,
        instruction_count,
        items,
        names,
    })
}

/// Maps a version 2+ type union onto the version 1 bit layout that [`TypeEntry::bits`]
/// documents. From OTP 26 `BEAM_TYPE_BS_MATCHSTATE` is gone (match contexts are
/// bitstrings), so bits 2..=11 (cons .. tuple) move up by one; a bitstring may also be a
/// match context. OTP 29's record bit (12) has no version 1 counterpart: a union that
/// includes it is widened to "any", which only ever makes the type less precise.
fn v1_bits(b: u16) -> u16 {
    const ANY: u16 = (1 << 13) - 1;
    if b & (1 << 12) != 0 {
        return ANY;
    }
    let mut out = b & 1;
    if b & 2 != 0 {
        out |= 2 | 4;
    }
    out | ((b & 0x0ffc) << 1)
}

/// `Type`: `version:u32 count:u32` then entries.
///
/// * Version 1 (OTP 25, `beam_types:encode_ext/1`): 18 bytes each, `bits:u16 min:i64
///   max:i64`; `min > max` means "no range".
/// * Versions 2 (OTP 26) and 3 (OTP 27–28): `flags:u16` with the type union in bits 0–11
///   and "has lower bound", "has upper bound", "has unit" in bits 12–14, followed by
///   `min:i64`, `max:i64`, `unit:u8` for the flags that are set.
/// * Version 4 (OTP 29): as 2/3 but a 13-bit union (native records) and the flags in
///   bits 13–15.
///
/// (Layouts from `erts/emulator/beam/beam_types.h`/`beam_file.c`.) Other versions are kept
/// raw, as the runtime loader does when it falls back to "any".
pub fn types(chunk: &RawChunk<'_>) -> Result<TypeTable> {
    let mut r = chunk.reader();
    let version = r.u32()?;
    let flag_base = match version {
        1 => 0,
        2 | 3 => 12,
        4 => 13,
        _ => {
            let count = r.count("type count", 0).unwrap_or(0) as u32;
            let raw = r.rest().to_vec();
            return Ok(TypeTable {
                version,
                count,
                entries: Vec::new(),
                raw,
            });
        }
    };
    let min_size = if version == 1 { 18 } else { 2 };
    let n = r.count("type count", min_size)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let start = r.clone();
        let (bits, min, max, unit) = if version == 1 {
            let bits = r.u16()?;
            let min = r.u64()? as i64;
            let max = r.u64()? as i64;
            let (min, max) = if min <= max {
                (Some(min), Some(max))
            } else {
                (None, None)
            };
            (bits, min, max, None)
        } else {
            let flags = r.u16()?;
            let bits = v1_bits(flags & ((1u16 << flag_base) - 1));
            let has = |k: u16| flags & (1 << (flag_base + k)) != 0;
            let min = if has(0) { Some(r.u64()? as i64) } else { None };
            let max = if has(1) { Some(r.u64()? as i64) } else { None };
            let unit = if has(2) { Some(r.u8()?) } else { None };
            (bits, min, max, unit)
        };
        let len = start.remaining() - r.remaining();
        let raw = start.clone().bytes(len)?.to_vec();
        entries.push(TypeEntry {
            bits,
            min,
            max,
            unit,
            raw,
        });
    }
    r.finish()?;
    Ok(TypeTable {
        version,
        count: n as u32,
        entries,
        raw: Vec::new(),
    })
}
