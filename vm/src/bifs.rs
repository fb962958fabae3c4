//! Built-in functions of module `erlang` that compiled code calls through `rt_bif`.
//!
//! A BIF allocates its result in heap fragments ([`BifHeap`]) that are attached to the
//! process heap afterwards, as BEAM's BIFs do, so a BIF never has to collect garbage.
//! Errors are raised with the reason `erl` gives (`badarg`, `badarith`).

use std::cmp::Ordering;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use beam_runtime::bignum::{self, IntOp};
use beam_runtime::heap::{Alloc, Fragment, Heap, HeapError, Lent};
use beam_runtime::ops::{self, view::Num};
use beam_runtime::scheduler::Ctx;
use beam_runtime::term::Term;
use beam_runtime::{atom, construct};
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

/// How a BIF did not return a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Raise {
    /// An `error` exception with this reason.
    Error(Term),
    /// `erlang:halt/1,2`: the VM stops with this status.
    Halt(u32),
    /// An exception of any class (`throw`, `exit`, `error`, `erlang:raise/3`).
    Exception { class: Term, reason: Term },
    /// An `error` exception with reason `{Tag, Value}` (`badmap`, `badkey`; the tuple is
    /// built by the caller, on the process heap).
    Tagged(Term, Term),
    /// `erlang:hibernate/3` with good arguments: not an exception, but like `Halt` a way
    /// out of the running code, which the caller takes (vm/src/hibernate.rs).
    Hibernate,
    /// An `error` exception with this reason whose `error_info` map also has this
    /// `cause` (erl's hint to erl_erts_errors/erl_stdlib_errors: `id` for a missing ETS
    /// table, `time` for a bad timer time, ...).
    Cause(Term, &'static str),
}

/// `badarg` with `cause => Cause` in its `error_info`.
pub(crate) fn badarg_cause(cause: &'static str) -> Raise {
    Raise::Cause(atom("badarg"), cause)
}

/// Allocation for BIF results: first the free end of the process heap's last fragment
/// when `rt::bif` lent it (`lent`: bump allocation, settled back by the caller), then
/// fragments of its own, attached to the process heap by the caller. A BIF never
/// collects garbage (its arguments are not roots the collector sees), so the fragments
/// may stay detached while it runs.
pub struct BifHeap {
    lent: Option<Lent>,
    /// Where the lent range is used up to.
    lent_top: u32,
    /// Refc binaries made in the lent range.
    lent_off_heap: LentOffHeap,
    pub frags: Vec<Fragment>,
    /// The least size of a new fragment, in words.
    min_frag: u32,
}

impl Default for BifHeap {
    /// A heap of its own fragments only (no lent range), 256 words at least each.
    fn default() -> BifHeap {
        BifHeap::continuing(None)
    }
}

impl BifHeap {
    /// Results go first into `lent` (the process's last fragment's free end) while it
    /// has room.
    pub fn continuing(lent: Option<Lent>) -> BifHeap {
        BifHeap {
            lent,
            lent_top: lent.map_or(0, |l| l.top),
            lent_off_heap: LentOffHeap::default(),
            frags: Vec::new(),
            min_frag: 256,
        }
    }

    /// New fragments of at least `words` words (`Heap::next_fragment_words` of the
    /// process heap the result goes to).
    pub fn with_fragment_size(mut self, words: u32) -> BifHeap {
        self.min_frag = words.max(1);
        self
    }

    /// Gives the lent range back to `heap` (what was used of it, with its refc binaries)
    /// and attaches this heap's own fragments: everything the BIF built is then the
    /// process's.
    ///
    /// In place (`&mut self`, the heap is left empty): `rt::bif` settles the heap inside
    /// its `BifCx` without moving the struct out first, a copy of 11 words per BIF call.
    #[inline]
    pub fn settle(&mut self, heap: &mut Heap) {
        if let Some(l) = self.lent.take() {
            heap.settle_lent(l, self.lent_top, &mut self.lent_off_heap.0);
        }
        // Most BIF results fit the lent range: nothing to move or free then (every BIF
        // call comes through here).
        if !self.frags.is_empty() {
            for f in self.frags.drain(..) {
                heap.attach(f);
            }
        }
    }

