//! set, bag and duplicate_bag tables laid out as OTP 25 lays them out (`erl_db_hash.c`,
//! restated, not copied), so that everything whose order OTP leaves "unspecified" but
//! programs print anyway (tab2list, first/next, match, select, foldl, slot) comes out in
//! erl's order.
//!
//! OTP keeps a *linear hash*: `nactive` buckets (256 at first), a mask `szm` (2^k - 1
//! with `nactive <= szm + 1`), and a key's bucket is `hash & szm`, or `hash & (szm >> 1)`
//! when that bucket is not active yet. The hash is the atom table's hashpjw value for an
//! atom key, else `make_internal_hash(Key, 0)` (`ops::ihash`). Each bucket is a chain:
//! a new key is appended at its end; a bag's or duplicate_bag's further objects of a key
//! go in front of that key's first object (so a chain holds a key's objects newest
//! first, and `lookup`, which conses them up in chain order, returns them oldest first).
//! Here one chain entry holds all objects of a key, oldest first, which keeps that order.
//!
//! The table grows by one bucket (splitting bucket `nactive & (szm >> 1)` stably by the
//! next hash bit) whenever an insert leaves more objects than buckets, at most five
//! buckets per insert; it shrinks (the top bucket's chain put in front of its partner's)
//! when a delete leaves fewer objects than `shrink_limit`, which is 0 until a third
//! segment (256 + 2 x 2048 slots) has been allocated, then half of the slots minus a
//! segment. A fixed table (`safe_fixtable`) neither grows nor shrinks, and keeps deleted
//! keys as pseudo-deleted entries (so `next/2` from a deleted key works) until unfixed.
//!
//! Traversal (first/next, select) visits buckets 0, 1, 2, … and each chain from its head;
//! a `write_concurrency` table has 64 bucket locks and visits 0, 64, 128, …, 1, 65, …
//! (`next_slot`). select conses up its matches as it goes, so its result (and
//! `tab2list`, which is `match_object(T, '_')`) is in reverse traversal order.
//!
//! What does not match erl: keys that contain atoms inside a compound term, pids, ports,
//! references or funs (their internal hash uses erl's atom indices and node data).

use std::cell::RefCell;

use smallvec::{smallvec, SmallVec};

use super::table::{Kind, Stored};
use crate::heap::HeapError;
use crate::ops::compare;
use crate::term::Term;

/// Slots of the first segment (the table's minimum size).
const FIRST_SEGSZ: u32 = 256;
/// Slots of every further segment.
const EXT_SEGSZ: u32 = 2048;
/// The bucket locks of a fine-locked (`write_concurrency`) table: its traversal stride.
const LOCK_CNT: u32 = 64;
/// Buckets added or joined per insert or delete at most (grow/shrink `loop_limit`).
const RESIZE_STEPS: u32 = 5;
/// The end of a chain.
const END: u32 = u32::MAX;

/// All objects of one key.
#[derive(Debug)]
struct Entry {
    hval: u32,
    next: u32,
    /// The key, inside `objs[0]`'s copy (kept here so that finding an immediate key reads
    /// no object: a cache miss less per operation on a large table).
    key: Term,
    /// Deleted while the table was fixed: kept (with one object, for its key) so
    /// iteration can go on from it, skipped by everything else, purged when unfixed.
    dead: bool,
    /// Oldest first.
    objs: SmallVec<[Stored; 1]>,
}

#[derive(Debug)]
pub struct Hash {
    keypos: u32,
    entries: Vec<Entry>,
    free: Vec<u32>,
    /// Chain heads of the active buckets (`nactive` of them).
    buckets: Vec<u32>,
    szm: u32,
    /// Slots in allocated segments (decides `shrink_limit`).
    nslots: u32,
    shrink_limit: usize,
    /// Live objects.
    nitems: usize,
    /// Traversal stride: 1, or LOCK_CNT for a fine-locked table.
    step: u32,
    fixed: u32,
    dead: usize,
}

/// OTP's `MAKE_HASH(Key)`.
pub fn make_hash(key: Term) -> u32 {
    if key.is_atom() {
        atom_hash(key)
    } else {
        crate::ops::ihash::internal_hash(key).unwrap_or(0)
    }
}

