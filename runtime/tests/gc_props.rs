//! Property tests of the collector: random term graphs (shared subterms, bignums, floats,
//! binaries of every kind, match states, both map representations, deep lists, funs,
//! refs, exports, external pids) rooted in X registers, stack frames (among continuation
//! pointers and catch tags) and the mailbox (message fragments) must decode to the same
//! structure after any sequence of minor and major collections — and in the stress mode,
//! after a collection at every allocation. Refc binaries must be released exactly when no
//! heap refers to them.

mod common;

use beam_runtime::gc::{self, GcKind};
use beam_runtime::heap::{Alloc, Fragment, Heap};
use beam_runtime::term::*;
use beam_runtime::{bignum, binary, construct, copy, map};
use common::{decode, Val};
use num_bigint::{BigInt, Sign};
use proptest::prelude::*;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
enum Op {
    Small(i32),
    Big(Vec<u32>, bool),
    Float(f64),
    Bin(Vec<u8>),
    Sub(Vec<u8>, u8, u8),
    Match(Vec<u8>),
    Tuple(Vec<usize>),
    Cons(usize, usize),
    Deep(usize, u16),
    FlatMap(Vec<usize>),
    HashMap(u8, usize),
    Fun(Vec<usize>),
    Ref(u32),
    Export(u32),
    ExtPid(u32),
    Message(usize),
    Frame,
    Drop(usize),
    Gc(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let idx = any::<usize>();
    prop_oneof![
        any::<i32>().prop_map(Op::Small),
        (prop::collection::vec(1u32.., 1..6), any::<bool>()).prop_map(|(d, s)| Op::Big(d, s)),
        any::<f64>().prop_map(Op::Float),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Op::Bin),
        (
            prop::collection::vec(any::<u8>(), 1..200),
            any::<u8>(),
            any::<u8>()
        )
            .prop_map(|(b, o, l)| Op::Sub(b, o, l)),
        prop::collection::vec(any::<u8>(), 0..120).prop_map(Op::Match),
        prop::collection::vec(idx, 0..6).prop_map(Op::Tuple),
        (idx, idx).prop_map(|(a, b)| Op::Cons(a, b)),
        (idx, 0u16..1500).prop_map(|(a, n)| Op::Deep(a, n)),
        prop::collection::vec(idx, 0..=32).prop_map(Op::FlatMap),
        (33u8..90, idx).prop_map(|(n, v)| Op::HashMap(n, v)),
        prop::collection::vec(idx, 0..4).prop_map(Op::Fun),
        any::<u32>().prop_map(Op::Ref),
        any::<u32>().prop_map(|e| Op::Export(e & !3)),
        any::<u32>().prop_map(Op::ExtPid),
        idx.prop_map(Op::Message),
        Just(Op::Frame),
        idx.prop_map(Op::Drop),
        (0u8..3).prop_map(Op::Gc),
        (0u8..3).prop_map(Op::Gc),
    ]
}

#[derive(Clone, Copy)]
enum Loc {
    X(usize),
    /// Stack position counted from the end of the block (stable while frames stay).
    Y(u32),
    Mbox(usize),
}

struct World {
    heap: Heap,
    x: Vec<Term>,
    mbox: Vec<Term>,
    pool: Vec<(Loc, Val, bool)>,
    /// Unshared size (words) of each pool entry: the decoder and message copies unfold
    /// sharing, so nesting is bounded to keep them linear.
    sizes: Vec<u32>,
}

/// Upper bound on a pool entry's unshared size in words.
const BUDGET: u32 = 4000;

impl World {
    fn get(&self, loc: Loc) -> Term {
        match loc {
            Loc::X(i) => self.x[i],
            Loc::Mbox(i) => self.mbox[i],
            Loc::Y(d) => self.heap.y(self.heap.stack_words() - d).unwrap(),
        }
    }

    /// Pool entry `i` (modulo), or NIL when its unshared size exceeds `budget`.
    fn pick(&self, i: usize, budget: u32) -> Term {
        if self.pool.is_empty() {
            return Term::NIL;
        }
        let i = i % self.pool.len();
        if self.sizes[i] > budget {
            Term::NIL
        } else {
            self.get(self.pool[i].0)
        }
    }

