//! The 32-bit BEAM term representation.
//!
//! Every tag value here is a fact from OTP 25's `erts/emulator/beam/erl_term.h` (the OTP
//! release installed on this machine; OTP 26+ renumbered the binary subtags) and
//! `erl_map.h` for the map header layout. See `docs/terms.md` for the layouts.
//!
//! A term is one 32-bit word. Its low two bits are the *primary tag*:
//!
//! | bits | meaning |
//! |---|---|
//! | `00` | header word (first word of a boxed object), or a continuation pointer on the stack |
//! | `01` | list: pointer to a cons cell (`[car, cdr]`) |
//! | `10` | boxed: pointer to a header word |
//! | `11` | immediate (see [`IMMED1_*`](IMMED1_SMALL) and [`IMMED2_*`](IMMED2_ATOM)) |

use std::fmt;

// --- primary tags (erl_term.h: TAG_PRIMARY_*) ---------------------------------------
pub const PRIMARY_SIZE: u32 = 2;
pub const PRIMARY_MASK: u32 = 0x3;
pub const PRIMARY_HEADER: u32 = 0x0;
pub const PRIMARY_LIST: u32 = 0x1;
pub const PRIMARY_BOXED: u32 = 0x2;
pub const PRIMARY_IMMED1: u32 = 0x3;

// --- immediate-1 tags (erl_term.h: _TAG_IMMED1_*), 4 bits ---------------------------
pub const IMMED1_SIZE: u32 = 4;
pub const IMMED1_MASK: u32 = 0xF;
pub const IMMED1_PID: u32 = (0x0 << PRIMARY_SIZE) | PRIMARY_IMMED1; // 0x3
pub const IMMED1_PORT: u32 = (0x1 << PRIMARY_SIZE) | PRIMARY_IMMED1; // 0x7
pub const IMMED1_IMMED2: u32 = (0x2 << PRIMARY_SIZE) | PRIMARY_IMMED1; // 0xB
pub const IMMED1_SMALL: u32 = (0x3 << PRIMARY_SIZE) | PRIMARY_IMMED1; // 0xF

// --- immediate-2 tags (erl_term.h: _TAG_IMMED2_*), 6 bits ---------------------------
pub const IMMED2_SIZE: u32 = 6;
pub const IMMED2_MASK: u32 = 0x3F;
pub const IMMED2_ATOM: u32 = (0x0 << IMMED1_SIZE) | IMMED1_IMMED2; // 0x0B
pub const IMMED2_CATCH: u32 = (0x1 << IMMED1_SIZE) | IMMED1_IMMED2; // 0x1B
pub const IMMED2_NIL: u32 = (0x3 << IMMED1_SIZE) | IMMED1_IMMED2; // 0x3B

// --- small integers (erl_term.h: SMALL_BITS = 28 on ARCH_32) -------------------------
pub const SMALL_BITS: u32 = 28;
pub const MAX_SMALL: i32 = (1 << (SMALL_BITS - 1)) - 1;
pub const MIN_SMALL: i32 = -(1 << (SMALL_BITS - 1));