    /// Whether dropping this heap would do nothing (settled, and no vector of its own
    /// was ever allocated): `rt::bif` then skips the drop.
    #[inline]
    pub fn is_spent(&self) -> bool {
        self.lent.is_none() && self.frags.capacity() == 0 && self.lent_off_heap.0.capacity() == 0
    }
}

impl Alloc for BifHeap {
    fn alloc(&mut self, words: u32) -> Result<u32, HeapError> {
        if let Some(f) = self.frags.last_mut() {
            if let Ok(p) = f.alloc(words) {
                return Ok(p);
            }
        } else if let Some(l) = self.lent {
            if words <= (l.end - self.lent_top) / 4 {
                let p = self.lent_top;
                self.lent_top += words * 4;
                return Ok(p);
            }
        }
        let mut f = Fragment::new(words.max(self.min_frag))?;
        let p = f.alloc(words)?;
        self.frags.push(f);
        Ok(p)
    }
    fn add_off_heap(&mut self, procbin: u32) {
        // Allocation moves from the lent range to own fragments, never back.
        if let Some(f) = self.frags.last_mut() {
            f.add_off_heap(procbin);
        } else if self.lent.is_some() {
            self.lent_off_heap.0.push(procbin);
        }
    }
}

/// The refc binaries made in a lent range, until [`BifHeap::settle`] hands them to the
/// fragment's list.
#[derive(Default)]
struct LentOffHeap(Vec<u32>);

impl Drop for LentOffHeap {
    fn drop(&mut self) {
        // Not settled (a scratch heap swapped out by its BIF): the lent range stays
        // counted as used by its fragment, which is harmless; its refc binaries are
        // released here as a dropped fragment's are.
        for &pb in &self.0 {
            // SAFETY: each entry is a ProcBin made in the lent range and recorded once;
            // nothing settled it into a fragment's list, so this is its only release.
            unsafe { beam_runtime::binary::release_procbin(pb) };
        }
    }
}

/// What a BIF sees: an allocator for its result and the calling process (`proc`, for
/// the BIFs that spawn, send or read the process; `None` outside a time slice).
pub struct BifCx<'a> {
    pub heap: BifHeap,
    pub self_pid: Term,
    pub proc: Option<&'a mut Ctx<'static>>,
}

