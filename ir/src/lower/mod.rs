//! Lowering of specific BEAM instructions to Cranelift IR (docs/beam-machine.md §2).
//!
//! Each BEAM function becomes *segments*: its entry, and one per return point after a
//! non-tail call. A segment is a CLIF function with the segment signature
//! ([`crate::machine::segment_signature`]); BEAM labels inside it are CLIF blocks, X
//! registers are `cranelift_frontend` variables (SSA), and every transfer out of it is a
//! tail call (or a return to the scheduler). A label reachable from two segments is
//! emitted in both: the code is small, and no state but X (reloaded) and the Erlang stack
//! crosses a segment boundary, so the copies behave identically.

mod emit;
mod yinit;

use rustc_hash::FxHashMap as HashMap;

use beam_frontend::specific::{Op, SpecificFunction};
use beam_frontend::{AtomIndex, Module};
use cranelift_codegen::ir::Function;
use num_bigint::BigInt;

pub use emit::bits::{desc as bs_field_desc, match_string_pieces, max_x as bs_max_x};
pub use emit::LowerError;

/// What the lowering needs from the code loader: term values of the module's constants
/// (interned atoms, literals built in the literal area) and what each import is.
pub trait Env {
    /// The atom term of the module's atom number `a` (1-based).
    fn atom(&self, a: AtomIndex) -> u32;
    /// The atom term of a name (`true`, `false`, ...).
    fn atom_named(&self, name: &str) -> u32;
    /// The term of literal number `l`.
    fn literal(&self, l: u32) -> u32;
    /// An integer outside the small range, as a term (a bignum literal).
    fn big_int(&self, n: &BigInt) -> u32;
    /// A float constant as a term (a float literal).
    fn float(&self, f: f64) -> u32;
    /// The runtime number of BIF `module:function/arity`, or `None` when it is not a BIF
    /// (then a call goes through the import's export cell).
    fn bif(&self, module: &str, function: &str, arity: u32) -> Option<u32>;
    /// The catch-tag term for the module's catch number `local` (numbered from 0 in
    /// the order the lowering meets `try`/`catch` instructions; the loader maps them to
    /// handler addresses with [`LoweredModule::catches`]).
    fn catch_tag(&self, local: u32) -> u32;
    /// GC stress mode (issue 12): every heap check collects, as if the heap were always
    /// full, so a term kept where the collector cannot see it shows up at once.
    fn gc_stress(&self) -> bool {
        false
    }
    /// The bit every code address carries (1 when the code is Thumb-2, whose addresses
    /// have bit 0 set; 0 for A32). A CP goes on the Erlang stack with it cleared: the
    /// collector and the stack walkers tell a CP from a term by its primary tag 00
    /// (`Term::is_cp`), and an odd CP would read as a list pointer.
    fn code_addr_bit(&self) -> u32 {
        0
    }
}

/// Where a segment starts: a function's entry, or the instruction after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SegStart {
    /// Index of the function in the module.
    pub func: usize,
    /// Index of the first specific instruction.
    pub pos: usize,
    /// X registers live on entry: x0 arrives in a parameter, the rest in memory.
    pub live: u32,
}

/// One compiled segment.
pub struct Segment {
    pub func: Function,
    pub start: SegStart,
    /// `name/arity` and where: for dumps and error messages.
    pub name: String,
}

/// A lowered module: segment `i` is `ExternalName::User { namespace: NS_SEGMENT, index: i }`;
/// the first `functions.len()` segments are the function entries, in module order.
pub struct LoweredModule {
    pub segments: Vec<Segment>,
    /// The handler segment of each catch number.
    pub catches: Vec<u32>,
}

impl LoweredModule {
    /// The segment number of function `f`'s entry.
    pub fn entry_segment(&self, f: usize) -> u32 {
        f as u32
    }
}

/// Labels of the module: where each one is.
pub(crate) struct Labels {
    at: HashMap<u32, (usize, usize)>,
    /// Function index whose entry label is the key.
    entries: HashMap<u32, usize>,
}

impl Labels {
    fn new(functions: &[SpecificFunction]) -> Labels {
        let mut at = HashMap::default();
        let mut entries = HashMap::default();
        for (fi, f) in functions.iter().enumerate() {
            entries.insert(f.entry, fi);
            for (pos, op) in f.code.iter().enumerate() {
                if let Op::Label(l) = op {
                    at.insert(*l, (fi, pos));
                }
            }
        }
        Labels { at, entries }
    }

    pub(crate) fn position(&self, l: u32) -> Option<(usize, usize)> {
        self.at.get(&l).copied()
    }

    pub(crate) fn function_of_entry(&self, l: u32) -> Option<usize> {
        self.entries.get(&l).copied()
    }
}

