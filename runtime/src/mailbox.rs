//! Message queues. A message is a copy of the sent term in a heap fragment of its own
//! (OTP's `erts_send_message` with an off-heap message: the sender never writes into the
//! receiver's heap, which is what lets more scheduler threads be added later).
//!
//! While a message waits in the queue its term points into its own fragment, outside
//! the receiver's heap, so a collection of the receiver leaves it alone and does not
//! visit the queue at all (`Process::collect`; a debug assertion checks that no queued
//! term points into the heap: copying small messages straight onto the receiver's heap
//! would make the queue a root again). When the receiver takes a message out
//! (`remove_message`) its fragment is attached to the receiver's heap and the next
//! collection copies the live part in.

use crate::arena::{self, Block};
use crate::construct;
use crate::copy;
use crate::heap::{Fragment, Heap, HeapError};
use crate::mem;
use crate::sched_regs::Field;
use crate::term::Term;
use std::collections::VecDeque;

/// One queued message: the term and the fragment that holds it (none for immediates).
#[derive(Debug)]
pub struct Message {
    pub(crate) term: Term,
    pub(crate) frag: Option<Fragment>,
}

impl Message {
    /// A copy of `t` (a valid term anywhere in guest memory) in a fresh fragment.
    pub fn copy_of(t: Term) -> Result<Message, HeapError> {
        if !t.is_pointer() {
            return Ok(Message {
                term: t,
                frag: None,
            });
        }
        let words = copy::size_of(t);
        let mut frag = Fragment::new(words)?;
        let term = copy::copy_term(t, &mut frag)?;
        Ok(Message {
            term,
            frag: Some(frag),
        })
    }

    /// A tuple of `elems` built in a fresh fragment; each element is copied in first, so
    /// they may live in any heap (a dying process's exit reason, say).
    pub fn tuple(elems: &[Term]) -> Result<Message, HeapError> {
        let words: u32 = 1
            + elems.len() as u32
            + elems
                .iter()
                .map(|&e| if e.is_pointer() { copy::size_of(e) } else { 0 })
                .sum::<u32>();
        let mut frag = Fragment::new(words)?;
        let mut copied = Vec::with_capacity(elems.len());
        for &e in elems {
            copied.push(if e.is_pointer() {
                copy::copy_term(e, &mut frag)?
            } else {
                e
            });
        }
        let term = construct::tuple(&mut frag, &copied)?;
        Ok(Message {
            term,
            frag: Some(frag),
        })
    }

    /// The message term (valid while the message is queued).
    pub fn term(&self) -> Term {
        self.term
    }

    /// Hands the fragment to `heap` and returns the term, now owned by that heap.
    pub(crate) fn into_heap(self, heap: &mut Heap) -> Term {
        if let Some(f) = self.frag {
            heap.attach(f);
        }
        self.term
    }

    /// Words of guest memory this message holds.
    pub fn words(&self) -> u32 {
        self.frag.as_ref().map_or(0, Fragment::used_words)
    }
}

/// A process's message queue, oldest first.
#[derive(Debug, Default)]
pub struct Mailbox {
    q: VecDeque<Message>,
    /// Messages ever delivered: lets the scheduler see that one arrived during a slice.
    received: u64,
    /// The queued terms again, in guest memory, for compiled code's `loop_rec`.
    view: View,
    /// Each queued message's delivery number (`received` before it arrived), oldest
    /// first, so a receive marker finds its place after removals in front of it.
    seqs: VecDeque<u64>,
    /// Receive markers (OTP 24+'s `recv_marker_*`), reused round-robin.
    markers: [Option<Marker>; MARKERS],
    next_marker: usize,
}

/// How many receive markers a process keeps at once. OTP keeps a small fixed block too
/// (`ERTS_RECV_MARKER_BLOCK_SIZE`); a marker pushed out only costs the receive that
/// would have used it a scan from the front, never a wrong answer.
const MARKERS: usize = 8;

