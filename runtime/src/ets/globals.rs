//! Node-wide term stores that are not tables: `persistent_term` (`erl_bif_persistent.c`)
//! and the arrays behind `atomics` and `counters` (`erl_bif_atomics.c`,
//! `erl_bif_counters.c`). Per scheduler thread, like the tables, and emptied with them.
//!
//! Persistent terms are copied into their own fragments (erl copies them to a literal
//! area). Atomics arrays here live until the VM ends (erl frees one when the last
//! reference to it is collected).

use std::cell::RefCell;
use std::collections::HashMap;

use super::table::Stored;
use crate::heap::HeapError;
use crate::ops::compare;
use crate::term::Term;

/// One `atomics:new/2` array: 64-bit cells, read as signed or unsigned.
#[derive(Debug)]
pub struct Atomics {
    pub signed: bool,
    pub cells: Vec<u64>,
}

#[derive(Debug, Default)]
struct Globals {
    persistent: Vec<(Stored, Stored)>,
    atomics: HashMap<[u32; 3], Atomics>,
}

thread_local! {
    static GLOBALS: RefCell<Globals> = RefCell::new(Globals::default());
}

pub(super) fn reset() {
    let old = GLOBALS.with(|g| std::mem::take(&mut *g.borrow_mut()));
    drop(old);
}

fn find(ps: &[(Stored, Stored)], key: Term) -> Option<usize> {
    ps.iter()
        .position(|(k, _)| compare::exact_eq(k.term(), key).unwrap_or(false))
}

/// `persistent_term:put/2`.
pub fn persistent_put(key: Term, value: Term) -> Result<(), HeapError> {
    let (k, v) = (Stored::copy_of(key)?, Stored::copy_of(value)?);
    GLOBALS.with(|g| {
        let ps = &mut g.borrow_mut().persistent;
        match find(ps, key) {
            Some(i) => ps[i] = (k, v),
            None => ps.push((k, v)),
        }
    });
    Ok(())
}

/// Runs `f` on the value stored under `key` (a term in the store's memory).
pub fn persistent_get<R>(key: Term, f: impl FnOnce(Option<Term>) -> R) -> R {
    GLOBALS.with(|g| {
        let g = g.borrow();
        f(find(&g.persistent, key).map(|i| g.persistent[i].1.term()))
    })
}

/// `persistent_term:erase/1`: whether there was one.
pub fn persistent_erase(key: Term) -> bool {
    GLOBALS.with(|g| {
        let ps = &mut g.borrow_mut().persistent;
        find(ps, key).map(|i| ps.remove(i)).is_some()
    })
}

/// Runs `f` on every `(key, value)`, in insertion order.
pub fn persistent_all<R>(f: impl FnOnce(&mut dyn Iterator<Item = (Term, Term)>) -> R) -> R {
    GLOBALS.with(|g| {
        let g = g.borrow();
        let mut it = g.persistent.iter().map(|(k, v)| (k.term(), v.term()));
        f(&mut it)
    })
}

/// Registers a new atomics array under reference numbers `id`.
pub fn atomics_new(id: [u32; 3], size: usize, signed: bool) {
    GLOBALS.with(|g| {
        g.borrow_mut().atomics.insert(
            id,
            Atomics {
                signed,
                cells: vec![0; size],
            },
        )
    });
}

/// Runs `f` on the array `id`, if there is one.
pub fn with_atomics<R>(id: [u32; 3], f: impl FnOnce(&mut Atomics) -> R) -> Option<R> {
    GLOBALS.with(|g| g.borrow_mut().atomics.get_mut(&id).map(f))
}
