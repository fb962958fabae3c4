//! `re:run/2,3` (and `internal_run/4`) and `re:inspect/2`: matching, the global loop and
//! the capture options, as OTP 25's `re` documents them.
//!
//! The global loop is erl's (and Perl's): after an empty match at P, the next attempt is
//! anchored at P and must not be empty (`NOTEMPTY_ATSTART | ANCHORED`); when that fails,
//! the search goes on one character further.

use beam_runtime::construct;
use beam_runtime::term::Term;
use pcre2_sys as p;

use super::{
    atom_name, badarg, compile_code, compile_option, decode_pattern, proper_list, text, Code,
    CompileOpts,
};
use crate::bifs::{atom, heap_err, small, BifCx, Raise};
use crate::rt_bits::bits_of;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Index,
    List,
    Binary,
}

/// Which groups to report: all, all but the first, named ones ...
enum Spec {
    All,
    AllButFirst,
    First,
    None,
    AllNames,
    Some(Vec<Term>),
}

struct RunOpts {
    flags: u32,
    global: bool,
    offset: usize,
    spec: Spec,
    kind: Kind,
    compile: CompileOpts,
}

fn run_opts(t: Term) -> Result<RunOpts, Raise> {
    let mut o = RunOpts {
        flags: 0,
        global: false,
        offset: 0,
        spec: Spec::All,
        kind: Kind::Index,
        compile: CompileOpts::default(),
    };
    for x in proper_list(t)? {
        let flag = match atom_name(x).as_deref() {
            Some("global") => {
                o.global = true;
                0
            }
            Some("notbol") => p::PCRE2_NOTBOL,
            Some("noteol") => p::PCRE2_NOTEOL,
            Some("notempty") => p::PCRE2_NOTEMPTY,
            Some("notempty_atstart") => p::PCRE2_NOTEMPTY_ATSTART,
            Some("anchored") => p::PCRE2_ANCHORED,
            Some("report_errors") => 0,
            _ => {
                if let Some(e) = construct::tuple_elements(x) {
                    match (atom_name(e[0]).as_deref(), e.len()) {
                        (Some("offset"), 2) => {
                            let n = e[1].small_value().ok_or_else(badarg)?;
                            o.offset = usize::try_from(n).map_err(|_| badarg())?;
                            continue;
                        }
                        // Limits are accepted; PCRE2's defaults apply (docs/re.md).
                        (Some("match_limit" | "match_limit_recursion"), 2) => continue,
                        (Some("capture"), 2 | 3) => {
                            o.spec = spec(e[1])?;
                            if e.len() == 3 {
                                o.kind = match atom_name(e[2]).as_deref() {
                                    Some("index") => Kind::Index,
                                    Some("list") => Kind::List,
                                    Some("binary") => Kind::Binary,
                                    _ => return Err(badarg()),
                                };
                            }
                            continue;
                        }
                        _ => {}
                    }
                }
                if !compile_option(x, &mut o.compile) {
                    return Err(badarg());
                }
                continue;
            }
        };
        o.flags |= flag;
    }
    Ok(o)
}

fn spec(t: Term) -> Result<Spec, Raise> {
    Ok(match atom_name(t).as_deref() {
        Some("all") => Spec::All,
        Some("all_but_first") => Spec::AllButFirst,
        Some("first") => Spec::First,
        Some("none") => Spec::None,
        Some("all_names") => Spec::AllNames,
        _ => Spec::Some(proper_list(t)?),
    })
}

/// The group numbers a spec names (`None` for a name or number the pattern lacks).
fn groups(spec: &Spec, code: &Code, unicode: bool) -> Result<Vec<Option<u32>>, Raise> {
    let n = code.groups();
    let names = code.names();
    Ok(match spec {
        Spec::All => (0..=n).map(Some).collect(),
        Spec::AllButFirst => (1..=n).map(Some).collect(),
        Spec::First => vec![Some(0)],
        Spec::None => Vec::new(),
        Spec::AllNames => names.iter().map(|&(_, g)| Some(g)).collect(),
        Spec::Some(v) => v
            .iter()
            .map(|&t| {
                if let Some(i) = t.small_value() {
                    return Ok(u32::try_from(i).ok().filter(|&i| i <= n));
                }
                let name = match atom_name(t) {
                    Some(a) => a.into_bytes(),
                    None => text(t, unicode)?,
                };
                Ok(names.iter().find(|(nm, _)| *nm == name).map(|&(_, g)| g))
            })
            .collect::<Result<_, Raise>>()?,
    })
}

