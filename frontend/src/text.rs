//! Text forms of a decoded module.
//!
//! [`instruction`] prints one instruction in the normalised form that
//! `frontend/tests/oracle/disasm_dump.erl` prints from OTP's `beam_disasm:file/1` (see the
//! mapping table at the top of that file): operands in genop.tab order, with imports,
//! BIF names, local call targets, lambdas and string-table slices resolved the way
//! beam_disasm resolves them. [`module`] is the `beam disasm` listing built from it.

use std::collections::HashMap;
use std::fmt::Write;

use crate::compact::{AllocKind, Operand, Reg};
use crate::etf::ExtTerm;
use crate::model::{Instruction, Module};

/// Context for resolving operands: local call targets by entry label, and the style.
pub struct Resolver<'m> {
    m: &'m Module,
    entries: HashMap<u32, (u32, u32)>,
    /// Human-oriented extras (decimal floats, line locations) after the exact form.
    readable: bool,
}

impl<'m> Resolver<'m> {
    /// The exact normalised form compared with beam_disasm.
    pub fn new(m: &'m Module) -> Self {
        let entries = m
            .functions
            .iter()
            .map(|f| (f.entry, (f.name, f.arity)))
            .collect();
        Resolver {
            m,
            entries,
            readable: false,
        }
    }

    /// The `beam disasm` form: as `new`, plus comments with source locations of `line`
    /// and decimal values of floats.
    pub fn readable(m: &'m Module) -> Self {
        Resolver {
            readable: true,
            ..Resolver::new(m)
        }
    }
}

