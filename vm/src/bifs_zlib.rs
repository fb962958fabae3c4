//! `zlib:compress/1` and `zlib:uncompress/1` as BIFs (OTP's zlib module is a NIF).
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
];