// --- header subtags (OTP 25 erl_term.h: *_SUBTAG), bits 2..6 of a header --------------
pub const HEADER_ARITY_OFFS: u32 = 6;
pub const HEADER_TAG_MASK: u32 = 0x3F;
pub const HEADER_SUBTAG_MASK: u32 = 0x3C;
/// Tuples: the "arity value" header, the only non-"thing" header (its words are terms).
pub const ARITYVAL_SUBTAG: u32 = 0x0 << PRIMARY_SIZE;
pub const BIN_MATCHSTATE_SUBTAG: u32 = 0x1 << PRIMARY_SIZE;
pub const POS_BIG_SUBTAG: u32 = 0x2 << PRIMARY_SIZE;
pub const NEG_BIG_SUBTAG: u32 = 0x3 << PRIMARY_SIZE;
/// The bit that separates negative from positive bignums (erl_term.h: _BIG_SIGN_BIT).
pub const BIG_SIGN_BIT: u32 = 0x1 << PRIMARY_SIZE;
pub const REF_SUBTAG: u32 = 0x4 << PRIMARY_SIZE;
pub const FUN_SUBTAG: u32 = 0x5 << PRIMARY_SIZE;
pub const FLOAT_SUBTAG: u32 = 0x6 << PRIMARY_SIZE;
pub const EXPORT_SUBTAG: u32 = 0x7 << PRIMARY_SIZE;
pub const REFC_BINARY_SUBTAG: u32 = 0x8 << PRIMARY_SIZE;
pub const HEAP_BINARY_SUBTAG: u32 = 0x9 << PRIMARY_SIZE;
pub const SUB_BINARY_SUBTAG: u32 = 0xA << PRIMARY_SIZE;
/// Masks away the two low subtag bits: refc/heap/sub binaries all give `REFC_BINARY_SUBTAG`
/// (erl_term.h: _BINARY_XXX_MASK, which "depends on 0xB being unused").
pub const BINARY_XXX_MASK: u32 = 0x3 << PRIMARY_SIZE;
pub const EXTERNAL_PID_SUBTAG: u32 = 0xC << PRIMARY_SIZE;
pub const EXTERNAL_PORT_SUBTAG: u32 = 0xD << PRIMARY_SIZE;
pub const EXTERNAL_REF_SUBTAG: u32 = 0xE << PRIMARY_SIZE;
pub const MAP_SUBTAG: u32 = 0xF << PRIMARY_SIZE;

/// Largest tuple arity OTP allows (erl_term.h: MAX_ARITYVAL, 24 bits).
pub const MAX_ARITYVAL: u32 = (1 << 24) - 1;

// --- map headers (erl_map.h / erl_term.h, OTP 25) ------------------------------------
// A map header is `vvvvvvvvvvvvvvvv aaaaaaaa mm 1111 00`: val:16, arity:8, map type:2.
pub const MAP_HEADER_TAG_SZ: u32 = 2;
pub const MAP_HEADER_ARITY_SZ: u32 = 8;
pub const MAP_HEADER_TAG_FLATMAP_HEAD: u32 = 0x0;
pub const MAP_HEADER_TAG_HAMT_NODE_BITMAP: u32 = 0x1;
pub const MAP_HEADER_TAG_HAMT_HEAD_ARRAY: u32 = 0x2;
pub const MAP_HEADER_TAG_HAMT_HEAD_BITMAP: u32 = 0x3;
/// Flat maps hold at most this many keys (erl_map.h: MAP_SMALL_MAP_LIMIT).
pub const MAP_SMALL_MAP_LIMIT: usize = 32;

// --- pids (erl_term.h: _PID_DATA_SIZE, _PID_NUM_SIZE on 32-bit) -------------------------
pub const PID_DATA_SIZE: u32 = 28;
pub const PID_NUM_SIZE: u32 = 15;

/// Continuation pointers on the Erlang stack are word-aligned code addresses, so their
/// primary tag is 0 (erl_term.h: _CPMASK).
pub const CP_MASK: u32 = 0x3;

/// One 32-bit BEAM term.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(transparent)]
pub struct Term(pub u32);

/// The kinds of boxed object, decoded from a header word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoxedKind {
    Tuple,
    MatchState,
    PosBig,
    NegBig,
    Ref,
    Fun,
    Float,
    Export,
    RefcBinary,
    HeapBinary,
    SubBinary,
    ExternalPid,
    ExternalPort,
    ExternalRef,
    Map,
    /// Subtag 0xB is unused in OTP 25.
    Unused,
}

impl Term {
    /// The "non-value" (erl_term.h: THE_NON_VALUE, 0 in non-debug builds): no term at all,
    /// used as "absent" and as the forwarding marker for moved cons cells during GC.
    pub const NON_VALUE: Term = Term(PRIMARY_HEADER);
    pub const NIL: Term = Term(IMMED2_NIL);

