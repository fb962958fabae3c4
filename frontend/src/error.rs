//! Typed load errors: every failure names the chunk and the byte offset where it was found.

use std::fmt;

/// A four-byte IFF chunk identifier such as `*b"Code"`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChunkId(pub [u8; 4]);

impl fmt::Display for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChunkId({self})")
    }
}

/// Which byte space an error offset refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// Offset from the start of the `.beam` file.
    File,
    /// Offset into the decompressed contents of the chunk (zlib-compressed `LitT`).
    Decompressed,
}

/// A failure to decode a `.beam` file.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    /// The chunk being decoded, or `None` for the IFF container itself.
    pub chunk: Option<ChunkId>,
    /// Byte offset of the offending data (see `space`).
    pub offset: usize,
    /// Whether `offset` counts file bytes or decompressed bytes.
    pub space: Space,
    pub kind: ErrorKind,
}

impl LoadError {
    pub fn new(chunk: Option<ChunkId>, offset: usize, kind: ErrorKind) -> Self {
        LoadError {
            chunk,
            offset,
            space: Space::File,
            kind,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.chunk {
            Some(c) => write!(f, "chunk {c}")?,
            None => write!(f, "container")?,
        }
        if self.space == Space::Decompressed {
            write!(f, " (decompressed)")?;
        }
        write!(f, ", byte {:#x}: {}", self.offset, self.kind)
    }
}

impl std::error::Error for LoadError {}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error("unexpected end of data: needed {needed} more bytes, {available} available")]
    Truncated { needed: usize, available: usize },
    #[error("bad magic {found:02x?}, expected {expected}")]
    BadMagic {
        found: [u8; 4],
        expected: &'static str,
    },
    #[error("IFF form size {declared} does not match the file ({actual} bytes follow the header)")]
    FormSize { declared: u64, actual: u64 },
    #[error("chunk size {size} runs past the end of the file ({available} bytes left)")]
    ChunkPastEnd { size: u64, available: usize },
    #[error("required chunk {0} is missing")]
    MissingChunk(&'static str),
    #[error("chunk appears twice")]
    DuplicateChunk,
    #[error("{what}: count {count} is impossible for {available} remaining bytes")]
    BadCount {
        what: &'static str,
        count: i64,
        available: usize,
    },
    #[error("atom name is not valid UTF-8")]
    BadUtf8,
    #[error("{what} index {index} out of range (table has {len})")]
    IndexOutOfRange {
        what: &'static str,
        index: u64,
        len: usize,
    },
    #[error("compact term: {0}")]
    CompactTerm(String),
    #[error("unknown opcode {0}")]
    UnknownOpcode(u64),
    #[error(
        "opcode {opcode} ({name}) exceeds the highest opcode {max} declared in the Code header"
    )]
    OpcodeAboveHeader {
        opcode: u8,
        name: &'static str,
        max: u32,
    },
    #[error("highest opcode {0} is unknown: the module needs an OTP newer than 29 (the newest this loader knows)")]
    ModuleTooNew(u32),
    #[error("unsupported instruction set version {0} (expected 0)")]
    InstructionSet(u32),
    #[error("code header size {0} is smaller than the 16 bytes it must hold")]
    CodeHeaderSize(u32),
    #[error("bad operand for {op}: {detail}")]
    BadOperand { op: &'static str, detail: String },
    #[error("code structure: {0}")]
    Structure(String),
    #[error("zlib: {0}")]
    Zlib(String),
    #[error("uncompressed size {declared} but {actual} bytes were produced")]
    UncompressedSize { declared: u64, actual: u64 },
    #[error("external term format: {0}")]
    Etf(String),
    #[error("{0} trailing bytes")]
    TrailingBytes(usize),
    #[error("line table: {0}")]
    Line(String),
    #[error("type table: {0}")]
    Type(String),
}

pub type Result<T> = std::result::Result<T, LoadError>;
