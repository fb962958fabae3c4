//! The `Code` chunk: header, generic instructions, and their grouping into functions.

use crate::compact::{self, Operand};
use crate::container::RawChunk;
use crate::error::{ErrorKind, LoadError, Result};
use crate::model::{CodeHeader, Function, Instruction};
use crate::opcodes::{self, OpInfo};
use crate::reader::Reader;

/// Sizes of the tables that operands index into.
pub struct Tables {
    pub atoms: usize,
    pub literals: usize,
    pub imports: usize,
    pub lambdas: usize,
    /// `None` when the module has no `Type` chunk.
    pub types: Option<usize>,
    pub strings: usize,
}

/// Reads the `Code` header: `sub_size` then (inside it) instruction-set version, highest
/// opcode, label count and function count. Returns the header and the code bytes' reader.
pub fn header<'a>(chunk: &RawChunk<'a>) -> Result<(CodeHeader, Reader<'a>)> {
    let mut r = chunk.reader();
    let at = r.offset();
    let header_size = r.u32()?;
    if header_size < 16 {
        return Err(r.err_at(at, ErrorKind::CodeHeaderSize(header_size)));
    }
    let mut h = r.clone();
    r.bytes(header_size as usize)?;
    let set_at = h.offset();
    let instruction_set = h.u32()?;
    if instruction_set != 0 {
        return Err(h.err_at(set_at, ErrorKind::InstructionSet(instruction_set)));
    }
    let max_at = h.offset();
    let max_opcode = h.u32()?;
    let otp_needed = opcodes::otp_needed(max_opcode)
        .ok_or_else(|| h.err_at(max_at, ErrorKind::ModuleTooNew(max_opcode)))?;
    let label_count = h.u32()?;
    let function_count = h.u32()?;
    let header = CodeHeader {
        header_size,
        instruction_set,
        max_opcode,
        label_count,
        function_count,
        otp_needed,
    };
    Ok((header, r))
}

fn op_err(r: &Reader<'_>, at: usize, op: &OpInfo, detail: String) -> LoadError {
    r.err_at(
        at,
        ErrorKind::BadOperand {
            op: op.name,
            detail,
        },
    )
}

/// Checks the table indices inside one operand.
fn check_operand(r: &Reader<'_>, at: usize, t: &Tables, labels: u32, o: &Operand) -> Result<()> {
    let range = |what, index: u64, len: usize| {
        if index as usize >= len || index > usize::MAX as u64 {
            Err(r.err_at(at, ErrorKind::IndexOutOfRange { what, index, len }))
        } else {
            Ok(())
        }
    };
    match o {
        // Atom numbers are 1-based.
        Operand::Atom(n) => range("atom", u64::from(*n).saturating_sub(1), t.atoms),
        Operand::Literal(n) => range("literal", u64::from(*n), t.literals),
        Operand::Label(n) => range("label", u64::from(*n), labels as usize),
        Operand::TypedReg { type_index, .. } => {
            range("type", u64::from(*type_index), t.types.unwrap_or(0))
        }
        Operand::List(v) => v
            .iter()
            .try_for_each(|e| check_operand(r, at, t, labels, e)),
        _ => Ok(()),
    }
}

fn unsigned(r: &Reader<'_>, at: usize, op: &OpInfo, args: &[Operand], i: usize) -> Result<u64> {
    match args.get(i) {
        Some(Operand::Unsigned(n)) => Ok(*n),
        other => Err(op_err(
            r,
            at,
            op,
            format!("operand {i} must be an unsigned number, found {other:?}"),
        )),
    }
}

