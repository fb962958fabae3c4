//! Stack traces as OTP 25 builds them (`save_stacktrace`/`erts_save_stacktrace`/
//! `build_stacktrace` in erts/emulator/beam/beam_common.c), from two indexes built when a
//! module is installed:
//! - code address → `{M, F, A}` and instruction: every piece of installed code (an IR
//!   segment, a template function) with its function and the code offsets of its
//!   instructions (an IR segment has one: its first instruction at offset 0);
//! - instruction → `{file, line}`: the `line` instructions of each function and the
//!   module's `Line` chunk.
//!
//! Where the exception was raised comes from the block (`ExcCode`/`ExcPos`, see
//! `beam_runtime::sched_regs::Field`); the callers' frames from the continuation pointers:
//! the `CP` at the raise (when it is not 0: the raising function has no frame yet, so
//! `CP` is its caller's return address) and every continuation pointer on the Erlang
//! stack from `E` up, consecutive duplicates dropped (OTP's `cp != prev`), at most
//! `backtrace_depth` frames in all. docs/stacktraces.md says what differs from erl.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use beam_frontend::specific::{Op, SpecificFunction, Src};
use beam_frontend::Module;
use beam_runtime::atom;
use beam_runtime::construct;
use beam_runtime::heap::HeapError;
use beam_runtime::mem;
use beam_runtime::sched_regs::Field;
use beam_runtime::term::Term;

use crate::bifs::BifHeap;
use crate::exc::Recorded;

/// OTP's default `backtrace_depth`.
pub const DEFAULT_DEPTH: u32 = 8;

/// A piece of installed code.
pub(crate) struct Piece {
    pub addr: u32,
    pub len: u32,
    /// The module's function (index) the code belongs to.
    pub func: u32,
    /// `(code offset, instruction index)`, sorted.
    pub positions: Vec<(u32, u32)>,
}

struct Range {
    end: u32,
    module: String,
    func: u32,
    positions: Vec<(u32, u32)>,
    /// IR code a function tiered up to (its template code is a separate range).
    tiered: bool,
    /// Which load of `module` the code belongs to (see [`Index::versions`]).
    version: u32,
}

struct Func {
    name: Term,
    arity: u32,
    /// `(instruction index, line item)` of each `line` instruction, in code order.
    lines: Vec<(u32, u32)>,
    /// Indexes of the function's `func_info` instructions.
    func_info: Vec<u32>,
    /// Indexes of its `X + Int`, `Int + X`, `X - Int` instructions: OTP's loader makes
    /// them `i_increment`, whose `badarith` has no `erlang:'+'/2` frame.
    increments: Vec<u32>,
    /// Calls followed by `deallocate; return` (and the instruction after each): OTP's
    /// loader makes them tail calls (`i_call_fun_last`, `apply_last`, ...), so their
    /// return addresses never show.
    tail_returns: Vec<u32>,
    /// Indexes of its tail calls.
    tail_calls: Vec<u32>,
}

struct ModInfo {
    name: Term,
    funcs: Vec<Func>,
    /// Line item → (file index, line); item 0 is "no location".
    items: Vec<(u32, u32)>,
    /// File index N ≥ 1 is `files[N-1]`; 0 is `<module>.erl`.
    files: Vec<String>,
    /// Function index → `(index, old_uniq)` of the fun (`FunT` entry) it implements.
    lambdas: rustc_hash::FxHashMap<u32, (u32, u32)>,
    /// Function index → its entry address (what `make_fun` puts in a fun).
    entries: Vec<u32>,
}

#[derive(Default)]
struct Index {
    code: BTreeMap<u32, Range>,
    modules: rustc_hash::FxHashMap<String, ModInfo>,
    /// Per module, the version of its current code: each load counts one up, and so
    /// does `erlang:delete_module/1` (its code becomes old with no current code).
    /// Code of an older version is the module's old code (check_process_code).
    versions: rustc_hash::FxHashMap<String, u32>,
}

thread_local! {
    static INDEX: RefCell<Index> = RefCell::new(Index::default());
    static DEPTH: Cell<u32> = const { Cell::new(DEFAULT_DEPTH) };
}

