//! The BIFs of module `re` (OTP 25's `erl_bif_re.c`): `compile/1,2`, `run/2,3`,
//! `internal_run/4` (what `re:replace/3,4` and `re:split/2,3` call), `inspect/2` and
//! `version/0`, on the PCRE2 library (the `pcre2-sys` crate builds it from its C sources,
//! for armv7 too). OTP 25 bundles PCRE 8.44 (PCRE1); docs/re.md lists where PCRE2 differs.
//!
//! A compiled pattern is `{re_pattern, Groups, Unicode, 0, Bin}` as in erl, but `Bin` holds
//! this runtime's own encoding (a tag, the compile options and the pattern bytes): programs
//! treat it as opaque; run/2,3 compile it again.

use std::ffi::c_void;

use beam_runtime::construct;
use beam_runtime::term::Term;
use pcre2_sys as p;

use crate::bifs::{atom, error, heap_err, small, Bif, BifCx, Raise};
use crate::rt_bits::bits_of;

fn badarg() -> Raise {
    error("badarg")
}

/// Tag in front of the options and pattern inside a compiled pattern's binary.
const MAGIC: &[u8; 6] = b"BJRE1\0";

/// A compiled PCRE2 pattern, freed on drop.
struct Code {
    code: *mut p::pcre2_code_8,
}

impl Drop for Code {
    fn drop(&mut self) {
        // SAFETY: `code` came from pcre2_compile_8 and is freed once, here.
        unsafe { p::pcre2_code_free_8(self.code) }
    }
}

impl Code {
    fn info_u32(&self, what: u32) -> u32 {
        let mut v: u32 = 0;
        // SAFETY: `code` is a live compiled pattern; these info items write one u32.
        unsafe { p::pcre2_pattern_info_8(self.code, what, &mut v as *mut u32 as *mut c_void) };
        v
    }

    fn groups(&self) -> u32 {
        self.info_u32(p::PCRE2_INFO_CAPTURECOUNT)
    }

    /// The named groups: (name, group number), in name-table order (sorted by name).
    fn names(&self) -> Vec<(Vec<u8>, u32)> {
        let (n, size) = (
            self.info_u32(p::PCRE2_INFO_NAMECOUNT) as usize,
            self.info_u32(p::PCRE2_INFO_NAMEENTRYSIZE) as usize,
        );
        if n == 0 {
            return Vec::new();
        }
        let mut table: *const u8 = std::ptr::null();
        // SAFETY: PCRE2_INFO_NAMETABLE writes a pointer into the pattern's own memory,
        // valid while `code` lives; it holds `n` entries of `size` bytes each.
        let t = unsafe {
            p::pcre2_pattern_info_8(
                self.code,
                p::PCRE2_INFO_NAMETABLE,
                &mut table as *mut *const u8 as *mut c_void,
            );
            std::slice::from_raw_parts(table, n * size)
        };
        t.chunks(size)
            .map(|e| {
                let num = u32::from(e[0]) << 8 | u32::from(e[1]);
                let name = e[2..].split(|&b| b == 0).next().unwrap_or(&[]).to_vec();
                (name, num)
            })
            .collect()
    }
}

/// Compile options from an option list, as `pcre2_compile` flags plus a prefix of
/// pattern-start verbs (newline and \R conventions). `None` for an unknown option.
#[derive(Default, Clone)]
struct CompileOpts {
    flags: u32,
    prefix: String,
}

