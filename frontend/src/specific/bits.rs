//! Bit syntax: the generic `bs_*` instructions of OTP 24 and 25 as specific ones.
//!
//! OTP 25's `bs_create_bin` describes a whole binary; OTP 24 builds one with `bs_init2`
//! (or `bs_init_bits`, `bs_append`, `bs_private_append`) followed by one `bs_put_*` per
//! segment. Both become [`Op::BsCreate`]: the OTP 24 sequence is merged by
//! [`merge_puts`], and its size computations (`bs_add`, `bs_utf8_size`, ...), which
//! only feed the initial size, become dead moves: the runtime computes the size from
//! the segments. String segments become 24-bit integer segments (a small integer holds
//! 27 bits), so the lowering never needs the string table.

use super::{BsField, BsKind, BsSeg, Cx, Dst, Op, ShapeError, Src};
use crate::compact::Operand;
use crate::etf::ExtTerm;

/// `erl_bits.h` flag bits of the `bs_get_*`/`bs_put_*` instructions.
const BSF_LITTLE: u64 = 2;
const BSF_SIGNED: u64 = 4;
const BSF_NATIVE: u64 = 16;

impl Cx<'_> {
    /// Pushes the specific instructions of a bit-syntax generic one; false when `name` is
    /// not one handled here.
    pub(super) fn bs_op(&self, name: &str, out: &mut Vec<Op>) -> Result<bool, ShapeError> {
        let op = match name {
            "bs_create_bin" => {
                let mut segs = Vec::new();
                let items = self.list(5)?;
                if items.len() % 6 != 0 {
                    return Err(self.err("bs_create_bin segment list is not 6-tuples"));
                }
                for seg in items.chunks(6) {
                    self.create_seg(seg, &mut segs)?;
                }
                Op::BsCreate {
                    fail: self.label(0)?,
                    alloc: self.heap_words(1)?,
                    live: Some(self.uint(2)?),
                    dst: self.dst(4)?,
                    segs,
                }
            }
            "bs_init2" | "bs_init_bits" => Op::BsInit {
                fail: self.label(0)?,
                alloc: self.heap_words(2)?,
                live: Some(self.uint(3)?),
                dst: self.dst(5)?,
                first: None,
            },
            // bs_append Fail Size Extra Live Unit Bin Flags Dst
            "bs_append" => Op::BsInit {
                fail: self.label(0)?,
                alloc: self.heap_words(2)?,
                live: Some(self.uint(3)?),
                dst: self.dst(7)?,
                first: Some(BsSeg {
                    field: field(BsKind::Append, self.uint(4)?, 0, None),
                    value: self.src(5)?,
                }),
            },
            // bs_private_append Fail Size Unit Bin Flags Dst
            "bs_private_append" => Op::BsInit {
                fail: self.label(0)?,
                alloc: 0,
                live: None,
                dst: self.dst(5)?,
                first: Some(BsSeg {
                    field: field(BsKind::PrivateAppend, self.uint(2)?, 0, None),
                    value: self.src(3)?,
                }),
            },
            // bs_put_* Fail Size Unit Flags Src
            "bs_put_integer" | "bs_put_binary" | "bs_put_float" => {
                let kind = match name {
                    "bs_put_integer" => BsKind::Integer,
                    "bs_put_binary" => BsKind::Binary,
                    _ => BsKind::Float,
                };
                Op::BsPut(BsSeg {
                    field: field(kind, self.uint(2)?, self.flags(3)?, self.size(1)?),
                    value: self.src(4)?,
                })
            }
            // bs_put_utf* Fail Flags Src
            "bs_put_utf8" | "bs_put_utf16" | "bs_put_utf32" => {
                let kind = match name {
                    "bs_put_utf8" => BsKind::Utf8,
                    "bs_put_utf16" => BsKind::Utf16,
                    _ => BsKind::Utf32,
                };
                Op::BsPut(BsSeg {
                    field: field(kind, 1, self.flags(1)?, None),
                    value: self.src(2)?,
                })
            }
            // bs_put_string Len StrOffset: merged as integer segments.
            "bs_put_string" => {
                let bytes = self.string(1, self.uint(0)? as usize)?;
                out.extend(string_segs(&bytes).into_iter().map(Op::BsPut));
                return Ok(true);
            }
            // Only feed the initial size of bs_init2, which is not used (see module doc).
            // bs_add Fail Src1 Src2 Unit Dst
            "bs_add" => Op::Move {
                src: Src::Int(0),
                dst: self.dst(4)?,
            },
            "bs_utf8_size" | "bs_utf16_size" => Op::Move {
                src: Src::Int(0),
                dst: self.dst(2)?,
            },
            // x0 = a binary to append to (the size hint in x0 is not needed).
            "bs_init_writable" => Op::BsCreate {
                fail: 0,
                alloc: 0,
                live: Some(0),
                dst: Dst::X(0),
                segs: Vec::new(),
            },
            // bs_start_match3 Fail Src Live Dst
            "bs_start_match3" => Op::BsStartMatch {
                fail: self.label(0)?,
                live: self.uint(2)?,
                src: self.src(1)?,
                dst: self.dst(3)?,
            },
            // bs_start_match4 Fail Live Src Dst; Fail is `no_fail`, `resume` or a label.
            "bs_start_match4" => Op::BsStartMatch {
                fail: match self.arg(0)? {
                    Operand::Label(l) => *l,
                    _ => 0,
                },
                live: self.uint(1)?,
                src: self.src(2)?,
                dst: self.dst(3)?,
            },
            // bs_get_* Fail Ctx Live Size Unit Flags Dst
            "bs_get_integer2" | "bs_get_binary2" | "bs_get_float2" => {
                let kind = match name {
                    "bs_get_integer2" => BsKind::Integer,
                    "bs_get_binary2" => BsKind::Binary,
                    _ => BsKind::Float,
                };
                Op::BsGet {
                    fail: self.label(0)?,
                    live: self.uint(2)?,
                    ctx: self.src(1)?,
                    field: field(kind, self.uint(4)?, self.flags(5)?, self.size(3)?),
                    dst: Some(self.dst(6)?),
                }
            }
            // bs_skip_bits2 Fail Ctx Size Unit Flags
            "bs_skip_bits2" => Op::BsGet {
                fail: self.label(0)?,
                live: 0,
                ctx: self.src(1)?,
                field: field(BsKind::Skip, self.uint(3)?, 0, self.size(2)?),
                dst: None,
            },
            // bs_get_utf* Fail Ctx Live Flags Dst; bs_skip_utf* Fail Ctx Live Flags
            "bs_get_utf8" | "bs_get_utf16" | "bs_get_utf32" | "bs_skip_utf8" | "bs_skip_utf16"
            | "bs_skip_utf32" => {
                let kind = match name {
                    "bs_get_utf8" => BsKind::Utf8,
                    "bs_get_utf16" => BsKind::Utf16,
                    "bs_get_utf32" => BsKind::Utf32,
                    "bs_skip_utf8" => BsKind::SkipUtf8,
                    "bs_skip_utf16" => BsKind::SkipUtf16,
                    _ => BsKind::SkipUtf32,
                };
                let get = name.starts_with("bs_get");
                Op::BsGet {
                    fail: self.label(0)?,
                    live: self.uint(2)?,
                    ctx: self.src(1)?,
                    field: field(kind, 1, self.flags(3)?, None),
                    dst: if get { Some(self.dst(4)?) } else { None },
                }
            }
            // bs_match_string Fail Ctx Bits StrOffset
            "bs_match_string" => {
                let bits = self.uint(2)?;
                Op::BsMatchString {
                    fail: self.label(0)?,
                    ctx: self.src(1)?,
                    bits,
                    bytes: self.string(3, bits.div_ceil(8) as usize)?,
                }
            }
            "bs_test_tail2" => Op::BsTestTail {
                fail: self.label(0)?,
                ctx: self.src(1)?,
                bits: self.uint(2)?,
            },
            "bs_test_unit" => Op::BsTestUnit {
                fail: self.label(0)?,
                ctx: self.src(1)?,
                unit: self.uint(2)?,
            },
            // bs_get_tail Ctx Dst Live
            "bs_get_tail" => Op::BsGetTail {
                ctx: self.src(0)?,
                dst: self.dst(1)?,
                live: self.uint(2)?,
            },
            // bs_get_position Ctx Dst Live
            "bs_get_position" => Op::BsGetPosition {
                ctx: self.src(0)?,
                dst: self.dst(1)?,
            },
            "bs_set_position" => Op::BsSetPosition {
                ctx: self.src(0)?,
                pos: self.src(1)?,
            },
            _ => return Ok(false),
        };
        out.push(op);
        Ok(true)
    }

    /// One `bs_create_bin` segment: type, segment number, unit, flags, value, size.
    fn create_seg(&self, seg: &[Operand], out: &mut Vec<BsSeg>) -> Result<(), ShapeError> {
        let [Operand::Atom(ty), _, unit, flags, value, size] = seg else {
            return Err(self.err("bs_create_bin segment does not start with its type"));
        };
        let unit = match unit {
            Operand::Unsigned(n) => *n as u32,
            Operand::Integer(n) => *n as u32,
            _ => return Err(self.err("bs_create_bin unit is not a number")),
        };
        let flags = self.flag_list(flags)?;
        let size = match size {
            Operand::Atom(a) if matches!(self.m.atom(*a), "all" | "undefined") => None,
            o => Some(self.src_of(o)?),
        };
        let kind = match self.m.atom(*ty) {
            "integer" => BsKind::Integer,
            "float" => BsKind::Float,
            "binary" => BsKind::Binary,
            "utf8" => BsKind::Utf8,
            "utf16" => BsKind::Utf16,
            "utf32" => BsKind::Utf32,
            "append" => BsKind::Append,
            "private_append" => BsKind::PrivateAppend,
            "string" => {
                let len = match size {
                    Some(Src::Int(n)) => {
                        usize::try_from(n).map_err(|_| self.err("string length"))?
                    }
                    _ => return Err(self.err("bs_create_bin string without a length")),
                };
                let off = match value {
                    Operand::Unsigned(n) => *n as usize,
                    Operand::Integer(n) => *n as usize,
                    _ => return Err(self.err("bs_create_bin string without an offset")),
                };
                out.extend(string_segs(self.string_at(off, len)?));
                return Ok(());
            }
            t => return Err(self.err(format!("bs_create_bin segment type {t}"))),
        };
        out.push(BsSeg {
            field: field(kind, unit, flags, size),
            value: self.src_of(value)?,
        });
        Ok(())
    }

    /// The flags of a `bs_create_bin` segment (`[]` or a literal list of atoms) as the
    /// `BSF_*` bits.
    fn flag_list(&self, o: &Operand) -> Result<u64, ShapeError> {
        let lit = match o {
            Operand::Nil => return Ok(0),
            Operand::Literal(l) => self.m.literals.get(*l as usize),
            Operand::Unsigned(n) => return Ok(*n),
            _ => None,
        };
        let elems = match lit {
            Some(ExtTerm::List { elems, .. }) => elems,
            Some(ExtTerm::Nil) => return Ok(0),
            _ => return Err(self.err("bs_create_bin flags are not a list")),
        };
        Ok(elems.iter().fold(0, |f, e| match e {
            ExtTerm::Atom(a) if a == "little" => f | BSF_LITTLE,
            ExtTerm::Atom(a) if a == "native" => f | BSF_NATIVE,
            ExtTerm::Atom(a) if a == "signed" => f | BSF_SIGNED,
            _ => f,
        }))
    }

    /// The flags operand of a `bs_get_*`/`bs_put_*` instruction.
    fn flags(&self, i: usize) -> Result<u64, ShapeError> {
        match self.arg(i)? {
            Operand::Unsigned(n) => Ok(*n),
            Operand::Integer(n) => Ok(*n as u64),
            o => self.flag_list(o),
        }
    }

    /// A size operand: `None` for `all`.
    fn size(&self, i: usize) -> Result<Option<Src>, ShapeError> {
        match self.arg(i)? {
            Operand::Atom(a) if self.m.atom(*a) == "all" => Ok(None),
            o => self.src_of(o).map(Some),
        }
    }

    /// `len` bytes of the string table from the offset in operand `i`.
    fn string(&self, i: usize, len: usize) -> Result<Vec<u8>, ShapeError> {
        let off = self.uint(i)? as usize;
        self.string_at(off, len).map(<[u8]>::to_vec)
    }

    fn string_at(&self, off: usize, len: usize) -> Result<&[u8], ShapeError> {
        self.m
            .strings
            .get(off..off + len)
            .ok_or_else(|| self.err("string outside the string table"))
    }
}

