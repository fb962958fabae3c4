//! The cipher engines behind crypto's `crypto_one_time`, `crypto_init`... (see
//! vm/src/bifs_crypto_cipher.rs): AES in ECB, CBC, CTR and CFB128 mode on RustCrypto's
//! aes/ecb/cbc/ctr/cfb-mode crates, ChaCha20 with OpenSSL's 16-byte IV, and the two AEAD
//! constructions (GCM, ChaCha20-Poly1305) composed from aes/ctr/ghash and
//! chacha20/poly1305.
//!
//! The AEADs are composed here rather than taken from aes-gcm/chacha20poly1305 because
//! erl (OpenSSL) accepts what those crates fix at compile time: GCM IVs of 1 to 128 bytes
//! (not only 12) and tags truncated to 1..16 bytes, on encryption and on decryption.

use aes::cipher::consts::U16;
use aes::cipher::crypto_common::InnerInit;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::typenum::{IsLess, Le, NonZero, U256};
use aes::cipher::{
    BlockCipher, BlockDecrypt, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, BlockSizeUser,
    InnerIvInit, KeyInit, KeyIvInit, StreamCipher, StreamCipherCore, StreamCipherSeekCore,
};
use aes::{Aes128, Aes192, Aes256};
use poly1305::universal_hash::UniversalHash;

use crate::crypto_cipher_extra::{self as extra, Rc4};

/// The block cipher (or stream cipher) under a mode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Algo {
    Aes,
    Des,
    Des3,
    Blowfish,
    Rc2,
    Rc4,
    ChaCha,
}

impl Algo {
    /// The block length the chaining modes work in (their IV length).
    fn block(self) -> usize {
        match self {
            Algo::Aes | Algo::ChaCha => 16,
            Algo::Des | Algo::Des3 | Algo::Blowfish | Algo::Rc2 => 8,
            Algo::Rc4 => 1,
        }
    }
}

/// A cipher's mode: how it is run and what `cipher_info/1` says of it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Ecb,
    Cbc,
    Ctr,
    /// Full-block CFB: `cfb128` for AES, `cfb`/`cfb64` for DES and Blowfish.
    Cfb,
    Cfb8,
    Ofb,
    Gcm,
    Ccm,
    ChaCha20,
    ChaChaPoly,
    Rc4,
}

impl Mode {
    pub fn mode_name(self) -> &'static str {
        match self {
            Mode::Ecb => "ecb_mode",
            Mode::Cbc => "cbc_mode",
            Mode::Ctr => "ctr_mode",
            Mode::Cfb | Mode::Cfb8 => "cfb_mode",
            Mode::Ofb => "ofb_mode",
            Mode::Gcm => "gcm_mode",
            Mode::Ccm => "ccm_mode",
            Mode::ChaCha20 | Mode::ChaChaPoly | Mode::Rc4 => "stream_cipher",
        }
    }

    pub fn aead(self) -> bool {
        matches!(self, Mode::Gcm | Mode::Ccm | Mode::ChaChaPoly)
    }
}

/// One cipher of `supports(ciphers)`: its name, algorithm, mode, key length (the default
/// one for Blowfish and RC4, whose keys may be of other lengths) and OpenSSL's NID (`type`
/// in `cipher_info/1`; `undefined` where erl gives that).
pub struct Cipher {
    pub name: &'static str,
    pub algo: Algo,
    pub mode: Mode,
    pub key_len: usize,
    pub nid: Option<i64>,
}

/// Why a key is refused, each as erl reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyError {
    /// `{badarg, {"api_ng.c", 244}, "Bad key size"}`: the NIF's own table check (AES; an
    /// empty Blowfish/RC4 key, which OpenSSL reads past the end of).
    Size,
    /// `{error, {"api_ng.c", 363}, "Can't initialize context, key_length"}`: OpenSSL's
    /// refusal at init (DES, 3DES), after the IV checks.
    Context,
}

impl Cipher {
    pub fn iv_len(&self) -> usize {
        match self.mode {
            Mode::Ecb | Mode::Rc4 => 0,
            Mode::Gcm | Mode::Ccm | Mode::ChaChaPoly => 12,
            _ => self.algo.block(),
        }
    }

    /// Block size as OpenSSL reports it: the cipher's block for the padded modes, 1 for
    /// the streaming ones.
    pub fn block_size(&self) -> usize {
        match self.mode {
            Mode::Ecb | Mode::Cbc => self.algo.block(),
            _ => 1,
        }
    }