/// A receive marker: the end of the queue when it was reserved, and the reference
/// (`make_ref/0`'s numbers) made right after it.
#[derive(Debug, Clone, Copy)]
struct Marker {
    seq: u64,
    reference: Option<[u32; 3]>,
}

/// The queue's terms in guest memory, oldest first, so that compiled code's `loop_rec`
/// reads message `i` with one load from [`Field::RecvBase`] instead of a runtime call per
/// message looked at (OTP's JIT likewise walks the message list itself). While the owner
/// runs, the view is *published*: every change writes the base address and length into
/// the fields of the running scheduler block, which compiled code reloads at each
/// `loop_rec`. The fast path is only taken for `i < RecvLen`; anything else asks the
/// runtime (`rt_recv_peek`), which reads the queue itself, so a view that could not grow
/// (out of guest memory) only costs speed: it publishes length 0.
#[derive(Debug, Default)]
struct View {
    block: Option<Block>,
    /// Index of the oldest message's slot (front removals just move it).
    head: u32,
    /// Slots in `block`.
    cap: u32,
    /// x0 of the scheduler block the view is published to, or 0 while the owner is not
    /// running.
    publish: u32,
    /// The view is out of date (an allocation failed): publish length 0 until rebuilt.
    broken: bool,
}

impl View {
    fn slot(&self, i: u32) -> u32 {
        self.block
            .as_ref()
            .map_or(0, |b| b.addr() + 4 * (self.head + i))
    }

    /// Writes the base and length fields, if published.
    fn publish(&self, len: usize) {
        if self.publish == 0 {
            return;
        }
        let (base, len) = match &self.block {
            Some(b) if !self.broken => (b.addr() + 4 * self.head, len as u32),
            _ => (0, 0),
        };
        // SAFETY: `publish` is the x0 of the live scheduler block the owner runs on
        // (set by `attach`, cleared by `detach` before the block is used for another
        // process); both fields lie in its header.
        unsafe {
            mem::raw_write(publish_addr(self.publish, Field::RecvBase), base);
            mem::raw_write(publish_addr(self.publish, Field::RecvLen), len);
        }
    }

    /// Rebuilds the whole view from `q` (after a failed allocation or a collection).
    fn rebuild(&mut self, q: &VecDeque<Message>) {
        let need = (q.len() as u32).max(8);
        if self.cap < need || self.block.is_none() {
            match arena::alloc(4 * need.next_power_of_two() as usize) {
                Ok(b) => {
                    self.cap = b.len() / 4;
                    self.block = Some(b);
                }
                Err(_) => {
                    self.broken = true;
                    return;
                }
            }
        }
        self.head = 0;
        for (i, m) in q.iter().enumerate() {
            // SAFETY: slot `i` < q.len() <= cap lies in our block.
            unsafe { mem::raw_write(self.slot(i as u32), m.term.0) };
        }
        self.broken = false;
    }

    /// Appends `t`; `len` is the number of terms before it.
    fn push(&mut self, q: &VecDeque<Message>, len: u32, t: Term) {
        if self.broken {
            return;
        }
        if self.block.is_none() || self.head + len >= self.cap {
            if self.head > 0 && len < self.cap / 2 {
                // Room at the front: slide the terms down instead of growing.
                let b = self.block.as_ref().map_or(0, Block::addr);
                // SAFETY: both ranges lie in our block; `ptr::copy` allows overlap.
                unsafe {
                    std::ptr::copy(
                        (b + 4 * self.head) as usize as *const u32,
                        b as usize as *mut u32,
                        len as usize,
                    )
                };
                self.head = 0;
            } else {
                // `q` already holds the new message: rebuild writes it too.
                self.cap = 0;
                self.rebuild(q);
                return;
            }
        }
        // SAFETY: head + len < cap: the slot lies in our block.
        unsafe { mem::raw_write(self.slot(len), t.0) };
    }

