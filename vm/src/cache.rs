//! The native-code cache (docs/cache.md): a module's compiled code, its relocations and
//! the sites where it embeds per-VM values, stored on disk so a module is compiled once
//! per machine.
//!
//! An entry is keyed by the `.beam` file's MD5, the compiler's identity (crate version and
//! a hash of its sources, `build.rs`), the code generator (ir/template) and the target
//! flags (simulator or native, hardware divide, optimiser on/off). Its file:
//!
//! ```text
//! "BJITCACH" | u32 format | u32 key length | key text | u64 payload length | [16] payload checksum
//! payload: u32 section count, then per section: u32 tag | u32 version | u32 length | bytes
//! ```
//!
//! The key text is compared in full (a stale or colliding file is a miss), the length and
//! checksum of the payload are checked before anything is decoded, and every decoded field is
//! bounds-checked: a corrupt, truncated or stale entry is recompiled, never executed.
//! Sections are versioned; a reader skips tags it does not know (so other per-module
//! metadata can travel with the code), and treats a known tag of another version as stale.
//! Writers write a temporary file in the same directory, fsync it and rename it over the
//! entry, so concurrent writers never leave a torn file.

use std::io::Write;
use std::path::{Path, PathBuf};

use backend_arm32::asm::{Code, Reloc, RelocKind};
use backend_arm32::codegen::{CompiledCode, SymbolName};

use crate::cache_md5::{hex, md5};

const MAGIC: &[u8; 8] = b"BJITCACH";
/// 2: images carry each piece's instruction positions (the stack-trace index).
/// 3: the payload's check was a hand-written 4-lane checksum instead of MD5.
/// 4: the payload's check is [`checksum`] (XXH3-128).
/// 5: entries carry the module's facts ([`SEC_FACTS`]), so a warm load never decodes the
///    `.beam` file's code; the key names the `.beam` by [`beam_hash`], not MD5.
const FORMAT: u32 = 5;

/// Section tags.
pub(crate) const SEC_IMAGE: u32 = 1;
pub(crate) const SEC_RELOC: u32 = 2;
/// What loading needs from the instructions (vm/src/cache_info.rs).
pub(crate) const SEC_FACTS: u32 = 3;

/// The compiler's identity: crate version and a hash of its sources.
pub fn compiler_id() -> String {
    format!(
        "{}+{}",
        env!("CARGO_PKG_VERSION"),
        env!("BEAM_COMPILER_BUILD")
    )
}

/// The default cache directory: `$BEAM_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/beam-arm32-jit/code`, else `~/.cache/beam-arm32-jit/code`.
pub fn default_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("BEAM_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("beam-arm32-jit/code")))
        .or_else(|| var("HOME").map(|h| h.join(".cache/beam-arm32-jit/code")))
}

/// A module's compiled code before linking, as both code generators produce it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Image {
    /// The pieces of code, linked together: function `i` is piece `i`.
    pub pieces: Vec<(SymbolName, CompiledCode)>,
    /// The module's function (index) each piece belongs to.
    pub piece_function: Vec<u32>,
    /// Per piece, `(code offset, instruction index)` in code order: where the code of
    /// the function's instructions starts (one entry for an IR segment: its first
    /// instruction at offset 0). The stack-trace index (vm/src/stacktrace.rs).
    pub piece_positions: Vec<Vec<(u32, u32)>>,
    /// Module catch number → handler `(piece, byte offset)`, `None` for `undef`.
    pub catches: Vec<Option<(u32, u32)>>,
    pub template_functions: u32,
    pub template_fallbacks: u32,
    /// Functions compiled to make this image (0 when it came from the cache).
    pub functions_compiled: u32,
}

/// Where an entry lives and what its header must say.
pub(crate) struct Key {
    pub text: String,
    pub file: PathBuf,
}

pub(crate) fn key(dir: &Path, module: &str, beam_md5: &[u8; 16], target: &str) -> Key {
    let text = format!("{} {} {}", hex(beam_md5), compiler_id(), target);
    let h = hex(&md5(text.as_bytes()));
    let safe: String = module
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    Key {
        text,
        file: dir.join(format!("{safe}-{}.bjc", &h[..24])),
    }
}

/// An entry's sections: `(tag, version, bytes)`.
pub(crate) type Sections = Vec<(u32, u32, Vec<u8>)>;

/// What reading an entry found.
pub(crate) enum Lookup {
    Missing,
    /// Present but unusable (corrupt, truncated, stale): recompiled and overwritten.
    Rejected(String),
    Found(Vec<(u32, u32, Vec<u8>)>),
}

