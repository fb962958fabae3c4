//! The process table: pid number → process, with a serial per slot so stale pids miss.
//! A running process is taken out of its slot (the scheduler holds it), leaving the slot
//! marked running so its pid stays reserved.
//!
//! Slots are handed out as OTP's erl_ptab.c hands them out: every slot of the table in
//! order first, then freed slots in the order they were freed (a ring of free ids), so
//! pids come out as erl's do (`<0.80.0>`, `<0.81.0>`, ... however many processes have
//! ended meanwhile) and a freed pid is reused as late as possible.

use std::collections::VecDeque;

use crate::process::{Pid, ProcError, Process, MAX_PROCESSES};

#[derive(Debug)]
enum Entry {
    Free,
    Present(Box<Process>),
    Running,
}

#[derive(Debug)]
struct Slot {
    serial: u32,
    entry: Entry,
}

#[derive(Debug, Default)]
pub struct ProcTable {
    slots: Vec<Slot>,
    /// Freed slots, oldest first.
    free: VecDeque<u32>,
    live: usize,
}

impl ProcTable {
    /// Processes alive (running ones included).
    pub fn len(&self) -> usize {
        self.live
    }
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Reserves a slot and returns the pid the new process will have.
    pub fn reserve(&mut self) -> Result<Pid, ProcError> {
        let limit = crate::process::process_limit();
        if self.live >= limit {
            return Err(ProcError::TooManyProcesses(limit));
        }
        // A slot never used while the table (the `+P` limit) has one, else the slot freed
        // longest ago (its serial was bumped when it was freed).
        let index = if self.slots.len() < limit.min(MAX_PROCESSES) {
            self.slots.push(Slot {
                serial: 0,
                entry: Entry::Free,
            });
            self.slots.len() as u32 - 1
        } else {
            match self.free.pop_front() {
                Some(i) => i,
                None => return Err(ProcError::TooManyProcesses(limit)),
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.entry = Entry::Running;
        self.live += 1;
        Ok(Pid::new(index, slot.serial))
    }

    fn slot(&self, pid: Pid) -> Option<&Slot> {
        self.slots
            .get(pid.number() as usize)
            .filter(|s| s.serial == pid.serial() && !matches!(s.entry, Entry::Free))
    }

    fn slot_mut(&mut self, pid: Pid) -> Option<&mut Slot> {
        self.slots
            .get_mut(pid.number() as usize)
            .filter(|s| s.serial == pid.serial() && !matches!(s.entry, Entry::Free))
    }

    /// Whether `pid` names a live process (running or not).
    pub fn is_alive(&self, pid: Pid) -> bool {
        self.slot(pid).is_some()
    }

    /// The process, unless it is dead or currently running.
    pub fn get(&self, pid: Pid) -> Option<&Process> {
        match &self.slot(pid)?.entry {
            Entry::Present(p) => Some(p),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, pid: Pid) -> Option<&mut Process> {
        match &mut self.slot_mut(pid)?.entry {
            Entry::Present(p) => Some(p),
            _ => None,
        }
    }

    /// Takes the process out to run it (its slot stays reserved).
    pub fn take(&mut self, pid: Pid) -> Option<Box<Process>> {
        let slot = self.slot_mut(pid)?;
        match std::mem::replace(&mut slot.entry, Entry::Running) {
            Entry::Present(p) => Some(p),
            other => {
                slot.entry = other;
                None
            }
        }
    }

    /// Puts a process (new, or back after running) into its reserved slot.
    pub fn put(&mut self, p: Box<Process>) {
        if let Some(slot) = self.slot_mut(p.pid) {
            slot.entry = Entry::Present(p);
        }
    }

    /// Frees the slot of `pid` (its process already taken out or dropped).
    pub fn free(&mut self, pid: Pid) {
        let index = pid.number();
        if let Some(slot) = self.slot_mut(pid) {
            slot.entry = Entry::Free;
            slot.serial = Pid::next_serial(slot.serial);
            self.free.push_back(index);
            self.live -= 1;
        }
    }

    /// Every live process that is not running.
    pub fn iter(&self) -> impl Iterator<Item = &Process> {
        self.slots.iter().filter_map(|s| match &s.entry {
            Entry::Present(p) => Some(&**p),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pids come out in order whatever ended meanwhile, and once every slot of the table
    /// has been used, freed slots come back oldest first with a new serial (erl_ptab.c).
    #[test]
    fn slots_in_order_then_oldest_freed_first() {
        let limit = crate::process::set_process_limit(1024);
        let mut t = ProcTable::default();
        let a = t.reserve().unwrap();
        let b = t.reserve().unwrap();
        t.free(a);
        let c = t.reserve().unwrap();
        assert_eq!((a.number(), b.number(), c.number()), (0, 1, 2));
        for _ in 3..limit {
            t.reserve().unwrap();
        }
        t.free(c);
        t.free(b);
        // Slot 0 was freed first, then 2, then 1.
        let order: Vec<(u32, u32)> = (0..3)
            .map(|_| {
                let p = t.reserve().unwrap();
                (p.number(), p.serial())
            })
            .collect();
        assert_eq!(order, vec![(0, 1), (2, 1), (1, 1)]);
        assert!(matches!(t.reserve(), Err(ProcError::TooManyProcesses(_))));
        assert!(!t.is_alive(a) && t.is_alive(Pid::new(0, 1)));
    }
}
