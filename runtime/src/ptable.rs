//! The process table: pid number → process, with a serial per slot so stale pids miss.
//! A running process is taken out of its slot (the scheduler holds it), leaving the slot
//! marked running so its pid stays reserved.

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
    free: Vec<u32>,
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
        // Reuse the oldest freed slot last (FIFO would need a deque): reuse the most
        // recently freed one, whose serial was bumped at free time.
        let limit = crate::process::process_limit();
        if self.live >= limit {
            return Err(ProcError::TooManyProcesses(limit));
        }
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                if self.slots.len() >= MAX_PROCESSES {
                    return Err(ProcError::TooManyProcesses(MAX_PROCESSES));
                }
                self.slots.push(Slot {
                    serial: 0,
                    entry: Entry::Free,
                });
                self.slots.len() as u32 - 1
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
            self.free.push(index);
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