fn compile_option(o: Term, c: &mut CompileOpts) -> bool {
    let flag = match atom_name(o).as_deref() {
        Some("unicode") => p::PCRE2_UTF,
        Some("anchored") => p::PCRE2_ANCHORED,
        Some("caseless") => p::PCRE2_CASELESS,
        Some("dollar_endonly") => p::PCRE2_DOLLAR_ENDONLY,
        Some("dotall") => p::PCRE2_DOTALL,
        Some("extended") => p::PCRE2_EXTENDED,
        Some("firstline") => p::PCRE2_FIRSTLINE,
        Some("multiline") => p::PCRE2_MULTILINE,
        Some("no_auto_capture") => p::PCRE2_NO_AUTO_CAPTURE,
        Some("dupnames") => p::PCRE2_DUPNAMES,
        Some("ungreedy") => p::PCRE2_UNGREEDY,
        Some("ucp") => p::PCRE2_UCP,
        Some("never_utf") => p::PCRE2_NEVER_UTF,
        Some("no_start_optimize") => p::PCRE2_NO_START_OPTIMIZE,
        Some("bsr_anycrlf") => {
            c.prefix.push_str("(*BSR_ANYCRLF)");
            0
        }
        Some("bsr_unicode") => {
            c.prefix.push_str("(*BSR_UNICODE)");
            0
        }
        _ => {
            let Some(&[k, v]) = construct::tuple_elements(o).as_deref() else {
                return false;
            };
            if atom_name(k).as_deref() != Some("newline") {
                return false;
            }
            let verb = match atom_name(v).as_deref() {
                Some("cr") => "(*CR)",
                Some("lf") => "(*LF)",
                Some("crlf") => "(*CRLF)",
                Some("anycrlf") => "(*ANYCRLF)",
                Some("any") => "(*ANY)",
                _ => return false,
            };
            c.prefix.push_str(verb);
            0
        }
    };
    c.flags |= flag;
    true
}

fn atom_name(t: Term) -> Option<String> {
    beam_runtime::atom::name(t)
}

/// The elements of a proper list, else `badarg`.
fn proper_list(t: Term) -> Result<Vec<Term>, Raise> {
    match construct::list_elements(t) {
        Some((v, tail)) if tail == Term::NIL => Ok(v),
        _ => Err(badarg()),
    }
}

/// Bytes of iodata (`unicode` false) or UTF-8 of chardata (`unicode` true).
fn text(t: Term, unicode: bool) -> Result<Vec<u8>, Raise> {
    let mut out = Vec::new();
    let mut todo = vec![t];
    while let Some(mut t) = todo.pop() {
        loop {
            if t == Term::NIL {
                break;
            }
            if let Some((b, n)) = bits_of(t) {
                if n % 8 != 0 {
                    return Err(badarg());
                }
                out.extend_from_slice(&b);
                break;
            }
            let (Some(h), Some(tl)) = (construct::head(t), construct::tail(t)) else {
                return Err(badarg());
            };
            if let Some(v) = h.small_value() {
                if unicode {
                    let ch = u32::try_from(v).ok().and_then(char::from_u32);
                    let ch = ch.ok_or_else(badarg)?;
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                } else {
                    out.push(u8::try_from(v).map_err(|_| badarg())?);
                }
            } else {
                // A nested list or binary: finish it before this list's tail.
                todo.push(tl);
                t = h;
                continue;
            }
            t = tl;
        }
    }
    Ok(out)
}

fn compile_code(pattern: &[u8], o: &CompileOpts) -> Result<Code, (String, usize)> {
    let mut pat = o.prefix.as_bytes().to_vec();
    pat.extend_from_slice(pattern);
    // A real pointer even for an empty pattern (an empty Vec's pointer dangles).
    pat.reserve(1);
    let (mut err, mut off): (i32, usize) = (0, 0);
    // In UTF mode PCRE2's start-of-match analysis assumes code points above 127 are never
    // \w, \d or \s, while its matcher (and OTP's PCRE) use the Latin-1 tables up to 255.
    let mut flags = o.flags;
    if flags & p::PCRE2_UTF != 0 && flags & p::PCRE2_UCP == 0 {
        flags |= p::PCRE2_NO_START_OPTIMIZE | p::PCRE2_NO_AUTO_POSSESS;
    }
    // SAFETY: the context is created and freed here; the tables are a static that
    // outlives every compiled pattern; `pat` outlives the compile call; err/off are
    // valid out-pointers.
    let code = unsafe {
        let cx = p::pcre2_compile_context_create_8(std::ptr::null_mut());
        if !cx.is_null() {
            p::pcre2_set_character_tables_8(cx, tables::latin1().as_ptr());
        }
        let code = p::pcre2_compile_8(pat.as_ptr(), pat.len(), flags, &mut err, &mut off, cx);
        if !cx.is_null() {
            p::pcre2_compile_context_free_8(cx);
        }
        code
    };
    if code.is_null() {
        let mut buf = [0u8; 256];
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { p::pcre2_get_error_message_8(err, buf.as_mut_ptr(), buf.len()) };
        let msg = String::from_utf8_lossy(&buf[..n.max(0) as usize]).into_owned();
        return Err((msg, off.saturating_sub(o.prefix.len())));
    }
    Ok(Code { code })
}

