//! Linking compiled functions into one image at a known address: functions are laid out
//! one after another, and their relocations are patched — calls between them (`bl`/`b`
//! with [`RelocKind::Call`]) and absolute addresses ([`RelocKind::Abs32`] literal-pool
//! words) of each other or of symbols the embedder resolves (runtime functions, data).
//! The runtime's installer, `beam clif-run` and the tests all link this way.

use rustc_hash::FxHashMap;

use super::{CompiledCode, SymbolName};
use crate::asm::RelocKind;

/// Why linking failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Nobody defines a symbol a relocation needs.
    #[error("function {func}: unresolved symbol {symbol}")]
    Unresolved { func: String, symbol: String },
    /// A `bl`/`b` cannot reach its target (±32 MiB, word-aligned).
    #[error("function {func}: call at {at:#x} cannot reach {symbol} at {target:#x}")]
    CallOutOfRange {
        func: String,
        symbol: String,
        at: u32,
        target: u32,
    },
    /// A relocation names a symbol index outside the function's table, or a patch
    /// position outside its code (a bug in code generation).
    #[error("function {func}: malformed relocation at {offset:#x}")]
    BadReloc { func: String, offset: u32 },
    /// M-profile code (`link_target` with `m_profile`) calls an even (A32) address:
    /// ARMv7-M has no A32 state, and no `BLX imm` to get there.
    #[error(
        "function {func}: {symbol} at {target:#x} is A32 code, which an M-profile core cannot run"
    )]
    NoArmState {
        func: String,
        symbol: String,
        target: u32,
    },
    /// The image would not fit below 4 GiB.
    #[error("image of {bytes} bytes does not fit at {base:#x}")]
    TooLarge { base: u32, bytes: usize },
}

/// A linked image.
#[derive(Clone, Debug)]
pub struct Image {
    /// The address the image was linked for.
    pub base: u32,
    pub bytes: Vec<u8>,
    /// The address of each function, in the order given.
    pub entries: Vec<u32>,
}

/// Byte offset of each function in the image (each starts 8-byte aligned).
pub fn layout(funcs: &[(SymbolName, &CompiledCode)]) -> (Vec<u32>, usize) {
    let mut offsets = Vec::with_capacity(funcs.len());
    let mut at = 0usize;
    for (_, c) in funcs {
        at = at.next_multiple_of(8);
        offsets.push(at as u32);
        at += c.code.bytes.len();
    }
    (offsets, at)
}

/// Links `funcs` for address `base`. A symbol is first looked up among `funcs`, then
/// passed to `resolve` (which returns its address, e.g. a runtime function or a simulator
/// redirect).
pub fn link(
    funcs: &[(SymbolName, &CompiledCode)],
    base: u32,
    resolve: &dyn Fn(&SymbolName) -> Option<u32>,
) -> Result<Image, LinkError> {
    link_isa(funcs, base, resolve, false)
}

/// [`link`] for code of either instruction set: with `thumb`, the functions are T32 and
/// their entry addresses (in [`Image::entries`] and as call targets) have bit 0 set.
pub fn link_isa(
    funcs: &[(SymbolName, &CompiledCode)],
    base: u32,
    resolve: &dyn Fn(&SymbolName) -> Option<u32>,
    thumb: bool,
) -> Result<Image, LinkError> {
    link_target(funcs, base, resolve, thumb, false)
}