/// `erlang:system_flag(backtrace_depth, N)`: sets the depth, returns the old one.
pub fn set_depth(n: u32) -> u32 {
    DEPTH.with(|d| d.replace(n))
}

pub fn depth() -> u32 {
    DEPTH.with(Cell::get)
}

/// Forgets every module (a new VM on this thread: the old code is gone).
pub(crate) fn reset() {
    INDEX.with(|ix| *ix.borrow_mut() = Index::default());
    DEPTH.with(|d| d.set(DEFAULT_DEPTH));
}

/// Registers the installed code of `module`.
pub(crate) fn add_code(module: &str, pieces: Vec<Piece>) {
    add_pieces(module, pieces, false);
}

/// Registers the IR code of functions of `module` that tiered up.
pub(crate) fn add_tiered_code(module: &str, pieces: Vec<Piece>) {
    add_pieces(module, pieces, true);
}

fn add_pieces(module: &str, pieces: Vec<Piece>, tiered: bool) {
    INDEX.with(|ix| {
        let mut ix = ix.borrow_mut();
        // A module's code (cache_load adds all of it at once) is a new version; code a
        // function tiered up to belongs to the current one.
        let v = ix.versions.entry(module.to_string()).or_insert(0);
        if !tiered {
            *v += 1;
        }
        let version = *v;
        for p in pieces {
            // Code memory is never reused, so a range never overlaps an older one. Keyed
            // without the Thumb bit (see `locate`).
            let start = p.addr & !1;
            ix.code.insert(
                start,
                Range {
                    end: start.saturating_add(p.len),
                    module: module.to_string(),
                    func: p.func,
                    positions: p.positions,
                    tiered,
                    version,
                },
            );
        }
    });
}

/// What the index keeps of one function's instructions ([`module_lines`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FuncLines {
    /// The function's name (atom number in the module, 1-based) and arity.
    pub name: u32,
    pub arity: u32,
    pub lines: Vec<(u32, u32)>,
    pub func_info: Vec<u32>,
    pub increments: Vec<u32>,
    pub tail_returns: Vec<u32>,
    /// Indexes of its tail calls.
    pub tail_calls: Vec<u32>,
}

/// What the index keeps of a module's code and line table: computed from its
/// instructions ([`module_lines`]) when it is compiled, or taken from its native-code
/// cache entry (vm/src/cache_info.rs), so a warm load never decodes the code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ModLines {
    pub funcs: Vec<FuncLines>,
    /// The `Line` chunk's items `(file, line)` and file names (empty without one).
    pub items: Vec<(u32, u32)>,
    pub files: Vec<String>,
    /// `(function index, FunT index, old_uniq)` of each fun.
    pub lambdas: Vec<(u32, u32, u32)>,
}

