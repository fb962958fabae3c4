//! `zlib:compress/1`, `uncompress/1`, `zip/1`, `unzip/1`, `gzip/1` and `gunzip/1` as
//! BIFs (OTP's zlib module is a NIF; its stream API, `open/0`, `deflateInit/1,2`, ...,
//! is not here).
//!
//! The compiler's beam_asm compresses a module's literal chunk with `zlib:compress/1`, so
//! the .beam that `compile:file/2` writes on the JIT is byte for byte erlc's only if the
//! deflate stream is zlib's own: the system's libz (the one erl uses) is opened at run
//! time (`dlopen`, so nothing links against it; a host without it, e.g. a bare qemu-arm
//! sysroot, falls back to flate2's deflate, which is valid zlib data but not always the
//! same bytes). Decompression needs no such care: flate2 decodes any zlib stream.

use std::ffi::{c_char, c_int, c_ulong, c_void, CStr};
use std::io::Read;
use std::sync::OnceLock;

use beam_runtime::ops::view;
use beam_runtime::term::Term;

use crate::bifs::{error, heap_err, Bif, BifCx, Raise};

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

const RTLD_NOW: c_int = 2;

/// zlib's `compress2(dest, &dest_len, source, source_len, level)`.
type Compress2 = unsafe extern "C" fn(*mut u8, *mut c_ulong, *const u8, c_ulong, c_int) -> c_int;
/// zlib's `compressBound(source_len)`.
type CompressBound = unsafe extern "C" fn(c_ulong) -> c_ulong;

struct LibZ {
    compress2: Compress2,
    bound: CompressBound,
}

fn libz() -> Option<&'static LibZ> {
    static LIBZ: OnceLock<Option<LibZ>> = OnceLock::new();
    LIBZ.get_or_init(|| {
        let name: &CStr = c"libz.so.1";
        // SAFETY: dlopen and dlsym get NUL-terminated names; a null result means "not
        // there" and is checked before use. The two symbols are zlib's documented C
        // functions with exactly the signatures of `Compress2` and `CompressBound`, and
        // the library stays loaded for the process's life (never dlclose'd).
        unsafe {
            let h = dlopen(name.as_ptr(), RTLD_NOW);
            if h.is_null() {
                return None;
            }
            let c = dlsym(h, c"compress2".as_ptr());
            let b = dlsym(h, c"compressBound".as_ptr());
            if c.is_null() || b.is_null() {
                return None;
            }
            Some(LibZ {
                compress2: std::mem::transmute::<*mut c_void, Compress2>(c),
                bound: std::mem::transmute::<*mut c_void, CompressBound>(b),
            })
        }
    })
    .as_ref()
}

/// Deflate with zlib's defaults (level 6, 32 KB window, memLevel 8), as OTP's
/// `zlib:compress/1` (deflateInit(Z, default)) produces it.
fn deflate(data: &[u8]) -> Option<Vec<u8>> {
    if let Some(z) = libz() {
        let len = c_ulong::try_from(data.len()).ok()?;
        // SAFETY: compressBound only computes a size.
        let mut cap = unsafe { (z.bound)(len) };
        let mut out = vec![0u8; usize::try_from(cap).ok()?];
        // SAFETY: `out` holds `cap` writable bytes and `data` `len` readable ones, as
        // compress2 requires; it writes the stream's length back to `cap`.
        let rc = unsafe { (z.compress2)(out.as_mut_ptr(), &mut cap, data.as_ptr(), len, -1) };
        if rc != 0 {
            return None;
        }
        out.truncate(usize::try_from(cap).ok()?);
        return Some(out);
    }
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    z.write_all(data).ok()?;
    z.finish().ok()
}

/// Raw deflate (`zlib:zip/1`: windowBits -15, level 6): the deflate data inside
/// compress2's zlib stream is the same bytes without its 2-byte header and 4-byte
/// Adler-32 trailer.
fn raw_deflate(data: &[u8]) -> Option<Vec<u8>> {
    let z = deflate(data)?;
    Some(z.get(2..z.len().checked_sub(4)?)?.to_vec())
}

