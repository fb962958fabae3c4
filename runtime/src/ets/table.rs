//! One ETS table's objects, copied out of process heaps into table-owned fragments.
//!
//! OTP keeps set/bag tables in a linear hash (`erl_db_hash.c`) and ordered_set in an AVL
//! tree (`erl_db_tree.c`). Here every table is a B-tree keyed by the object's key: an
//! ordered_set compares keys with `==` term order (so `1` and `1.0` are one key), the
//! other types with exact order (`=:=`), so lookups are O(log n) for every type. The
//! iteration order of set/bag tables is therefore term order, where OTP's is its hash
//! order (documented as unspecified).

use std::cmp::Ordering;
use std::collections::BTreeMap;

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
    tree: BTreeMap<Key, Vec<Stored>>,
    count: usize,
}

fn exact_eq(a: Term, b: Term) -> bool {
    compare::exact_eq(a, b).unwrap_or(false)
}

impl Objects {
    pub fn new(kind: Kind, keypos: u32) -> Objects {
        Objects {
            kind,
            keypos,
            tree: BTreeMap::new(),
            count: 0,
        }
    }

    fn exact(&self) -> bool {
        self.kind != Kind::OrderedSet
    }

    /// Object count (`info(T, size)`).
    pub fn len(&self) -> usize {
        self.count
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The key of `obj`, a tuple of arity >= keypos (checked by the caller).
    pub fn key_of(&self, obj: Term) -> Option<Term> {
        crate::construct::tuple_get(obj, self.keypos - 1)
    }

    fn find(&self, key: Term) -> Option<(&Key, &Vec<Stored>)> {
        self.tree.get_key_value(&self.probe_key(key).ok()?)
    }

    /// A key that borrows the caller's term (no copy, no fragment), for one comparison.
    fn probe_key(&self, key: Term) -> Result<Key, HeapError> {
        Ok(Key {
            stored: Stored {
                term: key,
                _frag: None,
            },
            exact: self.exact(),
        })
    }

    /// The objects with `key` (in insertion order for bags).
    pub fn lookup(&self, key: Term) -> &[Stored] {
        self.find(key).map_or(&[], |(_, v)| v.as_slice())
    }

    pub fn contains(&self, key: Term) -> bool {
        self.find(key).is_some()
    }

    /// Inserts `obj`: replaces for sets, adds a new object for bags (an `=:=` duplicate
    /// is not added to a bag).
    pub fn insert(&mut self, obj: Term) -> Result<(), HeapError> {
        let key = self.key_of(obj).unwrap_or(Term::NIL);
        let exact = self.exact();
        let kind = self.kind;
        let probe = self.probe_key(key)?;
        if kind == Kind::OrderedSet {
            // The new object's key replaces the old one too (`1.0` after `1`: erl's
            // first/1 then gives `1.0`).
            let obj = Stored::copy_of(obj)?;
            let k = Key {
                stored: Stored::copy_of(key)?,
                exact,
            };
            if self.tree.remove(&probe).is_none() {
                self.count += 1;
            }
            self.tree.insert(k, vec![obj]);
            return Ok(());
        }
        if let Some(v) = self.tree.get_mut(&probe) {
            match kind {
                Kind::Set | Kind::OrderedSet => {
                    v[0] = Stored::copy_of(obj)?;
                }
                Kind::Bag => {
                    if !v.iter().any(|s| exact_eq(s.term, obj)) {
                        v.push(Stored::copy_of(obj)?);
                        self.count += 1;
                    }
                }
                Kind::DuplicateBag => {
                    v.push(Stored::copy_of(obj)?);
                    self.count += 1;
                }
            }
            return Ok(());
        }
        let k = Key {
            stored: Stored::copy_of(key)?,
            exact,
        };
        self.tree.insert(k, vec![Stored::copy_of(obj)?]);
        self.count += 1;
        Ok(())
    }

    /// Replaces the single object of a set-type table under the key of `obj`.
    pub fn replace(&mut self, obj: Term) -> Result<(), HeapError> {
        self.insert(obj)
    }

    /// Removes every object with `key`; how many there were.
    pub fn delete_key(&mut self, key: Term) -> usize {
        let Ok(probe) = self.probe_key(key) else {
            return 0;
        };
        let n = self.tree.remove(&probe).map_or(0, |v| v.len());
        self.count -= n;
        n
    }

    /// Removes the objects `=:=` to `obj` (all duplicates in a duplicate_bag).
    pub fn delete_object(&mut self, obj: Term) {
        let Some(key) = self.key_of(obj) else { return };
        let Ok(probe) = self.probe_key(key) else {
            return;
        };
        let mut empty = false;
        if let Some(v) = self.tree.get_mut(&probe) {
            let before = v.len();
            v.retain(|s| !exact_eq(s.term, obj));
            self.count -= before - v.len();
            empty = v.is_empty();
        }
        if empty {
            self.tree.remove(&probe);
        }
    }

    /// Removes the objects for which `pick` says true; how many.
    pub fn delete_where(&mut self, mut pick: impl FnMut(Term) -> bool) -> usize {
        let mut n = 0;
        self.tree.retain(|_, v| {
            let before = v.len();
            v.retain(|s| !pick(s.term));
            n += before - v.len();
            !v.is_empty()
        });
        self.count -= n;
        n
    }

    pub fn clear(&mut self) {
        self.tree.clear();
        self.count = 0;
    }

    /// Every object, in key order (insertion order within a key).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Term> + '_ {
        self.tree.values().flat_map(|v| v.iter().map(|s| s.term))
    }

