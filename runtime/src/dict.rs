//! The process dictionary (`put/2`, `get/1`, `erase/1`): key/value terms that live on
//! the process heap and are roots for its collector.
//!
//! Keys are compared with a caller-supplied exact equality (`=:=`): the BIF layer passes
//! the one from [`crate::ops`], which owns term equality. A linear table is enough for
//! the handful of keys real programs keep; OTP hashes because some keep thousands, and
//! that can replace this without changing the interface.

use crate::term::Term;

/// Exact term equality (`=:=`).
pub type TermEq<'a> = &'a dyn Fn(Term, Term) -> bool;

#[derive(Debug, Default)]
pub struct Dictionary {
    entries: Vec<(Term, Term)>,
}

impl Dictionary {
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, key: Term, eq: TermEq<'_>) -> Option<usize> {
        // Identical words are equal terms: skips the deep compare in the common case of
        // atom and small-integer keys.
        self.entries
            .iter()
            .position(|&(k, _)| k == key || eq(k, key))
    }

    /// The value stored under `key`.
    pub fn get(&self, key: Term, eq: TermEq<'_>) -> Option<Term> {
        self.find(key, eq).map(|i| self.entries[i].1)
    }

    /// Stores `value` under `key` and returns the previous value. Both must be terms of
    /// the owning process's heap (or immediates/literals).
    pub fn put(&mut self, key: Term, value: Term, eq: TermEq<'_>) -> Option<Term> {
        match self.find(key, eq) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Removes `key` and returns its value.
    pub fn erase(&mut self, key: Term, eq: TermEq<'_>) -> Option<Term> {
        self.find(key, eq).map(|i| self.entries.remove(i).1)
    }

    /// All entries, in insertion order.
    pub fn entries(&self) -> &[(Term, Term)] {
        &self.entries
    }

    /// Every key and value, for the collector's root set.
    pub(crate) fn roots_mut(&mut self) -> impl Iterator<Item = &mut Term> {
        self.entries.iter_mut().flat_map(|(k, v)| [k, v])
    }
}
