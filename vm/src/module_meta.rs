//! What `module_info/0,1` and `erlang:fun_info/1,2` tell about a loaded module beyond
//! its code: its checksum (`md5`, also every fun's `new_uniq`), its `Attr` and `CInf`
//! chunks (`attributes`, `compile`) and its functions in code order (`exports` and
//! `functions` list them in that order, as erl does). Kept per module name for the
//! module's current code, on this thread's VM (as the stack-trace index is).

use std::cell::RefCell;
use std::rc::Rc;

use beam_frontend::Module;
use beam_runtime::term::Term;

use crate::cache_info::ModFacts;
use md5::{Digest, Md5};

/// A loaded module's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Meta {
    /// OTP's module checksum (`beam_lib:md5/1`, `module_info(md5)`, and the `new_uniq`
    /// of the module's funs).
    pub md5: [u8; 16],
    /// The `Attr` chunk (external term format), if any.
    pub attributes: Option<Vec<u8>>,
    /// The `CInf` chunk (external term format), if any.
    pub compile: Option<Vec<u8>>,
    /// `(name, arity, exported)` of every function, in code order (names are atoms:
    /// no allocation per function, a module has hundreds).
    pub functions: Vec<(Term, u32, bool)>,
    /// `(module, function, arity)` of its imports, in `ImpT` order.
    pub imports: Vec<(Term, Term, u32)>,
    /// `(function, arity)` of its exports, in `ExpT` order.
    pub exports: Vec<(Term, u32)>,
    /// The index of its `-on_load` function (the one with the `on_load` instruction).
    pub on_load: Option<u32>,
}

/// The chunks OTP 25's loader hashes for the module checksum, in its order (erts
/// beam_file.c, `beamfile_read`; beam_lib's `md5_chunks/0` lists the same). `FunT`
/// is hashed with each entry's OldUniq as zero (it comes from an older, endian-dependent
/// hash); a missing chunk adds nothing. Checked against erl in tests/erlang/output/
/// module_meta.erl.
const MD5_CHUNKS: [&[u8; 4]; 9] = [
    b"Atom", b"AtU8", b"Code", b"StrT", b"ImpT", b"ExpT", b"FunT", b"LitT", b"Meta",
];

/// The module checksum of the `.beam` file `bytes` (`None`: not a readable container;
/// the loader rejects such a file before this matters).
#[cfg(test)]
fn checksum(bytes: &[u8]) -> Option<[u8; 16]> {
    let chunks = beam_frontend::container::read_chunks(bytes).ok()?;
    Some(checksum_of(&chunks))
}