/// An atom in quotes; bytes outside printable ASCII, `'` and `\` as `\xHH`.
pub fn atom(out: &mut String, name: &str) {
    out.push('\'');
    for &b in name.as_bytes() {
        if (32..=126).contains(&b) && b != b'\'' && b != b'\\' {
            out.push(b as char);
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('\'');
}

fn hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

fn float(out: &mut String, f: f64) {
    let _ = write!(out, "float(0x{:016x})", f.to_bits());
}

/// A literal term.
pub fn term(out: &mut String, t: &ExtTerm) {
    match t {
        ExtTerm::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        ExtTerm::BigInt(b) => {
            let _ = write!(out, "{b}");
        }
        ExtTerm::Float(f) => float(out, *f),
        ExtTerm::Atom(a) => atom(out, a),
        ExtTerm::Tuple(v) => {
            out.push('{');
            for (i, e) in v.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                term(out, e);
            }
            out.push('}');
        }
        ExtTerm::Nil => out.push_str("[]"),
        ExtTerm::String(s) if s.is_empty() => out.push_str("[]"),
        ExtTerm::String(_) | ExtTerm::List { .. } => list(out, t),
        ExtTerm::Binary { bytes, bits } => {
            out.push_str("<<");
            if *bits == 0 {
                hex(out, bytes);
            } else {
                let (full, last) = bytes.split_at(bytes.len().saturating_sub(1));
                hex(out, full);
                let v = last.first().map_or(0, |&b| b >> (8 - bits));
                let _ = write!(out, "|{bits}:{v}");
            }
            out.push_str(">>");
        }
        ExtTerm::Map(pairs) => {
            let mut entries: Vec<String> = pairs
                .iter()
                .map(|(k, v)| {
                    let mut s = String::new();
                    term(&mut s, k);
                    s.push_str("=>");
                    term(&mut s, v);
                    s
                })
                .collect();
            entries.sort();
            out.push_str("#{");
            out.push_str(&entries.join(","));
            out.push('}');
        }
        ExtTerm::Export {
            module,
            function,
            arity,
        } => {
            out.push_str("fun(");
            term(out, module);
            out.push(',');
            term(out, function);
            let _ = write!(out, ",{arity})");
        }
        ExtTerm::Fun(_) => out.push_str("localfun"),
        ExtTerm::Pid { .. } => out.push_str("pid"),
        ExtTerm::Port { .. } => out.push_str("port"),
        ExtTerm::Reference { .. } => out.push_str("ref"),
    }
}

/// A list, following tails that are themselves lists or strings (as Erlang sees them).
fn list(out: &mut String, t: &ExtTerm) {
    out.push('[');
    let mut first = true;
    let mut cur = t;
    loop {
        match cur {
            ExtTerm::List { elems, tail } => {
                for e in elems {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    term(out, e);
                }
                cur = tail;
            }
            ExtTerm::String(s) => {
                for b in s {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    let _ = write!(out, "{b}");
                }
                break;
            }
            ExtTerm::Nil => break,
            other => {
                out.push('|');
                term(out, other);
                break;
            }
        }
    }
    out.push(']');
}

fn reg(out: &mut String, r: &Reg) {
    let _ = match r {
        Reg::X(n) => write!(out, "x{n}"),
        Reg::Y(n) => write!(out, "y{n}"),
    };
}

/// One operand, unresolved.
pub fn operand(out: &mut String, m: &Module, o: &Operand) {
    match o {
        Operand::Unsigned(n) => {
            let _ = write!(out, "{n}");
        }
        Operand::Integer(i) => {
            let _ = write!(out, "int({i})");
        }
        Operand::BigInt(b) => {
            let _ = write!(out, "int({b})");
        }
        Operand::Atom(a) => atom(out, m.atom(*a)),
        Operand::Nil => out.push_str("nil"),
        Operand::X(n) => {
            let _ = write!(out, "x{n}");
        }
        Operand::Y(n) => {
            let _ = write!(out, "y{n}");
        }
        Operand::Label(n) => {
            let _ = write!(out, "f{n}");
        }
        Operand::Char(c) => {
            let _ = write!(out, "char({c})");
        }
        Operand::Float(f) => float(out, *f),
        Operand::List(v) => {
            out.push('[');
            for (i, e) in v.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                operand(out, m, e);
            }
            out.push(']');
        }
        Operand::FloatReg(n) => {
            let _ = write!(out, "fr{n}");
        }
        Operand::Alloc(v) => {
            out.push_str("alloc(");
            for (i, (k, n)) in v.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let k = match k {
                    AllocKind::Words => "words",
                    AllocKind::Floats => "floats",
                    AllocKind::Funs => "funs",
                };
                let _ = write!(out, "{k}={n}");
            }
            out.push(')');
        }
        Operand::Literal(i) => match m.literals.get(*i as usize) {
            // beam_disasm shows float literals as floats.
            Some(ExtTerm::Float(f)) => float(out, *f),
            Some(t) => {
                out.push_str("lit(");
                term(out, t);
                out.push(')');
            }
            None => {
                let _ = write!(out, "lit(#{i}?)");
            }
        },
        Operand::TypedReg { reg: r, type_index } => {
            out.push_str("tr(");
            reg(out, r);
            let _ = write!(out, ",type{type_index})");
        }
    }
}

fn mfa(out: &mut String, kind: &str, m: &Module, module: u32, function: u32, arity: u32) {
    out.push_str(kind);
    out.push('(');
    atom(out, m.atom(module));
    out.push(',');
    atom(out, m.atom(function));
    let _ = write!(out, ",{arity})");
}