    fn gc(&mut self, need: u32, kind: GcKind) {
        let (x, mbox) = (&mut self.x, &mut self.mbox);
        gc::collect(
            &mut self.heap,
            &mut |f: &mut dyn FnMut(&mut Term)| {
                x.iter_mut().for_each(&mut *f);
                mbox.iter_mut().for_each(&mut *f);
            },
            need,
            kind,
        )
        .unwrap();
    }

    /// BEAM's test_heap: guarantees `need` free words, collecting if needed (or always in
    /// stress mode).
    fn ensure(&mut self, need: u32) {
        if self.heap.gc_stress || self.heap.free_words() < need {
            self.gc(need, GcKind::Auto);
        }
        assert!(self.heap.free_words() >= need);
    }

    fn root(&mut self, t: Term) {
        let n = self.pool.len();
        let loc = match n % 3 {
            0 => {
                self.x.push(t);
                Loc::X(self.x.len() - 1)
            }
            1 => {
                self.heap.push(t).unwrap();
                Loc::Y(self.heap.stack_words())
            }
            _ => {
                self.mbox.push(t);
                Loc::Mbox(self.mbox.len() - 1)
            }
        };
        let val = decode(t, &mut BTreeSet::new());
        self.pool.push((loc, val, true));
        self.sizes.push(copy::size_of(t));
    }

    fn check(&self) {
        for (i, (loc, want, live)) in self.pool.iter().enumerate() {
            if *live {
                let got = decode(self.get(*loc), &mut BTreeSet::new());
                assert_eq!(&got, want, "pool entry {i} changed");
            }
        }
    }

