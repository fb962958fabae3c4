//! ETS tables (`erl_db.c`): the per-scheduler table registry, access rights and the
//! owner's-exit hook. The BIFs are in `beam-vm`'s `bifs_ets.rs`; objects live in
//! [`table::Objects`], copied out of process heaps, so a table survives any collection
//! and its owner's exit (until the owner's exit deletes it or gives it to the heir).

pub mod globals;
pub mod hash;
pub mod table;

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::heap::HeapError;
use crate::mailbox::Message;
use crate::process::Pid;
use crate::term::Term;
pub use table::{Kind, Objects, Stored};

/// `public`, `protected` (the default) or `private`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Protected,
    Private,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Protected => "protected",
            Access::Private => "private",
        }
    }
}

/// One table.
#[derive(Debug)]
pub struct Table {
    /// The reference numbers of its tid.
    pub id: [u32; 3],
    /// Its name (an atom; every table has one, `named_table` makes it an address).
    pub name: Term,
    pub named: bool,
    pub access: Access,
    pub owner: Pid,
    /// `{heir, Pid, Data}`.
    pub heir: Option<(Pid, Stored)>,
    pub read_concurrency: bool,
    pub write_concurrency: bool,
    pub compressed: bool,
    pub objects: Objects,
    /// `safe_fixtable(T, true)` calls not yet undone, per process (released when the
    /// process ends, as erl does).
    pub fixers: Vec<(Pid, u32)>,
    /// When the table became fixed (by the first fixer): monotonic time in nanoseconds
    /// and system time in microseconds since 1970, for `info(T, safe_fixed)` and
    /// `safe_fixed_monotonic_time` (set by the caller; meaningless while `fixers` is
    /// empty).
    pub fixed_since: (u128, u128),
}

impl Table {
    /// `safe_fixtable(T, on)` by `pid`.
    pub fn fix(&mut self, pid: Pid, on: bool) {
        let i = self.fixers.iter().position(|&(p, _)| p == pid);
        match (i, on) {
            (Some(i), true) => self.fixers[i].1 += 1,
            (None, true) => self.fixers.push((pid, 1)),
            (Some(i), false) => {
                self.fixers[i].1 -= 1;
                if self.fixers[i].1 == 0 {
                    self.fixers.remove(i);
                }
            }
            // Unfixing a table this process has not fixed does nothing (erl).
            (None, false) => return,
        }
        self.objects.fix(on);
    }

    /// The process `pid` ended: its fixations go.
    fn unfix_all(&mut self, pid: Pid) {
        if let Some(i) = self.fixers.iter().position(|&(p, _)| p == pid) {
            let (_, n) = self.fixers.remove(i);
            for _ in 0..n {
                self.objects.fix(false);
            }
        }
    }

    /// May `pid` read (`write == false`) or write this table?
    pub fn allows(&self, pid: Pid, write: bool) -> bool {
        match self.access {
            Access::Public => true,
            Access::Protected => !write || pid == self.owner,
            Access::Private => pid == self.owner,
        }
    }
}

/// Every table of one scheduler.
#[derive(Debug, Default)]
pub struct Tables {
    /// By tid, in creation order (`ets:all/0` lists the newest first, as OTP does).
    pub by_id: BTreeMap<[u32; 3], Table>,
    /// Named tables: name atom → tid.
    pub names: FxHashMap<u32, [u32; 3]>,
    /// Creation order of tids.
    pub order: Vec<[u32; 3]>,
}

impl Tables {
    /// The tid that `t` (a tid reference's numbers or a name atom) addresses.
    pub fn resolve(&self, t: Term) -> Option<[u32; 3]> {
        if t.is_atom() {
            return self.names.get(&t.0).copied();
        }
        let id = crate::construct::ref_numbers(t)?;
        self.by_id.contains_key(&id).then_some(id)
    }