    /// Every key, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = Term> + '_ {
        self.tree.keys().map(|k| k.stored.term)
    }

    pub fn first(&self) -> Option<Term> {
        self.tree.keys().next().map(|k| k.stored.term)
    }
    pub fn last(&self) -> Option<Term> {
        self.tree.keys().next_back().map(|k| k.stored.term)
    }

    /// The key after `key` (which need not be in the table).
    pub fn next(&self, key: Term) -> Option<Term> {
        use std::ops::Bound::{Excluded, Unbounded};
        let probe = self.probe_key(key).ok()?;
        self.tree
            .range((Excluded(&probe), Unbounded))
            .next()
            .map(|(k, _)| k.stored.term)
    }

    /// The key before `key`.
    pub fn prev(&self, key: Term) -> Option<Term> {
        use std::ops::Bound::{Excluded, Unbounded};
        let probe = self.probe_key(key).ok()?;
        self.tree
            .range((Unbounded, Excluded(&probe)))
            .next_back()
            .map(|(k, _)| k.stored.term)
    }

    /// Calls `f` with each key and its objects, in key order (descending with
    /// `reverse`), starting at `from` (inclusive) if given, until `f` returns false.
    pub fn walk(
        &self,
        from: Option<Term>,
        reverse: bool,
        mut f: impl FnMut(Term, &[Stored]) -> bool,
    ) {
        use std::ops::Bound::{Included, Unbounded};
        let probe = from.and_then(|k| self.probe_key(k).ok());
        let lo = match (&probe, reverse) {
            (Some(p), false) => Included(p),
            _ => Unbounded,
        };
        let hi = match (&probe, reverse) {
            (Some(p), true) => Included(p),
            _ => Unbounded,
        };
        let range = self.tree.range((lo, hi));
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

    /// The objects of the `i`-th key (0-based), for `ets:slot/2`.
    pub fn slot(&self, i: usize) -> Option<&[Stored]> {
        self.tree.values().nth(i).map(|v| v.as_slice())
    }

    /// Key count (for `slot/2`'s end).
    pub fn key_count(&self) -> usize {
        self.tree.len()
    }

    /// Words of storage (for `info(T, memory)`).
    pub fn words(&self) -> usize {
        self.iter().map(|t| copy::size_of(t) as usize + 1).sum()
    }
}