/// [`link_isa`], for an M-profile core with `m_profile` (T32 only): a call to an even
/// address (which would become `BLX imm`, an A-profile-only instruction, into A32 state,
/// which M cores lack) is a [`LinkError::NoArmState`]; resolve host functions to odd
/// addresses for it.
pub fn link_target(
    funcs: &[(SymbolName, &CompiledCode)],
    base: u32,
    resolve: &dyn Fn(&SymbolName) -> Option<u32>,
    thumb: bool,
    m_profile: bool,
) -> Result<Image, LinkError> {
    let (offsets, size) = layout(funcs);
    if base as u64 + size as u64 > u32::MAX as u64 {
        return Err(LinkError::TooLarge { base, bytes: size });
    }
    let entries: Vec<u32> = offsets
        .iter()
        .map(|o| (base + o) | u32::from(thumb))
        .collect();
    // Symbol -> piece, built once: a module has hundreds of pieces and thousands of
    // relocations (a linear search per relocation was 1.6% of compiling lists.beam).
    // The first piece of a name wins, as the search did.
    let mut piece: FxHashMap<&SymbolName, usize> = FxHashMap::default();
    for (i, (n, _)) in funcs.iter().enumerate() {
        piece.entry(n).or_insert(i);
    }
    let mut bytes = vec![0u8; size];
    for ((name, code), &off) in funcs.iter().zip(&offsets) {
        // The piece's name, made only for an error.
        let func = || name.to_string();
        let start = off as usize;
        let out = &mut bytes[start..start + code.code.bytes.len()];
        out.copy_from_slice(&code.code.bytes);
        for r in &code.code.relocs {
            let bad = || LinkError::BadReloc {
                func: func(),
                offset: r.offset,
            };
            let sym = code.symbols.get(r.symbol as usize).ok_or_else(bad)?;
            let target = piece
                .get(sym)
                .map(|&i| entries[i])
                .or_else(|| resolve(sym))
                .ok_or_else(|| LinkError::Unresolved {
                    func: func(),
                    symbol: sym.to_string(),
                })?;
            let at = r.offset as usize;
            let word = out.get_mut(at..at + 4).ok_or_else(bad)?;
            let old = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            let new = match r.kind {
                RelocKind::Abs32 => old.wrapping_add(target),
                RelocKind::Call => {
                    // B/BL imm24: target = instruction address + 8 + 4 * imm24.
                    let pc = base + off + r.offset;
                    let delta = i64::from(target) - i64::from(pc) - 8;
                    if delta % 4 != 0 || !(-(1 << 25)..(1 << 25)).contains(&delta) {
                        return Err(LinkError::CallOutOfRange {
                            func: func(),
                            symbol: sym.to_string(),
                            at: pc,
                            target,
                        });
                    }
                    (old & 0xff00_0000) | ((delta >> 2) as u32 & 0x00ff_ffff)
                }
                RelocKind::ThumbCall if m_profile && target & 1 == 0 => {
                    return Err(LinkError::NoArmState {
                        func: func(),
                        symbol: sym.to_string(),
                        target,
                    });
                }
                RelocKind::ThumbCall => {
                    let pc = base + off + r.offset;
                    let link = (old >> 16) & 0x4000 != 0; // hw2 (high half in memory order)
                    thumb_call(pc, target, link).ok_or_else(|| LinkError::CallOutOfRange {
                        func: func(),
                        symbol: sym.to_string(),
                        at: pc,
                        target,
                    })?
                }
            };
            word.copy_from_slice(&new.to_le_bytes());
        }
    }
    Ok(Image {
        base,
        bytes,
        entries,
    })
}

/// The patched bytes (as a little-endian word) of a T32 BL/B.W at `pc` to `target`: BL/B.W
/// to T32 code (odd target), BLX to A32 code (even target; a tail call cannot switch).
fn thumb_call(pc: u32, target: u32, link: bool) -> Option<u32> {
    use crate::asm::{encode_t32, t32::branch_wide, Cond, Inst, T32};
    let w = if target & 1 != 0 {
        let off = i64::from(target & !1) - i64::from(pc) - 4;
        branch_wide(Cond::Al, link, i32::try_from(off).ok()?).ok()?
    } else {
        if !link || target & 3 != 0 {
            return None;
        }
        let off = i64::from(target) - i64::from((pc + 4) & !3);
        match encode_t32(
            &Inst::BlxImm {
                offset: i32::try_from(off).ok()?,
            },
            false,
        )
        .ok()?
        {
            T32::Wide(w) => w,
            T32::Narrow(_) => return None,
        }
    };
    // Memory order: first halfword, then second.
    Some(w.rotate_left(16))
}
