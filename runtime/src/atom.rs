//! The atom table: a global, append-only map between atom names and indices.
//!
//! An atom term is `index << 6 | 0x0B` (see [`crate::term`]). Indices 0 and 1 are `false`
//! and `true`, as in OTP's `atom.names` (so booleans compare cheaply); the rest of the
//! predefined atoms below have fixed indices of our own so generated code can embed them.

use crate::term::Term;
use rustc_hash::FxHashMap;
use std::sync::{OnceLock, RwLock};

/// Atoms longer than this many characters are refused (OTP: MAX_ATOM_CHARACTERS = 255).
pub const MAX_ATOM_CHARS: usize = 255;

/// Atom-table errors.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AtomError {
    #[error("atom of {len} characters is longer than the limit of 255")]
    TooLong { len: usize },
    #[error("atom table is full ({0} atoms)")]
    Full(usize),
}

macro_rules! predefined {
    ($($id:ident = $name:literal),* $(,)?) => {
        /// The names of the predefined atoms, in index order.
        pub const PREDEFINED: &[&str] = &[$($name),*];
        predefined!(@consts 0u32; $($id)*);
    };
    (@consts $n:expr; $id:ident $($rest:ident)*) => {
        #[doc = concat!("Predefined atom `", stringify!($id), "`.")]
        pub const $id: Term = Term(($n << crate::term::IMMED2_SIZE) | crate::term::IMMED2_ATOM);
        predefined!(@consts $n + 1u32; $($rest)*);
    };
    (@consts $n:expr;) => {};
}

predefined! {
    FALSE = "false",
    TRUE = "true",
    UNDERSCORE = "_",
    OK = "ok",
    ERROR = "error",
    UNDEFINED = "undefined",
    NORMAL = "normal",
    KILL = "kill",
    KILLED = "killed",
    EXIT = "EXIT",
    DOWN = "DOWN",
    PROCESS = "process",
    NOPROC = "noproc",
    NOCONNECTION = "noconnection",
    BADARG = "badarg",
    BADARITH = "badarith",
    BADMATCH = "badmatch",
    FUNCTION_CLAUSE = "function_clause",
    CASE_CLAUSE = "case_clause",
    IF_CLAUSE = "if_clause",
    TRY_CLAUSE = "try_clause",
    UNDEF = "undef",
    BADFUN = "badfun",
    BADARITY = "badarity",
    BADKEY = "badkey",
    BADMAP = "badmap",
    BADRECORD = "badrecord",
    SYSTEM_LIMIT = "system_limit",
    NOCATCH = "nocatch",
    THROW = "throw",
    EXIT_LOWER = "exit",
    TIMEOUT = "timeout",
    INFINITY = "infinity",
    TRAP_EXIT = "trap_exit",
    ERLANG = "erlang",
    NONODE = "nonode@nohost",
    AND = "and",
    OR = "or",
    XOR = "xor",
    NOT = "not",
    ANDALSO = "andalso",
    ORELSE = "orelse",
    EMPTY = "",
    START = "start",
    INIT = "init",
    MODULE_INFO = "module_info",
    MAIN = "main",
    VALUE = "value",
    CALL = "call",
    APPLY = "apply",
    SPAWN = "spawn",
    LINK = "link",
    MONITOR = "monitor",
    PORT = "port",
    REFERENCE = "reference",
    FUNCTION = "function",
    TUPLE = "tuple",
    LIST = "list",
    ATOM = "atom",
    INTEGER = "integer",
    FLOAT = "float",
    BINARY = "binary",
    PID = "pid",
    MAP = "map",
    BITSTRING = "bitstring",
    NUMBER = "number",
}

/// A table of atom names. The runtime uses one global instance ([`intern`], [`name`]);
/// separate instances are for tests and tools.
#[derive(Debug, Clone)]
pub struct AtomTable {
    names: Vec<Box<str>>,
    index: FxHashMap<Box<str>, u32>,
    limit: usize,
}

impl Default for AtomTable {
    fn default() -> Self {
        Self::new()
    }
}