fn field(kind: BsKind, unit: u32, flags: u64, size: Option<Src>) -> BsField {
    BsField {
        kind,
        unit,
        signed: flags & BSF_SIGNED != 0,
        // ARMv7 Linux (and the simulator's host) is little-endian.
        little: flags & (BSF_LITTLE | BSF_NATIVE) != 0,
        size,
    }
}

/// String bytes as unsigned big-endian integer segments of up to 3 bytes each.
fn string_segs(bytes: &[u8]) -> Vec<BsSeg> {
    bytes
        .chunks(3)
        .map(|c| BsSeg {
            field: field(BsKind::Integer, 8, 0, Some(Src::Int(c.len() as i64))),
            value: Src::Int(c.iter().fold(0i64, |v, &b| v << 8 | i64::from(b))),
        })
        .collect()
}

/// Folds each OTP 24 `BsInit` and the `BsPut`s after it into one `BsCreate`.
pub(super) fn merge_puts(code: Vec<Op>) -> Vec<Op> {
    if !code
        .iter()
        .any(|op| matches!(op, Op::BsInit { .. } | Op::BsPut(_)))
    {
        return code;
    }
    let mut out: Vec<Op> = Vec::with_capacity(code.len());
    // Index in `out` of the BsCreate being filled.
    let mut open: Option<usize> = None;
    for op in code {
        if let Op::BsPut(seg) = &op {
            if let Some(Op::BsCreate { segs: into, .. }) = open.and_then(|i| out.get_mut(i)) {
                into.push(seg.clone());
                continue;
            }
            // A put with no init before it: keep it (the lowering reports it).
            out.push(op);
            continue;
        }
        match op {
            Op::BsInit {
                fail,
                alloc,
                live,
                dst,
                first,
            } => {
                open = Some(out.len());
                out.push(Op::BsCreate {
                    fail,
                    alloc,
                    live,
                    dst,
                    segs: first.into_iter().collect(),
                });
            }
            Op::Line(_) => out.push(op),
            op => {
                open = None;
                out.push(op);
            }
        }
    }
    out
}