/// A byte for PCRE2 to point at when the subject is empty.
static NUL: [u8; 1] = [0];

/// One match: the start and end of each group (`None` when unset), groups 0..=n.
type Groups = Vec<Option<(usize, usize)>>;

/// Runs the match loop; the matches found (only the first unless `global`).
fn matches(code: &Code, s: &[u8], o: &RunOpts, utf: bool) -> Result<Vec<Groups>, Raise> {
    let n = code.groups() as usize;
    // SAFETY: `code` is live; the match data is freed below, before returning.
    let md = unsafe { p::pcre2_match_data_create_from_pattern_8(code.code, std::ptr::null_mut()) };
    if md.is_null() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    // An empty Vec's pointer dangles; PCRE2 may still look at it. Give it a real byte.
    let s_ptr = if s.is_empty() {
        NUL.as_ptr()
    } else {
        s.as_ptr()
    };
    let (mut start, mut extra) = (o.offset, 0);
    let mut bad_offset = false;
    while start <= s.len() {
        // SAFETY: `s` outlives the call, `start <= s.len()`, `md` fits `code`.
        let rc = unsafe {
            p::pcre2_match_8(
                code.code,
                s_ptr,
                s.len(),
                start,
                o.flags | extra,
                md,
                std::ptr::null_mut(),
            )
        };
        if rc == p::PCRE2_ERROR_BADUTFOFFSET && out.is_empty() {
            // An offset inside a UTF-8 character: erl raises badarg.
            bad_offset = true;
            break;
        }
        if rc < 0 {
            if rc == p::PCRE2_ERROR_NOMATCH && extra != 0 {
                // No non-empty match at the empty match's place: one character on.
                start += 1;
                while utf && start < s.len() && s[start] & 0xC0 == 0x80 {
                    start += 1;
                }
                extra = 0;
                continue;
            }
            break;
        }
        // SAFETY: the ovector has 2 * (capture count + 1) entries for this pattern.
        let ov =
            unsafe { std::slice::from_raw_parts(p::pcre2_get_ovector_pointer_8(md), 2 * (n + 1)) };
        // Only the groups up to the last one set (PCRE's return count): erl's `all`
        // leaves out trailing unset groups.
        let g: Groups = (0..(rc as usize).clamp(1, n + 1))
            .map(|i| {
                let (a, b) = (ov[2 * i], ov[2 * i + 1]);
                (a != usize::MAX).then_some((a, b))
            })
            .collect();
        let (a, b) = g[0].unwrap_or((start, start));
        out.push(g);
        if !o.global {
            break;
        }
        extra = if a == b {
            p::PCRE2_NOTEMPTY_ATSTART | p::PCRE2_ANCHORED
        } else {
            0
        };
        start = b;
    }
    // SAFETY: `md` came from pcre2_match_data_create_from_pattern_8 and is freed once.
    unsafe { p::pcre2_match_data_free_8(md) };
    if bad_offset {
        return Err(badarg());
    }
    Ok(out)
}

fn bytes_term(c: &mut BifCx<'_>, b: &[u8], kind: Kind, utf: bool) -> Result<Term, Raise> {
    match kind {
        Kind::Binary => {
            beam_runtime::ops::view::make_bits(&mut c.heap, b, 8 * b.len() as u64).map_err(heap_err)
        }
        _ => {
            let v: Vec<Term> = if utf {
                String::from_utf8_lossy(b)
                    .chars()
                    .map(|ch| small(i64::from(u32::from(ch))))
                    .collect()
            } else {
                b.iter().map(|&x| small(i64::from(x))).collect()
            };
            construct::list(&mut c.heap, &v).map_err(heap_err)
        }
    }
}