pub(crate) fn read(key: &Key) -> Lookup {
    let bytes = match std::fs::read(&key.file) {
        Ok(b) => b,
        Err(_) => return Lookup::Missing,
    };
    match parse(&bytes, &key.text) {
        Ok(s) => Lookup::Found(s),
        Err(e) => Lookup::Rejected(e),
    }
}

fn parse(bytes: &[u8], want_key: &str) -> Result<Vec<(u32, u32, Vec<u8>)>, String> {
    let mut r = Reader::new(bytes);
    if r.take(8)? != MAGIC {
        return Err("bad magic".into());
    }
    if r.u32()? != FORMAT {
        return Err("other format version".into());
    }
    let klen = r.u32()? as usize;
    if r.take(klen)? != want_key.as_bytes() {
        return Err("stale key (other compiler, mode or target)".into());
    }
    let plen = r.u64()?;
    let sum = r.take(16)?.to_vec();
    let payload = r.rest();
    if payload.len() as u64 != plen {
        return Err(format!(
            "payload of {} bytes, {plen} expected",
            payload.len()
        ));
    }
    if checksum(payload) != sum[..] {
        return Err("checksum mismatch".into());
    }
    let mut p = Reader::new(payload);
    let n = p.u32()?;
    let mut sections = Vec::new();
    for _ in 0..n {
        let (tag, ver, len) = (p.u32()?, p.u32()?, p.u32()? as usize);
        sections.push((tag, ver, p.take(len)?.to_vec()));
    }
    if !p.rest().is_empty() {
        return Err("trailing bytes".into());
    }
    Ok(sections)
}

/// The payload's check against damage on disk (not against forgery: whoever can write
/// the cache directory can write the programs too): XXH3's 128-bit hash (the
/// `xxhash-rust` crate), a checksum built for this, about as cheap as a copy. MD5 cost 16
/// instructions a byte natively, and each warm boot checks about 10 MB.
fn checksum(data: &[u8]) -> [u8; 16] {
    xxhash_rust::xxh3::xxh3_128(data).to_le_bytes()
}

/// The `.beam` file's identity in the key: XXH3-128 of its bytes, as the payload's check.
/// Its MD5 was the key before: 10 instructions a byte natively, a tenth of a warm real
/// boot once the boot no longer decoded the cached modules' code; XXH3 costs about 2.3.
/// Collisions are no concern here for the reason [`checksum`]'s are not.
pub(crate) fn beam_hash(beam: &[u8]) -> [u8; 16] {
    checksum(beam)
}

/// Writes an entry atomically (temporary file, fsync, rename).
pub(crate) fn write(key: &Key, sections: &[(u32, u32, Vec<u8>)]) -> std::io::Result<()> {
    let mut payload = Vec::new();
    put_u32(&mut payload, sections.len() as u32);
    for (tag, ver, data) in sections {
        put_u32(&mut payload, *tag);
        put_u32(&mut payload, *ver);
        put_u32(&mut payload, data.len() as u32);
        payload.extend_from_slice(data);
    }
    let mut out = Vec::with_capacity(payload.len() + 64 + key.text.len());
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, FORMAT);
    put_u32(&mut out, key.text.len() as u32);
    out.extend_from_slice(key.text.as_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&payload));
    out.extend_from_slice(&payload);
    let dir = key.file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Unique per writer: process, a counter for threads of this process, and the time.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(
        ".tmp-{}-{n}-{nonce}-{}",
        std::process::id(),
        key.file
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
    ));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&out)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &key.file)
    })();
    if res.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    res
}

// --- the image section ---

pub(crate) fn encode_image(im: &Image) -> Vec<u8> {
    let mut o = Vec::new();
    put_u32(&mut o, im.pieces.len() as u32);
    for ((name, c), &f) in im.pieces.iter().zip(&im.piece_function) {
        put_symbol(&mut o, name);
        put_u32(&mut o, f);
        put_bytes(&mut o, &c.code.bytes);
        put_u32(&mut o, c.code.relocs.len() as u32);
        for r in &c.code.relocs {
            put_u32(&mut o, r.offset);
            put_u32(&mut o, matches!(r.kind, RelocKind::Call) as u32);
            put_u32(&mut o, r.symbol);
        }
        put_u32(&mut o, c.symbols.len() as u32);
        for s in &c.symbols {
            put_symbol(&mut o, s);
        }
    }
    put_u32(&mut o, im.catches.len() as u32);
    for c in &im.catches {
        let (p, off) = c.map_or((u32::MAX, 0), |(p, off)| (p, off));
        put_u32(&mut o, p);
        put_u32(&mut o, off);
    }
    put_u32(&mut o, im.template_functions);
    put_u32(&mut o, im.template_fallbacks);
    for p in 0..im.pieces.len() {
        let at = im.piece_positions.get(p).map_or(&[][..], |v| v.as_slice());
        put_u32(&mut o, at.len() as u32);
        for &(off, pos) in at {
            put_u32(&mut o, off);
            put_u32(&mut o, pos);
        }
    }
    o
}