fn checksum_of(chunks: &[beam_frontend::container::RawChunk<'_>]) -> [u8; 16] {
    let mut h = Md5::new();
    for id in MD5_CHUNKS {
        let Some(c) = chunks.iter().find(|c| &c.id.0 == id) else {
            continue;
        };
        if id == b"FunT" {
            // Count, then 24-byte entries: Function Arity Label Index NumFree OldUniq.
            let (count, entries) = c.data.split_at(c.data.len().min(4));
            h.update(count);
            for e in entries.chunks(24) {
                match e.len() {
                    24 => {
                        h.update(&e[..20]);
                        h.update([0u8; 4]);
                    }
                    _ => h.update(e),
                }
            }
        } else {
            h.update(c.data);
        }
    }
    h.finalize().into()
}

/// What the loader keeps of a `.beam` file `bytes` for [`Meta`] (in the native-code
/// cache entry's facts, so a warm load does not hash the file again): the module
/// checksum and the `Attr` and `CInf` chunks. Zeros and `None` for bytes that are no
/// readable container (the loader rejects such a file before this matters).
pub(crate) fn file_facts(bytes: &[u8]) -> ([u8; 16], Option<Vec<u8>>, Option<Vec<u8>>) {
    let chunks = beam_frontend::container::read_chunks(bytes).unwrap_or_default();
    let chunk = |id: &[u8; 4]| {
        chunks
            .iter()
            .find(|c| &c.id.0 == id)
            .map(|c| c.data.to_vec())
    };
    (checksum_of(&chunks), chunk(b"Attr"), chunk(b"CInf"))
}

/// The description of a module being installed: its tables `m` (atoms, imports,
/// exports), its atoms as terms (`atoms[n - 1]` is atom number `n`) and the loader's
/// facts about it (vm/src/cache_info.rs).
pub(crate) fn from_facts(m: &Module, atoms: &[Term], facts: &ModFacts) -> Meta {
    let atom = |n: u32| {
        (n as usize)
            .checked_sub(1)
            .and_then(|i| atoms.get(i))
            .copied()
            .unwrap_or(Term::NIL)
    };
    let exported = |name: u32, arity: u32| {
        m.exports
            .iter()
            .any(|e| e.function == name && e.arity == arity)
    };
    Meta {
        md5: facts.checksum,
        attributes: facts.attributes.clone(),
        compile: facts.compile.clone(),
        functions: facts
            .lines
            .funcs
            .iter()
            .map(|f| (atom(f.name), f.arity, exported(f.name, f.arity)))
            .collect(),
        imports: m
            .imports
            .iter()
            .map(|i| (atom(i.module), atom(i.function), i.arity))
            .collect(),
        exports: m
            .exports
            .iter()
            .map(|e| (atom(e.function), e.arity))
            .collect(),
        on_load: facts.on_load,
    }
}

/// The BIFs of modules other than `erlang` in the order of OTP's BIF table
/// (erts/emulator/beam/bif.tab, OTP 25's entries): ERTS makes their export entries
/// first, so they come last in their module's `module_info(exports)`, in reverse order.
const OTP_BIF_TABLE: &[(&str, &str)] = &[
    ("math", "cos/1 cosh/1 sin/1 sinh/1 tan/1 tanh/1 acos/1 acosh/1 asin/1 asinh/1 atan/1 atanh/1 erf/1 erfc/1 exp/1 log/1 log2/1 log10/1 sqrt/1 atan2/2 pow/2 floor/1 ceil/1 fmod/2"),
    ("ets", "internal_request_all/0 new/2 delete/1 delete/2 delete_object/2 first/1 is_compiled_ms/1 lookup/2 lookup_element/3 info/1 info/2 last/1 match/1 match/2 match/3 match_object/1 match_object/2 match_object/3 member/2 next/2 prev/2 insert/2 insert_new/2 rename/2 safe_fixtable/2 slot/2 update_counter/3 select/1 select/2 select/3 select_count/2 select_reverse/1 select_reverse/2 select_reverse/3 select_replace/2 match_spec_compile/1 match_spec_run_r/3 update_element/3 give_away/3 setopts/2 take/2 update_counter/4 whereis/1 internal_delete_all/2 internal_select_delete/2"),
    ("os", "getenv/1 putenv/2 unsetenv/1 getpid/0 timestamp/0 system_time/0 system_time/1 perf_counter/0 set_signal/2 env/0"),
    ("re", "version/0 compile/1 compile/2 run/2 run/3 internal_run/4 inspect/2"),
    ("lists", "member/2 reverse/2 keymember/3 keysearch/3 keyfind/3"),
    ("erts_debug", "disassemble/1 breakpoint/2 same/2 flat_size/1 get_internal_state/1 set_internal_state/2 dist_ext_to_term/2 instructions/0 interpreter_size/0 dirty_cpu/2 dirty_io/2 dirty/3 lcnt_control/2 lcnt_control/1 lcnt_collect/0 lcnt_clear/0 map_info/1 size_shared/1 copy_shared/2"),
    ("error_logger", "warning_map/0"),
    ("string", "list_to_float/1"),
    ("unicode", "characters_to_binary/2 characters_to_list/2 bin_is_7bit/1"),
    ("net_kernel", "dflag_unicode_io/1"),
    ("binary", "compile_pattern/1 match/2 match/3 matches/2 matches/3 longest_common_prefix/1 longest_common_suffix/1 first/1 last/1 at/2 part/2 part/3 list_to_bin/1 copy/1 copy/2 referenced_byte_size/1 encode_unsigned/1 encode_unsigned/2 decode_unsigned/1 decode_unsigned/2 split/2 split/3"),
    ("prim_file", "internal_name2native/1 internal_native2name/1 internal_normalize_utf8/1 is_translatable/1"),
    ("file", "native_name_encoding/0"),
    ("io", "printable_range/0"),
    ("maps", "find/2 get/2 from_list/1 is_key/2 keys/1 merge/2 put/3 remove/2 update/3 values/1 take/2 from_keys/2"),
    ("persistent_term", "put/2 get/1 get/0 erase/1 info/0 get/2"),
    ("atomics", "get/2 put/3 add/3 add_get/3 exchange/3 compare_exchange/4 info/1"),
];

/// The order in which ERTS would have made export entries (`M:F/A` -> sequence number):
/// a module's `module_info(exports)` lists its exports latest first (ERTS walks its
/// export table in index order and conses). An entry is made by the BIF table at start,
/// by a loaded module's imports, then by its exports (`ExpT` order): so a function some
/// module imported before its own module was loaded comes last.
#[derive(Default)]
struct ExportOrder {
    next: u64,
    seq: rustc_hash::FxHashMap<(Term, Term, u32), u64>,
}

impl ExportOrder {
    fn make(&mut self, m: Term, f: Term, a: u32) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.seq.entry((m, f, a)) {
            e.insert(self.next);
            self.next += 1;
        }
    }

    fn seeded() -> Self {
        let mut o = ExportOrder::default();
        for (m, fas) in OTP_BIF_TABLE {
            for fa in fas.split(' ') {
                let parsed = fa
                    .rsplit_once('/')
                    .and_then(|(f, a)| Some((f, a.parse().ok()?)));
                let atoms = beam_runtime::atom::intern(m).ok().zip(
                    parsed.and_then(|(f, a)| beam_runtime::atom::intern(f).ok().map(|f| (f, a))),
                );
                if let Some((m, (f, a))) = atoms {
                    o.make(m, f, a);
                }
            }
        }
        o
    }
}