/// Prints operand `i` of `ins`, resolving it the way beam_disasm does for this opcode.
fn resolved(out: &mut String, r: &Resolver<'_>, ins: &Instruction, i: usize, o: &Operand) {
    let m = r.m;
    let name = ins.op.name;
    let import = |out: &mut String, kind: &str| match o {
        Operand::Unsigned(n) => match m.imports.get(*n as usize) {
            Some(imp) if kind == "ext" => mfa(out, "ext", m, imp.module, imp.function, imp.arity),
            Some(imp) => {
                out.push_str("bif(");
                atom(out, m.atom(imp.function));
                out.push(')');
            }
            None => operand(out, m, o),
        },
        _ => operand(out, m, o),
    };
    match (name, i) {
        ("call_ext" | "call_ext_last" | "call_ext_only", 1) => import(out, "ext"),
        ("bif0", 0) | ("bif1" | "bif2" | "bif3", 1) | ("gc_bif1" | "gc_bif2" | "gc_bif3", 2) => {
            import(out, "bif")
        }
        ("call" | "call_last" | "call_only", 1) => match o {
            Operand::Label(l) => match r.entries.get(l) {
                Some(&(f, a)) => mfa(out, "local", m, 1, f, a),
                None => operand(out, m, o),
            },
            _ => operand(out, m, o),
        },
        ("make_fun2" | "make_fun3", 0) => match o {
            Operand::Unsigned(n) => match m.lambdas.get(*n as usize) {
                Some(l) => {
                    out.push_str("lambda(");
                    atom(out, m.name());
                    out.push(',');
                    atom(out, m.atom(l.function));
                    let _ = write!(out, ",{},{},{})", l.arity, n, l.old_uniq);
                }
                None => operand(out, m, o),
            },
            _ => operand(out, m, o),
        },
        ("bs_put_string", 1) => string_slice(out, m, &ins.args, 0, 1, |len| len),
        ("bs_match_string", 3) => string_slice(out, m, &ins.args, 2, 3, |bits| bits.div_ceil(8)),
        _ => operand(out, m, o),
    }
}

fn string_slice(
    out: &mut String,
    m: &Module,
    args: &[Operand],
    len_i: usize,
    off_i: usize,
    bytes: impl Fn(u64) -> u64,
) {
    if let (Some(Operand::Unsigned(len)), Some(Operand::Unsigned(off))) =
        (args.get(len_i), args.get(off_i))
    {
        let start = *off as usize;
        let end = start.saturating_add(bytes(*len) as usize);
        if let Some(s) = m.strings.get(start..end) {
            out.push_str("str(<<");
            hex(out, s);
            out.push_str(">>)");
            return;
        }
    }
    if let Some(o) = args.get(off_i) {
        operand(out, m, o);
    }
}

/// One instruction in the normalised form (no indentation, no newline).
pub fn instruction(out: &mut String, r: &Resolver<'_>, ins: &Instruction) {
    out.push_str(ins.op.name);
    for (i, o) in ins.args.iter().enumerate() {
        out.push(' ');
        resolved(out, r, ins, i, o);
    }
    if r.readable {
        annotate(out, r.m, ins);
    }
}

/// Comments for humans: source locations of `line`, decimal values of float literals.
fn annotate(out: &mut String, m: &Module, ins: &Instruction) {
    if let ("line", [Operand::Unsigned(n @ 1..)]) = (ins.op.name, &ins.args[..]) {
        if let Some(lt) = &m.lines {
            if let Some(item) = lt.items.get(*n as usize) {
                let file = match item.file {
                    0 => format!("{}.erl", m.name()),
                    f => lt.names.get(f as usize - 1).cloned().unwrap_or_default(),
                };
                let _ = write!(out, "    % {file}:{}", item.line);
            }
        }
    }
    fn collect(m: &Module, a: &Operand, floats: &mut Vec<f64>) {
        match a {
            Operand::Float(f) => floats.push(*f),
            Operand::Literal(i) => {
                if let Some(ExtTerm::Float(f)) = m.literals.get(*i as usize) {
                    floats.push(*f);
                }
            }
            Operand::List(v) => v.iter().for_each(|e| collect(m, e, floats)),
            _ => {}
        }
    }
    let mut floats = Vec::new();
    for a in &ins.args {
        collect(m, a, &mut floats);
    }
    if !floats.is_empty() {
        let v: Vec<String> = floats.iter().map(|f| format!("{f:?}")).collect();
        let _ = write!(out, "    % {}", v.join(", "));
    }
}

