//! Reader for `.beam` files as `erlc` writes them (OTP 24–29).
//!
//! [`decode`] turns the bytes of a `.beam` file into a typed [`Module`]: the IFF container
//! ([`container`]), the table chunks ([`chunks`]), literals in the external term format
//! ([`etf`]), the compact term encoding of operands ([`compact`]) and the generic
//! instruction set ([`opcodes`]). Malformed input gives a [`LoadError`] naming the chunk and
//! byte offset; decoding never panics.

pub mod chunks;
pub mod code;
pub mod compact;
pub mod container;
pub mod error;
pub mod etf;
mod inflate;
pub mod model;
pub mod opcodes;
pub mod reader;
pub mod specific;
pub mod text;

pub use compact::{AllocKind, AtomIndex, Operand, Reg};
pub use error::{ChunkId, ErrorKind, LoadError, Result, Space};
pub use etf::ExtTerm;
pub use model::*;
pub use opcodes::OpInfo;

use container::RawChunk;

/// Decodes a whole `.beam` file.
pub fn decode(file: &[u8]) -> Result<Module> {
    decode_parts(file, true)
}

/// Decodes a `.beam` file's tables (atoms, imports, exports, locals, lambdas, literals,
/// strings) and its code header, but not its code: [`Module::functions`] is empty, and so
/// are the fields derived from code or only read when compiling it (`lines`, `types`,
/// `attributes`, `compile_info`, `other_chunks`). For a loader that has the compiled code
/// and what it derived from the instructions already (a native-code cache entry keyed by
/// the file's bytes): decoding the code chunk is most of a `.beam`'s decoding cost.
pub fn decode_tables(file: &[u8]) -> Result<Module> {
    decode_parts(file, false)
}

fn decode_parts(file: &[u8], with_code: bool) -> Result<Module> {
    let chunks = container::read_chunks(file)?;
    let find = |id: &[u8; 4]| chunks.iter().find(|c| &c.id.0 == id);
    let missing = |name: &'static str| LoadError::new(None, 0, ErrorKind::MissingChunk(name));

    let atoms = match (find(b"AtU8"), find(b"Atom")) {
        (Some(c), _) => chunks::atoms(c, true)?,
        (None, Some(c)) => chunks::atoms(c, false)?,
        (None, None) => return Err(missing("AtU8")),
    };
    let code_chunk = find(b"Code").ok_or_else(|| missing("Code"))?;
    let (code, code_reader) = code::header(code_chunk)?;
    let labels = code.label_count;
    let imports = chunks::imports(find(b"ImpT").ok_or_else(|| missing("ImpT"))?, atoms.len())?;
    let exports = chunks::fun_refs(
        find(b"ExpT").ok_or_else(|| missing("ExpT"))?,
        atoms.len(),
        labels,
    )?;
    let locals =
        opt(find(b"LocT"), |c| chunks::fun_refs(c, atoms.len(), labels))?.unwrap_or_default();
    let lambdas =
        opt(find(b"FunT"), |c| chunks::lambdas(c, atoms.len(), labels))?.unwrap_or_default();
    let literals = opt(find(b"LitT"), chunks::literals)?.unwrap_or_default();
    let strings = find(b"StrT").map(|c| c.data.to_vec()).unwrap_or_default();
    // The tables; the rest only with the code.
    let mut module = Module {
        atoms,
        imports,
        exports,
        locals,
        lambdas,
        literals,
        strings,
        lines: None,
        types: None,
        attributes: None,
        compile_info: None,
        code,
        functions: Vec::new(),
        other_chunks: Vec::new(),
    };
    if !with_code {
        return Ok(module);
    }
    module.lines = opt(find(b"Line"), chunks::lines)?;
    module.types = opt(find(b"Type"), chunks::types)?;
    module.attributes = opt(find(b"Attr"), chunks::term_chunk)?;
    module.compile_info = opt(find(b"CInf"), chunks::term_chunk)?;

    let tables = code::Tables {
        atoms: module.atoms.len(),
        literals: module.literals.len(),
        imports: module.imports.len(),
        lambdas: module.lambdas.len(),
        types: module.types.as_ref().map(|t| t.count as usize),
        strings: module.strings.len(),
    };
    module.functions = code::functions(&module.code, code_reader, &tables)?;

    const KNOWN: [&[u8; 4]; 13] = [
        b"AtU8", b"Atom", b"Code", b"ImpT", b"ExpT", b"LocT", b"FunT", b"LitT", b"StrT", b"Line",
        b"Type", b"Attr", b"CInf",
    ];
    module.other_chunks = chunks
        .iter()
        .filter(|c| !KNOWN.contains(&&c.id.0))
        .map(|c| (c.id, c.data.to_vec()))
        .collect();
    Ok(module)
}

fn opt<'a, T>(
    c: Option<&RawChunk<'a>>,
    f: impl FnOnce(&RawChunk<'a>) -> Result<T>,
) -> Result<Option<T>> {
    c.map(f).transpose()
}