    fn apply(&mut self, op: &Op) {
        // Words each builder needs, plus one for a possible stack push.
        let need = 1 + match op {
            Op::Big(d, _) => 1 + d.len() as u32,
            Op::Float(_) => 3,
            Op::Bin(b) => binary::binary_words(b.len() as u32),
            Op::Sub(b, ..) => binary::binary_words(b.len() as u32) + 5,
            Op::Match(b) => binary::binary_words(b.len() as u32) + 7,
            Op::Tuple(v) => 1 + v.len() as u32,
            Op::Cons(..) => 2,
            Op::Deep(_, n) => 2 * *n as u32,
            Op::FlatMap(v) => map::flatmap_total_words(v.len() as u32),
            Op::HashMap(n, _) => 24 * *n as u32,
            Op::Fun(v) => 6 + v.len() as u32,
            Op::Ref(_) => 4,
            Op::Export(_) => 2,
            Op::ExtPid(_) => 5,
            Op::Frame => 4,
            _ => 0,
        };
        match op {
            Op::Gc(k) => {
                let kind = [GcKind::Minor, GcKind::Major, GcKind::Auto][*k as usize];
                self.gc(0, kind);
                self.check();
                return;
            }
            Op::Drop(i) => {
                if !self.pool.is_empty() {
                    let n = self.pool.len();
                    let e = &mut self.pool[i % n];
                    e.2 = false;
                    // Kill the root so its data becomes garbage (stack slots stay live).
                    match e.0 {
                        Loc::X(j) => self.x[j] = Term::NIL,
                        Loc::Mbox(j) => self.mbox[j] = Term::NIL,
                        Loc::Y(_) => e.2 = true,
                    }
                }
                return;
            }
            Op::Message(i) => {
                let t = self.pick(*i, BUDGET);
                let mut frag = Fragment::new(copy::size_of(t)).unwrap();
                // Match states are not terms a process can send: skip those.
                let Ok(c) = copy::copy_term(t, &mut frag) else {
                    return;
                };
                self.heap.attach(frag);
                self.mbox.push(c);
                let val = decode(c, &mut BTreeSet::new());
                self.pool.push((Loc::Mbox(self.mbox.len() - 1), val, true));
                self.sizes.push(copy::size_of(c));
                return;
            }
            _ => {}
        }
        self.ensure(need);
        let h = &mut self.heap as &mut dyn Alloc;
        let t = match op {
            Op::Small(v) => Term::small(*v as i64).unwrap_or(Term::small(0).unwrap()),
            Op::Big(d, neg) => {
                let sign = if *neg { Sign::Minus } else { Sign::Plus };
                bignum::integer(h, &BigInt::from_slice(sign, d)).unwrap()
            }
            Op::Float(f) => construct::float(h, *f).unwrap(),
            Op::Bin(b) => binary::new_binary(h, b).unwrap(),
            Op::Sub(b, o, l) => {
                let orig = binary::new_binary(h, b).unwrap();
                let offs = *o as u32 % b.len() as u32;
                let len = *l as u32 % (b.len() as u32 - offs + 1);
                binary::sub_binary(h, orig, offs, len).unwrap()
            }
            Op::Match(b) => {
                let orig = binary::new_binary(h, b).unwrap();
                binary::match_state(h, orig, 2).unwrap()
            }
            Op::Tuple(v) => {
                let b = BUDGET / (v.len() as u32 + 1);
                let elems: Vec<Term> = v.iter().map(|&i| self.pick(i, b)).collect();
                construct::tuple(&mut self.heap, &elems).unwrap()
            }
            Op::Cons(a, b) => {
                let (a, b) = (self.pick(*a, BUDGET / 2), self.pick(*b, BUDGET / 2));
                construct::cons(&mut self.heap, a, b).unwrap()
            }
            Op::Deep(a, n) => {
                let e = self.pick(*a, BUDGET / (*n as u32 + 1));
                let elems = vec![e; *n as usize];
                construct::list(&mut self.heap, &elems).unwrap()
            }
            Op::FlatMap(v) => {
                let keys: Vec<Term> = (0..v.len())
                    .map(|k| Term::small(k as i64).unwrap())
                    .collect();
                let b = BUDGET / (v.len() as u32 + 1);
                let vals: Vec<Term> = v.iter().map(|&i| self.pick(i, b)).collect();
                map::flatmap(&mut self.heap, &keys, &vals).unwrap()
            }
            Op::HashMap(n, vi) => {
                let v = self.pick(*vi, BUDGET / (*n as u32 + 1));
                let pairs: Vec<(Term, Term)> = (0..*n as i64)
                    .map(|k| (Term::small(k * 7919).unwrap(), v))
                    .chain([(beam_runtime::atom::OK, v)])
                    .collect();
                map::hashmap(&mut self.heap, &pairs).unwrap()
            }
            Op::Fun(v) => {
                let b = BUDGET / (v.len() as u32 + 1);
                let env: Vec<Term> = v.iter().map(|&i| self.pick(i, b)).collect();
                construct::fun(&mut self.heap, 0x1000, 2, Term::pid(5), &env).unwrap()
            }
            Op::Ref(n) => construct::make_ref(h, [*n, n ^ 1, 3]).unwrap(),
            Op::Export(e) => construct::export(h, *e).unwrap(),
            Op::ExtPid(d) => {
                construct::external(h, EXTERNAL_PID_SUBTAG, beam_runtime::atom::NONODE, &[*d, 1])
                    .unwrap()
            }
            Op::Frame => {
                // A CP, a catch tag and an empty Y slot between frames: none are pointers.
                self.heap.push(Term::cp(0x0001_0000)).unwrap();
                self.heap.push(Term::catch(3)).unwrap();
                self.heap.alloc_frame(1).unwrap();
                return;
            }
            Op::Gc(_) | Op::Drop(_) | Op::Message(_) => unreachable!(),
        };
        self.root(t);
    }
}

fn run(ops: &[Op], stress: bool, fullsweep_after: u32) {
    let mut heap = Heap::new().unwrap();
    heap.gc_stress = stress;
    heap.fullsweep_after = fullsweep_after;
    let mut w = World {
        heap,
        x: Vec::new(),
        mbox: Vec::new(),
        pool: Vec::new(),
        sizes: Vec::new(),
    };
    for op in ops {
        w.apply(op);
    }
    w.check();
    // After a full sweep the off-heap list holds exactly the reachable ProcBins.
    w.gc(0, GcKind::Major);
    w.check();
    let mut procbins = BTreeSet::new();
    for i in 0..w.pool.len() {
        if w.pool[i].2 {
            decode(w.get(w.pool[i].0), &mut procbins);
        }
    }
    // Stack slots of dropped pool entries are still roots; count them too.
    for d in 1..=w.heap.stack_words() {
        let t = w.heap.y(w.heap.stack_words() - d).unwrap();
        if !t.is_cp() {
            decode(t, &mut procbins);
        }
    }
    assert_eq!(
        w.heap.off_heap_count(),
        procbins.len(),
        "off-heap list vs reachable ProcBins"
    );
    for &pb in &procbins {
        let rc = binary::offheap_refcount(Term::boxed(pb)).unwrap();
        assert!(rc >= 1);
    }
}