pub(crate) fn decode_image(b: &[u8]) -> Result<Image, String> {
    let mut r = Reader::new(b);
    let n = r.count(8)?;
    let mut im = Image::default();
    for _ in 0..n {
        let name = r.symbol()?;
        let f = r.u32()?;
        let bytes = r.bytes()?.to_vec();
        if bytes.len() % 4 != 0 {
            return Err("code not a whole number of words".into());
        }
        let nr = r.count(12)?;
        let mut relocs = Vec::with_capacity(nr);
        for _ in 0..nr {
            let (offset, kind, symbol) = (r.u32()?, r.u32()?, r.u32()?);
            if offset as usize + 4 > bytes.len() || kind > 1 {
                return Err("relocation out of range".into());
            }
            let kind = if kind == 1 {
                RelocKind::Call
            } else {
                RelocKind::Abs32
            };
            relocs.push(Reloc {
                offset,
                kind,
                symbol,
            });
        }
        let ns = r.count(8)?;
        let mut symbols = Vec::with_capacity(ns);
        for _ in 0..ns {
            symbols.push(r.symbol()?);
        }
        if relocs.iter().any(|rl| rl.symbol as usize >= symbols.len()) {
            return Err("relocation names no symbol".into());
        }
        im.pieces.push((
            name,
            CompiledCode {
                code: Code {
                    bytes,
                    relocs,
                    labels: Vec::new(),
                },
                symbols,
                vcode_text: String::new(),
                vcode_alloc_text: String::new(),
            },
        ));
        im.piece_function.push(f);
    }
    let nc = r.count(8)?;
    for _ in 0..nc {
        let (p, off) = (r.u32()?, r.u32()?);
        im.catches.push(if p == u32::MAX {
            None
        } else if (p as usize) < im.pieces.len()
            && (off as usize) < im.pieces[p as usize].1.code.bytes.len().max(1)
        {
            Some((p, off))
        } else {
            return Err("catch handler out of range".into());
        });
    }
    im.template_functions = r.u32()?;
    im.template_fallbacks = r.u32()?;
    for _ in 0..im.pieces.len() {
        let n = r.count(8)?;
        let mut at = Vec::with_capacity(n);
        for _ in 0..n {
            at.push((r.u32()?, r.u32()?));
        }
        im.piece_positions.push(at);
    }
    if !r.rest().is_empty() {
        return Err("trailing bytes in image".into());
    }
    Ok(im)
}

fn put_symbol(o: &mut Vec<u8>, s: &SymbolName) {
    match s {
        SymbolName::User { namespace, index } => {
            put_u32(o, 0);
            put_u32(o, *namespace);
            put_u32(o, *index);
        }
        SymbolName::Named(n) => {
            put_u32(o, 1);
            put_bytes(o, n.as_bytes());
        }
    }
}