    /// Whether a key of `len` bytes is taken (the key schedules of Blowfish and RC4 read
    /// the key cyclically, 72 and 256 bytes of it at most, as OpenSSL's).
    pub fn key_error(&self, len: usize) -> Option<KeyError> {
        match self.algo {
            Algo::Blowfish if len == 0 => Some(KeyError::Size),
            Algo::Blowfish => None,
            Algo::Rc4 if len == 0 => Some(KeyError::Size),
            // OpenSSL keys RC2 with any length (over 128 bytes cut to 128); an empty key
            // makes its key schedule read before its buffer, so it is refused here.
            Algo::Rc2 if len == 0 => Some(KeyError::Size),
            Algo::Rc2 => None,
            Algo::Rc4 => None,
            Algo::Des | Algo::Des3 if len != self.key_len => Some(KeyError::Context),
            _ if len != self.key_len => Some(KeyError::Size),
            _ => None,
        }
    }
}

const fn c(name: &'static str, algo: Algo, mode: Mode, key_len: usize, nid: i64) -> Cipher {
    Cipher {
        name,
        algo,
        mode,
        key_len,
        nid: if nid < 0 { None } else { Some(nid) },
    }
}

use Algo::{Aes, Blowfish, Des, Des3};

/// The ciphers this build has; the NIDs are OpenSSL 3's, as erl's `cipher_info/1` gives
/// them (-1: `undefined`; OpenSSL reports CFB8 under CFB128's NID and 3DES-CFB under
/// DES-CFB's).
pub static CIPHERS: [Cipher; 37] = [
    c("aes_128_ecb", Aes, Mode::Ecb, 16, 418),
    c("aes_192_ecb", Aes, Mode::Ecb, 24, 422),
    c("aes_256_ecb", Aes, Mode::Ecb, 32, 426),
    c("aes_128_cbc", Aes, Mode::Cbc, 16, 419),
    c("aes_192_cbc", Aes, Mode::Cbc, 24, 423),
    c("aes_256_cbc", Aes, Mode::Cbc, 32, 427),
    c("aes_128_ctr", Aes, Mode::Ctr, 16, -1),
    c("aes_192_ctr", Aes, Mode::Ctr, 24, -1),
    c("aes_256_ctr", Aes, Mode::Ctr, 32, -1),
    c("aes_128_cfb128", Aes, Mode::Cfb, 16, 421),
    c("aes_192_cfb128", Aes, Mode::Cfb, 24, 425),
    c("aes_256_cfb128", Aes, Mode::Cfb, 32, 429),
    c("aes_128_gcm", Aes, Mode::Gcm, 16, 895),
    c("aes_192_gcm", Aes, Mode::Gcm, 24, 898),
    c("aes_256_gcm", Aes, Mode::Gcm, 32, 901),
    c("chacha20", Algo::ChaCha, Mode::ChaCha20, 32, -1),
    c("chacha20_poly1305", Algo::ChaCha, Mode::ChaChaPoly, 32, -1),
    c("aes_128_cfb8", Aes, Mode::Cfb8, 16, 421),
    c("aes_192_cfb8", Aes, Mode::Cfb8, 24, 425),
    c("aes_256_cfb8", Aes, Mode::Cfb8, 32, 429),
    c("aes_128_ofb", Aes, Mode::Ofb, 16, 420),
    c("aes_192_ofb", Aes, Mode::Ofb, 24, 424),
    c("aes_256_ofb", Aes, Mode::Ofb, 32, 428),
    c("aes_128_ccm", Aes, Mode::Ccm, 16, 896),
    c("aes_192_ccm", Aes, Mode::Ccm, 24, 899),
    c("aes_256_ccm", Aes, Mode::Ccm, 32, 902),
    c("des_ecb", Des, Mode::Ecb, 8, 29),
    c("des_cbc", Des, Mode::Cbc, 8, 31),
    c("des_cfb", Des, Mode::Cfb, 8, 30),
    c("des_ede3_cbc", Des3, Mode::Cbc, 24, 44),
    c("des_ede3_cfb", Des3, Mode::Cfb, 24, 30),
    c("blowfish_ecb", Blowfish, Mode::Ecb, 16, -1),
    c("blowfish_cbc", Blowfish, Mode::Cbc, 16, 91),
    c("blowfish_cfb64", Blowfish, Mode::Cfb, 16, -1),
    c("blowfish_ofb64", Blowfish, Mode::Ofb, 16, -1),
    c("rc4", Algo::Rc4, Mode::Rc4, 16, 5),
    c("rc2_cbc", Algo::Rc2, Mode::Cbc, 16, 37),
];