/// The atom table's hash value of an atom (hashpjw of its name), cached by atom index
/// (the name is behind the global atom table's lock).
fn atom_hash(a: Term) -> u32 {
    thread_local! {
        static CACHE: RefCell<Vec<Option<u32>>> = const { RefCell::new(Vec::new()) };
    }
    let Some(i) = a.atom_index().map(|i| i as usize) else {
        return 0;
    };
    if let Some(h) = CACHE.with(|c| c.borrow().get(i).copied().flatten()) {
        return h;
    }
    let h = crate::atom::name(a).map_or(0, |n| crate::ops::hash::atom_hash(&n));
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() <= i {
            c.resize(i + 1, None);
        }
        c[i] = Some(h);
    });
    h
}

/// next/2 from a key a hash table does not hold (erl: badarg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("ets:next/prev: the key is not in the table")]
pub struct NotInTable;

fn exact_eq(a: Term, b: Term) -> bool {
    compare::exact_eq(a, b).unwrap_or(false)
}

/// `=:=` of two keys: equal words are; an immediate is only `=:=` to itself.
fn same_key(a: Term, b: Term) -> bool {
    a == b || (a.is_pointer() && b.is_pointer() && exact_eq(a, b))
}

impl Hash {
    pub fn new(keypos: u32, fine_locked: bool) -> Hash {
        Hash {
            keypos,
            entries: Vec::new(),
            free: Vec::new(),
            buckets: vec![END; FIRST_SEGSZ as usize],
            szm: FIRST_SEGSZ - 1,
            nslots: FIRST_SEGSZ,
            shrink_limit: 0,
            nitems: 0,
            step: if fine_locked { LOCK_CNT } else { 1 },
            fixed: 0,
            dead: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.nitems
    }
    pub fn is_empty(&self) -> bool {
        self.nitems == 0
    }

    fn key_of(&self, e: u32) -> Term {
        self.entries[e as usize].key
    }

    /// The key inside the first object of entry `e` (after its objects changed).
    fn refresh_key(&mut self, e: u32) {
        let e = &mut self.entries[e as usize];
        if let Some(s) = e.objs.first() {
            e.key = crate::construct::tuple_get(s.term(), self.keypos - 1).unwrap_or(Term::NIL);
        }
    }

    fn ix(&self, hval: u32) -> usize {
        let ix = hval & self.szm;
        if ix as usize >= self.buckets.len() {
            (ix & (self.szm >> 1)) as usize
        } else {
            ix as usize
        }
    }

    /// The entry of `key` (live or dead) and the one before it in its chain.
    fn find(&self, key: Term, hval: u32) -> (u32, u32) {
        let mut prev = END;
        let mut cur = self.buckets[self.ix(hval)];
        while cur != END {
            let e = &self.entries[cur as usize];
            if e.hval == hval && same_key(e.key, key) {
                return (prev, cur);
            }
            prev = cur;
            cur = e.next;
        }
        (prev, END)
    }

    fn live(&self, key: Term) -> Option<&Entry> {
        let (_, e) = self.find(key, make_hash(key));
        self.entries.get(e as usize).filter(|e| !e.dead)
    }

    pub fn lookup(&self, key: Term) -> &[Stored] {
        self.live(key).map_or(&[], |e| e.objs.as_slice())
    }

    pub fn contains(&self, key: Term) -> bool {
        self.live(key).is_some()
    }

    fn alloc(&mut self, e: Entry) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.entries[i as usize] = e;
                i
            }
            None => {
                self.entries.push(e);
                self.entries.len() as u32 - 1
            }
        }
    }

    fn release(&mut self, i: u32) {
        self.entries[i as usize].objs = SmallVec::new();
        self.free.push(i);
    }

    /// Takes `e` (after `prev`) out of the chain of bucket `ix`.
    fn unlink(&mut self, ix: usize, prev: u32, e: u32) {
        let next = self.entries[e as usize].next;
        if prev == END {
            self.buckets[ix] = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        self.release(e);
    }

    /// `db_put_hash`: `obj` (copied) under `key`. A set replaces in place; a bag adds it
    /// unless an `=:=` object is there; a duplicate_bag adds it.
    pub fn insert(&mut self, kind: Kind, obj: Term, key: Term) -> Result<(), HeapError> {
        let hval = make_hash(key);
        let (prev, cur) = self.find(key, hval);
        if cur != END {
            let e = &mut self.entries[cur as usize];
            if e.dead {
                e.objs = smallvec![Stored::copy_of(obj)?];
                e.dead = false;
                self.dead -= 1;
                self.nitems += 1;
                self.refresh_key(cur);
                return Ok(());
            }
            match kind {
                Kind::Set | Kind::OrderedSet => {
                    e.objs[0] = Stored::copy_of(obj)?;
                    self.refresh_key(cur);
                    return Ok(());
                }
                Kind::Bag if e.objs.iter().any(|s| exact_eq(s.term(), obj)) => return Ok(()),
                _ => e.objs.push(Stored::copy_of(obj)?),
            }
        } else {
            let s = Stored::copy_of(obj)?;
            let i = self.alloc(Entry {
                hval,
                next: END,
                key: Term::NIL,
                dead: false,
                objs: smallvec![s],
            });
            self.refresh_key(i);
            if prev == END {
                let ix = self.ix(hval);
                self.buckets[ix] = i;
            } else {
                self.entries[prev as usize].next = i;
            }
        }
        self.nitems += 1;
        if self.nitems > self.buckets.len() && self.fixed == 0 {
            self.grow();
        }
        Ok(())
    }

    /// Removes every object of `key`; how many there were.
    pub fn delete_key(&mut self, key: Term) -> usize {
        let hval = make_hash(key);
        let (prev, cur) = self.find(key, hval);
        if cur == END || self.entries[cur as usize].dead {
            return 0;
        }
        let n = self.entries[cur as usize].objs.len();
        self.remove_entry(hval, prev, cur);
        self.nitems -= n;
        self.try_shrink();
        n
    }

    /// An entry whose objects are all gone: pseudo-deleted while fixed, else unlinked.
    fn remove_entry(&mut self, hval: u32, prev: u32, cur: u32) {
        if self.fixed > 0 {
            let e = &mut self.entries[cur as usize];
            e.dead = true;
            e.objs.truncate(1);
            self.dead += 1;
        } else {
            let ix = self.ix(hval);
            self.unlink(ix, prev, cur);
        }
    }

    /// Removes the objects `=:=` to `obj` (all copies in a duplicate_bag, else one).
    pub fn delete_object(&mut self, kind: Kind, obj: Term, key: Term) {
        let hval = make_hash(key);
        let (prev, cur) = self.find(key, hval);
        if cur == END || self.entries[cur as usize].dead {
            return;
        }
        let objs = &mut self.entries[cur as usize].objs;
        let before = objs.len();
        if kind == Kind::DuplicateBag {
            if objs.iter().all(|s| exact_eq(s.term(), obj)) {
                // Keep one for the key if the entry is kept as pseudo-deleted.
                objs.truncate(1);
                self.nitems -= before;
                self.remove_entry(hval, prev, cur);
                self.try_shrink();
                return;
            }
            objs.retain(|s| !exact_eq(s.term(), obj));
        } else if let Some(p) = objs.iter().position(|s| exact_eq(s.term(), obj)) {
            if before == 1 {
                self.nitems -= 1;
                self.remove_entry(hval, prev, cur);
                self.try_shrink();
                return;
            }
            objs.remove(p);
        }
        let removed = before - objs.len();
        self.refresh_key(cur);
        if removed > 0 {
            self.nitems -= removed;
            self.try_shrink();
        }
    }

    /// Removes the objects `pick` says true for (select_delete: the table is fixed while
    /// it runs in erl, so it never shrinks the table); how many.
    pub fn delete_where(&mut self, mut pick: impl FnMut(Term) -> bool) -> usize {
        let mut n = 0;
        for ix in 0..self.buckets.len() {
            let (mut prev, mut cur) = (END, self.buckets[ix]);
            while cur != END {
                let next = self.entries[cur as usize].next;
                let e = &mut self.entries[cur as usize];
                if !e.dead {
                    let before = e.objs.len();
                    let keep: SmallVec<[bool; 4]> =
                        e.objs.iter().map(|s| !pick(s.term())).collect();
                    let gone = keep.iter().filter(|k| !**k).count();
                    if gone == before {
                        n += before;
                        if self.fixed > 0 {
                            e.dead = true;
                            e.objs.truncate(1);
                            self.dead += 1;
                        } else {
                            self.unlink(ix, prev, cur);
                            cur = next;
                            continue;
                        }
                    } else if gone > 0 {
                        let mut k = keep.iter();
                        e.objs.retain(|_| *k.next().unwrap_or(&true));
                        n += gone;
                        self.refresh_key(cur);
                    }
                }
                prev = cur;
                cur = next;
            }
        }
        self.nitems -= n;
        n
    }

    /// `delete_all_objects/1`: back to an empty table of the first size.
    pub fn clear(&mut self) {
        *self = Hash {
            step: self.step,
            fixed: self.fixed,
            ..Hash::new(self.keypos, false)
        };
    }

    fn calc_shrink_limit(&mut self) {
        self.shrink_limit = if self.nslots >= FIRST_SEGSZ + 2 * EXT_SEGSZ {
            ((self.nslots - EXT_SEGSZ) / 2) as usize
        } else {
            0
        };
    }

    /// Adds buckets while there are more objects than buckets (at most RESIZE_STEPS).
    fn grow(&mut self) {
        for _ in 0..RESIZE_STEPS {
            let nactive = self.buckets.len() as u32;
            if self.nitems <= nactive as usize {
                return;
            }
            if nactive == self.nslots {
                self.nslots += EXT_SEGSZ;
                self.calc_shrink_limit();
            }
            let mut szm = self.szm;
            let from = if nactive <= szm {
                nactive & (szm >> 1)
            } else {
                szm = (szm << 1) | 1;
                0
            };
            self.buckets.push(END);
            if from == 0 {
                self.szm = szm;
            }
            // Split `from` by the new bit, keeping each half in chain order.
            let (mut stay, mut go) = ((END, END), (END, END));
            let mut cur = self.buckets[from as usize];
            while cur != END {
                let e = &mut self.entries[cur as usize];
                let next = e.next;
                e.next = END;
                let half = if e.hval & szm == from {
                    &mut stay
                } else {
                    &mut go
                };
                if half.1 == END {
                    half.0 = cur;
                } else {
                    self.entries[half.1 as usize].next = cur;
                }
                half.1 = cur;
                cur = next;
            }
            self.buckets[from as usize] = stay.0;
            self.buckets[nactive as usize] = go.0;
        }
    }

    fn try_shrink(&mut self) {
        if self.nitems < self.shrink_limit && self.fixed == 0 {
            self.shrink();
        }
    }

    /// Joins the top bucket into its partner (its chain first) while there are fewer
    /// objects than `shrink_limit` (at most RESIZE_STEPS).
    fn shrink(&mut self) {
        for _ in 0..RESIZE_STEPS {
            if self.nitems >= self.shrink_limit {
                return;
            }
            let src = self.buckets.len() as u32 - 1;
            let low = self.szm >> 1;
            let dst = (src & low) as usize;
            let head = self.buckets.pop().unwrap_or(END);
            if dst == 0 {
                self.szm = low;
            }
            if self.nslots - src >= EXT_SEGSZ {
                self.nslots -= EXT_SEGSZ;
                self.calc_shrink_limit();
            }
            if head != END {
                let mut tail = head;
                while self.entries[tail as usize].next != END {
                    tail = self.entries[tail as usize].next;
                }
                self.entries[tail as usize].next = self.buckets[dst];
                self.buckets[dst] = head;
            }
        }
    }

    /// `safe_fixtable(T, true | false)`.
    pub fn fix(&mut self, on: bool) {
        if on {
            self.fixed += 1;
            return;
        }
        self.fixed = self.fixed.saturating_sub(1);
        if self.fixed == 0 && self.dead > 0 {
            for ix in 0..self.buckets.len() {
                let (mut prev, mut cur) = (END, self.buckets[ix]);
                while cur != END {
                    let next = self.entries[cur as usize].next;
                    if self.entries[cur as usize].dead {
                        self.unlink(ix, prev, cur);
                    } else {
                        prev = cur;
                    }
                    cur = next;
                }
            }
            self.dead = 0;
        }
    }

    pub fn is_fixed(&self) -> bool {
        self.fixed > 0
    }

    /// OTP's `next_slot`: the bucket visited after `ix`, None at the end.
    pub fn next_slot(&self, ix: u32) -> Option<u32> {
        let ix = ix + self.step;
        if (ix as usize) < self.buckets.len() {
            return Some(ix);
        }
        let ix = (ix + 1) & (self.step - 1);
        (ix != 0).then_some(ix)
    }

    /// The first live entry (bucket, entry) at or after `cur` in bucket `ix`'s chain,
    /// then in the buckets after it.
    fn live_from(&self, mut ix: u32, mut cur: u32) -> Option<(u32, u32)> {
        loop {
            while cur != END {
                let e = &self.entries[cur as usize];
                if !e.dead {
                    return Some((ix, cur));
                }
                cur = e.next;
            }
            ix = self.next_slot(ix)?;
            cur = self.buckets[ix as usize];
        }
    }

    pub fn first(&self) -> Option<Term> {
        self.live_from(0, self.buckets[0])
            .map(|(_, e)| self.key_of(e))
    }

    /// The key after `key` in traversal order; `Err` if `key` is not there (erl: badarg;
    /// a key deleted while the table is fixed is still there).
    pub fn next(&self, key: Term) -> Result<Option<Term>, NotInTable> {
        let hval = make_hash(key);
        let (_, cur) = self.find(key, hval);
        if cur == END {
            return Err(NotInTable);
        }
        let ix = self.ix(hval) as u32;
        Ok(self
            .live_from(ix, self.entries[cur as usize].next)
            .map(|(_, e)| self.key_of(e)))
    }

    /// Calls `f` with each live key and its objects (oldest first) in traversal order,
    /// from `from`'s entry (inclusive) if given, until `f` returns false.
    pub fn walk(&self, from: Option<Term>, mut f: impl FnMut(Term, &[Stored]) -> bool) {
        let mut at = match from {
            None => self.live_from(0, self.buckets[0]),
            Some(k) => {
                let hval = make_hash(k);
                let (_, cur) = self.find(k, hval);
                if cur == END {
                    return;
                }
                self.live_from(self.ix(hval) as u32, cur)
            }
        };
        while let Some((ix, e)) = at {
            let entry = &self.entries[e as usize];
            if !f(self.key_of(e), &entry.objs) {
                return;
            }
            at = self.live_from(ix, entry.next);
        }
    }

    /// Every live object in traversal order (a key's objects newest first, as its chain
    /// holds them).
    pub fn iter(&self) -> impl Iterator<Item = Term> + '_ {
        let mut order = Vec::with_capacity(self.entries.len() - self.free.len());
        self.walk(None, |_, objs| {
            order.extend(objs.iter().rev().map(Stored::term));
            true
        });
        order.into_iter()
    }

    /// `slot(T, I)`: bucket `i`'s objects as erl lists them (the chain consed up), or
    /// None past the last bucket.
    pub fn slot(&self, i: usize) -> Option<Vec<Term>> {
        let mut cur = *self.buckets.get(i)?;
        let mut out = Vec::new();
        while cur != END {
            let e = &self.entries[cur as usize];
            if !e.dead {
                out.extend(e.objs.iter().rev().map(Stored::term));
            }
            cur = e.next;
        }
        out.reverse();
        Some(out)
    }

    /// Calls `f` with the objects (oldest first) of each live key in bucket `ix`, in
    /// chain order; nothing past the last bucket.
    pub fn bucket(&self, ix: usize, mut f: impl FnMut(&[Stored])) {
        let mut cur = self.buckets.get(ix).copied().unwrap_or(END);
        while cur != END {
            let e = &self.entries[cur as usize];
            if !e.dead {
                f(&e.objs);
            }
            cur = e.next;
        }
    }

    /// Active buckets (`slot/2`'s end).
    pub fn nactive(&self) -> usize {
        self.buckets.len()
    }
}