pub(crate) fn put_u32(o: &mut Vec<u8>, v: u32) {
    o.extend_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_bytes(o: &mut Vec<u8>, b: &[u8]) {
    put_u32(o, b.len() as u32);
    o.extend_from_slice(b);
}

/// A bounds-checked little-endian reader: every failure is an error, never a panic.
pub(crate) struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Reader { b }
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.b.len() {
            return Err("truncated".into());
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    pub fn u32(&mut self) -> Result<u32, String> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    /// A count of items of at least `min_size` bytes each (bounded by what is left).
    pub fn count(&mut self, min_size: usize) -> Result<usize, String> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size) > self.b.len() {
            return Err("count larger than the data".into());
        }
        Ok(n)
    }
    pub fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn symbol(&mut self) -> Result<SymbolName, String> {
        match self.u32()? {
            0 => Ok(SymbolName::User {
                namespace: self.u32()?,
                index: self.u32()?,
            }),
            1 => Ok(SymbolName::Named(
                String::from_utf8(self.bytes()?.to_vec()).map_err(|_| "bad symbol name")?,
            )),
            _ => Err("bad symbol".into()),
        }
    }
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Image {
        let code = CompiledCode {
            code: Code {
                bytes: (0u8..64).collect(),
                relocs: vec![Reloc {
                    offset: 8,
                    kind: RelocKind::Call,
                    symbol: 0,
                }],
                labels: Vec::new(),
            },
            symbols: vec![SymbolName::Named("f".into())],
            vcode_text: String::new(),
            vcode_alloc_text: String::new(),
        };
        Image {
            pieces: vec![(
                SymbolName::User {
                    namespace: 1,
                    index: 0,
                },
                code,
            )],
            piece_function: vec![0],
            piece_positions: vec![vec![(0, 3), (8, 5)]],
            catches: vec![None, Some((0, 12))],
            template_functions: 1,
            ..Image::default()
        }
    }

    /// Every prefix and every single-byte change of an image section decodes to an error
    /// or to some image, never a panic; the whole section round-trips.
    #[test]
    fn image_section_decoding_is_total() {
        let enc = encode_image(&sample());
        let back = decode_image(&enc).unwrap();
        assert_eq!(encode_image(&back), enc);
        for n in 0..enc.len() {
            assert!(decode_image(&enc[..n]).is_err(), "prefix of {n} bytes");
        }
        for i in 0..enc.len() {
            for bit in [0x01u8, 0x80] {
                let mut b = enc.clone();
                b[i] ^= bit;
                let _ = decode_image(&b);
            }
        }
    }

    /// Writers racing on one entry (threads here; processes rename the same way) leave
    /// one whole entry, and readers meanwhile see a whole entry or none.
    #[test]
    fn concurrent_writers_leave_a_whole_entry() {
        let dir = std::env::temp_dir().join(format!("beamjit-cache-race-{}", std::process::id()));
        let k = key(&dir, "m", &[9; 16], "ir sim");
        let payloads: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 20_000 + usize::from(i)]).collect();
        std::thread::scope(|s| {
            for p in &payloads {
                let k = &k;
                s.spawn(move || {
                    for _ in 0..10 {
                        write(k, &[(SEC_IMAGE, 1, p.clone())]).unwrap();
                    }
                });
            }
            s.spawn(|| {
                for _ in 0..50 {
                    match read(&k) {
                        Lookup::Found(s) => assert!(payloads.contains(&s[0].2)),
                        Lookup::Missing => {}
                        Lookup::Rejected(e) => panic!("a reader saw a torn entry: {e}"),
                    }
                }
            });
        });
        match read(&k) {
            Lookup::Found(s) => assert!(payloads.contains(&s[0].2)),
            _ => panic!("no whole entry after the race"),
        }
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "temporary files left behind");
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Every single-bit change and every change of one aligned word of a payload changes
    /// its checksum, and so does every truncation (payloads of other lengths).
    #[test]
    fn checksum_sees_every_small_damage() {
        let data: Vec<u8> = (0..203u32).map(|i| (i * 37 + 11) as u8).collect();
        let sum = checksum(&data);
        for i in 0..data.len() {
            for bit in 0..8 {
                let mut d = data.clone();
                d[i] ^= 1 << bit;
                assert_ne!(checksum(&d), sum, "bit {bit} of byte {i}");
            }
        }
        for i in (0..data.len() - 3).step_by(4) {
            let mut d = data.clone();
            d[i..i + 4].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
            assert_ne!(checksum(&d), sum, "word at {i}");
        }
        // Two words 16 bytes apart (one stripe lane of a 4-lane sum) changed together.
        for i in (0..data.len() - 19).step_by(4) {
            let mut d = data.clone();
            d[i] ^= 0x5a;
            d[i + 16] ^= 0xa5;
            assert_ne!(checksum(&d), sum, "words at {i} and {}", i + 16);
        }
        let sums: std::collections::HashSet<[u8; 16]> =
            (0..=data.len()).map(|n| checksum(&data[..n])).collect();
        assert_eq!(sums.len(), data.len() + 1, "prefixes");
    }

    #[test]
    fn entries_round_trip_and_check_their_key() {
        let dir = std::env::temp_dir().join(format!("beamjit-cache-unit-{}", std::process::id()));
        let k = key(&dir, "m", &[7; 16], "ir sim");
        let sections = vec![(SEC_IMAGE, 1, encode_image(&sample())), (99, 3, vec![1, 2])];
        write(&k, &sections).unwrap();
        match read(&k) {
            Lookup::Found(s) => assert_eq!(s, sections),
            _ => panic!("entry not found"),
        }
        let other = Key {
            text: format!("{} other", k.text),
            file: k.file.clone(),
        };
        assert!(matches!(read(&other), Lookup::Rejected(_)));
        std::fs::remove_dir_all(&dir).ok();
    }
}