/// The segment table of a module, grown as return points are found.
pub(crate) struct SegTable {
    pub(crate) starts: Vec<SegStart>,
    index: HashMap<SegStart, u32>,
    /// Handler segment of each catch number.
    pub(crate) catches: Vec<u32>,
    /// Catch number of each `try`/`catch` instruction (function, position): a label
    /// emitted in two segments must store the same tag in both.
    catch_at: HashMap<(usize, usize), u32>,
}

impl SegTable {
    /// The number of the segment starting at `s`, adding it when new.
    pub(crate) fn intern(&mut self, s: SegStart) -> u32 {
        if let Some(&i) = self.index.get(&s) {
            return i;
        }
        let i = self.starts.len() as u32;
        self.starts.push(s);
        self.index.insert(s, i);
        i
    }

    /// The catch number of the `try`/`catch` at `at` whose handler starts `handler`.
    pub(crate) fn catch_number(&mut self, at: (usize, usize), handler: SegStart) -> u32 {
        if let Some(&n) = self.catch_at.get(&at) {
            return n;
        }
        let seg = self.intern(handler);
        let n = self.catches.len() as u32;
        self.catches.push(seg);
        self.catch_at.insert(at, n);
        n
    }
}

/// Lowers every function of `m` (already turned into specific instructions).
pub fn lower_module(
    m: &Module,
    functions: &[SpecificFunction],
    env: &dyn Env,
) -> Result<LoweredModule, LowerError> {
    let mut lowering = Lowering::new(m, functions, env)?;
    let mut segments = Vec::new();
    loop {
        let mut func = Function::new();
        match lowering.next_into(&mut func)? {
            Some((start, name)) => segments.push(Segment { func, start, name }),
            None => break,
        }
    }
    Ok(LoweredModule {
        segments,
        catches: lowering.catches(),
    })
}

/// A module's lowering one segment at a time, in segment order (segment `i` is
/// `ExternalName::User { namespace: NS_SEGMENT, index: i }`, the first
/// `functions.len()` the function entries): a caller that compiles each segment before
/// lowering the next can hand the same [`Function`] back every time, and the allocations
/// of the function and of the SSA builder are reused across segments (what
/// [`lower_module`] gives is the same, one `Function` per segment).
pub struct Lowering<'a> {
    m: &'a Module,
    functions: &'a [SpecificFunction],
    env: &'a dyn Env,
    labels: Labels,
    table: SegTable,
    fctx: cranelift_frontend::FunctionBuilderContext,
    next: usize,
}

impl<'a> Lowering<'a> {
    pub fn new(
        m: &'a Module,
        functions: &'a [SpecificFunction],
        env: &'a dyn Env,
    ) -> Result<Lowering<'a>, LowerError> {
        let labels = Labels::new(functions);
        let mut table = SegTable {
            starts: Vec::new(),
            index: HashMap::default(),
            catches: Vec::new(),
            catch_at: HashMap::default(),
        };
        for (fi, f) in functions.iter().enumerate() {
            let (_, pos) = labels
                .position(f.entry)
                .ok_or(LowerError::MissingLabel(f.entry))?;
            table.intern(SegStart {
                func: fi,
                pos,
                live: f.arity,
            });
        }
        Ok(Lowering {
            m,
            functions,
            env,
            labels,
            table,
            fctx: cranelift_frontend::FunctionBuilderContext::new(),
            next: 0,
        })
    }

    /// Lowers the next segment into `func` (whatever it held is cleared first, its
    /// allocations kept): its start and its name (`module:function/arity@entry` or
    /// `@ret<pos>`, for dumps and error messages), or `None` after the last segment.
    pub fn next_into(
        &mut self,
        func: &mut Function,
    ) -> Result<Option<(SegStart, String)>, LowerError> {
        let next = self.next;
        if next >= self.table.starts.len() {
            return Ok(None);
        }
        let start = self.table.starts[next];
        let m = self.m;
        let f = &self.functions[start.func];
        let name = format!(
            "{}:{}/{}@{}",
            m.name(),
            m.atom(f.name),
            f.arity,
            if next < self.functions.len() {
                "entry".to_string()
            } else {
                format!("ret{}", start.pos)
            }
        );
        emit::lower_segment(
            m,
            self.functions,
            &self.labels,
            &mut self.table,
            self.env,
            next as u32,
            func,
            &mut self.fctx,
        )
        .map_err(|e| e.in_segment(&name))?;
        self.next += 1;
        Ok(Some((start, name)))
    }

    /// The handler segment of each catch number (complete once [`Self::next_into`] has
    /// answered `None`).
    pub fn catches(self) -> Vec<u32> {
        self.table.catches
    }
}
