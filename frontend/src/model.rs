//! The typed model of a decoded module.

use crate::compact::{AtomIndex, Operand};
use crate::error::ChunkId;
use crate::etf::ExtTerm;
use crate::opcodes::OpInfo;

/// A decoded `.beam` module.
#[derive(Clone, Debug)]
pub struct Module {
    /// Atom names. `atoms[0]` is atom number 1 in the file (the module name); compact
    /// terms and tables use 1-based numbers (see [`Module::atom`]).
    pub atoms: Vec<String>,
    pub imports: Vec<Import>,
    pub exports: Vec<FunRef>,
    pub locals: Vec<FunRef>,
    pub lambdas: Vec<Lambda>,
    pub literals: Vec<ExtTerm>,
    /// The `StrT` string table.
    pub strings: Vec<u8>,
    pub lines: Option<LineTable>,
    pub types: Option<TypeTable>,
    /// The `Attr` chunk (a list of `{Key, Value}`).
    pub attributes: Option<ExtTerm>,
    /// The `CInf` chunk.
    pub compile_info: Option<ExtTerm>,
    pub code: CodeHeader,
    pub functions: Vec<Function>,
    /// Chunks this loader does not interpret (`Dbgi`, `Docs`, `Meta`, `ExCk`, ...).
    pub other_chunks: Vec<(ChunkId, Vec<u8>)>,
}

impl Module {
    /// Name of atom number `n` (1-based, as in the file); `""` if out of range (decoding
    /// has already rejected out-of-range numbers in code and tables).
    pub fn atom(&self, n: AtomIndex) -> &str {
        (n as usize)
            .checked_sub(1)
            .and_then(|i| self.atoms.get(i))
            .map_or("", |s| s.as_str())
    }

    pub fn name(&self) -> &str {
        self.atom(1)
    }
}

/// `ImpT` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Import {
    pub module: AtomIndex,
    pub function: AtomIndex,
    pub arity: u32,
}

/// `ExpT`/`LocT` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunRef {
    pub function: AtomIndex,
    pub arity: u32,
    pub label: u32,
}

/// `FunT` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lambda {
    pub function: AtomIndex,
    pub arity: u32,
    pub label: u32,
    pub index: u32,
    pub num_free: u32,
    pub old_uniq: u32,
}

/// The `Code` chunk header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CodeHeader {
    pub header_size: u32,
    pub instruction_set: u32,
    pub max_opcode: u32,
    pub label_count: u32,
    pub function_count: u32,
    /// The oldest OTP (24..=29) that has every opcode up to `max_opcode`.
    pub otp_needed: u8,
}

/// `Line` chunk: `items[0]` is the implicit "undefined location".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineTable {
    pub version: u32,
    pub flags: u32,
    pub instruction_count: u32,
    pub items: Vec<LineItem>,
    /// File names; file index 0 is the implicit `<module>.erl`, index N is `names[N-1]`.
    pub names: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineItem {
    pub file: u32,
    pub line: u64,
}

/// `Type` chunk (OTP 25+).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeTable {
    pub version: u32,
    /// Number of entries declared by the header.
    pub count: u32,
    /// Decoded entries (empty for unknown versions).
    pub entries: Vec<TypeEntry>,
    /// The undecoded entry bytes of unknown versions.
    pub raw: Vec<u8>,
}

/// One type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeEntry {
    /// The union of possible types, always in version 1's layout
    /// (`beam_types:ext_type_mapping/0`): 0 atom, 1 bitstring, 2 bs_context, 3 cons,
    /// 4 float, 5 fun, 6 integer, 7 map, 8 nil, 9 pid, 10 port, 11 reference, 12 tuple.
    /// Later versions are mapped onto it (see `chunks::types`); `raw` keeps the original.
    pub bits: u16,
    /// Lower bound of the numeric range, if known.
    pub min: Option<i64>,
    /// Upper bound of the numeric range, if known.
    pub max: Option<i64>,
    /// Bitstring size unit (versions 2+).
    pub unit: Option<u8>,
    /// The entry's bytes as stored.
    pub raw: Vec<u8>,
}

impl TypeEntry {
    /// The integer range `min..=max` when both bounds are known.
    pub fn range(&self) -> Option<(i64, i64)> {
        match (self.min, self.max) {
            (Some(a), Some(b)) if a <= b => Some((a, b)),
            _ => None,
        }
    }
}

/// One function: the labels and line instructions before its `func_info`, the `func_info`
/// itself and everything up to the next function.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: AtomIndex,
    pub arity: u32,
    /// The label right after `func_info` (where calls enter).
    pub entry: u32,
    pub code: Vec<Instruction>,
}

/// One generic instruction with its operands.
#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    pub op: &'static OpInfo,
    pub args: Vec<Operand>,
    /// File offset of the opcode byte.
    pub offset: usize,
}
