//! One ETS table's objects, copied out of process heaps into table-owned fragments.
//!
//! OTP keeps set/bag tables in a linear hash (`erl_db_hash.c`) and ordered_set in an AVL
//! tree (`erl_db_tree.c`). Here an ordered_set is a B-tree keyed by the object's key,
//! compared with `==` term order (so `1` and `1.0` are one key); set, bag and
//! duplicate_bag are OTP's linear hash ([`super::hash`]), keys compared with `=:=`, so
//! their iteration order is erl's.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::hash::{Hash, NotInTable};
use crate::copy;
use crate::heap::{Fragment, HeapError};
use crate::ops::compare;
use crate::term::Term;

/// A term copied into its own fragment: it lives as long as this value, whatever
/// happens to the heap it came from (GC, the process's exit).
#[derive(Debug)]
pub struct Stored {
    term: Term,
    _frag: Option<Fragment>,
}

impl Stored {
    pub fn copy_of(t: Term) -> Result<Stored, HeapError> {
        if !t.is_pointer() {
            return Ok(Stored {
                term: t,
                _frag: None,
            });
        }
        let mut f = Fragment::new(copy::size_of(t))?;
        let term = copy::copy_term(t, &mut f)?;
        Ok(Stored {
            term,
            _frag: Some(f),
        })
    }
    pub fn term(&self) -> Term {
        self.term
    }
}

/// A key in a table's tree; `exact` selects `=:=` (set, bag) or `==` (ordered_set).
#[derive(Debug)]
pub struct Key {
    pub stored: Stored,
    exact: bool,
}

pub fn key_cmp(a: Term, b: Term, exact: bool) -> Ordering {
    let r = if exact {
        compare::compare_exact(a, b)
    } else {
        compare::compare(a, b)
    };
    r.unwrap_or(Ordering::Equal)
}

impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Key) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Key) -> Ordering {
        key_cmp(self.stored.term, o.stored.term, self.exact)
    }
}

/// The table types of `ets:new/2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Set,
    OrderedSet,
    Bag,
    DuplicateBag,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Set => "set",
            Kind::OrderedSet => "ordered_set",
            Kind::Bag => "bag",
            Kind::DuplicateBag => "duplicate_bag",
        }
    }
    pub fn is_bag(self) -> bool {
        matches!(self, Kind::Bag | Kind::DuplicateBag)
    }
}

/// The objects of one table.
#[derive(Debug)]
pub struct Objects {
    pub kind: Kind,
    /// 1-based key position.
    pub keypos: u32,
    store: Store,
}

#[derive(Debug)]
enum Store {
    /// ordered_set, with its object count.
    Tree(BTreeMap<Key, Vec<Stored>>, usize),
    Hash(Hash),
}

fn exact_eq(a: Term, b: Term) -> bool {
    compare::exact_eq(a, b).unwrap_or(false)
}

impl Objects {
    /// A table of `kind`; `fine_locked` (write_concurrency) changes a hash table's
    /// traversal order as it does in erl.
    pub fn new(kind: Kind, keypos: u32, fine_locked: bool) -> Objects {
        let store = match kind {
            Kind::OrderedSet => Store::Tree(BTreeMap::new(), 0),
            _ => Store::Hash(Hash::new(keypos, fine_locked)),
        };
        Objects {
            kind,
            keypos,
            store,
        }
    }

