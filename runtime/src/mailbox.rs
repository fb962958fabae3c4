//! Message queues. A message is a copy of the sent term in a heap fragment of its own
//! (OTP's `erts_send_message` with an off-heap message: the sender never writes into the
//! receiver's heap, which is what lets more scheduler threads be added later).
//!
//! While a message waits in the queue its term points into its own fragment, outside
//! the receiver's heap, so a collection of the receiver leaves it alone; the collector
//! still visits the queue as a root (harmless today, required once small messages are
//! copied straight onto the receiver's heap). When the receiver takes a message out
//! (`remove_message`) its fragment is attached to the receiver's heap and the next
//! collection copies the live part in.

use crate::construct;
use crate::copy;
use crate::heap::{Fragment, Heap, HeapError};
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
        self.received += 1;
        self.q.push_back(m);
    }
    pub(crate) fn remove(&mut self, i: usize) -> Option<Message> {
        self.q.remove(i)
    }
    /// Every queued term, for the collector's root set.
    pub(crate) fn roots_mut(&mut self) -> impl Iterator<Item = &mut Term> {
        self.q.iter_mut().map(|m| &mut m.term)
    }
}