/// crypto's key-size-independent aliases: the AES cipher is chosen by the key's length,
/// and `cipher_info/1` describes the 128-bit one.
const ALIASES: [(&str, Mode); 7] = [
    ("aes_cbc", Mode::Cbc),
    ("aes_ccm", Mode::Ccm),
    ("aes_cfb128", Mode::Cfb),
    ("aes_cfb8", Mode::Cfb8),
    ("aes_ctr", Mode::Ctr),
    ("aes_ecb", Mode::Ecb),
    ("aes_gcm", Mode::Gcm),
];

fn alias_of(name: &str, key_len: usize) -> Option<&'static Cipher> {
    let &(_, m) = ALIASES.iter().find(|(n, _)| *n == name)?;
    CIPHERS
        .iter()
        .find(|c| c.algo == Aes && c.mode == m && c.key_len == key_len)
}

/// The cipher `name` names and, when a key of `key_len` bytes does not fit it, why;
/// `None` for an unknown name.
pub fn lookup(name: &str, key_len: usize) -> Option<(&'static Cipher, Option<KeyError>)> {
    if ALIASES.iter().any(|(n, _)| *n == name) {
        // crypto.erl passes an alias whose key fits none of its ciphers on unchanged,
        // a name the NIF does not know.
        return alias_of(name, key_len).map(|c| (c, None));
    }
    let ci = CIPHERS.iter().find(|c| c.name == name)?;
    Some((ci, ci.key_error(key_len)))
}

/// The cipher `name` names for a key of `key_len` bytes (aliases resolved by it).
pub fn find(name: &str, key_len: usize) -> Option<&'static Cipher> {
    lookup(name, key_len).and_then(|(c, e)| e.is_none().then_some(c))
}

/// The cipher `name` names whatever the key (an alias: its 128-bit cipher).
pub fn find_any(name: &str) -> Option<&'static Cipher> {
    alias_of(name, 16).or_else(|| CIPHERS.iter().find(|c| c.name == name))
}

/// Is `name` an AEAD cipher's name (crypto's own test before the AEAD NIF).
pub fn is_aead_name(name: &str) -> bool {
    find_any(name).is_some_and(|c| c.mode.aead())
}

/// Every name `supports(ciphers)` lists for this build: the ciphers, then the aliases.
pub fn names() -> impl Iterator<Item = &'static str> {
    CIPHERS
        .iter()
        .map(|c| c.name)
        .chain(ALIASES.iter().map(|(n, _)| *n))
}

/// A running en- or decryption: ECB/CBC are given whole blocks (the caller buffers), the
/// streaming modes any length, their position carried from call to call.
pub trait Engine {
    fn apply(&mut self, data: &mut [u8]);
}

struct EncBlocks<T>(T);
struct DecBlocks<T>(T);

impl<T: BlockEncryptMut> Engine for EncBlocks<T> {
    fn apply(&mut self, data: &mut [u8]) {
        for b in data.chunks_exact_mut(T::block_size()) {
            self.0.encrypt_block_mut(GenericArray::from_mut_slice(b));
        }
    }
}

impl<T: BlockDecryptMut> Engine for DecBlocks<T> {
    fn apply(&mut self, data: &mut [u8]) {
        for b in data.chunks_exact_mut(T::block_size()) {
            self.0.decrypt_block_mut(GenericArray::from_mut_slice(b));
        }
    }
}

struct Stream<T>(T);

impl<T: StreamCipher> Engine for Stream<T> {
    fn apply(&mut self, data: &mut [u8]) {
        self.0.apply_keystream(data);
    }
}

struct CfbEnc<C: BlockEncryptMut + BlockCipher>(cfb_mode::BufEncryptor<C>);
struct CfbDec<C: BlockEncryptMut + BlockCipher>(cfb_mode::BufDecryptor<C>);

impl<C: BlockEncryptMut + BlockCipher> Engine for CfbEnc<C> {
    fn apply(&mut self, data: &mut [u8]) {
        self.0.encrypt(data);
    }
}

impl<C: BlockEncryptMut + BlockCipher> Engine for CfbDec<C> {
    fn apply(&mut self, data: &mut [u8]) {
        self.0.decrypt(data);
    }
}