/// The functions and line table of a decoded module, as the index keeps them.
pub(crate) fn module_lines(m: &Module, fs: &[SpecificFunction]) -> ModLines {
    let funcs = fs
        .iter()
        .map(|f| {
            let mut lines = Vec::new();
            let mut func_info = Vec::new();
            let mut increments = Vec::new();
            let mut tail_returns = Vec::new();
            let mut tail_calls = Vec::new();
            for (pos, op) in f.code.iter().enumerate() {
                if matches!(
                    op,
                    Op::Call { tail: true, .. }
                        | Op::CallExt { tail: true, .. }
                        | Op::Apply { tail: true, .. }
                ) {
                    tail_calls.push(pos as u32);
                }
                let call = matches!(
                    op,
                    Op::Call { tail: false, .. }
                        | Op::CallExt { tail: false, .. }
                        | Op::Apply { tail: false, .. }
                        | Op::CallFun { .. }
                );
                if call
                    && matches!(
                        f.code.get(pos + 1..pos + 3),
                        Some([Op::Deallocate(_), Op::Return])
                    )
                {
                    tail_returns.extend([pos as u32, pos as u32 + 1]);
                }
                match op {
                    Op::Bif { import, args, .. } if is_increment(m, *import, args) => {
                        increments.push(pos as u32)
                    }
                    // Line 0 is "no location" (and what the frontend turns receive markers
                    // into): it does not change the location.
                    Op::Line(n) if *n != 0 => lines.push((pos as u32, *n)),
                    Op::FuncInfo { .. } => func_info.push(pos as u32),
                    _ => {}
                }
            }
            FuncLines {
                name: f.name,
                arity: f.arity,
                lines,
                func_info,
                increments,
                tail_returns,
                tail_calls,
            }
        })
        .collect();
    let (items, files) = match &m.lines {
        Some(t) => (
            t.items
                .iter()
                .map(|i| (i.file, u32::try_from(i.line).unwrap_or(u32::MAX)))
                .collect(),
            t.names.clone(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let lambdas = m
        .lambdas
        .iter()
        .filter_map(|l| {
            let f = fs.iter().position(|f| f.entry == l.label)?;
            Some((f as u32, l.index, l.old_uniq))
        })
        .collect();
    ModLines {
        funcs,
        items,
        files,
        lambdas,
    }
}

/// Registers the functions and line table of a module being loaded; `atoms` are its
/// atoms as terms (atom number `n` at `n - 1`). Without `with_lines` its frames have no
/// location (erts's preloaded modules, built into the emulator without line tables).
pub(crate) fn add_module(
    name: &str,
    atoms: &[Term],
    ml: ModLines,
    with_lines: bool,
    entries: &[u32],
) {
    let atom_at = |n: u32| {
        (n as usize)
            .checked_sub(1)
            .and_then(|i| atoms.get(i))
            .copied()
            .unwrap_or(Term::NIL)
    };
    let funcs = ml
        .funcs
        .into_iter()
        .map(|f| Func {
            name: atom_at(f.name),
            arity: f.arity,
            lines: f.lines,
            func_info: f.func_info,
            increments: f.increments,
            tail_returns: f.tail_returns,
            tail_calls: f.tail_calls,
        })
        .collect();
    let (items, files) = if with_lines {
        (ml.items, ml.files)
    } else {
        (Vec::new(), Vec::new())
    };
    let info = ModInfo {
        name: atom_at(1),
        funcs,
        items,
        files,
        lambdas: ml
            .lambdas
            .into_iter()
            .map(|(f, i, u)| (f, (i, u)))
            .collect(),
        entries: entries.to_vec(),
    };
    INDEX.with(|ix| ix.borrow_mut().modules.insert(name.to_string(), info));
}

/// Whether the instruction at `p` is a tail call (`call_only`, `call_last`,
/// `call_ext_only`, `call_ext_last`, ...), or a call OTP's loader makes one.
fn is_tail_call(ix: &Index, p: &Place) -> bool {
    ix.modules
        .get(&p.module)
        .and_then(|m| m.funcs.get(p.func as usize))
        .is_some_and(|f| f.tail_calls.contains(&p.pos) || f.tail_returns.contains(&p.pos))
}

/// Whether the return address at `p` is one OTP's loader would have made a tail call.
fn is_tail_return(ix: &Index, p: &Place) -> bool {
    ix.modules
        .get(&p.module)
        .and_then(|m| m.funcs.get(p.func as usize))
        .is_some_and(|f| f.tail_returns.contains(&p.pos))
}

/// Whether `erlang:'+'/2` or `erlang:'-'/2` (import `import`) with `args` is what OTP's
/// loader turns into `i_increment`: a small integer literal added, or subtracted
/// (erl on x86-64, checked by tests/erlang/output/stacktraces.erl).
fn is_increment(m: &Module, import: u32, args: &[Src]) -> bool {
    let Some(i) = m.imports.get(import as usize) else {
        return false;
    };
    if m.atom(i.module) != "erlang" || i.arity != 2 {
        return false;
    }
    let small = |s: &Src, nonneg: bool| matches!(s, Src::Int(n) if n.unsigned_abs() < 1 << 59 && (!nonneg || *n >= 0));
    match (m.atom(i.function), args) {
        ("+", [a, b]) => small(a, false) || small(b, false),
        ("-", [_, b]) => small(b, true),
        _ => false,
    }
}

/// A place in loaded code: module, function index, instruction index.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Place {
    module: String,
    func: u32,
    pos: u32,
}

/// Whether return addresses `a` and `b` are one call site in a function's template code
/// and its tiered-up IR code (OTP, with one copy of the code, sees one return address and
/// folds the frames). A template call's return address lies in the call instruction's
/// code; an IR continuation segment starts at the instruction after the call.
fn same_site_across_tiers(ix: &Index, a: u32, b: u32) -> bool {
    let at = |x: u32| {
        let tiered = ix.code.range(..=x).next_back()?.1.tiered;
        Some((locate(ix, x)?, tiered))
    };
    let (Some((p, pt)), Some((q, qt))) = (at(a), at(b)) else {
        return false;
    };
    let (ir, template) = match (pt, qt) {
        (true, false) => (p, q),
        (false, true) => (q, p),
        _ => return false,
    };
    ir.module == template.module
        && ir.func == template.func
        && (ir.pos == template.pos || ir.pos == template.pos + 1)
}

/// The place of code address `addr`: the instruction whose code holds it.
///
/// T32 code addresses have bit 0 set in registers, export cells and funs, and clear on the
/// Erlang stack (a CP there needs primary tag 00); both name the same byte, so the bit is
/// dropped here (A32 addresses are word-aligned: no change).
fn locate(ix: &Index, addr: u32) -> Option<Place> {
    let addr = addr & !1;
    let (&start, r) = ix.code.range(..=addr).next_back()?;
    if addr >= r.end {
        return None;
    }
    let off = addr - start;
    // (Code before the first instruction's is an entry's prologue: that instruction.)
    let i = r.positions.partition_point(|&(o, _)| o <= off);
    let pos = r.positions.get(i.saturating_sub(1))?.1;
    Some(Place {
        module: r.module.clone(),
        func: r.func,
        pos,
    })
}

/// `erlang:delete_module/1`: the current code of `module` becomes old.
pub(crate) fn retire_current(module: &str) {
    INDEX.with(|ix| {
        *ix.borrow_mut()
            .versions
            .entry(module.to_string())
            .or_insert(0) += 1
    });
}

/// Whether `addr` lies in code of `module` older than its current version: what
/// `check_process_code` looks for on a process's stack.
pub(crate) fn in_old_code(module: &str, addr: u32) -> bool {
    INDEX.with(|ix| {
        let ix = ix.borrow();
        let addr = addr & !1;
        let Some((_, r)) = ix.code.range(..=addr).next_back() else {
            return false;
        };
        addr < r.end
            && r.module == module
            && ix.versions.get(module).is_some_and(|&v| r.version < v)
    })
}

/// The instruction (its index in its function) whose code holds `addr`: the `ExcPos`
/// of an exception the runtime raises at a code address it knows.
pub(crate) fn position_of(addr: u32) -> Option<u32> {
    INDEX.with(|ix| locate(&ix.borrow(), addr).map(|p| p.pos))
}

/// `(module, index, old_uniq)` of the fun whose code starts at `entry`: what OTP prints
/// as `#Fun<Module.Index.Uniq>`.
pub(crate) fn fun_identity(entry: u32) -> Option<(Term, u32, u32)> {
    if let Some(l) = crate::unloaded_fun::lambda(entry) {
        return Some((l.module, l.index, l.old_uniq));
    }
    INDEX.with(|ix| {
        let ix = ix.borrow();
        let p = locate(&ix, entry)?;
        let m = ix.modules.get(&p.module)?;
        let &(i, u) = m.lambdas.get(&p.func)?;
        Some((m.name, i, u))
    })
}

/// The name of fun number `index` of `module`'s current code: the function its `FunT`
/// entry names (`'-main/0-fun-0-'`, or `z` for `fun z/0`), as `erlang:fun_info/2`'s
/// `name` gives it.
pub(crate) fn lambda_name(module: &str, index: u32) -> Option<Term> {
    INDEX.with(|ix| {
        let ix = ix.borrow();
        let m = ix.modules.get(module)?;
        let (&f, _) = m.lambdas.iter().find(|(_, &(i, _))| i == index)?;
        m.funcs.get(f as usize).map(|f| f.name)
    })
}

/// The entry of function `func` (its index) of `module`'s current code.
pub(crate) fn function_entry(module: &str, func: u32) -> Option<u32> {
    INDEX.with(|ix| {
        ix.borrow()
            .modules
            .get(module)?
            .entries
            .get(func as usize)
            .copied()
    })
}

/// The entry of fun `index` of `module`'s current code if its `old_uniq` is `uniq`
/// (decoding a local fun from the external format).
pub(crate) fn lambda_entry(module: &str, index: u32, uniq: u32) -> Option<u32> {
    INDEX.with(|ix| {
        let ix = ix.borrow();
        let m = ix.modules.get(module)?;
        let (&f, _) = m.lambdas.iter().find(|(_, &l)| l == (index, uniq))?;
        m.entries.get(f as usize).copied()
    })
}

/// `{M, F, ArityOrArgs, Location}` of `place`; `extra` is added after the location.
fn frame(
    h: &mut BifHeap,
    ix: &Index,
    place: &Place,
    args: Option<Term>,
    extra: Option<Term>,
) -> Result<Option<Term>, HeapError> {
    let Some(m) = ix.modules.get(&place.module) else {
        return Ok(None);
    };
    let Some(f) = m.funcs.get(place.func as usize) else {
        return Ok(None);
    };
    let mut loc = Vec::new();
    // The last `line` before the instruction (OTP: before the address).
    let i = f.lines.partition_point(|&(p, _)| p < place.pos);
    let item = i
        .checked_sub(1)
        .and_then(|i| f.lines.get(i))
        .and_then(|&(_, n)| m.items.get(n as usize));
    if let Some(&(file, line)) = item {
        let name = match file.checked_sub(1) {
            None => format!("{}.erl", place.module),
            Some(k) => m.files.get(k as usize).cloned().unwrap_or_default(),
        };
        let chars: Vec<Term> = name
            .chars()
            .map(|c| Term::small(i64::from(u32::from(c))).unwrap_or(Term::NIL))
            .collect();
        let file = construct::list(h, &chars)?;
        loc.push(construct::tuple(h, &[atom("file"), file])?);
        let line = Term::small(i64::from(line)).unwrap_or(Term::NIL);
        loc.push(construct::tuple(h, &[atom("line"), line])?);
    }
    loc.extend(extra);
    let loc = construct::list(h, &loc)?;
    let third = args.unwrap_or_else(|| Term::small(i64::from(f.arity)).unwrap_or(Term::NIL));
    Ok(Some(construct::tuple(h, &[m.name, f.name, third, loc])?))
}

fn atom(name: &str) -> Term {
    atom::intern(name).expect("short atom")
}

/// What the runtime knows about the exception being handled on block `s`.
pub(crate) struct Raised<'a> {
    pub s: u32,
    /// The frame the runtime recorded (BIF, undef, error/2 arguments, a given trace).
    pub recorded: Option<Recorded>,
    /// x0.. (the arguments of a `function_clause`).
    pub x: &'a dyn Fn(u32) -> Term,
    /// The Erlang stack: `E` and the word past its start.
    pub e: u32,
    pub stack_end: u32,
}

/// The stack trace of the exception on block `s`, as a list built in `h`.
pub(crate) fn build(h: &mut BifHeap, r: &Raised<'_>) -> Result<Term, HeapError> {
    if let Some(Recorded::Given(t)) = r.recorded {
        return Ok(t);
    }
    INDEX.with(|ix| build_in(h, &ix.borrow(), r))
}

fn build_in(h: &mut BifHeap, ix: &Index, r: &Raised<'_>) -> Result<Term, HeapError> {
    let depth = depth() as usize;
    let field = |f: Field| crate::rt::field(r.s, f);
    let (code, pos) = (field(Field::ExcCode), field(Field::ExcPos));
    // Where it raised: an IR segment names itself and the instruction; template code
    // leaves the return address of the runtime call that raised (the call is the word
    // before it).
    let site = if code == 0 {
        None
    } else if pos != u32::MAX {
        locate(ix, code).map(|p| Place { pos, ..p })
    } else {
        locate(ix, code.wrapping_sub(4))
    };
    // An `i_increment` in OTP raises without the BIF's frame.
    let increment = site.as_ref().is_some_and(|p| {
        ix.modules
            .get(&p.module)
            .and_then(|m| m.funcs.get(p.func as usize))
            .is_some_and(|f| f.increments.contains(&p.pos))
    });
    let recorded = match r.recorded {
        Some(Recorded::Bif { .. }) if increment => None,
        other => other,
    };
    let mut frames: Vec<Term> = Vec::new();
    // Frames counted against the depth, whether or not they can be shown (OTP counts
    // every unique return address before it looks them up).
    let mut counted = 0usize;
    if depth == 0 {
        return Ok(Term::NIL);
    }
    match &recorded {
        Some(Recorded::Undef(top)) => {
            frames.push(*top);
            counted += 1;
        }
        Some(Recorded::Bif {
            frame: top,
            stand_in,
        }) => {
            frames.push(*top);
            counted += 1;
            // An Erlang function of OTP's that a BIF stands in for, reached by a tail
            // call: its caller's frame is gone in erl.
            let tail = *stand_in && site.as_ref().is_some_and(|p| is_tail_call(ix, p));
            if counted < depth && !tail {
                counted += 1;
                if let Some(p) = &site {
                    frames.extend(frame(h, ix, p, None, None)?);
                }
            }
        }
        Some(Recorded::Args(args, info)) => {
            counted += 1;
            if let Some(p) = &site {
                frames.extend(frame(h, ix, p, Some(*args), *info)?);
            }
        }
        Some(Recorded::Given(_)) | None => {
            counted += 1;
            if let Some(p) = &site {
                let clause = ix
                    .modules
                    .get(&p.module)
                    .and_then(|m| m.funcs.get(p.func as usize))
                    .filter(|f| f.func_info.contains(&p.pos));
                let args = match clause {
                    Some(f) => {
                        let xs: Vec<Term> = (0..f.arity).map(|i| (r.x)(i)).collect();
                        Some(construct::list(h, &xs)?)
                    }
                    None => None,
                };
                frames.extend(frame(h, ix, p, args, None)?);
            }
        }
    }
    // The callers: CP when the raising code had no frame, then the stack; consecutive
    // duplicates once (a recursion's frames fold into one).
    let room = depth.saturating_sub(counted);
    let mut cps: Vec<u32> = Vec::new();
    let add = |cps: &mut Vec<u32>, c: u32| {
        // A return point OTP has no frame for (a call its loader made a tail call).
        if locate(ix, c).is_some_and(|p| is_tail_return(ix, &p)) {
            return;
        }
        // The Thumb bit (see `locate`): a CP from the block and the same one from the
        // stack are one frame.
        let c = c & !1;
        let same = cps
            .last()
            .is_some_and(|&l| l == c || same_site_across_tiers(ix, l, c));
        if !same {
            cps.push(c);
        }
    };
    let cp = field(Field::Cp);
    if cp != 0 {
        add(&mut cps, cp);
    }
    let mut at = r.e;
    while at < r.stack_end && cps.len() <= room {
        let w = mem::read(at).unwrap_or(1);
        if w != 0 && Term(w).is_cp() {
            add(&mut cps, w);
        }
        at += 4;
    }
    for &c in cps.iter().take(room) {
        if let Some(p) = locate(ix, c) {
            frames.extend(frame(h, ix, &p, None, None)?);
        }
    }
    construct::list(h, &frames)
}

/// The return address of the BIF call the running process is in, if known: its LR at
/// the call, which vm/src/native.rs's `rt_bif` shim and the simulator's redirect store
/// in the block's `BifSite` field (`s`: the block's x0 address). A BIF reached
/// otherwise (`apply`) finds 0 there: `rt::apply` clears it.
pub(crate) fn bif_site(s: u32) -> Option<u32> {
    Some(crate::rt::field(
        s,
        beam_runtime::sched_regs::Field::BifSite,
    ))
    .filter(|&a| a != 0)
}

/// Which of `process_info`'s code items.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Current {
    /// `{M, F, A}`
    Function,
    /// `{M, F, A, Location}`
    Location,
    /// The frames from there up the stack.
    Stacktrace,
}