    #[inline]
    pub fn raw(self) -> u32 {
        self.0
    }
    #[inline]
    pub fn primary_tag(self) -> u32 {
        self.0 & PRIMARY_MASK
    }
    #[inline]
    pub fn is_non_value(self) -> bool {
        self == Self::NON_VALUE
    }
    #[inline]
    pub fn is_immed(self) -> bool {
        self.primary_tag() == PRIMARY_IMMED1
    }
    #[inline]
    pub fn is_list(self) -> bool {
        self.primary_tag() == PRIMARY_LIST
    }
    #[inline]
    pub fn is_boxed(self) -> bool {
        self.primary_tag() == PRIMARY_BOXED
    }
    #[inline]
    pub fn is_header(self) -> bool {
        self.primary_tag() == PRIMARY_HEADER
    }
    /// A list or boxed term: a pointer into some heap.
    #[inline]
    pub fn is_pointer(self) -> bool {
        matches!(self.primary_tag(), PRIMARY_LIST | PRIMARY_BOXED)
    }

    // --- small integers ---
    /// A small integer, or `None` when `v` needs a bignum.
    #[inline]
    pub fn small(v: i64) -> Option<Term> {
        if (MIN_SMALL as i64..=MAX_SMALL as i64).contains(&v) {
            Some(Term(((v as u32) << IMMED1_SIZE) | IMMED1_SMALL))
        } else {
            None
        }
    }
    #[inline]
    pub fn is_small(self) -> bool {
        self.0 & IMMED1_MASK == IMMED1_SMALL
    }
    /// The value of a small integer (arithmetic shift, erl_term.h: signed_val).
    #[inline]
    pub fn small_value(self) -> Option<i32> {
        self.is_small().then_some((self.0 as i32) >> IMMED1_SIZE)
    }

    // --- atoms, nil, catch ---
    #[inline]
    pub fn atom(index: u32) -> Term {
        debug_assert!(index < 1 << (32 - IMMED2_SIZE));
        Term((index << IMMED2_SIZE) | IMMED2_ATOM)
    }
    #[inline]
    pub fn is_atom(self) -> bool {
        self.0 & IMMED2_MASK == IMMED2_ATOM
    }
    #[inline]
    pub fn atom_index(self) -> Option<u32> {
        self.is_atom().then_some(self.0 >> IMMED2_SIZE)
    }
    #[inline]
    pub fn is_nil(self) -> bool {
        self == Self::NIL
    }
    /// A catch tag as stored in a Y slot: an index into the catch table.
    #[inline]
    pub fn catch(index: u32) -> Term {
        Term((index << IMMED2_SIZE) | IMMED2_CATCH)
    }
    #[inline]
    pub fn is_catch(self) -> bool {
        self.0 & IMMED2_MASK == IMMED2_CATCH
    }
    #[inline]
    pub fn catch_index(self) -> Option<u32> {
        self.is_catch().then_some(self.0 >> IMMED2_SIZE)
    }

    // --- local pids and ports ---
    /// A local pid from its 28 data bits (number in the low 15, serial above).
    #[inline]
    pub fn pid(data: u32) -> Term {
        debug_assert!(data < 1 << PID_DATA_SIZE);
        Term((data << IMMED1_SIZE) | IMMED1_PID)
    }
    #[inline]
    pub fn is_pid(self) -> bool {
        self.0 & IMMED1_MASK == IMMED1_PID
    }
    #[inline]
    pub fn pid_data(self) -> Option<u32> {
        self.is_pid().then_some(self.0 >> IMMED1_SIZE)
    }
    #[inline]
    pub fn port(data: u32) -> Term {
        debug_assert!(data < 1 << PID_DATA_SIZE);
        Term((data << IMMED1_SIZE) | IMMED1_PORT)
    }
    #[inline]
    pub fn is_port(self) -> bool {
        self.0 & IMMED1_MASK == IMMED1_PORT
    }
    #[inline]
    pub fn port_data(self) -> Option<u32> {
        self.is_port().then_some(self.0 >> IMMED1_SIZE)
    }