/// A key or IV of the wrong length for the crate: the callers check lengths first, so
/// this only names what would otherwise be a panic.
#[derive(Debug)]
pub struct BadLength;

/// The engine of `mode` over the keyed block cipher `cipher` (any block length; CTR is
/// AES-only, OpenSSL's counting in all 128 bits of the IV, wrapping at 2^128).
fn block_engine<C>(
    cipher: C,
    mode: Mode,
    enc: bool,
    iv: &[u8],
) -> Result<Box<dyn Engine>, BadLength>
where
    C: BlockCipher + BlockEncrypt + BlockDecrypt + Clone + 'static,
    C::BlockSize: IsLess<U256>,
    Le<C::BlockSize, U256>: NonZero,
{
    let e = |_| BadLength;
    Ok(match (mode, enc) {
        (Mode::Ecb, true) => Box::new(EncBlocks(ecb::Encryptor::<C>::inner_init(cipher))),
        (Mode::Ecb, false) => Box::new(DecBlocks(ecb::Decryptor::<C>::inner_init(cipher))),
        (Mode::Cbc, true) => Box::new(EncBlocks(
            cbc::Encryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(e)?,
        )),
        (Mode::Cbc, false) => Box::new(DecBlocks(
            cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(e)?,
        )),
        (Mode::Cfb, true) => Box::new(CfbEnc(
            cfb_mode::BufEncryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(e)?,
        )),
        (Mode::Cfb, false) => Box::new(CfbDec(
            cfb_mode::BufDecryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(e)?,
        )),
        (Mode::Cfb8, true) => Box::new(EncBlocks(
            cfb8::Encryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(e)?,
        )),
        (Mode::Cfb8, false) => Box::new(DecBlocks(
            cfb8::Decryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(e)?,
        )),
        (Mode::Ofb, _) => Box::new(Stream(ofb::Ofb::<C>::from_core(
            ofb::OfbCore::<C>::inner_iv_slice_init(cipher, iv).map_err(e)?,
        ))),
        _ => return Err(BadLength),
    })
}

fn aes_engine<C>(mode: Mode, enc: bool, key: &[u8], iv: &[u8]) -> Result<Box<dyn Engine>, BadLength>
where
    C: BlockCipher
        + BlockEncrypt
        + BlockDecrypt
        + KeyInit
        + BlockSizeUser<BlockSize = U16>
        + Clone
        + 'static,
{
    if mode == Mode::Ctr {
        let c = ctr::Ctr128BE::<C>::new_from_slices(key, iv).map_err(|_| BadLength)?;
        return Ok(Box::new(Stream(c)));
    }
    block_engine(
        C::new_from_slice(key).map_err(|_| BadLength)?,
        mode,
        enc,
        iv,
    )
}

/// The engine of a non-AEAD cipher; `key` and `iv` of the cipher's lengths.
pub fn engine(
    cipher: &Cipher,
    enc: bool,
    key: &[u8],
    iv: &[u8],
) -> Result<Box<dyn Engine>, BadLength> {
    let m = cipher.mode;
    match cipher.algo {
        _ if m.aead() => Err(BadLength),
        Algo::ChaCha => Ok(Box::new(ChaCha20Stream::new(key, iv)?)),
        Algo::Rc4 => Ok(Box::new(Rc4::new(key))),
        Algo::Des => block_engine(
            des::Des::new_from_slice(key).map_err(|_| BadLength)?,
            m,
            enc,
            iv,
        ),
        Algo::Des3 => block_engine(
            des::TdesEde3::new_from_slice(key).map_err(|_| BadLength)?,
            m,
            enc,
            iv,
        ),
        Algo::Blowfish => block_engine(extra::blowfish(key)?, m, enc, iv),
        // EVP's RC2 with the key length set: effective key bits = 8 x length (at most
        // 1024), the key itself at most 128 bytes.
        Algo::Rc2 => block_engine(
            rc2::Rc2::new_with_eff_key_len(&key[..key.len().min(128)], (key.len() * 8).min(1024)),
            m,
            enc,
            iv,
        ),
        Algo::Aes => match key.len() {
            16 => aes_engine::<Aes128>(m, enc, key, iv),
            24 => aes_engine::<Aes192>(m, enc, key, iv),
            32 => aes_engine::<Aes256>(m, enc, key, iv),
            _ => Err(BadLength),
        },
    }
}