pub(crate) type BifFn = fn(&mut BifCx<'_>, &[Term]) -> Result<Term, Raise>;

/// One BIF: `erlang:name/arity`.
pub struct Bif {
    pub name: &'static str,
    pub arity: u32,
    pub f: BifFn,
}

pub(crate) fn atom(name: &str) -> Term {
    atom::intern(name).expect("predefined-size atom")
}

pub(crate) fn error(reason: &str) -> Raise {
    Raise::Error(atom(reason))
}

pub(crate) fn boolean(b: bool) -> Term {
    // Predefined atoms: no interning (a global lock and a SipHash) per BIF result.
    if b {
        atom::TRUE
    } else {
        atom::FALSE
    }
}

pub(crate) fn heap_err(_: HeapError) -> Raise {
    error("system_limit")
}

/// The BIF table. The index of an entry is its runtime number.
pub static BIFS: &[Bif] = &[
    Bif {
        name: "halt",
        arity: 0,
        f: |_, _| Err(Raise::Halt(0)),
    },
    Bif {
        name: "halt",
        arity: 1,
        f: |_, a| halt(a[0]),
    },
    Bif {
        name: "halt",
        arity: 2,
        f: |_, a| halt(a[0]),
    },
    Bif {
        name: "+",
        arity: 2,
        f: |c, a| arith(c, '+', a[0], a[1]),
    },
    Bif {
        name: "-",
        arity: 2,
        f: |c, a| arith(c, '-', a[0], a[1]),
    },
    Bif {
        name: "*",
        arity: 2,
        f: |c, a| arith(c, '*', a[0], a[1]),
    },
    Bif {
        name: "div",
        arity: 2,
        f: |c, a| int_arith(c, IntOp::Div, a[0], a[1]),
    },
    Bif {
        name: "rem",
        arity: 2,
        f: |c, a| int_arith(c, IntOp::Rem, a[0], a[1]),
    },
    Bif {
        name: "-",
        arity: 1,
        f: neg,
    },
    Bif {
        name: "+",
        arity: 1,
        f: |_, a| number(a[0]).map(|_| a[0]),
    },
    Bif {
        name: "abs",
        arity: 1,
        f: abs,
    },
    Bif {
        name: "band",
        arity: 2,
        f: |c, a| bits(c, "band", a[0], a[1]),
    },
    Bif {
        name: "bor",
        arity: 2,
        f: |c, a| bits(c, "bor", a[0], a[1]),
    },
    Bif {
        name: "bxor",
        arity: 2,
        f: |c, a| bits(c, "bxor", a[0], a[1]),
    },
    Bif {
        name: "bsl",
        arity: 2,
        f: |c, a| bits(c, "bsl", a[0], a[1]),
    },
    Bif {
        name: "bsr",
        arity: 2,
        f: |c, a| bits(c, "bsr", a[0], a[1]),
    },
    Bif {
        name: "bnot",
        arity: 1,
        f: |c, a| bits(c, "bxor", a[0], Term::small(-1).expect("-1")),
    },
    Bif {
        name: "==",
        arity: 2,
        f: |_, a| cmp(a, |o| o == Ordering::Equal, false),
    },
    Bif {
        name: "/=",
        arity: 2,
        f: |_, a| cmp(a, |o| o != Ordering::Equal, false),
    },
    Bif {
        name: "=:=",
        arity: 2,
        f: |_, a| cmp(a, |o| o == Ordering::Equal, true),
    },
    Bif {
        name: "=/=",
        arity: 2,
        f: |_, a| cmp(a, |o| o != Ordering::Equal, true),
    },
    Bif {
        name: "<",
        arity: 2,
        f: |_, a| cmp(a, |o| o == Ordering::Less, false),
    },
    Bif {
        name: ">",
        arity: 2,
        f: |_, a| cmp(a, |o| o == Ordering::Greater, false),
    },
    Bif {
        name: "=<",
        arity: 2,
        f: |_, a| cmp(a, |o| o != Ordering::Greater, false),
    },
    Bif {
        name: ">=",
        arity: 2,
        f: |_, a| cmp(a, |o| o != Ordering::Less, false),
    },
    Bif {
        name: "max",
        arity: 2,
        f: |_, a| order(a).map(|o| if o == Ordering::Less { a[1] } else { a[0] }),
    },
    Bif {
        name: "min",
        arity: 2,
        f: |_, a| order(a).map(|o| if o == Ordering::Greater { a[1] } else { a[0] }),
    },
    Bif {
        name: "element",
        arity: 2,
        f: element,
    },
    Bif {
        name: "setelement",
        arity: 3,
        f: setelement,
    },
    Bif {
        name: "tuple_size",
        arity: 1,
        f: |_, a| {
            construct::tuple_arity(a[0])
                .map(|n| small(n as i64))
                .ok_or_else(|| error("badarg"))
        },
    },
    Bif {
        name: "size",
        arity: 1,
        // A tuple's arity, or a bitstring's whole bytes (`size(<<1:9>>)` is 1).
        f: |_, a| match construct::tuple_arity(a[0]) {
            Some(n) => Ok(small(i64::from(n))),
            None => beam_runtime::ops::view::bits(a[0])
                .map(|b| small((b.bits / 8) as i64))
                .map_err(|_| error("badarg")),
        },
    },
    Bif {
        name: "hd",
        arity: 1,
        f: |_, a| construct::head(a[0]).ok_or_else(|| error("badarg")),
    },
    Bif {
        name: "tl",
        arity: 1,
        f: |_, a| construct::tail(a[0]).ok_or_else(|| error("badarg")),
    },
    Bif {
        name: "length",
        arity: 1,
        f: length,
    },
    Bif {
        name: "++",
        arity: 2,
        f: append,
    },
    Bif {
        name: "not",
        arity: 1,
        f: |_, a| truth(a[0]).map(|b| boolean(!b)),
    },
    Bif {
        name: "and",
        arity: 2,
        f: |_, a| Ok(boolean(truth(a[0])? & truth(a[1])?)),
    },
    Bif {
        name: "or",
        arity: 2,
        f: |_, a| Ok(boolean(truth(a[0])? | truth(a[1])?)),
    },
    Bif {
        name: "xor",
        arity: 2,
        f: |_, a| Ok(boolean(truth(a[0])? ^ truth(a[1])?)),
    },
    Bif {
        name: "is_integer",
        arity: 1,
        f: |_, a| {
            Ok(boolean(matches!(
                number(a[0]),
                Ok(Num::Int(_) | Num::Big(_))
            )))
        },
    },
    Bif {
        name: "is_float",
        arity: 1,
        f: |_, a| Ok(boolean(matches!(number(a[0]), Ok(Num::Float(_))))),
    },
    Bif {
        name: "is_number",
        arity: 1,
        f: |_, a| Ok(boolean(number(a[0]).is_ok())),
    },
    Bif {
        name: "is_atom",
        arity: 1,
        f: |_, a| Ok(boolean(a[0].is_atom())),
    },
    Bif {
        name: "is_list",
        arity: 1,
        f: |_, a| Ok(boolean(a[0] == Term::NIL || a[0].is_list())),
    },
    Bif {
        name: "is_tuple",
        arity: 1,
        f: |_, a| Ok(boolean(construct::tuple_arity(a[0]).is_some())),
    },
    Bif {
        name: "is_boolean",
        arity: 1,
        f: |_, a| Ok(boolean(truth(a[0]).is_ok())),
    },
    Bif {
        name: "self",
        arity: 0,
        f: |c, _| Ok(c.self_pid),
    },
    Bif {
        name: "display",
        arity: 1,
        f: display,
    },
    Bif {
        name: "get_module_info",
        arity: 1,
        f: crate::bifs_modinfo::get_module_info1,
    },
    Bif {
        name: "get_module_info",
        arity: 2,
        f: crate::bifs_modinfo::get_module_info2,
    },
];

/// BIFs of module `lists` (OTP implements these in C: erl_bif_lists.c).
pub static LISTS_BIFS: &[Bif] = &[
    Bif {
        name: "reverse",
        arity: 2,
        f: reverse,
    },
    Bif {
        name: "member",
        arity: 2,
        f: member,
    },
    Bif {
        name: "keyfind",
        arity: 3,
        f: |_, a| keyfind(a).map(|t| t.unwrap_or(beam_runtime::atom::FALSE)),
    },
    Bif {
        name: "keymember",
        arity: 3,
        f: |_, a| keyfind(a).map(|t| boolean(t.is_some())),
    },
];

/// Every BIF table with its module, in runtime-number order: a BIF's number is its
/// index in the concatenation.
pub fn tables() -> [(&'static str, &'static [Bif]); 56] {
    [
        ("erlang", BIFS),
        ("lists", LISTS_BIFS),
        ("erlang", crate::bifs_more::ERLANG),
        ("maps", crate::bifs_more::MAPS),
        ("math", crate::bifs_more::MATH),
        ("erts_internal", crate::bifs_more::ERTS_INTERNAL),
        ("erlang", crate::bifs_proc::ERLANG),
        ("io", crate::bifs_io::IO),
        ("io_lib", crate::bifs_io::IO_LIB),
        ("erlang", crate::bifs_bin::ERLANG),
        ("binary", crate::bifs_bin::BINARY),
        ("unicode", crate::bifs_unicode::UNICODE),
        ("string", crate::bifs_string::STRING),
        ("re", crate::bifs_re::RE),
        ("ets", crate::bifs_ets::ETS),
        ("ets", crate::bifs_ets_select::ETS),
        ("erlang", crate::bifs_ets_select::ERLANG),
        ("persistent_term", crate::bifs_globals::PERSISTENT_TERM),
        ("atomics", crate::bifs_globals::ATOMICS),
        ("counters", crate::bifs_globals::COUNTERS),
        ("erlang", crate::bifs_misc::ERLANG),
        ("os", crate::bifs_misc::OS),
        ("erlang", crate::bifs_spawn::ERLANG),
        ("erlang", crate::bifs_info::ERLANG),
        ("erlang", crate::bifs_spawn::ALIAS),
        ("erlang", crate::bifs_timer::ERLANG),
        ("lists", crate::bifs_info::LISTS),
        ("crypto", crate::bifs_crypto::CRYPTO),
        ("erlang", crate::bifs_proc_extra::ERLANG),
        ("prim_file", crate::bifs_file::PRIM_FILE),
        ("file", crate::bifs_file::FILE),
        ("logger", crate::bifs_logger::LOGGER),
        ("logger", crate::bifs_logger::LOGGER_LEVELS),
        ("net_kernel", crate::bifs_modinfo::NET_KERNEL),
        ("init", crate::bifs_modinfo::INIT),
        ("math", crate::bifs_erlang_extra::MATH),
        ("math", crate::bifs_erlang_extra::MATH2),
        ("erlang", crate::bifs_erlang_extra::ERLANG),
        ("erts_debug", crate::bifs_erlang_extra::ERTS_DEBUG),
        ("init", crate::bifs_init::INIT_BOOT),
        ("code", crate::bifs_code::CODE),
        ("os", crate::bifs_os_cmd::OS),
        ("io", crate::bifs_io_input::IO),
        ("zlib", crate::bifs_zlib::ZLIB),
        ("application", crate::bifs_application::APPLICATION),
        ("erlang", crate::hibernate::ERLANG),
        ("crypto", crate::bifs_crypto_cipher::CRYPTO_CIPHER),
        ("crypto", crate::bifs_crypto_mac::CRYPTO_MAC),
        ("erlang", crate::bifs_port::ERLANG),
        ("erlang", crate::bifs_loading::ERLANG),
        ("erts_internal", crate::bifs_loading::ERTS_INTERNAL),
        (
            "erts_internal",
            crate::bifs_erts_internal_boot::ERTS_INTERNAL,
        ),
        ("io", crate::bifs_erts_internal_boot::IO),
        ("erlang", crate::bifs_code_purge::ERLANG),
        ("erts_internal", crate::bifs_code_purge::ERTS_INTERNAL),
        ("erlang", crate::bifs_packet::ERLANG),
    ]
}

/// The runtime number of `module:name/arity`, if it is a BIF here.
pub fn lookup(module: &str, name: &str, arity: u32) -> Option<u32> {
    let funs = by_module().get(module)?;
    let at = funs
        .binary_search_by(|&(n, a, _)| (n, a).cmp(&(name, arity)))
        .ok()?;
    // Under the real boot a stand-in for OTP's Erlang code is no BIF.
    if !crate::otp_boot::bif_in_force(module, name, arity) {
        return None;
    }
    Some(funs[at].2)
}

type BifIndex = FxHashMap<&'static str, Vec<(&'static str, u32, u32)>>;

