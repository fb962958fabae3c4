//! The facts section of a native-code cache entry (docs/cache.md): what loading a module
//! needs from its instructions besides the compiled code. With it a warm load decodes only
//! the `.beam` file's tables (`beam_frontend::decode_tables`), never its code chunk, and
//! never re-derives the specific instructions: decoding and transforming the code of every
//! cached module was about a fifth of a warm real boot's instructions (docs/boot.md).

use num_bigint::BigInt;

use crate::cache::{put_bytes, put_u32, Reader};
use crate::stacktrace::{FuncLines, ModLines};

/// What a loaded module needs from its instructions, whether it was compiled or its code
/// came from the cache.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ModFacts {
    /// The index of its `on_load` function, if it has one
    /// (`erlang:has_prepared_code_on_load/1`, `call_on_load_function/1`).
    pub on_load: Option<u32>,
    /// OTP's module checksum (`module_info(md5)`, vm/src/module_meta.rs), computed once
    /// when the module is compiled: hashing the file's chunks on every warm load would
    /// cost a tenth of a warm boot.
    pub checksum: [u8; 16],
    /// Its `Attr` and `CInf` chunks (`module_info(attributes | compile)`), as in the file.
    pub attributes: Option<Vec<u8>>,
    pub compile: Option<Vec<u8>>,
    /// Specific instructions ([`crate::LoadStats::beam_ops`]).
    pub beam_ops: u32,
    /// Each function's entry label (function `i` at `i`): which function an export names.
    pub entries: Vec<u32>,
    /// The big-integer and float constants of the code (they become literals), distinct,
    /// in the order they are built after the literal table: the cached code relies on
    /// every literal keeping its distance from the others (docs/cache.md).
    pub bigs: Vec<BigInt>,
    pub floats: Vec<u64>,
    /// Words of the literal area the literal table and the constants take (measured on a
    /// compile by building them in a scratch area).
    pub literal_words: u32,
    /// The stack-trace index's view of the code and the line table.
    pub lines: ModLines,
}

/// Section version written and accepted.
/// 2: the on_load function's index, the module checksum, the Attr and CInf chunks, each
/// function's tail calls.
pub(crate) const VERSION: u32 = 2;

fn put_pairs(o: &mut Vec<u8>, v: &[(u32, u32)]) {
    put_u32(o, v.len() as u32);
    for &(a, b) in v {
        put_u32(o, a);
        put_u32(o, b);
    }
}

fn put_words(o: &mut Vec<u8>, v: &[u32]) {
    put_u32(o, v.len() as u32);
    for &a in v {
        put_u32(o, a);
    }
}

pub(crate) fn encode(f: &ModFacts) -> Vec<u8> {
    let mut o = Vec::new();
    put_u32(&mut o, f.on_load.unwrap_or(u32::MAX));
    o.extend_from_slice(&f.checksum);
    for chunk in [&f.attributes, &f.compile] {
        put_u32(&mut o, u32::from(chunk.is_some()));
        put_bytes(&mut o, chunk.as_deref().unwrap_or_default());
    }
    put_u32(&mut o, f.beam_ops);
    put_words(&mut o, &f.entries);
    put_u32(&mut o, f.bigs.len() as u32);
    for n in &f.bigs {
        put_bytes(&mut o, &n.to_signed_bytes_le());
    }
    put_u32(&mut o, f.floats.len() as u32);
    for &x in &f.floats {
        put_u32(&mut o, x as u32);
        put_u32(&mut o, (x >> 32) as u32);
    }
    put_u32(&mut o, f.literal_words);
    let l = &f.lines;
    put_u32(&mut o, l.funcs.len() as u32);
    for fl in &l.funcs {
        put_u32(&mut o, fl.name);
        put_u32(&mut o, fl.arity);
        put_pairs(&mut o, &fl.lines);
        put_words(&mut o, &fl.func_info);
        put_words(&mut o, &fl.increments);
        put_words(&mut o, &fl.tail_returns);
        put_words(&mut o, &fl.tail_calls);
    }
    put_pairs(&mut o, &l.items);
    put_u32(&mut o, l.files.len() as u32);
    for s in &l.files {
        put_bytes(&mut o, s.as_bytes());
    }
    put_u32(&mut o, l.lambdas.len() as u32);
    for &(a, b, c) in &l.lambdas {
        put_u32(&mut o, a);
        put_u32(&mut o, b);
        put_u32(&mut o, c);
    }
    o
}

fn pairs(r: &mut Reader<'_>) -> Result<Vec<(u32, u32)>, String> {
    let n = r.count(8)?;
    (0..n).map(|_| Ok((r.u32()?, r.u32()?))).collect()
}

fn words(r: &mut Reader<'_>) -> Result<Vec<u32>, String> {
    let n = r.count(4)?;
    (0..n).map(|_| r.u32()).collect()
}