    // --- pointers ---
    /// A boxed term pointing at the header word at guest address `addr` (word-aligned).
    #[inline]
    pub fn boxed(addr: u32) -> Term {
        debug_assert_eq!(addr & 3, 0);
        Term(addr | PRIMARY_BOXED)
    }
    /// A list term pointing at the cons cell at guest address `addr` (word-aligned).
    #[inline]
    pub fn list(addr: u32) -> Term {
        debug_assert_eq!(addr & 3, 0);
        Term(addr | PRIMARY_LIST)
    }
    /// The guest address a list or boxed term points at.
    #[inline]
    pub fn ptr(self) -> u32 {
        self.0 & !PRIMARY_MASK
    }

    // --- headers ---
    /// A header word with `arity` following words and the given subtag.
    #[inline]
    pub fn header(arity: u32, subtag: u32) -> Term {
        debug_assert!(arity < 1 << 26);
        Term((arity << HEADER_ARITY_OFFS) | subtag | PRIMARY_HEADER)
    }
    #[inline]
    pub fn tuple_header(arity: u32) -> Term {
        Term::header(arity, ARITYVAL_SUBTAG)
    }
    /// A map header (erl_map.h: MAKE_MAP_HEADER(type, arity, val)).
    #[inline]
    pub fn map_header(map_type: u32, arity: u32, val: u32) -> Term {
        let a = ((((val & 0xFFFF) << MAP_HEADER_ARITY_SZ) | (arity & 0xFF)) << MAP_HEADER_TAG_SZ)
            | (map_type & 3);
        Term::header(a, MAP_SUBTAG)
    }
    #[inline]
    pub fn header_subtag(self) -> u32 {
        self.0 & HEADER_SUBTAG_MASK
    }
    /// The 26-bit arity field of a header (for maps this packs type/arity/val).
    #[inline]
    pub fn header_arity(self) -> u32 {
        self.0 >> HEADER_ARITY_OFFS
    }
    #[inline]
    pub fn is_arityval(self) -> bool {
        self.0 & HEADER_TAG_MASK == ARITYVAL_SUBTAG
    }
    /// A "thing" header: its payload words are raw data the GC must not scan as terms
    /// (except where the object's own layout says otherwise, e.g. funs and maps).
    #[inline]
    pub fn is_thing(self) -> bool {
        self.is_header() && !self.is_arityval()
    }
    #[inline]
    pub fn map_type(self) -> u32 {
        (self.0 >> HEADER_ARITY_OFFS) & 3
    }
    #[inline]
    pub fn map_arity(self) -> u32 {
        (self.0 >> (HEADER_ARITY_OFFS + MAP_HEADER_TAG_SZ)) & 0xFF
    }
    #[inline]
    pub fn map_val(self) -> u32 {
        (self.0 >> (HEADER_ARITY_OFFS + MAP_HEADER_TAG_SZ + MAP_HEADER_ARITY_SZ)) & 0xFFFF
    }
    /// Decodes the object kind of a header word.
    #[inline]
    pub fn boxed_kind(self) -> BoxedKind {
        match self.header_subtag() >> PRIMARY_SIZE {
            0x0 => BoxedKind::Tuple,
            0x1 => BoxedKind::MatchState,
            0x2 => BoxedKind::PosBig,
            0x3 => BoxedKind::NegBig,
            0x4 => BoxedKind::Ref,
            0x5 => BoxedKind::Fun,
            0x6 => BoxedKind::Float,
            0x7 => BoxedKind::Export,
            0x8 => BoxedKind::RefcBinary,
            0x9 => BoxedKind::HeapBinary,
            0xA => BoxedKind::SubBinary,
            0xB => BoxedKind::Unused,
            0xC => BoxedKind::ExternalPid,
            0xD => BoxedKind::ExternalPort,
            0xE => BoxedKind::ExternalRef,
            _ => BoxedKind::Map,
        }
    }
    /// A continuation pointer stored on the Erlang stack (word-aligned, primary tag 0).
    #[inline]
    pub fn cp(addr: u32) -> Term {
        debug_assert_eq!(addr & CP_MASK, 0);
        Term(addr)
    }
    #[inline]
    pub fn is_cp(self) -> bool {
        self.0 & CP_MASK == 0
    }
}

