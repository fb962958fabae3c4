//! Module literals: the loader's [`ExtTerm`]s built as terms in the runtime's literal
//! area (never collected, never copied), so compiled code can embed their addresses.

use beam_frontend::ExtTerm;
use beam_runtime::heap::{Alloc, HeapError};
use beam_runtime::term::Term;
use beam_runtime::{atom, bignum, binary, construct, map, ops};

/// A literal the runtime cannot represent (yet).
#[derive(Debug, thiserror::Error)]
pub enum LiteralError {
    #[error("literal {0} is not supported yet")]
    Unsupported(&'static str),
    #[error("export cell: {0}")]
    Cell(String),
    #[error("atom: {0}")]
    Atom(#[from] atom::AtomError),
    #[error("allocation: {0}")]
    Heap(#[from] HeapError),
}

/// Gives the export cell of `{M, F, A}` (for `fun M:F/A` literals).
pub type ExportCells<'a> = &'a mut dyn FnMut(&str, &str, u32) -> Result<u32, LiteralError>;

/// Builds `t` in `a`.
pub fn build(a: &mut dyn Alloc, t: &ExtTerm, cells: ExportCells<'_>) -> Result<Term, LiteralError> {
    Ok(match t {
        ExtTerm::Integer(n) => match Term::small(*n) {
            Some(s) => s,
            None => bignum::from_i64(a, *n)?,
        },
        ExtTerm::BigInt(n) => bignum::integer(a, n)?,
        ExtTerm::Float(f) => construct::float(a, *f)?,
        ExtTerm::Atom(name) => atom::intern(name)?,
        ExtTerm::Nil => Term::NIL,
        ExtTerm::Tuple(elems) => {
            let v = elems
                .iter()
                .map(|e| build(a, e, cells))
                .collect::<Result<Vec<_>, _>>()?;
            construct::tuple(a, &v)?
        }
        ExtTerm::String(bytes) => {
            let v: Vec<Term> = bytes
                .iter()
                .map(|&b| Term::small(i64::from(b)).expect("a byte is small"))
                .collect();
            construct::list(a, &v)?
        }
        ExtTerm::List { elems, tail } => {
            // Built back to front, so a long list needs no recursion on its spine.
            let mut acc = build(a, tail, cells)?;
            for e in elems.iter().rev() {
                let h = build(a, e, cells)?;
                acc = construct::cons(a, h, acc)?;
            }
            acc
        }
        ExtTerm::Binary { bytes, bits } => {
            if *bits == 0 {
                binary::new_binary(a, bytes)?
            } else {
                let Some(full) = (bytes.len() as u64).checked_sub(1) else {
                    return Err(LiteralError::Unsupported("bitstring without bytes"));
                };
                let total = full * 8 + u64::from(*bits);
                ops::view::make_bits(a, bytes, total)?
            }
        }
        ExtTerm::Map(pairs) => {
            let mut built = Vec::with_capacity(pairs.len());
            for (k, v) in pairs {
                built.push((build(a, k, cells)?, build(a, v, cells)?));
            }
            // A flat map keeps its keys in term order.
            built.sort_by(|x, y| {
                ops::compare::compare(x.0, y.0).unwrap_or(std::cmp::Ordering::Equal)
            });
            let (ks, vs): (Vec<Term>, Vec<Term>) = built.into_iter().unzip();
            if ks.len() <= 32 {
                map::flatmap(a, &ks, &vs)?
            } else {
                let pairs: Vec<(Term, Term)> = ks.into_iter().zip(vs).collect();
                map::hashmap(a, &pairs)?
            }
        }
        ExtTerm::Export {
            module,
            function,
            arity,
        } => match (&**module, &**function) {
            (ExtTerm::Atom(m), ExtTerm::Atom(f)) => {
                let cell = cells(m, f, u32::from(*arity))?;
                construct::export(a, cell)?
            }
            _ => return Err(LiteralError::Unsupported("fun M:F/A with non-atom parts")),
        },
        ExtTerm::Fun(_) => return Err(LiteralError::Unsupported("fun")),
        ExtTerm::Pid { .. } => return Err(LiteralError::Unsupported("pid")),
        ExtTerm::Port { .. } => return Err(LiteralError::Unsupported("port")),
        _ => return Err(LiteralError::Unsupported("reference")),
    })
}