    /// Removes slot `i` of `len`, moving the shorter side.
    fn remove(&mut self, i: u32, len: u32) {
        if self.broken || self.block.is_none() {
            return;
        }
        let (from, to, n) = if i < len / 2 {
            // Shift the older messages up by one and drop the front slot.
            let r = (self.slot(0), self.slot(1), i);
            self.head += 1;
            r
        } else {
            (self.slot(i + 1), self.slot(i), len - i - 1)
        };
        // SAFETY: both ranges lie inside the view's `len` slots of our block; `ptr::copy`
        // allows the overlap.
        unsafe {
            std::ptr::copy(
                from as usize as *const u32,
                to as usize as *mut u32,
                n as usize,
            )
        };
        if len == 1 {
            self.head = 0;
        }
    }
}

fn publish_addr(x0: u32, f: Field) -> u32 {
    x0.wrapping_add_signed(f.offset())
}

impl Mailbox {
    pub fn len(&self) -> usize {
        self.q.len()
    }
    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }
    /// The `i`-th queued message (0 = oldest), without removing it.
    pub fn get(&self, i: usize) -> Option<Term> {
        self.q.get(i).map(|m| m.term)
    }
    /// How many messages have ever been delivered to this queue.
    pub fn received(&self) -> u64 {
        self.received
    }
    pub(crate) fn push(&mut self, m: Message) {
        self.seqs.push_back(self.received);
        self.received += 1;
        let (len, t) = (self.q.len() as u32, m.term);
        self.q.push_back(m);
        self.view.push(&self.q, len, t);
        self.view.publish(self.q.len());
    }
    pub(crate) fn remove(&mut self, i: usize) -> Option<Message> {
        let len = self.q.len() as u32;
        let m = self.q.remove(i)?;
        self.seqs.remove(i);
        self.view.remove(i as u32, len);
        self.view.publish(self.q.len());
        Some(m)
    }
    /// `recv_marker_reserve`: a marker at the current end of the queue; returns its
    /// number for [`Mailbox::bind_marker`].
    pub fn reserve_marker(&mut self) -> u32 {
        let i = self.next_marker;
        self.next_marker = (i + 1) % MARKERS;
        self.markers[i] = Some(Marker {
            seq: self.received,
            reference: None,
        });
        i as u32
    }
    /// `recv_marker_bind`: marker `i` belongs to the reference with `numbers`. A marker
    /// number that is not a live marker (reused since, or not one at all) is ignored.
    pub fn bind_marker(&mut self, i: u32, numbers: [u32; 3]) {
        if let Some(Some(m)) = self.markers.get_mut(i as usize) {
            m.reference = Some(numbers);
        }
    }
    /// `recv_marker_clear`: forgets the marker bound to the reference.
    pub fn clear_marker(&mut self, numbers: [u32; 3]) {
        for slot in self.markers.iter_mut() {
            if slot.is_some_and(|m| m.reference == Some(numbers)) {
                *slot = None;
            }
        }
    }
    /// `recv_marker_use`: the queue position where the receive for the reference can
    /// start: every message before it was queued before the reference existed. `None`
    /// when no marker is bound to it.
    pub fn marker_position(&self, numbers: [u32; 3]) -> Option<usize> {
        let m = self
            .markers
            .iter()
            .flatten()
            .find(|m| m.reference == Some(numbers))?;
        Some(self.seqs.partition_point(|&s| s < m.seq))
    }
    /// Publishes the view to the scheduler block whose x0 is `x0` while the owner runs
    /// there; [`Mailbox::detach`] must follow before the block runs anything else.
    pub fn attach(&mut self, x0: u32) {
        self.view.publish = x0;
        if self.view.broken {
            self.view.rebuild(&self.q);
        }
        self.view.publish(self.q.len());
    }
    /// Stops publishing (the owner leaves the scheduler block).
    pub fn detach(&mut self) {
        self.view.publish = 0;
    }
    /// Whether some queued message points into `heap`'s young or old generation (it
    /// never should: messages are copies in fragments of their own, which is why a
    /// collection does not visit the queue). For debug assertions.
    pub(crate) fn points_into(&self, heap: &crate::heap::Heap) -> bool {
        let young = heap.start()..heap.top();
        let old = heap.old_heap().map_or(0..0, |o| o.block.addr()..o.top);
        self.q.iter().any(|m| {
            m.term.is_pointer() && (young.contains(&m.term.ptr()) || old.contains(&m.term.ptr()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched_regs::HEADER_BYTES;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// The published view (base and length fields of a fake scheduler block).
    fn published(x0: u32) -> Vec<u32> {
        // SAFETY: `x0` is inside the test's own block, past its header.
        unsafe {
            let base = mem::raw_read(publish_addr(x0, Field::RecvBase));
            let len = mem::raw_read(publish_addr(x0, Field::RecvLen));
            (0..len).map(|i| mem::raw_read(base + 4 * i)).collect()
        }
    }

    #[test]
    fn the_published_view_follows_every_push_and_removal() {
        let block = arena::alloc(HEADER_BYTES as usize + 16).expect("block");
        let x0 = block.addr() + HEADER_BYTES;
        let mut rng = StdRng::seed_from_u64(20261206);
        let mut mb = Mailbox::default();
        mb.attach(x0);
        let mut next = 0u32;
        for step in 0..20_000 {
            // Bursts of sends and drains, removals at the front, the back and between.
            let grow = (step / 700) % 2 == 0;
            if mb.is_empty() || rng.gen_bool(if grow { 0.7 } else { 0.3 }) {
                next += 1;
                mb.push(Message {
                    term: Term::small(i64::from(next)).expect("small"),
                    frag: None,
                });
            } else {
                let n = mb.len();
                let i = match rng.gen_range(0..4) {
                    0 => 0,
                    1 => n - 1,
                    _ => rng.gen_range(0..n),
                };
                mb.remove(i).expect("in range");
            }
            let want: Vec<u32> = (0..mb.len()).map(|i| mb.get(i).unwrap().0).collect();
            assert_eq!(published(x0), want, "after step {step}");
        }
        mb.detach();
        // Detached: changes no longer touch the block.
        let before = published(x0);
        mb.push(Message {
            term: Term::small(-1).expect("small"),
            frag: None,
        });
        assert_eq!(published(x0), before);
    }

    #[test]
    fn a_marker_finds_the_first_message_queued_after_it() {
        // Against a model: the messages are numbered in delivery order; a marker reserved
        // when `n` had been delivered must point at the first queued message numbered
        // `n` or more, whatever was removed before or after it since.
        let mut rng = StdRng::seed_from_u64(24);
        let mut mb = Mailbox::default();
        let mut next = 0i64;
        let mut live: Vec<(u32, [u32; 3], i64)> = Vec::new();
        for step in 0..20_000u32 {
            match rng.gen_range(0..10) {
                0..=4 => {
                    mb.push(Message {
                        term: Term::small(next).expect("small"),
                        frag: None,
                    });
                    next += 1;
                }
                5..=7 if !mb.is_empty() => {
                    let i = rng.gen_range(0..mb.len());
                    mb.remove(i).expect("in range");
                }
                8 => {
                    let m = mb.reserve_marker();
                    let r = [step, 1, 2];
                    mb.bind_marker(m, r);
                    // A reused slot forgets its old marker.
                    live.retain(|&(old, _, _)| old != m);
                    live.push((m, r, next));
                }
                _ => {
                    if let Some(k) = (!live.is_empty()).then(|| rng.gen_range(0..live.len())) {
                        let (_, r, _) = live.swap_remove(k);
                        mb.clear_marker(r);
                        assert_eq!(mb.marker_position(r), None);
                    }
                }
            }
            for &(_, r, first) in &live {
                let want = (0..mb.len())
                    .position(|i| mb.get(i).unwrap().small_value().unwrap() as i64 >= first)
                    .unwrap_or(mb.len());
                assert_eq!(mb.marker_position(r), Some(want), "step {step}");
            }
        }
        assert_eq!(mb.marker_position([u32::MAX, 0, 0]), None);
    }
}
