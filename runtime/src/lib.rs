//! The BEAM runtime for 32-bit targets.
//!
//! Terms ([`term`]) live in guest memory ([`arena`]); processes ([`process`]) own heaps
//! ([`heap`]) collected by a generational copying collector ([`gc`]); the scheduler
//! ([`scheduler`]) runs them. Term operations (order, printing, external format) are in
//! [`ops`].
//!
//! **The term invariant.** A list or boxed [`term::Term`] is an address. Every term handed
//! to the runtime must be valid: an immediate, or a pointer to a live object in guest
//! memory (a heap, fragment or literal area that has not been collected or freed since
//! the term was read from a root). The runtime trusts this as BEAM does; the inspection
//! helpers ([`construct`], [`binary::bytes`], [`map::entries`]…) additionally check every
//! address against the arena's registered regions and return `None` for wild pointers.

pub mod arena;
pub mod atom;
pub mod bignum;
pub mod binary;
pub mod code_memory;
pub mod construct;
pub mod copy;
pub mod ctx;
pub mod dict;
pub mod ets;
pub mod gc;
pub mod heap;
pub mod layout;
pub mod mailbox;
pub mod map;
pub mod mem;
pub mod ops;
pub mod process;
pub mod ptable;
pub mod sched_regs;
pub mod scheduler;
pub mod signals;
pub mod term;
pub mod timer;
pub mod xregs;