/// `zlib:gzip/1`: zlib's own gzip header for a stream without a header set (no flags,
/// mtime 0, xfl 0, OS 3 = Unix), the raw deflate data, CRC-32 and size mod 2^32.
fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![31, 139, 8, 0, 0, 0, 0, 0, 0, 3];
    out.extend(raw_deflate(data)?);
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend(crc.sum().to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    Some(out)
}

/// Inflates raw deflate data at the start of `data`: the bytes and how much input the
/// stream took; `None` if it is invalid or does not end.
fn inflate_raw(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut d = flate2::Decompress::new(false);
    let mut out = Vec::with_capacity(data.len() * 4 + 64);
    loop {
        let at = d.total_in() as usize;
        match d.decompress_vec(&data[at..], &mut out, flate2::FlushDecompress::Finish) {
            Ok(flate2::Status::StreamEnd) => return Some((out, d.total_in() as usize)),
            Ok(_) if out.len() == out.capacity() => out.reserve(out.capacity().max(64)),
            // No progress with room to spare: the input ended inside the stream.
            Ok(_) => return None,
            Err(_) => return None,
        }
    }
}

/// `zlib:gunzip/1`: one or more gzip members, nothing after them.
fn gunzip(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let (&[31, 139, 8, flags], rest) = data.split_first_chunk::<4>()? else {
            return None;
        };
        let mut i = 10;
        rest.get(..6)?;
        if flags & 4 != 0 {
            let n = usize::from(u16::from_le_bytes([*data.get(i)?, *data.get(i + 1)?]));
            i += 2 + n;
        }
        for bit in [8, 16] {
            if flags & bit != 0 {
                i += data.get(i..)?.iter().position(|&b| b == 0)? + 1;
            }
        }
        if flags & 2 != 0 {
            i += 2;
        }
        let (member, used) = inflate_raw(data.get(i..)?)?;
        i += used;
        let trailer = data.get(i..i + 8)?;
        let mut crc = flate2::Crc::new();
        crc.update(&member);
        if trailer[..4] != crc.sum().to_le_bytes()
            || trailer[4..] != (member.len() as u32).to_le_bytes()
        {
            return None;
        }
        out.extend(member);
        data = &data[i + 8..];
        if data.is_empty() {
            return Some(out);
        }
    }
}

fn input(t: Term) -> Result<Vec<u8>, Raise> {
    let mut bytes = Vec::new();
    crate::bifs_more::iolist(t, &mut bytes)?;
    Ok(bytes)
}

fn binary(c: &mut BifCx<'_>, bytes: &[u8]) -> Result<Term, Raise> {
    view::make_bits(&mut c.heap, bytes, bytes.len() as u64 * 8).map_err(heap_err)
}

pub static ZLIB: &[Bif] = &[
    Bif {
        name: "compress",
        arity: 1,
        f: |c, a| {
            let data = input(a[0])?;
            let out = deflate(&data).ok_or_else(|| error("badarg"))?;
            binary(c, &out)
        },
    },
    Bif {
        name: "uncompress",
        arity: 1,
        f: |c, a| {
            let data = input(a[0])?;
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(&data[..])
                .read_to_end(&mut out)
                .map_err(|_| error("data_error"))?;
            binary(c, &out)
        },
    },
    Bif {
        name: "zip",
        arity: 1,
        f: |c, a| {
            let out = raw_deflate(&input(a[0])?).ok_or_else(|| error("badarg"))?;
            binary(c, &out)
        },
    },
    Bif {
        name: "gzip",
        arity: 1,
        f: |c, a| {
            let out = gzip(&input(a[0])?).ok_or_else(|| error("badarg"))?;
            binary(c, &out)
        },
    },
    Bif {
        name: "unzip",
        arity: 1,
        f: |c, a| {
            // Bytes after the deflate stream are ignored, as erl does.
            let (out, _) = inflate_raw(&input(a[0])?).ok_or_else(|| error("data_error"))?;
            binary(c, &out)
        },
    },
    Bif {
        name: "gunzip",
        arity: 1,
        f: |c, a| {
            let out = gunzip(&input(a[0])?).ok_or_else(|| error("data_error"))?;
            binary(c, &out)
        },
    },
];