fn captured(
    c: &mut BifCx<'_>,
    m: &Groups,
    want: &[Option<u32>],
    s: &[u8],
    kind: Kind,
    utf: bool,
    trailing: bool,
) -> Result<Term, Raise> {
    let mut v = Vec::with_capacity(want.len());
    for w in want
        .iter()
        .filter(|w| !trailing || w.is_some_and(|i| (i as usize) < m.len()))
    {
        let g = w.and_then(|i| m.get(i as usize).copied().flatten());
        v.push(match (kind, g) {
            (Kind::Index, Some((a, b))) => {
                construct::tuple(&mut c.heap, &[small(a as i64), small((b - a) as i64)])
                    .map_err(heap_err)?
            }
            (Kind::Index, None) => {
                construct::tuple(&mut c.heap, &[small(-1), small(0)]).map_err(heap_err)?
            }
            (_, Some((a, b))) => bytes_term(c, &s[a..b], kind, utf)?,
            (_, None) => bytes_term(c, &[], kind, utf)?,
        });
    }
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

/// `run(Subject, RE)`, `run(Subject, RE, Options)`, `internal_run(Subject, RE, Options, _)`.
pub(super) fn run(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let o = match a.get(2) {
        Some(&t) => run_opts(t)?,
        None => run_opts(Term::NIL)?,
    };
    let (pat, copts) = match decode_pattern(a[1]) {
        Some(x) => x,
        None => {
            let utf = o.compile.flags & p::PCRE2_UTF != 0;
            (text(a[1], utf)?, o.compile.clone())
        }
    };
    let utf = copts.flags & p::PCRE2_UTF != 0;
    let code = compile_code(&pat, &copts).map_err(|_| badarg())?;
    let s = match bits_of(a[0]) {
        Some((b, n)) if n % 8 == 0 => b,
        _ => text(a[0], utf)?,
    };
    if utf && std::str::from_utf8(&s).is_err() {
        return Err(badarg());
    }
    if o.offset > s.len() {
        return Err(badarg());
    }
    let want = groups(&o.spec, &code, utf)?;
    // `all` and `all_but_first` stop at the last group set; named lists report every one.
    let trailing = matches!(o.spec, Spec::All | Spec::AllButFirst);
    let found = matches(&code, &s, &o, utf)?;
    if found.is_empty() {
        return Ok(atom("nomatch"));
    }
    // Nothing to report (`none`, or `all_names` without names): just `match`.
    if matches!(o.spec, Spec::None) || matches!(o.spec, Spec::AllNames) && want.is_empty() {
        return Ok(atom("match"));
    }
    let r = if o.global {
        let v = found
            .iter()
            .map(|m| captured(c, m, &want, &s, o.kind, utf, trailing))
            .collect::<Result<Vec<_>, _>>()?;
        construct::list(&mut c.heap, &v).map_err(heap_err)?
    } else {
        captured(c, &found[0], &want, &s, o.kind, utf, trailing)?
    };
    construct::tuple(&mut c.heap, &[atom("match"), r]).map_err(heap_err)
}

/// `inspect(MP, namelist)`: `{namelist, Names}`, the names as binaries in name order.
pub(super) fn inspect(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (pat, copts) = decode_pattern(a[0]).ok_or_else(badarg)?;
    if atom_name(a[1]).as_deref() != Some("namelist") {
        return Err(badarg());
    }
    let code = compile_code(&pat, &copts).map_err(|_| badarg())?;
    let mut names: Vec<Term> = Vec::new();
    for (n, _) in code.names() {
        names.push(bytes_term(c, &n, Kind::Binary, false)?);
    }
    let l = construct::list(&mut c.heap, &names).map_err(heap_err)?;
    construct::tuple(&mut c.heap, &[atom("namelist"), l]).map_err(heap_err)
}