/// A compiled pattern term: `{re_pattern, Groups, Unicode, 0, Bin}`.
fn pattern_term(
    c: &mut BifCx<'_>,
    code: &Code,
    pat: &[u8],
    o: &CompileOpts,
) -> Result<Term, Raise> {
    let mut bin = MAGIC.to_vec();
    bin.extend_from_slice(&o.flags.to_le_bytes());
    bin.extend_from_slice(&(o.prefix.len() as u32).to_le_bytes());
    bin.extend_from_slice(o.prefix.as_bytes());
    bin.extend_from_slice(pat);
    let b = beam_runtime::ops::view::make_bits(&mut c.heap, &bin, 8 * bin.len() as u64)
        .map_err(heap_err)?;
    let unicode = small(i64::from(o.flags & p::PCRE2_UTF != 0));
    let groups = small(i64::from(code.groups()));
    construct::tuple(
        &mut c.heap,
        &[atom("re_pattern"), groups, unicode, small(0), b],
    )
    .map_err(heap_err)
}

/// The pattern and options inside a compiled pattern term, if `t` is one of ours.
fn decode_pattern(t: Term) -> Option<(Vec<u8>, CompileOpts)> {
    let e = construct::tuple_elements(t)?;
    if e.len() != 5 || e[0] != atom("re_pattern") {
        return None;
    }
    let (b, _) = bits_of(e[4])?;
    let rest = b.strip_prefix(&MAGIC[..])?;
    let flags = u32::from_le_bytes(rest.get(0..4)?.try_into().ok()?);
    let plen = u32::from_le_bytes(rest.get(4..8)?.try_into().ok()?) as usize;
    let prefix = String::from_utf8(rest.get(8..8 + plen)?.to_vec()).ok()?;
    Some((rest[8 + plen..].to_vec(), CompileOpts { flags, prefix }))
}

fn compile(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut o = CompileOpts::default();
    if let Some(&opts) = a.get(1) {
        for t in proper_list(opts)? {
            if !compile_option(t, &mut o) {
                return Err(badarg());
            }
        }
    }
    let pat = text(a[0], o.flags & p::PCRE2_UTF != 0)?;
    match compile_code(&pat, &o) {
        Ok(code) => {
            let mp = pattern_term(c, &code, &pat, &o)?;
            construct::tuple(&mut c.heap, &[atom("ok"), mp]).map_err(heap_err)
        }
        Err((msg, off)) => {
            let chars: Vec<Term> = msg.bytes().map(|b| small(i64::from(b))).collect();
            let msg = construct::list(&mut c.heap, &chars).map_err(heap_err)?;
            let e = construct::tuple(&mut c.heap, &[msg, small(off as i64)]).map_err(heap_err)?;
            construct::tuple(&mut c.heap, &[atom("error"), e]).map_err(heap_err)
        }
    }
}

#[path = "bifs_re_run.rs"]
mod run;
#[path = "bifs_re_tables.rs"]
mod tables;

/// The BIFs of module `re`.
pub static RE: &[Bif] = &[
    Bif {
        name: "compile",
        arity: 1,
        f: compile,
    },
    Bif {
        name: "compile",
        arity: 2,
        f: compile,
    },
    Bif {
        name: "run",
        arity: 2,
        f: run::run,
    },
    Bif {
        name: "run",
        arity: 3,
        f: run::run,
    },
    Bif {
        name: "internal_run",
        arity: 4,
        f: run::run,
    },
    Bif {
        name: "inspect",
        arity: 2,
        f: run::inspect,
    },
    Bif {
        name: "version",
        arity: 0,
        // What OTP 25's `re:version/0` reports (its bundled PCRE); see docs/re.md.
        f: |c, _| {
            let v = b"8.44 2020-02-12";
            beam_runtime::ops::view::make_bits(&mut c.heap, v, 8 * v.len() as u64).map_err(heap_err)
        },
    },
];