    /// Object count (`info(T, size)`).
    pub fn len(&self) -> usize {
        match &self.store {
            Store::Tree(_, n) => *n,
            Store::Hash(h) => h.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key of `obj`, a tuple of arity >= keypos (checked by the caller).
    pub fn key_of(&self, obj: Term) -> Option<Term> {
        crate::construct::tuple_get(obj, self.keypos - 1)
    }

    /// A key that borrows the caller's term (no copy, no fragment), for one comparison.
    fn probe_key(key: Term) -> Key {
        Key {
            stored: Stored {
                term: key,
                _frag: None,
            },
            exact: false,
        }
    }

    /// The objects with `key` (in insertion order for bags).
    pub fn lookup(&self, key: Term) -> &[Stored] {
        match &self.store {
            Store::Tree(t, _) => t.get(&Self::probe_key(key)).map_or(&[], |v| v.as_slice()),
            Store::Hash(h) => h.lookup(key),
        }
    }

    pub fn contains(&self, key: Term) -> bool {
        match &self.store {
            Store::Tree(t, _) => t.contains_key(&Self::probe_key(key)),
            Store::Hash(h) => h.contains(key),
        }
    }

    /// Inserts `obj`: replaces for sets, adds a new object for bags (an `=:=` duplicate
    /// is not added to a bag).
    pub fn insert(&mut self, obj: Term) -> Result<(), HeapError> {
        let key = self.key_of(obj).unwrap_or(Term::NIL);
        let kind = self.kind;
        match &mut self.store {
            Store::Hash(h) => h.insert(kind, obj, key),
            Store::Tree(tree, count) => {
                // The new object's key replaces the old one too (`1.0` after `1`: erl's
                // first/1 then gives `1.0`).
                let obj = Stored::copy_of(obj)?;
                let k = Key {
                    stored: Stored::copy_of(key)?,
                    exact: false,
                };
                if tree.remove(&Self::probe_key(key)).is_none() {
                    *count += 1;
                }
                tree.insert(k, vec![obj]);
                Ok(())
            }
        }
    }

    /// Writes `elems` over the object of `key` where they differ, if it is the key's only
    /// object, has as many elements, and each changed element is an immediate before and
    /// after (update_counter on small integers: erl updates in place too, and a new copy
    /// would cost a fragment per call); false, with nothing written, otherwise.
    pub fn update_in_place(&mut self, key: Term, elems: &[Term]) -> bool {
        let [s] = self.lookup(key) else {
            return false;
        };
        let obj = s.term();
        if crate::construct::tuple_arity(obj) != Some(elems.len() as u32) {
            return false;
        }
        let mut changed: smallvec::SmallVec<[(u32, Term); 4]> = smallvec::SmallVec::new();
        for (i, &e) in elems.iter().enumerate() {
            let Some(old) = crate::construct::tuple_get(obj, i as u32) else {
                return false;
            };
            if old != e {
                if old.is_pointer() || e.is_pointer() {
                    return false;
                }
                changed.push((i as u32, e));
            }
        }
        for (i, e) in changed {
            // SAFETY: element i of a tuple just read through checked reads, in a fragment
            // this table owns (`&mut self`: nothing else reads or writes it meanwhile);
            // both words are immediates, so no term is lost or shared.
            unsafe { crate::mem::raw_write(obj.ptr() + 4 + 4 * i, e.0) };
        }
        true
    }

    /// `update_counter`'s usual call in place: element `pos` (1-based) of the key's only
    /// object, a small, plus `incr`, when the sum is a small too; the new value, or
    /// `None` with nothing written (the caller's general path decides everything else,
    /// errors included).
    pub fn add_to_small_element(&mut self, key: Term, pos: u32, incr: i64) -> Option<Term> {
        let [s] = self.lookup(key) else {
            return None;
        };
        let obj = s.term();
        let i = pos.checked_sub(1)?;
        let old = crate::construct::tuple_get(obj, i)?;
        let new = Term::small((old.small_value()? as i64).checked_add(incr)?)?;
        // SAFETY: element i of a tuple just read through a checked read, in a fragment
        // this table owns (`&mut self`: nothing else reads or writes it meanwhile); both
        // words are immediates, so no term is lost or shared.
        unsafe { crate::mem::raw_write(obj.ptr() + 4 + 4 * i, new.0) };
        Some(new)
    }

    /// Replaces the single object of a set-type table under the key of `obj`.
    pub fn replace(&mut self, obj: Term) -> Result<(), HeapError> {
        self.insert(obj)
    }

    /// Removes every object with `key`; how many there were.
    pub fn delete_key(&mut self, key: Term) -> usize {
        match &mut self.store {
            Store::Hash(h) => h.delete_key(key),
            Store::Tree(t, count) => {
                let n = t.remove(&Self::probe_key(key)).map_or(0, |v| v.len());
                *count -= n;
                n
            }
        }
    }

    /// Removes the objects `=:=` to `obj` (all duplicates in a duplicate_bag).
    pub fn delete_object(&mut self, obj: Term) {
        let Some(key) = self.key_of(obj) else { return };
        let kind = self.kind;
        match &mut self.store {
            Store::Hash(h) => h.delete_object(kind, obj, key),
            Store::Tree(t, count) => {
                let probe = Self::probe_key(key);
                if t.get(&probe).is_some_and(|v| exact_eq(v[0].term, obj)) {
                    t.remove(&probe);
                    *count -= 1;
                }
            }
        }
    }

    /// Removes the objects for which `pick` says true; how many.
    pub fn delete_where(&mut self, mut pick: impl FnMut(Term) -> bool) -> usize {
        match &mut self.store {
            Store::Hash(h) => h.delete_where(pick),
            Store::Tree(t, count) => {
                let mut n = 0;
                t.retain(|_, v| {
                    let before = v.len();
                    v.retain(|s| !pick(s.term));
                    n += before - v.len();
                    !v.is_empty()
                });
                *count -= n;
                n
            }
        }
    }

    pub fn clear(&mut self) {
        match &mut self.store {
            Store::Hash(h) => h.clear(),
            Store::Tree(t, count) => {
                t.clear();
                *count = 0;
            }
        }
    }

    /// `safe_fixtable/2`: a fixed hash table neither grows nor shrinks and keeps deleted
    /// keys for next/2 until unfixed (a B-tree needs nothing).
    pub fn fix(&mut self, on: bool) {
        if let Store::Hash(h) = &mut self.store {
            h.fix(on);
        }
    }

    /// Every object: in key order for an ordered_set, in traversal order for a hash
    /// table (what first/next visit; select's result is the reverse).
    pub fn iter(&self) -> Box<dyn Iterator<Item = Term> + '_> {
        match &self.store {
            Store::Tree(t, _) => Box::new(t.values().flat_map(|v| v.iter().map(|s| s.term))),
            Store::Hash(h) => Box::new(h.iter()),
        }
    }

    pub fn first(&self) -> Option<Term> {
        match &self.store {
            Store::Tree(t, _) => t.keys().next().map(|k| k.stored.term),
            Store::Hash(h) => h.first(),
        }
    }
    /// A hash table's last is its first (erl: `last == first`).
    pub fn last(&self) -> Option<Term> {
        match &self.store {
            Store::Tree(t, _) => t.keys().next_back().map(|k| k.stored.term),
            Store::Hash(h) => h.first(),
        }
    }

    /// The key after `key` (for an ordered_set it need not be in the table; for a hash
    /// table it must: `Err` otherwise).
    pub fn next(&self, key: Term) -> Result<Option<Term>, NotInTable> {
        use std::ops::Bound::{Excluded, Unbounded};
        match &self.store {
            Store::Hash(h) => h.next(key),
            Store::Tree(t, _) => Ok(t
                .range((Excluded(&Self::probe_key(key)), Unbounded))
                .next()
                .map(|(k, _)| k.stored.term)),
        }
    }

    /// The key before `key` (a hash table's prev is its next).
    pub fn prev(&self, key: Term) -> Result<Option<Term>, NotInTable> {
        use std::ops::Bound::{Excluded, Unbounded};
        match &self.store {
            Store::Hash(h) => h.next(key),
            Store::Tree(t, _) => Ok(t
                .range((Unbounded, Excluded(&Self::probe_key(key))))
                .next_back()
                .map(|(k, _)| k.stored.term)),
        }
    }

    /// The hash table of a set, bag or duplicate_bag.
    pub fn hash(&self) -> Option<&Hash> {
        match &self.store {
            Store::Hash(h) => Some(h),
            Store::Tree(..) => None,
        }
    }

    /// Is this a hash table (set, bag, duplicate_bag)?
    pub fn is_hash(&self) -> bool {
        matches!(self.store, Store::Hash(_))
    }

    /// Calls `f` with each key and its objects (oldest first): in key order for an
    /// ordered_set (descending with `reverse`), in traversal order for a hash table;
    /// starting at `from` (inclusive) if given, until `f` returns false.
    pub fn walk(
        &self,
        from: Option<Term>,
        reverse: bool,
        mut f: impl FnMut(Term, &[Stored]) -> bool,
    ) {
        use std::ops::Bound::{Included, Unbounded};
        let tree = match &self.store {
            Store::Hash(h) => return h.walk(from, f),
            Store::Tree(t, _) => t,
        };
        let probe = from.map(Self::probe_key);
        let lo = match (&probe, reverse) {
            (Some(p), false) => Included(p),
            _ => Unbounded,
        };
        let hi = match (&probe, reverse) {
            (Some(p), true) => Included(p),
            _ => Unbounded,
        };
        let range = tree.range((lo, hi));
        let mut step = |(k, v): (&Key, &Vec<Stored>)| f(k.stored.term, v);
        if reverse {
            for e in range.rev() {
                if !step(e) {
                    return;
                }
            }
        } else {
            for e in range {
                if !step(e) {
                    return;
                }
            }
        }
    }

    /// `slot(T, I)` of a hash table: bucket I's objects as erl lists them, None past
    /// the last bucket (`slot_end`); an ordered_set's I-th object.
    pub fn slot(&self, i: usize) -> Option<Vec<Term>> {
        match &self.store {
            Store::Hash(h) => h.slot(i),
            Store::Tree(t, _) => t.values().flatten().nth(i).map(|s| vec![s.term]),
        }
    }

    /// The one `slot/2` index that gives `'$end_of_table'`.
    pub fn slot_end(&self) -> usize {
        match &self.store {
            Store::Hash(h) => h.nactive(),
            Store::Tree(_, n) => *n,
        }
    }

    /// Words of storage (for `info(T, memory)`).
    pub fn words(&self) -> usize {
        self.iter().map(|t| copy::size_of(t) as usize + 1).sum()
    }
}