/// Where a process is, for `process_info(P, current_function | current_location |
/// current_stacktrace)`: `at` is the code address it runs or will resume at (`call`:
/// `at` is the return address of the BIF call it is in, so the call is just before
/// it); its callers come from `cp` (when not 0) and the continuation pointers on its
/// stack from `e` up to `stack_end`, as in a stack trace. `None`: `at` is no code this
/// VM loaded.
pub(crate) fn current(
    h: &mut BifHeap,
    what: Current,
    at: u32,
    call: bool,
    (cp, e, stack_end): (u32, u32, u32),
) -> Result<Option<Term>, HeapError> {
    INDEX.with(|ix| {
        let ix = ix.borrow();
        // (A call's return address, less 2, lies inside the call in A32 and T32 code.)
        let addr = if call { (at & !1).wrapping_sub(2) } else { at };
        let Some(place) = locate(&ix, addr) else {
            return Ok(None);
        };
        let Some(top) = frame(h, &ix, &place, None, None)? else {
            return Ok(None);
        };
        match what {
            Current::Location => return Ok(Some(top)),
            Current::Function => {
                let v = construct::tuple_elements(top).unwrap_or_default();
                return Ok(Some(construct::tuple(h, &v[..3.min(v.len())])?));
            }
            Current::Stacktrace => {}
        }
        let depth = depth() as usize;
        let mut cps: Vec<u32> = Vec::new();
        let add = |cps: &mut Vec<u32>, c: u32| {
            if locate(&ix, c).is_some_and(|p| is_tail_return(&ix, &p)) {
                return;
            }
            let c = c & !1;
            if !cps
                .last()
                .is_some_and(|&l| l == c || same_site_across_tiers(&ix, l, c))
            {
                cps.push(c);
            }
        };
        if cp != 0 {
            add(&mut cps, cp);
        }
        let mut w = e;
        while w < stack_end && cps.len() < depth {
            let t = mem::read(w).unwrap_or(1);
            if t != 0 && Term(t).is_cp() {
                add(&mut cps, t);
            }
            w += 4;
        }
        let mut frames = vec![top];
        for &c in cps.iter().take(depth.saturating_sub(1)) {
            if let Some(p) = locate(&ix, c) {
                frames.extend(frame(h, &ix, &p, None, None)?);
            }
        }
        Ok(Some(construct::list(h, &frames)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Index {
        let mut ix = Index::default();
        ix.code.insert(
            0x1000,
            Range {
                end: 0x1100,
                module: "m".into(),
                func: 2,
                positions: vec![(0, 3), (0, 4), (16, 7), (40, 9)],
                tiered: false,
                version: 1,
            },
        );
        ix
    }

    #[test]
    fn older_loads_of_a_module_are_its_old_code() {
        reset();
        let piece = |addr| Piece {
            addr,
            len: 0x10,
            func: 0,
            positions: vec![(0, 0)],
        };
        add_code("m", vec![piece(0x1000)]);
        assert!(!in_old_code("m", 0x1004));
        add_code("m", vec![piece(0x2000)]);
        assert!(in_old_code("m", 0x1004));
        assert!(!in_old_code("m", 0x2004));
        assert!(!in_old_code("other", 0x1004));
        assert!(!in_old_code("m", 0x1010));
        // Code a function tiered up to belongs to the current load.
        add_tiered_code("m", vec![piece(0x3000)]);
        assert!(!in_old_code("m", 0x3004));
        // delete_module: the current code becomes old.
        retire_current("m");
        assert!(in_old_code("m", 0x2004) && in_old_code("m", 0x3005));
        reset();
    }

    #[test]
    fn addresses_map_to_the_instruction_whose_code_holds_them() {
        let mut ix = index();
        let at = |a: u32| locate(&ix, a).map(|p| p.pos);
        assert_eq!(at(0x1000), Some(4));
        assert_eq!(at(0x100f), Some(4));
        assert_eq!(at(0x1010), Some(7));
        assert_eq!(at(0x10ff), Some(9));
        assert_eq!(at(0x1100), None);
        assert_eq!(at(0xfff), None);
        // An entry's prologue, before the first instruction's code: that instruction.
        ix.code.get_mut(&0x1000).unwrap().positions = vec![(8, 3), (16, 7)];
        assert_eq!(locate(&ix, 0x1000).map(|p| p.pos), Some(3));
        assert_eq!(locate(&ix, 0x1008).map(|p| p.pos), Some(3));
    }
}
