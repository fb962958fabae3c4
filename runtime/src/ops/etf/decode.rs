//! Decoding the external term format (`binary_to_term/1`) into any [`Alloc`], on an
//! explicit stack of partly built compounds. Every length is checked against the bytes
//! that remain before anything is allocated for it; every error names its byte offset.

use super::*;
use crate::atom;
use crate::heap::{Alloc, HeapError};
use crate::ops::compare::compare_exact;
use crate::ops::view;
use crate::{bignum, binary, construct, map};
use num_bigint::{BigInt, Sign};
use std::cmp::Ordering;

/// `binary_to_term(bytes)`: the whole input must be one version-prefixed term.
pub fn decode(bytes: &[u8], a: &mut dyn Alloc) -> Result<Term, EtfError> {
    let (t, used) = decode_prefix(bytes, a)?;
    if used != bytes.len() {
        return Err(EtfError::Malformed {
            offset: used,
            what: "bytes after the end of the term",
        });
    }
    Ok(t)
}

/// Decodes one version-prefixed term from the start of `bytes`; returns it and the number
/// of bytes it took.
pub fn decode_prefix(bytes: &[u8], a: &mut dyn Alloc) -> Result<(Term, usize), EtfError> {
    let mut r = Reader { b: bytes, pos: 0 };
    let v = r.u8()?;
    if v != VERSION {
        return Err(EtfError::Malformed {
            offset: 0,
            what: "first byte is not the version 131",
        });
    }
    let t = Decoder { r, a }.run()?;
    Ok(t)
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EtfError> {
        match self.pos.checked_add(n).filter(|&e| e <= self.b.len()) {
            Some(end) => {
                let s = &self.b[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(EtfError::Truncated {
                offset: self.pos,
                need: n - (self.b.len() - self.pos.min(self.b.len())),
            }),
        }
    }
    fn u8(&mut self) -> Result<u8, EtfError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, EtfError> {
        let s = self.take(2)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, EtfError> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }
    /// A count of items that each take at least `min` bytes: refuses counts the rest of
    /// the input cannot hold, before anything is allocated for them.
    fn count(&self, n: usize, min: usize, offset: usize) -> Result<usize, EtfError> {
        if n.saturating_mul(min) > self.remaining() {
            return Err(EtfError::Truncated {
                offset,
                need: n.saturating_mul(min) - self.remaining(),
            });
        }
        Ok(n)
    }
}

enum Kind {
    Tuple,
    /// `LIST_EXT`: the elements, then the tail.
    List,
    Map,
    /// `NEW_FUN_EXT`: Module, OldIndex, OldUniq, Pid, then the free variables.
    Fun {
        arity: u32,
        index: u32,
        md5: [u8; 16],
    },
}

struct Frame {
    kind: Kind,
    need: usize,
    items: Vec<Term>,
    offset: usize,
}

struct Decoder<'a, 'b> {
    r: Reader<'a>,
    a: &'b mut dyn Alloc,
}

impl Decoder<'_, '_> {
    fn heap<T>(&self, offset: usize, r: Result<T, HeapError>) -> Result<T, EtfError> {
        r.map_err(|source| EtfError::Heap { offset, source })
    }

    fn run(mut self) -> Result<(Term, usize), EtfError> {
        let mut frames: Vec<Frame> = Vec::new();
        loop {
            let offset = self.r.pos;
            let mut done = match self.term_or_frame(offset)? {
                Ok(t) => t,
                Err(f) if f.need == 0 => self.finish(f)?,
                Err(f) => {
                    frames.push(f);
                    continue;
                }
            };
            // Hand the finished term to its parent; close every parent it completes.
            loop {
                let Some(top) = frames.last_mut() else {
                    return Ok((done, self.r.pos));
                };
                top.items.push(done);
                if top.items.len() < top.need {
                    break;
                }
                if let Some(f) = frames.pop() {
                    done = self.finish(f)?;
                }
            }
        }
    }

    /// Reads one tag: an atomic term (`Ok`), or a compound whose parts follow (`Err`).
    fn term_or_frame(&mut self, offset: usize) -> Result<Result<Term, Frame>, EtfError> {
        let tag = self.r.u8()?;
        let frame = |kind, need| {
            Ok(Err(Frame {
                kind,
                need,
                items: Vec::with_capacity(need.min(1 << 16)),
                offset,
            }))
        };
        let t = match tag {
            SMALL_INTEGER_EXT => Term::small(self.r.u8()? as i64).unwrap_or_default(),
            INTEGER_EXT => {
                let v = self.r.u32()? as i32;
                let r = bignum::from_i64(self.a, v as i64);
                self.heap(offset, r)?
            }
            SMALL_BIG_EXT | LARGE_BIG_EXT => {
                let n = if tag == SMALL_BIG_EXT {
                    self.r.u8()? as usize
                } else {
                    self.r.u32()? as usize
                };
                let sign = self.r.u8()?;
                if sign > 1 {
                    return Err(EtfError::Malformed {
                        offset,
                        what: "bignum sign byte is not 0 or 1",
                    });
                }
                let digits = self.r.take(n)?;
                let s = if sign == 1 { Sign::Minus } else { Sign::Plus };
                let r = bignum::integer(self.a, &BigInt::from_bytes_le(s, digits));
                self.heap(offset, r)?
            }
            NEW_FLOAT_EXT => {
                let s = self.r.take(8)?;
                let f = f64::from_bits(u64::from_be_bytes(s.try_into().unwrap_or([0; 8])));
                self.float(offset, f)?
            }
            FLOAT_EXT => {
                let s = self.r.take(31)?;
                let text = std::str::from_utf8(s)
                    .ok()
                    .map(|t| t.trim_end_matches('\0').trim());
                let Some(f) = text.and_then(|t| t.parse::<f64>().ok()) else {
                    return Err(EtfError::Malformed {
                        offset,
                        what: "FLOAT_EXT text is not a float",
                    });
                };
                self.float(offset, f)?
            }
            ATOM_EXT | SMALL_ATOM_EXT | ATOM_UTF8_EXT | SMALL_ATOM_UTF8_EXT => {
                self.atom_body(tag, offset)?
            }
            NIL_EXT => Term::NIL,
            SMALL_TUPLE_EXT => {
                let n = self.r.u8()? as usize;
                return frame(Kind::Tuple, n);
            }
            LARGE_TUPLE_EXT => {
                let n = self.r.u32()? as usize;
                let n = self.r.count(n, 1, offset)?;
                if n > MAX_ARITYVAL as usize {
                    return Err(EtfError::Malformed {
                        offset,
                        what: "tuple arity above the system limit",
                    });
                }
                return frame(Kind::Tuple, n);
            }
            LIST_EXT => {
                let n = self.r.u32()? as usize;
                let n = self.r.count(n, 1, offset)?;
                return frame(Kind::List, n + 1);
            }
            MAP_EXT => {
                let n = self.r.u32()? as usize;
                let n = self.r.count(n, 2, offset)?;
                return frame(Kind::Map, 2 * n);
            }
            STRING_EXT => {
                let n = self.r.u16()? as usize;
                let bytes = self.r.take(n)?;
                let mut t = Term::NIL;
                for &b in bytes.iter().rev() {
                    let small = Term::small(b as i64).unwrap_or_default();
                    let r = construct::cons(self.a, small, t);
                    t = self.heap(offset, r)?;
                }
                t
            }
            BINARY_EXT => {
                let n = self.r.u32()? as usize;
                let bytes = self.r.take(n)?;
                let r = binary::new_binary(self.a, bytes);
                self.heap(offset, r)?
            }
            BIT_BINARY_EXT => {
                let n = self.r.u32()? as usize;
                let bits = self.r.u8()?;
                let bytes = self.r.take(n)?;
                if (n == 0 && bits != 0) || (n > 0 && !(1..=8).contains(&bits)) {
                    return Err(EtfError::Malformed {
                        offset,
                        what: "BIT_BINARY_EXT bit count outside 1..=8",
                    });
                }
                let total = if n == 0 {
                    0
                } else {
                    (n as u64 - 1) * 8 + bits as u64
                };
                let r = view::make_bits(self.a, bytes, total);
                self.heap(offset, r)?
            }
            PID_EXT | NEW_PID_EXT => {
                let node = self.atom(offset)?;
                let (id, serial) = (self.r.u32()?, self.r.u32()?);
                let creation = self.creation(tag == PID_EXT)?;
                if node == atom::NONODE && creation == 0 && id < 1 << 15 && serial < 1 << 13 {
                    Term::pid((serial << 15) | id)
                } else {
                    let r = construct::external(
                        self.a,
                        EXTERNAL_PID_SUBTAG,
                        node,
                        &[creation, id, serial],
                    );
                    self.heap(offset, r)?
                }
            }
            PORT_EXT | NEW_PORT_EXT | V4_PORT_EXT => {
                let node = self.atom(offset)?;
                let id = if tag == V4_PORT_EXT {
                    let hi = self.r.u32()?;
                    let lo = self.r.u32()?;
                    if hi != 0 {
                        return Err(EtfError::Unsupported {
                            offset,
                            tag,
                            what: "port identifiers above 32 bits",
                        });
                    }
                    lo
                } else {
                    self.r.u32()?
                };
                let creation = self.creation(tag == PORT_EXT)?;
                if node == atom::NONODE && creation == 0 && id < 1 << PID_DATA_SIZE {
                    Term::port(id)
                } else {
                    let r =
                        construct::external(self.a, EXTERNAL_PORT_SUBTAG, node, &[creation, id]);
                    self.heap(offset, r)?
                }
            }
            REFERENCE_EXT | NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                let len = if tag == REFERENCE_EXT {
                    1
                } else {
                    self.r.u16()? as usize
                };
                if len == 0 || len > 5 {
                    return Err(EtfError::Malformed {
                        offset,
                        what: "reference with no or more than 5 id words",
                    });
                }
                let node = self.atom(offset)?;
                let (ids, creation) = if tag == REFERENCE_EXT {
                    let id = self.r.u32()?;
                    (vec![id], self.creation(true)?)
                } else {
                    let c = self.creation(tag == NEW_REFERENCE_EXT)?;
                    let ids = (0..len)
                        .map(|_| self.r.u32())
                        .collect::<Result<Vec<_>, _>>()?;
                    (ids, c)
                };
                if node == atom::NONODE && creation == 0 && ids.len() <= 3 {
                    let mut n = [0u32; 3];
                    n[..ids.len()].copy_from_slice(&ids);
                    let r = construct::make_ref(self.a, n);
                    self.heap(offset, r)?
                } else {
                    let mut data = vec![creation];
                    data.extend(ids);
                    let r = construct::external(self.a, EXTERNAL_REF_SUBTAG, node, &data);
                    self.heap(offset, r)?
                }
            }
            EXPORT_EXT => {
                let m = self.atom(offset)?;
                let f = self.atom(offset)?;
                let a_off = self.r.pos;
                if self.r.u8()? != SMALL_INTEGER_EXT {
                    return Err(EtfError::Malformed {
                        offset: a_off,
                        what: "export arity is not a SMALL_INTEGER_EXT",
                    });
                }
                let arity = self.r.u8()? as u32;
                let entry = crate::ops::code_info().and_then(|c| c.export_entry(m, f, arity));
                let Some(entry) = entry else {
                    return Err(EtfError::Unsupported {
                        offset,
                        tag,
                        what: "export of a function no loaded module provides",
                    });
                };
                let r = construct::export(self.a, entry);
                self.heap(offset, r)?
            }
            NEW_FUN_EXT => {
                let size = self.r.u32()? as usize;
                // Size counts itself and everything after it: at least the fixed fields.
                if size < 29 || size - 4 > self.r.remaining() {
                    return Err(EtfError::Malformed {
                        offset,
                        what: "fun size does not fit the input",
                    });
                }
                let arity = u32::from(self.r.u8()?);
                let md5: [u8; 16] = self.r.take(16)?.try_into().unwrap_or_default();
                let index = self.r.u32()?;
                let num_free = self.r.u32()? as usize;
                let need = 4 + self.r.count(num_free, 1, offset)?;
                return frame(Kind::Fun { arity, index, md5 }, need);
            }
            FUN_EXT => {
                return Err(EtfError::Unsupported {
                    offset,
                    tag,
                    what: "funs of the old format (before OTP R8)",
                })
            }
            COMPRESSED => {
                return Err(EtfError::Unsupported {
                    offset,
                    tag,
                    what: "compressed terms",
                })
            }
            ATOM_CACHE_REF => {
                return Err(EtfError::Unsupported {
                    offset,
                    tag,
                    what: "atom cache references (distribution only)",
                })
            }
            _ => return Err(EtfError::UnknownTag { offset, tag }),
        };
        Ok(Ok(t))
    }

    fn float(&mut self, offset: usize, f: f64) -> Result<Term, EtfError> {
        if !f.is_finite() {
            return Err(EtfError::Malformed {
                offset,
                what: "float is not finite",
            });
        }
        let r = construct::float(self.a, f);
        self.heap(offset, r)
    }

    /// Creation: one byte in the old pid/port/ref forms, four in the new ones.
    fn creation(&mut self, old: bool) -> Result<u32, EtfError> {
        if old {
            Ok(self.r.u8()? as u32)
        } else {
            self.r.u32()
        }
    }

    /// An atom in any of the four atom encodings (node names, export parts).
    fn atom(&mut self, offset: usize) -> Result<Term, EtfError> {
        let at = self.r.pos;
        let tag = self.r.u8()?;
        if !matches!(
            tag,
            ATOM_EXT | SMALL_ATOM_EXT | ATOM_UTF8_EXT | SMALL_ATOM_UTF8_EXT
        ) {
            return Err(EtfError::Malformed {
                offset: at.max(offset),
                what: "expected an atom",
            });
        }
        self.atom_body(tag, at)
    }

    fn atom_body(&mut self, tag: u8, offset: usize) -> Result<Term, EtfError> {
        let n = match tag {
            ATOM_EXT | ATOM_UTF8_EXT => self.r.u16()? as usize,
            _ => self.r.u8()? as usize,
        };
        let bytes = self.r.take(n)?;
        let text: String = if matches!(tag, ATOM_EXT | SMALL_ATOM_EXT) {
            bytes.iter().map(|&b| b as char).collect()
        } else {
            match std::str::from_utf8(bytes) {
                Ok(s) => s.to_owned(),
                Err(_) => {
                    return Err(EtfError::Malformed {
                        offset,
                        what: "atom text is not UTF-8",
                    })
                }
            }
        };
        atom::intern(&text).map_err(|source| EtfError::Atom { offset, source })
    }

    fn finish(&mut self, f: Frame) -> Result<Term, EtfError> {
        let offset = f.offset;
        match f.kind {
            Kind::Tuple => {
                let r = construct::tuple(self.a, &f.items);
                self.heap(offset, r)
            }
            Kind::List => {
                let mut items = f.items;
                let mut t = items.pop().unwrap_or(Term::NIL);
                for &h in items.iter().rev() {
                    let r = construct::cons(self.a, h, t);
                    t = self.heap(offset, r)?;
                }
                Ok(t)
            }
            Kind::Fun { arity, index, md5 } => {
                let bad = |what| EtfError::Malformed { offset, what };
                let [module, old_index, old_uniq, pid, env @ ..] = &f.items[..] else {
                    return Err(bad("fun without its fields"));
                };
                if !module.is_atom() || !(pid.is_pid() || pid.is_boxed()) {
                    return Err(bad("fun module or creator of the wrong type"));
                }
                let small = |t: &Term| t.small_value().and_then(|v| u32::try_from(v).ok());
                let (Some(_), Some(old_uniq)) = (small(old_index), small(old_uniq)) else {
                    return Err(bad("fun OldIndex or OldUniq not an integer"));
                };
                // A fun of code that is not loaded decodes as in erl, into a fun that
                // raises when called.
                let entry = crate::ops::code_info().and_then(|c| {
                    c.fun_entry(*module, index, old_uniq, md5)
                        .or_else(|| c.unloaded_fun_entry(*module, index, old_uniq, md5, arity))
                });
                let Some(entry) = entry else {
                    return Err(EtfError::Unsupported {
                        offset,
                        tag: NEW_FUN_EXT,
                        what: "fun of code no loaded module has",
                    });
                };
                // Arity is the fun's own (its free variables not counted), as erl writes it.
                let r = construct::fun(self.a, entry, arity, *pid, env);
                self.heap(offset, r)
            }
            Kind::Map => {
                let mut pairs: Vec<(Term, Term)> =
                    f.items.chunks_exact(2).map(|c| (c[0], c[1])).collect();
                let mut err = None;
                pairs.sort_by(|x, y| {
                    compare_exact(x.0, y.0).unwrap_or_else(|e| {
                        err.get_or_insert(e);
                        Ordering::Equal
                    })
                });
                if let Some(e) = err {
                    return Err(e.into());
                }
                for w in pairs.windows(2) {
                    if compare_exact(w[0].0, w[1].0)? == Ordering::Equal {
                        return Err(EtfError::Malformed {
                            offset,
                            what: "map with a duplicate key",
                        });
                    }
                }
                let r = if pairs.len() <= MAP_SMALL_MAP_LIMIT {
                    let (k, v): (Vec<Term>, Vec<Term>) = pairs.into_iter().unzip();
                    map::flatmap(self.a, &k, &v)
                } else {
                    map::hashmap(self.a, &pairs)
                };
                self.heap(offset, r)
            }
        }
    }
}