/// Each module's BIFs as `(name, arity, number)` sorted by name and arity, the first
/// table's entry where two tables have one (as the tables are searched in order): the
/// loader asks [`lookup`] for every function a module imports or exports, which was a
/// walk of all the tables with string compares each time (2% of the real boot).
fn by_module() -> &'static BifIndex {
    static INDEX: OnceLock<BifIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut ix = BifIndex::default();
        let mut base = 0u32;
        for (m, table) in tables() {
            let funs = ix.entry(m).or_default();
            for (i, b) in table.iter().enumerate() {
                funs.push((b.name, b.arity, base + i as u32));
            }
            base += table.len() as u32;
        }
        for funs in ix.values_mut() {
            // Stable: of equal (name, arity) the earlier table's entry stays first.
            funs.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
            funs.dedup_by(|later, first| (later.0, later.1) == (first.0, first.1));
        }
        ix
    })
}

/// The BIF with runtime number `id`: one index into the concatenated tables (built once),
/// since every BIF call from compiled code comes through here.
pub fn get(id: u32) -> Option<&'static Bif> {
    get_with_int_op(id).map(|(b, _)| b)
}

/// [`get`] with the BIF's integer fast path (`rt_arith::IntOp`): `erlang:'+'/2`, `'-'/2`,
/// `'*'/2`, `rem/2` and `div/2` are marked in the same table, so `rt::bif` finds both with one lookup
/// (it used to compare the number with three others, behind a second `OnceLock`, on
/// every call).
#[inline]
pub(crate) fn get_with_int_op(id: u32) -> Option<(&'static Bif, Option<crate::rt_arith::IntOp>)> {
    type Flat = Vec<(&'static Bif, Option<crate::rt_arith::IntOp>)>;
    static FLAT: std::sync::OnceLock<Flat> = std::sync::OnceLock::new();
    FLAT.get_or_init(|| {
        tables()
            .into_iter()
            .flat_map(|(m, t)| t.iter().map(move |b| (m, b)))
            .map(|(m, b)| (b, crate::rt_arith::IntOp::of(m, b.name, b.arity)))
            .collect()
    })
    .get(id as usize)
    .copied()
}

/// Every BIF as `(module, name, arity, number)`.
pub fn all() -> Vec<(&'static str, &'static str, u32, u32)> {
    let mut v = Vec::new();
    let mut n = 0;
    for (m, table) in tables() {
        for b in table {
            v.push((m, b.name, b.arity, n));
            n += 1;
        }
    }
    v
}

pub(crate) fn small(n: i64) -> Term {
    Term::small(n).expect("count fits a small")
}

fn halt(status: Term) -> Result<Term, Raise> {
    match status.small_value() {
        Some(n) if n >= 0 => Ok(n as u32),
        _ if status == atom("abort") => Ok(1),
        // A string: erl writes it as a crash-dump slogan and exits with status 1.
        _ if status.is_list() => Ok(1),
        _ => Err(error("badarg")),
    }
    .and_then(|n| Err(Raise::Halt(n)))
}

pub(crate) fn number(t: Term) -> Result<Num, Raise> {
    ops::view::number(t).map_err(|_| error("badarith"))
}

/// An integer term on `heap` (a small, else a bignum).
pub(crate) fn int_term_heap(heap: &mut BifHeap, v: &BigInt) -> Result<Term, Raise> {
    match v.to_i64().and_then(Term::small) {
        Some(t) => Ok(t),
        None => bignum::integer(heap, v).map_err(heap_err),
    }
}

pub(crate) fn int_term(c: &mut BifCx<'_>, v: &BigInt) -> Result<Term, Raise> {
    match v.to_i64().and_then(Term::small) {
        Some(t) => Ok(t),
        None => bignum::integer(&mut c.heap, v).map_err(heap_err),
    }
}

pub(crate) fn big(n: &Num) -> Option<BigInt> {
    match n {
        Num::Int(i) => Some(BigInt::from(*i)),
        Num::Big(b) => Some(b.clone()),
        Num::Float(_) => None,
    }
}

pub(crate) fn float_of(n: &Num) -> f64 {
    match n {
        Num::Int(i) => *i as f64,
        Num::Big(b) => beam_runtime::bignum::to_f64_as_otp(b),
        Num::Float(f) => *f,
    }
}

fn arith(c: &mut BifCx<'_>, op: char, x: Term, y: Term) -> Result<Term, Raise> {
    if bignum::to_i64(x).is_some() && bignum::to_i64(y).is_some() {
        let op = match op {
            '+' => IntOp::Add,
            '-' => IntOp::Sub,
            _ => IntOp::Mul,
        };
        return int_arith(c, op, x, y);
    }
    let (a, b) = (number(x)?, number(y)?);
    if let (Some(a), Some(b)) = (big(&a), big(&b)) {
        let r = match op {
            '+' => a + b,
            '-' => a - b,
            _ => a * b,
        };
        return int_term(c, &r);
    }
    let (a, b) = (float_of(&a), float_of(&b));
    let r = match op {
        '+' => a + b,
        '-' => a - b,
        _ => a * b,
    };
    if !r.is_finite() {
        return Err(error("badarith"));
    }
    construct::float(&mut c.heap, r).map_err(heap_err)
}

fn int_arith(c: &mut BifCx<'_>, op: IntOp, x: Term, y: Term) -> Result<Term, Raise> {
    bignum::arith(&mut c.heap, op, x, y).map_err(|_| error("badarith"))
}

/// `-X`: erl negates a float (so -(0.0) is -0.0 and -(-0.0) is 0.0, where `0 - X`
/// would give 0.0 for both) and subtracts an integer from 0.
fn neg(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match number(a[0])? {
        Num::Float(f) => construct::float(&mut c.heap, -f).map_err(heap_err),
        _ => arith(c, '-', Term::small(0).expect("0"), a[0]),
    }
}

fn abs(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match ops::view::number(a[0]).map_err(|_| error("badarg"))? {
        // erl negates only values below zero, so abs(-0.0) stays -0.0 (f64::abs clears the sign).
        Num::Float(f) => {
            let r = if f < 0.0 { -f } else { f };
            construct::float(&mut c.heap, r).map_err(heap_err)
        }
        n => int_term(c, &big(&n).expect("integer").abs()),
    }
}

fn bits(c: &mut BifCx<'_>, op: &str, x: Term, y: Term) -> Result<Term, Raise> {
    // Operands that fit in 64 bits (the usual `N band 255`): no num-bigint values.
    if let (Some(a), Some(b)) = (bignum::to_i64(x), bignum::to_i64(y)) {
        let r = match op {
            "band" => Some((a & b) as i128),
            "bor" => Some((a | b) as i128),
            "bxor" => Some((a ^ b) as i128),
            // Shifts by 0..63 stay within 128 bits; others take the general path.
            "bsl" if (0..64).contains(&b) => Some((a as i128) << b),
            "bsr" if (0..64).contains(&b) => Some((a >> b) as i128),
            _ => None,
        };
        if let Some(r) = r {
            return bignum::from_i128(&mut c.heap, r).map_err(heap_err);
        }
    }
    let (Some(a), Some(b)) = (big(&number(x)?), big(&number(y)?)) else {
        return Err(error("badarith"));
    };
    let r = match op {
        "band" => a & b,
        "bor" => a | b,
        "bxor" => a ^ b,
        _ => {
            let n = b.to_i64().ok_or_else(|| error("system_limit"))?;
            let left = if op == "bsl" { n } else { -n };
            if left >= 0 {
                if left > (1 << 24) && !a.is_zero() {
                    return Err(error("system_limit"));
                }
                a << (left as usize)
            } else {
                // Arithmetic shift right rounds toward minus infinity, as in Erlang.
                a >> (left.unsigned_abs().min(1 << 32) as usize)
            }
        }
    };
    int_term(c, &r)
}

fn order(a: &[Term]) -> Result<Ordering, Raise> {
    ops::compare::compare(a[0], a[1]).map_err(|_| error("badarg"))
}

fn cmp(a: &[Term], pred: impl Fn(Ordering) -> bool, exact: bool) -> Result<Term, Raise> {
    let o = if exact {
        ops::compare::compare_exact(a[0], a[1])
    } else {
        ops::compare::compare(a[0], a[1])
    }
    .map_err(|_| error("badarg"))?;
    Ok(boolean(pred(o)))
}

fn truth(t: Term) -> Result<bool, Raise> {
    if t == atom("true") {
        Ok(true)
    } else if t == atom("false") {
        Ok(false)
    } else {
        Err(error("badarg"))
    }
}

fn tuple(t: Term) -> Result<Vec<Term>, Raise> {
    construct::tuple_elements(t).ok_or_else(|| error("badarg"))
}

fn index(t: Term, len: usize) -> Result<usize, Raise> {
    match t.small_value() {
        Some(i) if i >= 1 && (i as usize) <= len => Ok(i as usize - 1),
        _ => Err(error("badarg")),
    }
}

/// O(1): reads the one element (copying the tuple made `element(rand:uniform(N), T)` on a
/// 20,000-element tuple cost 20,000 words per call).
fn element(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = construct::tuple_arity(a[1]).ok_or_else(|| error("badarg"))?;
    let i = index(a[0], n as usize)?;
    construct::tuple_get(a[1], i as u32).ok_or_else(|| error("badarg"))
}

fn setelement(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut v = tuple(a[1])?;
    let i = index(a[0], v.len())?;
    v[i] = a[2];
    construct::tuple(&mut c.heap, &v).map_err(heap_err)
}

fn length(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut n = 0i64;
    let mut t = a[0];
    while t != Term::NIL {
        t = construct::tail(t).ok_or_else(|| error("badarg"))?;
        n += 1;
    }
    Ok(small(n))
}

/// `A ++ B`: copies the proper list `A` in front of `B`.
fn append(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (elems, tail) = construct::list_elements(a[0]).ok_or_else(|| error("badarg"))?;
    if tail != Term::NIL {
        return Err(error("badarg"));
    }
    let mut acc = a[1];
    for &e in elems.iter().rev() {
        acc = construct::cons(&mut c.heap, e, acc).map_err(heap_err)?;
    }
    Ok(acc)
}

/// `lists:reverse(List, Tail)`.
fn reverse(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (elems, tail) = construct::list_elements(a[0]).ok_or_else(|| error("badarg"))?;
    if tail != Term::NIL {
        return Err(error("badarg"));
    }
    let mut acc = a[1];
    for &e in &elems {
        acc = construct::cons(&mut c.heap, e, acc).map_err(heap_err)?;
    }
    Ok(acc)
}

/// `lists:member(Elem, List)` (exact equality, as OTP's).
fn member(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut t = a[1];
    while t != Term::NIL {
        let h = construct::head(t).ok_or_else(|| error("badarg"))?;
        if ops::compare::exact_eq(h, a[0]).map_err(|_| error("badarg"))? {
            return Ok(atom("true"));
        }
        t = construct::tail(t).ok_or_else(|| error("badarg"))?;
    }
    Ok(atom("false"))
}

/// The first tuple in `a[2]` whose element `a[1]` equals `a[0]` (`==`, as OTP's keyfind).
fn keyfind(a: &[Term]) -> Result<Option<Term>, Raise> {
    let n = match a[1].small_value() {
        Some(n) if n >= 1 => n as usize,
        _ => return Err(error("badarg")),
    };
    let mut t = a[2];
    while t != Term::NIL {
        let h = construct::head(t).ok_or_else(|| error("badarg"))?;
        if let Some(v) = construct::tuple_elements(h) {
            if let Some(&k) = v.get(n - 1) {
                if ops::compare::arith_eq(k, a[0]).map_err(|_| error("badarg"))? {
                    return Ok(Some(h));
                }
            }
        }
        t = construct::tail(t).ok_or_else(|| error("badarg"))?;
    }
    Ok(None)
}

fn display(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    // ERTS's printer, not io_lib's; the line ends with CR LF as erl's does. Through io's
    // buffer, so that it stays in order with io:format's output.
    let mut text = ops::format::display(a[0]).map_err(|_| error("badarg"))?;
    text.extend_from_slice(b"\r\n");
    crate::bifs_io::emit_stdout(&text);
    Ok(atom("true"))
}