fn cases(hosted: u32) -> u32 {
    if cfg!(target_arch = "arm") {
        (hosted / 4).max(4)
    } else {
        hosted
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn graphs_survive_random_collections(ops in prop::collection::vec(op(), 1..120), fsa in 0u32..5) {
        run(&ops, false, fsa);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn graphs_survive_gc_at_every_allocation(ops in prop::collection::vec(op(), 1..60), fsa in 0u32..4) {
        run(&ops, true, fsa);
    }
}

#[test]
fn refc_binary_released_when_unreachable() {
    let mut heap = Heap::new().unwrap();
    let big = vec![7u8; 1000];
    let mut x = vec![binary::new_binary(&mut heap, &big).unwrap()];
    let sub = binary::sub_binary(&mut heap, x[0], 10, 20).unwrap();
    x.push(sub);
    // A second heap shares the same off-heap block.
    let mut other = Heap::new().unwrap();
    let mut frag = Fragment::new(copy::size_of(x[0])).unwrap();
    let shared = copy::copy_term(x[0], &mut frag).unwrap();
    other.attach(frag);
    assert_eq!(binary::offheap_refcount(shared), Some(2));
    // Drop the ProcBin root but keep the sub-binary: the ProcBin stays alive via `orig`.
    x.remove(0);
    let mut roots = |f: &mut dyn FnMut(&mut Term)| x.iter_mut().for_each(f);
    gc::collect(&mut heap, &mut roots, 0, GcKind::Major).unwrap();
    assert_eq!(heap.off_heap_count(), 1);
    assert_eq!(binary::bytes(x[0]).unwrap(), vec![7u8; 20]);
    assert_eq!(binary::offheap_refcount(shared), Some(2));
    x.clear();
    let mut roots = |f: &mut dyn FnMut(&mut Term)| x.iter_mut().for_each(f);
    gc::collect(&mut heap, &mut roots, 0, GcKind::Major).unwrap();
    assert_eq!(heap.off_heap_count(), 0);
    assert_eq!(binary::offheap_refcount(shared), Some(1));
}

#[test]
fn minor_promotes_survivors_and_literals_are_not_copied() {
    use beam_runtime::heap::LiteralArea;
    let mut lit = LiteralArea::new();
    let lit_t = construct::tuple(&mut lit, &[Term::small(1).unwrap()]).unwrap();
    let mut heap = Heap::new().unwrap();
    let t = construct::tuple(&mut heap, &[lit_t, Term::NIL]).unwrap();
    let mut x = [t];
    let mut roots = |f: &mut dyn FnMut(&mut Term)| x.iter_mut().for_each(f);
    gc::collect(&mut heap, &mut roots, 0, GcKind::Minor).unwrap();
    assert!(heap.old_heap().is_none_or(|o| o.used_words() == 0));
    let mut roots = |f: &mut dyn FnMut(&mut Term)| x.iter_mut().for_each(f);
    gc::collect(&mut heap, &mut roots, 0, GcKind::Minor).unwrap();
    // Survived two minors: now in the old heap.
    let old = heap.old_heap().expect("old heap after promotion");
    assert_eq!(old.used_words(), 3);
    assert!((old.used_words() > 0) && heap.heap_used_words() == 0);
    // The literal is still where it was.
    assert_eq!(construct::tuple_get(x[0], 0), Some(lit_t));
    assert!(lit.contains(lit_t.ptr()));
}

#[test]
fn very_deep_list_is_collected_without_recursion() {
    let n = if cfg!(target_arch = "arm") {
        50_000
    } else {
        300_000
    };
    let mut heap = Heap::with_size(2 * n + 10).unwrap();
    let elems: Vec<Term> = (0..n as i64).map(|i| Term::small(i).unwrap()).collect();
    let mut x = [construct::list(&mut heap, &elems).unwrap()];
    let mut roots = |f: &mut dyn FnMut(&mut Term)| x.iter_mut().for_each(f);
    gc::collect(&mut heap, &mut roots, 0, GcKind::Major).unwrap();
    let (got, tail) = construct::list_elements(x[0]).unwrap();
    assert_eq!(tail, Term::NIL);
    assert_eq!(got, elems);
    assert_eq!(copy::size_of(x[0]), 2 * n);
}