/// The tables in the oracle's form: atoms, imports, exports (sorted lines), literals, and
/// the `Attr` and `CInf` terms.
pub fn oracle_tables(m: &Module) -> String {
    let mut out = String::new();
    for (i, a) in m.atoms.iter().enumerate() {
        let _ = write!(out, "atom {} ", i + 1);
        atom(&mut out, a);
        out.push('\n');
    }
    for (i, imp) in m.imports.iter().enumerate() {
        let _ = write!(out, "import {i} ");
        mfa(&mut out, "ext", m, imp.module, imp.function, imp.arity);
        out.push('\n');
    }
    let mut exports: Vec<String> = m
        .exports
        .iter()
        .map(|e| {
            let mut s = String::from("export ");
            atom(&mut s, m.atom(e.function));
            let _ = writeln!(s, "/{} {}", e.arity, e.label);
            s
        })
        .collect();
    exports.sort();
    exports.iter().for_each(|e| out.push_str(e));
    for (i, t) in m.literals.iter().enumerate() {
        let _ = write!(out, "literal {i} ");
        term(&mut out, t);
        out.push('\n');
    }
    for (name, t) in [
        ("attributes", &m.attributes),
        ("compile_info", &m.compile_info),
    ] {
        out.push_str(name);
        out.push(' ');
        match t {
            Some(t) => term(&mut out, t),
            None => out.push_str("none"),
        }
        out.push('\n');
    }
    out
}

/// The functions of a module in the oracle's normalised form (see `disasm_dump.erl`).
pub fn oracle_functions(m: &Module) -> String {
    let r = Resolver::new(m);
    let mut out = String::new();
    for f in &m.functions {
        out.push_str("function ");
        atom(&mut out, m.atom(f.name));
        let _ = writeln!(out, "/{} {}", f.arity, f.entry);
        for ins in &f.code {
            out.push_str("  ");
            instruction(&mut out, &r, ins);
            out.push('\n');
        }
    }
    out
}

/// The `beam disasm` listing: module name, exports, imports, table sizes, then functions.
pub fn module(m: &Module) -> String {
    let mut out = String::new();
    out.push_str("module ");
    atom(&mut out, m.name());
    let _ = writeln!(
        out,
        "\n  code: instruction set {}, highest opcode {} (needs OTP {}+), {} labels, {} functions",
        m.code.instruction_set,
        m.code.max_opcode,
        m.code.otp_needed,
        m.code.label_count,
        m.code.function_count
    );
    let _ = writeln!(
        out,
        "  atoms: {}, literals: {}, lambdas: {}, string table: {} bytes, line items: {}, types: {}",
        m.atoms.len(),
        m.literals.len(),
        m.lambdas.len(),
        m.strings.len(),
        m.lines.as_ref().map_or(0, |l| l.items.len()),
        m.types.as_ref().map_or(0, |t| t.count)
    );
    out.push_str("exports:\n");
    for e in &m.exports {
        out.push_str("  ");
        atom(&mut out, m.atom(e.function));
        let _ = writeln!(out, "/{} (label {})", e.arity, e.label);
    }
    out.push_str("imports:\n");
    for (i, imp) in m.imports.iter().enumerate() {
        let _ = write!(out, "  {i}: ");
        atom(&mut out, m.atom(imp.module));
        out.push(':');
        atom(&mut out, m.atom(imp.function));
        let _ = writeln!(out, "/{}", imp.arity);
    }
    for (id, data) in &m.other_chunks {
        let _ = writeln!(out, "chunk {id}: {} bytes (not interpreted)", data.len());
    }
    let r = Resolver::readable(m);
    for f in &m.functions {
        out.push_str("\nfunction ");
        atom(&mut out, m.atom(f.name));
        let _ = writeln!(out, "/{} (entry label {})", f.arity, f.entry);
        for ins in &f.code {
            out.push_str("  ");
            instruction(&mut out, &r, ins);
            out.push('\n');
        }
    }
    out
}