/// ChaCha20 as OpenSSL runs it with a 16-byte IV: a 32-bit little-endian block counter,
/// then a 96-bit nonce; when the counter wraps, the carry goes into the nonce's first
/// word (RustCrypto's chacha20 stops at 2^32 blocks instead, so blocks are made here one
/// at a time from its core).
struct ChaCha20Stream {
    key: [u8; 32],
    counter: u32,
    nonce: [u8; 12],
    keystream: [u8; 64],
    used: usize,
}

impl ChaCha20Stream {
    fn new(key: &[u8], iv: &[u8]) -> Result<Self, BadLength> {
        let key: [u8; 32] = key.try_into().map_err(|_| BadLength)?;
        if iv.len() != 16 {
            return Err(BadLength);
        }
        let counter = u32::from_le_bytes([iv[0], iv[1], iv[2], iv[3]]);
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&iv[4..]);
        Ok(ChaCha20Stream {
            key,
            counter,
            nonce,
            keystream: [0; 64],
            used: 64,
        })
    }

    fn next_block(&mut self) {
        let mut core = chacha20::ChaChaCore::<aes::cipher::consts::U10>::new(
            GenericArray::from_slice(&self.key),
            GenericArray::from_slice(&self.nonce),
        );
        core.set_block_pos(self.counter);
        let block = GenericArray::from_mut_slice(&mut self.keystream);
        core.write_keystream_block(block);
        self.counter = self.counter.wrapping_add(1);
        if self.counter == 0 {
            let w =
                u32::from_le_bytes([self.nonce[0], self.nonce[1], self.nonce[2], self.nonce[3]]);
            self.nonce[..4].copy_from_slice(&w.wrapping_add(1).to_le_bytes());
        }
        self.used = 0;
    }
}

impl Engine for ChaCha20Stream {
    fn apply(&mut self, data: &mut [u8]) {
        for b in data {
            if self.used == 64 {
                self.next_block();
            }
            *b ^= self.keystream[self.used];
            self.used += 1;
        }
    }
}

/// AES-GCM (NIST SP 800-38D) for any IV length: `data` en- or decrypted in place, the
/// full 16-byte tag returned (computed over the ciphertext).
fn gcm_with<C>(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &mut [u8],
    enc: bool,
) -> Result<[u8; 16], BadLength>
where
    C: BlockCipher + BlockEncrypt + KeyInit + BlockSizeUser<BlockSize = U16> + Clone,
{
    let aes = C::new_from_slice(key).map_err(|_| BadLength)?;
    let mut h = GenericArray::default();
    aes.encrypt_block(&mut h);
    let lengths = |a: usize, b: usize| {
        let mut blk = [0u8; 16];
        blk[..8].copy_from_slice(&(a as u64 * 8).to_be_bytes());
        blk[8..].copy_from_slice(&(b as u64 * 8).to_be_bytes());
        blk
    };
    // The pre-counter block J0: IV || 0^31 || 1 for a 96-bit IV, else GHASH of the IV.
    let mut j0 = [0u8; 16];
    if iv.len() == 12 {
        j0[..12].copy_from_slice(iv);
        j0[15] = 1;
    } else {
        let mut g = ghash::GHash::new(&h);
        g.update_padded(iv);
        g.update(&[lengths(0, iv.len()).into()]);
        j0.copy_from_slice(&g.finalize());
    }
    let mut ctr0 = j0;
    let low = u32::from_be_bytes([j0[12], j0[13], j0[14], j0[15]]).wrapping_add(1);
    ctr0[12..].copy_from_slice(&low.to_be_bytes());
    let mut ghash = ghash::GHash::new(&h);
    ghash.update_padded(aad);
    if !enc {
        ghash.update_padded(data);
    }
    let mut ctr = ctr::Ctr32BE::<C>::new_from_slices(key, &ctr0).map_err(|_| BadLength)?;
    ctr.apply_keystream(data);
    if enc {
        ghash.update_padded(data);
    }
    ghash.update(&[lengths(aad.len(), data.len()).into()]);
    let mut tag: [u8; 16] = ghash.finalize().into();
    let mut ek = GenericArray::clone_from_slice(&j0);
    aes.encrypt_block(&mut ek);
    tag.iter_mut().zip(ek.iter()).for_each(|(t, k)| *t ^= k);
    Ok(tag)
}