    /// One lookup (resolving first looked the tid up twice on every ETS call).
    pub fn get(&self, t: Term) -> Option<&Table> {
        self.by_id.get(&self.id_of(t)?)
    }
    pub fn get_mut(&mut self, t: Term) -> Option<&mut Table> {
        let id = self.id_of(t)?;
        self.by_id.get_mut(&id)
    }

    /// The tid `t` names, unchecked for a tid reference.
    fn id_of(&self, t: Term) -> Option<[u32; 3]> {
        if t.is_atom() {
            return self.names.get(&t.0).copied();
        }
        crate::construct::ref_numbers(t)
    }

    pub fn add(&mut self, t: Table) {
        if t.named {
            self.names.insert(t.name.0, t.id);
        }
        self.order.push(t.id);
        self.by_id.insert(t.id, t);
    }

    pub fn remove(&mut self, id: [u32; 3]) -> Option<Table> {
        let t = self.by_id.remove(&id)?;
        if t.named {
            self.names.remove(&t.name.0);
        }
        self.order.retain(|&x| x != id);
        Some(t)
    }
}

thread_local! {
    /// One registry per scheduler thread (one VM runs per thread, as the process
    /// registry); [`reset`] empties it when a new scheduler starts.
    static TABLES: RefCell<Tables> = RefCell::new(Tables::default());
}

/// Runs `f` on this thread's tables.
pub fn with<R>(f: impl FnOnce(&mut Tables) -> R) -> R {
    TABLES.with(|t| f(&mut t.borrow_mut()))
}

/// Forgets every table, persistent term and atomics array (a new scheduler: the previous one's processes are gone).
pub fn reset() {
    let old = TABLES.with(|t| std::mem::take(&mut *t.borrow_mut()));
    drop(old);
    globals::reset();
}

/// The owner `pid` has exited: each table it owns goes to its heir (if alive, with the
/// message `{'ETS-TRANSFER', Tid, FromPid, HeirData}`) or is deleted (`erl_db.c`,
/// `erts_db_process_exiting`). Returns the messages to deliver.
pub fn owner_exited(pid: Pid, alive: impl Fn(Pid) -> bool) -> Vec<(Pid, Message)> {
    with(|tabs| {
        for t in tabs.by_id.values_mut() {
            t.unfix_all(pid);
        }
        let owned: Vec<[u32; 3]> = tabs
            .order
            .iter()
            .copied()
            .filter(|id| tabs.by_id.get(id).is_some_and(|t| t.owner == pid))
            .collect();
        let mut out = Vec::new();
        for id in owned {
            let heir = tabs.by_id.get(&id).and_then(|t| {
                t.heir
                    .as_ref()
                    .filter(|(h, _)| *h != pid && alive(*h))
                    .map(|(h, d)| (*h, d.term()))
            });
            let msg = |h: Pid, d: Term| {
                let t = tabs.by_id.get(&id)?;
                Some((h, transfer_message(t, pid, d)))
            };
            match heir.and_then(|(h, d)| msg(h, d)) {
                Some((h, Ok(m))) => {
                    if let Some(t) = tabs.by_id.get_mut(&id) {
                        t.owner = h;
                    }
                    out.push((h, m));
                }
                _ => {
                    tabs.remove(id);
                }
            }
        }
        out
    })
}

/// `{'ETS-TRANSFER', Tab, From, Data}`: `Tab` is the name of a named table, else its tid
/// (as erl sends it).
pub fn transfer_message(t: &Table, from: Pid, data: Term) -> Result<Message, HeapError> {
    let mut scratch = crate::heap::Fragment::new(crate::construct::REF_WORDS)?;
    let tid = if t.named {
        t.name
    } else {
        crate::construct::make_ref(&mut scratch, t.id)?
    };
    let tag =
        crate::atom::intern("ETS-TRANSFER").map_err(|_| HeapError::Full { need: 0, free: 0 })?;
    Message::tuple(&[tag, tid, from.term(), data])
}