impl AtomTable {
    /// OTP's default atom table limit (`+t`, 1,048,576).
    pub const DEFAULT_LIMIT: usize = 1 << 20;

    /// A table holding exactly the predefined atoms.
    pub fn new() -> Self {
        let mut t = AtomTable {
            names: Vec::new(),
            index: FxHashMap::default(),
            limit: Self::DEFAULT_LIMIT,
        };
        for name in PREDEFINED {
            t.intern(name).expect("predefined atoms fit");
        }
        t
    }

    /// The atom for `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> Result<Term, AtomError> {
        if let Some(&i) = self.index.get(name) {
            return Ok(Term::atom(i));
        }
        let len = name.chars().count();
        if len > MAX_ATOM_CHARS {
            return Err(AtomError::TooLong { len });
        }
        if self.names.len() >= self.limit {
            return Err(AtomError::Full(self.names.len()));
        }
        let i = self.names.len() as u32;
        self.names.push(name.into());
        self.index.insert(name.into(), i);
        Ok(Term::atom(i))
    }

    /// The atom for `name` if it already exists (`list_to_existing_atom`).
    pub fn lookup(&self, name: &str) -> Option<Term> {
        self.index.get(name).map(|&i| Term::atom(i))
    }

    /// The name of an atom term, or `None` if it is not an atom of this table.
    pub fn name(&self, atom: Term) -> Option<&str> {
        self.names.get(atom.atom_index()? as usize).map(|s| &**s)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

fn global() -> &'static RwLock<AtomTable> {
    static TABLE: OnceLock<RwLock<AtomTable>> = OnceLock::new();
    TABLE.get_or_init(|| RwLock::new(AtomTable::new()))
}

/// The atom for `name` in the global table, adding it if new.
/// Atoms that exist (`erlang:system_info(atom_count)`).
pub fn count() -> usize {
    global().read().map_or(0, |t| t.len())
}

pub fn intern(name: &str) -> Result<Term, AtomError> {
    if let Some(t) = lookup(name) {
        return Ok(t);
    }
    global()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .intern(name)
}

/// The atom for `name` if it exists in the global table.
pub fn lookup(name: &str) -> Option<Term> {
    global()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .lookup(name)
}

/// The name of a global atom.
pub fn name(atom: Term) -> Option<String> {
    global()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .name(atom)
        .map(str::to_owned)
}

/// The order of two global atoms by their text (term order), without copying either name
/// (term comparison meets atoms in every sort); `None` if one is not in the table.
pub fn compare_names(a: Term, b: Term) -> Option<std::cmp::Ordering> {
    let t = global().read().unwrap_or_else(|e| e.into_inner());
    Some(t.name(a)?.cmp(t.name(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_indices_are_stable() {
        let t = AtomTable::new();
        assert_eq!(t.lookup("false"), Some(FALSE));
        assert_eq!(FALSE.atom_index(), Some(0));
        assert_eq!(TRUE.atom_index(), Some(1));
        assert_eq!(t.lookup("ok"), Some(OK));
        assert_eq!(t.lookup("number"), Some(NUMBER));
        assert_eq!(t.name(NORMAL), Some("normal"));
        assert_eq!(t.len(), PREDEFINED.len());
    }

    #[test]
    fn intern_is_idempotent_and_limited() {
        let mut t = AtomTable::new();
        let a = t.intern("hello").unwrap();
        assert_eq!(t.intern("hello").unwrap(), a);
        assert_eq!(t.name(a), Some("hello"));
        let long: String = "x".repeat(256);
        assert_eq!(t.intern(&long), Err(AtomError::TooLong { len: 256 }));
        assert!(t.intern(&"é".repeat(255)).is_ok());
        assert_eq!(t.name(Term::small(1).unwrap()), None);
    }

    #[test]
    fn global_table() {
        let a = intern("global_atom_test").unwrap();
        assert_eq!(lookup("global_atom_test"), Some(a));
        assert_eq!(name(a).as_deref(), Some("global_atom_test"));
        assert_eq!(intern("ok").unwrap(), OK);
    }
}