/// ChaCha20-Poly1305 (RFC 8439), 12-byte nonce: `data` in place, the full tag returned.
fn chacha_poly(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &mut [u8],
    enc: bool,
) -> Result<[u8; 16], BadLength> {
    let mut c = chacha20::ChaCha20::new_from_slices(key, iv).map_err(|_| BadLength)?;
    let mut otk = [0u8; 64];
    c.apply_keystream(&mut otk);
    let mut mac = poly1305::Poly1305::new(GenericArray::from_slice(&otk[..32]));
    mac.update_padded(aad);
    if !enc {
        mac.update_padded(data);
    }
    c.apply_keystream(data);
    if enc {
        mac.update_padded(data);
    }
    let mut lens = [0u8; 16];
    lens[..8].copy_from_slice(&(aad.len() as u64).to_le_bytes());
    lens[8..].copy_from_slice(&(data.len() as u64).to_le_bytes());
    mac.update(&[lens.into()]);
    Ok(mac.finalize().into())
}

/// An AEAD en- or decryption of `data` in place; the full 16-byte tag.
pub fn aead(
    cipher: &Cipher,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &mut [u8],
    enc: bool,
) -> Result<[u8; 16], BadLength> {
    match (cipher.mode, key.len()) {
        (Mode::ChaChaPoly, _) => chacha_poly(key, iv, aad, data, enc),
        (Mode::Gcm, 16) => gcm_with::<Aes128>(key, iv, aad, data, enc),
        (Mode::Gcm, 24) => gcm_with::<Aes192>(key, iv, aad, data, enc),
        (Mode::Gcm, 32) => gcm_with::<Aes256>(key, iv, aad, data, enc),
        (Mode::Ccm, _) => Err(BadLength),
        _ => Err(BadLength),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize, seed: u32) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1103515245).wrapping_add(12345);
                (s >> 16) as u8
            })
            .collect()
    }

    /// The composed AEADs agree with RustCrypto's aes-gcm and chacha20poly1305 where
    /// those apply (12-byte nonce, full tag).
    #[test]
    fn aeads_agree_with_the_aead_crates() {
        use aes_gcm::aead::AeadInPlace;
        for (i, n) in [0usize, 1, 15, 16, 17, 64, 100].into_iter().enumerate() {
            let (key, nonce, aad) = (
                bytes(32, i as u32),
                bytes(12, 99 + i as u32),
                bytes(n / 3, 7),
            );
            let plain = bytes(n, 1000 + i as u32);
            let mut mine = plain.clone();
            let tag = aead(
                find("chacha20_poly1305", 32).unwrap(),
                &key,
                &nonce,
                &aad,
                &mut mine,
                true,
            )
            .unwrap();
            let theirs = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&key).unwrap();
            let mut buf = plain.clone();
            let t = theirs
                .encrypt_in_place_detached(GenericArray::from_slice(&nonce), &aad, &mut buf)
                .unwrap();
            assert_eq!((&mine, &tag[..]), (&buf, &t[..]));
            let back_tag = aead(
                find("chacha20_poly1305", 32).unwrap(),
                &key,
                &nonce,
                &aad,
                &mut mine,
                false,
            )
            .unwrap();
            assert_eq!((mine, back_tag), (plain.clone(), tag));

            let mut mine = plain.clone();
            let tag = aead(
                find("aes_256_gcm", 32).unwrap(),
                &key,
                &nonce,
                &aad,
                &mut mine,
                true,
            )
            .unwrap();
            let theirs = aes_gcm::Aes256Gcm::new_from_slice(&key).unwrap();
            let mut buf = plain.clone();
            let t = theirs
                .encrypt_in_place_detached(GenericArray::from_slice(&nonce), &aad, &mut buf)
                .unwrap();
            assert_eq!((&mine, &tag[..]), (&buf, &t[..]));
        }
    }

    /// OpenSSL's ChaCha20 carries a wrapped block counter into the nonce.
    #[test]
    fn chacha20_counter_carries_into_the_nonce() {
        let key = bytes(32, 5);
        let mut iv = vec![0xff, 0xff, 0xff, 0xff];
        iv.extend([0u8; 12]);
        let mut a = [0u8; 128];
        ChaCha20Stream::new(&key, &iv).unwrap().apply(&mut a);
        // The second block is counter 0 with the nonce's first word 1.
        let mut iv2 = vec![0u8; 16];
        iv2[4] = 1;
        let mut b = [0u8; 64];
        ChaCha20Stream::new(&key, &iv2).unwrap().apply(&mut b);
        assert_eq!(&a[64..], &b[..]);
    }
}