thread_local! {
    static METAS: RefCell<rustc_hash::FxHashMap<String, Rc<Meta>>> =
        RefCell::new(rustc_hash::FxHashMap::default());
    static ORDER: RefCell<Option<ExportOrder>> = const { RefCell::new(None) };
}

/// Records the description of `module`'s new current code (and the export entries its
/// loading makes).
pub(crate) fn register(module: &str, meta: Meta) {
    let m = beam_runtime::atom::intern(module).unwrap_or(Term::NIL);
    ORDER.with(|o| {
        let mut o = o.borrow_mut();
        let o = o.get_or_insert_with(ExportOrder::seeded);
        for &(im, f, a) in &meta.imports {
            o.make(im, f, a);
        }
        for &(f, a) in &meta.exports {
            o.make(m, f, a);
        }
    });
    METAS.with(|t| t.borrow_mut().insert(module.to_string(), Rc::new(meta)));
}

/// `module`'s exports as erl's `module_info(exports)` lists them (see [`ExportOrder`]).
pub(crate) fn exports_in_erl_order(module: &str, meta: &Meta) -> Vec<(Term, u32)> {
    let m = beam_runtime::atom::intern(module).unwrap_or(Term::NIL);
    let mut v: Vec<(u64, Term, u32)> = ORDER.with(|o| {
        let o = o.borrow();
        meta.functions
            .iter()
            .filter(|(_, _, exported)| *exported)
            .map(|&(f, a, _)| {
                let seq = o.as_ref().and_then(|o| o.seq.get(&(m, f, a)).copied());
                (seq.unwrap_or(0), f, a)
            })
            .collect()
    });
    // Latest first; equal (unknown) ones keep code order.
    v.sort_by_key(|x| std::cmp::Reverse(x.0));
    v.into_iter().map(|(_, f, a)| (f, a)).collect()
}

/// The description of `module`'s current code, if it was recorded.
pub(crate) fn get(module: &str) -> Option<Rc<Meta>> {
    METAS.with(|t| t.borrow().get(module).cloned())
}

/// Forgets every module (a new VM on this thread).
pub(crate) fn reset() {
    METAS.with(|t| t.borrow_mut().clear());
    ORDER.with(|o| *o.borrow_mut() = None);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A container of the given chunks (each padded to 4 bytes, as the format has it).
    fn container(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut body = b"BEAM".to_vec();
        for (id, data) in chunks {
            body.extend_from_slice(*id);
            body.extend_from_slice(&(data.len() as u32).to_be_bytes());
            body.extend_from_slice(data);
            body.resize(body.len().div_ceil(4) * 4, 0);
        }
        let mut file = b"FOR1".to_vec();
        file.extend_from_slice(&(body.len() as u32).to_be_bytes());
        file.extend(body);
        file
    }

    #[test]
    fn checksum_hashes_the_significant_chunks_in_otps_order_without_old_uniq() {
        let mut funt = 1u32.to_be_bytes().to_vec();
        for w in [5u32, 1, 7, 0, 0, 0xDEAD_BEEF] {
            funt.extend_from_slice(&w.to_be_bytes());
        }
        // Chunks in another order than the hash's, with ones it skips among them.
        let file = container(&[
            (b"Line", b"ignored"),
            (b"LitT", b"lit"),
            (b"AtU8", b"atoms"),
            (b"FunT", &funt),
            (b"Code", b"code"),
            (b"Attr", b"attr"),
        ]);
        let mut zeroed = funt.clone();
        zeroed[24..28].fill(0);
        let want: [u8; 16] = Md5::new()
            .chain_update(b"atoms")
            .chain_update(b"code")
            .chain_update(&zeroed)
            .chain_update(b"lit")
            .finalize()
            .into();
        assert_eq!(checksum(&file), Some(want));
        // OldUniq does not matter; any other byte does.
        let with_funt = |funt: &[u8]| {
            checksum(&container(&[
                (b"AtU8", b"atoms"),
                (b"Code", b"code"),
                (b"FunT", funt),
                (b"LitT", b"lit"),
            ]))
        };
        let mut other = funt.clone();
        other[27] ^= 1;
        assert_eq!(with_funt(&other), Some(want));
        other[5] ^= 1;
        assert_ne!(with_funt(&other), Some(want));
        assert_eq!(checksum(b"not a beam"), None);
    }
}