impl fmt::Debug for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = self.small_value() {
            write!(f, "Small({v})")
        } else if let Some(a) = self.atom_index() {
            write!(f, "Atom({a})")
        } else if self.is_nil() {
            write!(f, "Nil")
        } else if self.is_list() {
            write!(f, "List({:#x})", self.ptr())
        } else if self.is_boxed() {
            write!(f, "Boxed({:#x})", self.ptr())
        } else if let Some(p) = self.pid_data() {
            write!(f, "Pid({p})")
        } else if let Some(c) = self.catch_index() {
            write!(f, "Catch({c})")
        } else {
            write!(f, "Term({:#010x})", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_values_match_erl_term_h() {
        assert_eq!(IMMED1_PID, 0x3);
        assert_eq!(IMMED1_PORT, 0x7);
        assert_eq!(IMMED1_IMMED2, 0xB);
        assert_eq!(IMMED1_SMALL, 0xF);
        assert_eq!(IMMED2_ATOM, 0x0B);
        assert_eq!(IMMED2_CATCH, 0x1B);
        assert_eq!(IMMED2_NIL, 0x3B);
        assert_eq!(MAP_SUBTAG, 0x3C);
        assert_eq!(FLOAT_SUBTAG, 0x18);
        assert_eq!(REFC_BINARY_SUBTAG & !BINARY_XXX_MASK, 0x20);
        assert_eq!(SUB_BINARY_SUBTAG & !BINARY_XXX_MASK, 0x20);
        assert_eq!(NEG_BIG_SUBTAG & !BIG_SIGN_BIT, POS_BIG_SUBTAG);
    }

    #[test]
    fn small_round_trip_and_bounds() {
        for v in [0i64, 1, -1, 42, MAX_SMALL as i64, MIN_SMALL as i64] {
            let t = Term::small(v).unwrap();
            assert!(t.is_small() && t.is_immed());
            assert_eq!(t.small_value(), Some(v as i32));
        }
        assert!(Term::small(MAX_SMALL as i64 + 1).is_none());
        assert!(Term::small(MIN_SMALL as i64 - 1).is_none());
        assert_eq!(Term::small(1).unwrap().raw(), 0x1F);
        assert_eq!(Term::small(-1).unwrap().raw(), 0xFFFF_FFFF);
    }

    #[test]
    fn atoms_nil_catch_pid_are_distinct_immediates() {
        let a = Term::atom(5);
        assert_eq!(a.raw(), (5 << 6) | 0x0B);
        assert!(a.is_atom() && !a.is_small() && !a.is_nil() && !a.is_catch());
        assert_eq!(a.atom_index(), Some(5));
        assert!(Term::NIL.is_immed() && !Term::NIL.is_atom());
        assert_eq!(Term::catch(7).catch_index(), Some(7));
        assert_eq!(Term::pid(123).pid_data(), Some(123));
        assert!(!Term::pid(123).is_port());
    }

    #[test]
    fn pointers_and_headers() {
        let b = Term::boxed(0x1000);
        assert!(b.is_boxed() && b.ptr() == 0x1000);
        let l = Term::list(0x2000);
        assert!(l.is_list() && l.ptr() == 0x2000);
        let h = Term::tuple_header(3);
        assert!(h.is_arityval() && h.header_arity() == 3 && !h.is_thing());
        assert_eq!(Term::header(2, FLOAT_SUBTAG).boxed_kind(), BoxedKind::Float);
        let m = Term::map_header(MAP_HEADER_TAG_HAMT_HEAD_BITMAP, 1, 0xBEEF);
        assert_eq!(m.boxed_kind(), BoxedKind::Map);
        assert_eq!((m.map_type(), m.map_arity(), m.map_val()), (3, 1, 0xBEEF));
    }
}