/// Decodes a facts section; every count is bounded by the bytes left and every failure
/// is an error (the entry is then recompiled), never a panic. Function numbers are
/// checked against the function count: the index looks them up.
pub(crate) fn decode(b: &[u8]) -> Result<ModFacts, String> {
    let mut r = Reader::new(b);
    let on_load = Some(r.u32()?).filter(|&i| i != u32::MAX);
    let mut checksum = [0u8; 16];
    checksum.copy_from_slice(r.take(16)?);
    let mut chunk = || -> Result<Option<Vec<u8>>, String> {
        let present = match r.u32()? {
            0 => false,
            1 => true,
            _ => return Err("bad chunk flag".into()),
        };
        let bytes = r.bytes()?.to_vec();
        Ok(present.then_some(bytes))
    };
    let (attributes, compile) = (chunk()?, chunk()?);
    let beam_ops = r.u32()?;
    let entries = words(&mut r)?;
    let nb = r.count(4)?;
    let bigs = (0..nb)
        .map(|_| Ok(BigInt::from_signed_bytes_le(r.bytes()?)))
        .collect::<Result<Vec<_>, String>>()?;
    let nf = r.count(8)?;
    let floats = (0..nf)
        .map(|_| Ok(u64::from(r.u32()?) | u64::from(r.u32()?) << 32))
        .collect::<Result<Vec<_>, String>>()?;
    let literal_words = r.u32()?;
    let nfun = r.count(24)?;
    let mut funcs = Vec::with_capacity(nfun);
    for _ in 0..nfun {
        funcs.push(FuncLines {
            name: r.u32()?,
            arity: r.u32()?,
            lines: pairs(&mut r)?,
            func_info: words(&mut r)?,
            increments: words(&mut r)?,
            tail_returns: words(&mut r)?,
            tail_calls: words(&mut r)?,
        });
    }
    if funcs.len() != entries.len() {
        return Err("function count differs from the entries'".into());
    }
    if on_load.is_some_and(|i| i as usize >= funcs.len()) {
        return Err("on_load function out of range".into());
    }
    let items = pairs(&mut r)?;
    let nfiles = r.count(4)?;
    let files = (0..nfiles)
        .map(|_| String::from_utf8(r.bytes()?.to_vec()).map_err(|_| "bad file name".to_string()))
        .collect::<Result<Vec<_>, String>>()?;
    let nl = r.count(12)?;
    let lambdas = (0..nl)
        .map(|_| Ok((r.u32()?, r.u32()?, r.u32()?)))
        .collect::<Result<Vec<_>, String>>()?;
    if lambdas.iter().any(|l| l.0 as usize >= funcs.len()) {
        return Err("fun of no function".into());
    }
    if !r.rest().is_empty() {
        return Err("trailing bytes in facts".into());
    }
    Ok(ModFacts {
        on_load,
        checksum,
        attributes,
        compile,
        beam_ops,
        entries,
        bigs,
        floats,
        literal_words,
        lines: ModLines {
            funcs,
            items,
            files,
            lambdas,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ModFacts {
        ModFacts {
            on_load: Some(1),
            checksum: [7; 16],
            attributes: Some(vec![131, 106]),
            compile: None,
            beam_ops: 77,
            entries: vec![2, 4],
            bigs: vec![BigInt::from(1u64 << 60), -(BigInt::from(1) << 100u32)],
            floats: vec![1.5f64.to_bits(), (-0.0f64).to_bits()],
            literal_words: 40,
            lines: ModLines {
                funcs: vec![
                    FuncLines {
                        name: 2,
                        arity: 1,
                        lines: vec![(1, 3)],
                        func_info: vec![0],
                        increments: vec![5],
                        tail_returns: vec![6, 7],
                        tail_calls: vec![8],
                    },
                    FuncLines {
                        name: 3,
                        arity: 0,
                        lines: Vec::new(),
                        func_info: vec![0],
                        increments: Vec::new(),
                        tail_returns: Vec::new(),
                        tail_calls: Vec::new(),
                    },
                ],
                items: vec![(0, 0), (1, 12)],
                files: vec!["m.erl".into()],
                lambdas: vec![(1, 0, 99)],
            },
        }
    }

    /// The section round-trips; every prefix is an error and every single-byte change
    /// decodes to an error or to some facts, never a panic.
    #[test]
    fn facts_section_decoding_is_total() {
        let enc = encode(&sample());
        assert_eq!(decode(&enc).unwrap(), sample());
        for n in 0..enc.len() {
            assert!(decode(&enc[..n]).is_err(), "prefix of {n} bytes");
        }
        for i in 0..enc.len() {
            for bit in [0x01u8, 0x80] {
                let mut b = enc.clone();
                b[i] ^= bit;
                let _ = decode(&b);
            }
        }
    }
}