/// Operand checks that depend on the instruction (import, lambda and string indices).
fn check_instruction(
    r: &Reader<'_>,
    at: usize,
    t: &Tables,
    labels: u32,
    op: &OpInfo,
    args: &[Operand],
) -> Result<()> {
    for a in args {
        check_operand(r, at, t, labels, a)?;
    }
    let index = |i: usize, what: &'static str, len: usize| -> Result<()> {
        let n = unsigned(r, at, op, args, i)?;
        if n >= len as u64 {
            return Err(r.err_at(
                at,
                ErrorKind::IndexOutOfRange {
                    what,
                    index: n,
                    len,
                },
            ));
        }
        Ok(())
    };
    match op.name {
        "label" => {
            let n = unsigned(r, at, op, args, 0)?;
            if n == 0 || n >= u64::from(labels) {
                return Err(r.err_at(
                    at,
                    ErrorKind::IndexOutOfRange {
                        what: "label",
                        index: n,
                        len: labels as usize,
                    },
                ));
            }
        }
        "func_info"
            if !matches!(
                args,
                [Operand::Atom(_), Operand::Atom(_), Operand::Unsigned(_)]
            ) =>
        {
            return Err(op_err(
                r,
                at,
                op,
                format!("expected atom, atom, arity; found {args:?}"),
            ));
        }
        "call_ext" | "call_ext_last" | "call_ext_only" | "bif1" | "bif2" | "bif3" => {
            // The import is operand 1 for all of them (Arity/Lbl first).
            index(1, "import", t.imports)?;
        }
        "bif0" => index(0, "import", t.imports)?,
        "gc_bif1" | "gc_bif2" | "gc_bif3" => index(2, "import", t.imports)?,
        "make_fun2" | "make_fun3" => index(0, "lambda", t.lambdas)?,
        "bs_put_string" => {
            let len = unsigned(r, at, op, args, 0)?;
            let off = unsigned(r, at, op, args, 1)?;
            if off.saturating_add(len) > t.strings as u64 {
                return Err(r.err_at(
                    at,
                    ErrorKind::IndexOutOfRange {
                        what: "string table",
                        index: off.saturating_add(len),
                        len: t.strings,
                    },
                ));
            }
        }
        "bs_match_string" => {
            let bits = unsigned(r, at, op, args, 2)?;
            let off = unsigned(r, at, op, args, 3)?;
            let end = off.saturating_add(bits.div_ceil(8));
            if end > t.strings as u64 {
                return Err(r.err_at(
                    at,
                    ErrorKind::IndexOutOfRange {
                        what: "string table",
                        index: end,
                        len: t.strings,
                    },
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Decodes every instruction up to `int_code_end` and groups them into functions.
pub fn functions(header: &CodeHeader, mut r: Reader<'_>, t: &Tables) -> Result<Vec<Function>> {
    let labels = header.label_count;
    // Each instruction takes at least one byte.
    let mut code: Vec<Instruction> = Vec::with_capacity(r.remaining() / 2);
    let mut ended = false;
    while !r.is_empty() {
        let at = r.offset();
        let opcode = r.u8()?;
        let op = opcodes::op_info(u32::from(opcode))
            .ok_or_else(|| r.err_at(at, ErrorKind::UnknownOpcode(u64::from(opcode))))?;
        if u32::from(opcode) > header.max_opcode {
            return Err(r.err_at(
                at,
                ErrorKind::OpcodeAboveHeader {
                    opcode,
                    name: op.name,
                    max: header.max_opcode,
                },
            ));
        }
        if op.name == "int_code_end" {
            ended = true;
            break;
        }
        let mut args = Vec::with_capacity(usize::from(op.arity));
        for _ in 0..op.arity {
            args.push(compact::read_operand(&mut r, false)?);
        }
        check_instruction(&r, at, t, labels, op, &args)?;
        code.push(Instruction {
            op,
            args,
            offset: at,
        });
    }
    if !ended {
        return Err(r.err(ErrorKind::Structure(
            "code does not end with int_code_end".into(),
        )));
    }
    r.finish()?;
    split(&r, header, code)
}

fn is_label_or_line(i: &Instruction) -> bool {
    matches!(i.op.name, "label" | "line")
}

/// Splits the instruction stream at each `func_info`, moving the labels and `line`s that
/// precede a `func_info` into its function (as `beam_disasm` does).
fn split(r: &Reader<'_>, header: &CodeHeader, code: Vec<Instruction>) -> Result<Vec<Function>> {
    let mut starts = Vec::new();
    for (k, ins) in code.iter().enumerate() {
        if ins.op.name == "func_info" {
            let mut s = k;
            while s > 0 && code.get(s - 1).is_some_and(is_label_or_line) {
                s -= 1;
            }
            if starts.last().is_some_and(|&(_, prev_k)| s <= prev_k) {
                s = k;
            }
            starts.push((s, k));
        }
    }
    let end_at = r.offset();
    match starts.first() {
        None if code.is_empty() => return Ok(Vec::new()),
        None => return Err(r.err_at(end_at, ErrorKind::Structure("code has no func_info".into()))),
        Some(&(s, _)) if s != 0 => {
            let at = code.first().map_or(end_at, |i| i.offset);
            return Err(r.err_at(
                at,
                ErrorKind::Structure("instructions before the first function".into()),
            ));
        }
        _ => {}
    }
    if starts.len() != header.function_count as usize {
        return Err(r.err_at(
            end_at,
            ErrorKind::Structure(format!(
                "header declares {} functions, code has {}",
                header.function_count,
                starts.len()
            )),
        ));
    }
    let mut bounds: Vec<(usize, usize, usize)> = Vec::with_capacity(starts.len());
    for (i, &(s, k)) in starts.iter().enumerate() {
        let e = starts.get(i + 1).map_or(code.len(), |&(s2, _)| s2);
        bounds.push((s, k, e));
    }
    let mut out = Vec::with_capacity(bounds.len());
    let mut iter = code.into_iter();
    // The bounds tile the code: the first starts at 0 and each ends where the next begins.
    for (s, k, e) in bounds {
        let body: Vec<Instruction> = iter.by_ref().take(e - s).collect();
        let fi = body.get(k - s);
        let (name, arity, fi_at) = match fi.map(|i| (&i.args[..], i.offset)) {
            Some(([Operand::Atom(_), Operand::Atom(n), Operand::Unsigned(a)], off)) => {
                (*n, *a, off)
            }
            _ => return Err(r.err_at(end_at, ErrorKind::Structure("malformed func_info".into()))),
        };
        let entry = match body.get(k - s + 1).map(|i| (i.op.name, &i.args[..])) {
            Some(("label", [Operand::Unsigned(l)])) => *l as u32,
            _ => {
                return Err(r.err_at(
                    fi_at,
                    ErrorKind::Structure("func_info is not followed by the entry label".into()),
                ))
            }
        };
        let arity = u32::try_from(arity)
            .map_err(|_| r.err_at(fi_at, ErrorKind::Structure("arity too large".into())))?;
        out.push(Function {
            name,
            arity,
            entry,
            code: body,
        });
    }
    Ok(out)
}
