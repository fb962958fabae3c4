//! Timers for `receive ... after`: a binary heap of deadlines on a monotonic millisecond
//! clock. The clock is either the host's monotonic clock or a manual one that tests
//! advance, so timeout behaviour is tested without sleeping.
//!
//! Cancelling is lazy: a process remembers the id of its one running timer and a fired
//! entry whose id no longer matches is ignored (OTP cancels eagerly in its timer wheel;
//! lazily is simpler and costs one stale entry per cancelled timer until its deadline).

use crate::process::Pid;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// Where time comes from.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The host's monotonic clock, in milliseconds since `start`.
    Monotonic { start: Instant },
    /// Time moves only when [`Clock::advance`] is called (tests).
    Manual { now_ms: u64 },
}

impl Clock {
    pub fn monotonic() -> Clock {
        Clock::Monotonic {
            start: Instant::now(),
        }
    }
    pub fn manual() -> Clock {
        Clock::Manual { now_ms: 0 }
    }
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::Monotonic { start } => start.elapsed().as_millis() as u64,
            Clock::Manual { now_ms } => *now_ms,
        }
    }
    /// The tick at which a timeout of `ms` milliseconds started now has run out: the
    /// first whole millisecond at or after the exact deadline, so a receive timeout never
    /// ends early (`now_ms` truncates; `now_ms() + ms` fired up to a millisecond early).
    pub fn deadline_ms(&self, ms: u64) -> u64 {
        match self {
            Clock::Monotonic { start } => {
                let ns = start.elapsed().as_nanos() + u128::from(ms) * 1_000_000;
                u64::try_from(ns.div_ceil(1_000_000)).unwrap_or(u64::MAX)
            }
            Clock::Manual { now_ms } => now_ms.saturating_add(ms),
        }
    }
    pub fn is_manual(&self) -> bool {
        matches!(self, Clock::Manual { .. })
    }
    /// Moves a manual clock forward; a monotonic clock ignores this.
    pub fn advance(&mut self, ms: u64) {
        if let Clock::Manual { now_ms } = self {
            *now_ms = now_ms.saturating_add(ms);
        }
    }
}

/// Pending timers ordered by deadline (then by id, i.e. creation order).
#[derive(Debug, Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<(u64, u64, Pid)>>,
    next_id: u64,
}

impl Timers {
    /// Starts a timer for `pid` firing at `deadline_ms`; returns its id.
    pub fn start(&mut self, pid: Pid, deadline_ms: u64) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.heap.push(Reverse((deadline_ms, id, pid)));
        id
    }

    /// The earliest deadline still queued (it may belong to a cancelled timer).
    pub fn next_deadline(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((d, _, _))| *d)
    }

    /// The earliest queued entry as `(deadline, id, pid)`.
    pub fn peek(&self) -> Option<(u64, u64, Pid)> {
        self.heap.peek().map(|Reverse(e)| *e)
    }

    /// Drops the earliest queued entry (a cancelled one, found with [`Timers::peek`]).
    pub fn pop(&mut self) {
        self.heap.pop();
    }

    /// Removes and returns the next timer due at `now_ms`, as `(id, pid)`.
    pub fn pop_due(&mut self, now_ms: u64) -> Option<(u64, Pid)> {
        match self.heap.peek() {
            Some(Reverse((d, _, _))) if *d <= now_ms => {
                self.heap.pop().map(|Reverse((_, id, pid))| (id, pid))
            }
            _ => None,
        }
    }

    /// Entries queued, stale ones included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monotonic_deadline_is_never_before_the_exact_one() {
        let c = Clock::monotonic();
        for ms in [0u64, 1, 7, 30] {
            let t0 = Instant::now();
            let at = c.deadline_ms(ms);
            // Wait until the clock says the deadline has come, as the scheduler does.
            while c.now_ms() < at {
                std::hint::spin_loop();
            }
            assert!(t0.elapsed().as_micros() >= u128::from(ms) * 1000, "{ms} ms");
        }
        let mut m = Clock::manual();
        m.advance(5);
        assert_eq!(m.deadline_ms(10), 15);
    }

    #[test]
    fn timers_fire_in_deadline_order() {
        let mut t = Timers::default();
        let p = Pid::new(1, 0);
        let a = t.start(p, 50);
        let b = t.start(p, 10);
        let c = t.start(p, 10);
        assert_eq!(t.next_deadline(), Some(10));
        assert_eq!(t.pop_due(9), None);
        assert_eq!(t.pop_due(10), Some((b, p)));
        assert_eq!(t.pop_due(10), Some((c, p)));
        assert_eq!(t.pop_due(49), None);
        assert_eq!(t.pop_due(100), Some((a, p)));
        assert!(t.is_empty());
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let mut c = Clock::manual();
        assert_eq!(c.now_ms(), 0);
        c.advance(25);
        assert_eq!(c.now_ms(), 25);
        let mut m = Clock::monotonic();
        m.advance(1_000_000);
        assert!(m.now_ms() < 1_000_000);
    }
}
