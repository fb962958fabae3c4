//! The cipher engines of vm/src/crypto_cipher_modes.rs whose RustCrypto crates fix at
//! compile time what OpenSSL (and so erl) takes at run time:
//! - AES-CCM (NIST SP 800-38C): the `ccm` crate makes the nonce length (7..13) and the tag
//!   length (4..16, even) type parameters, 147 instantiations for erl's run-time choices;
//!   composed here from `aes` as GCM is in crypto_cipher_modes.rs, and checked against
//!   the crate in the tests below;
//! - RC4: the `rc4` crate makes the key length a type parameter, OpenSSL takes any
//!   (256 bytes of it at most); the whole cipher is the dozen lines below, checked against the crate;
//! - Blowfish: the `blowfish` crate's `KeyInit` takes 4..56-byte keys, OpenSSL any length
//!   (the schedule reads the key cyclically, 72 bytes at most): its raw key schedule
//!   (the `bcrypt` feature's) is used instead.

use aes::cipher::consts::U16;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockCipher, BlockEncrypt, BlockSizeUser, KeyInit};
use aes::{Aes128, Aes192, Aes256};

use crate::crypto_cipher_modes::{BadLength, Engine};

/// RC4 with a non-empty key of any length (bytes past 256 are never read).
pub struct Rc4 {
    s: [u8; 256],
    i: u8,
    j: u8,
}

impl Rc4 {
    /// The key schedule; `key` is not empty (the caller checks).
    pub fn new(key: &[u8]) -> Rc4 {
        let mut s = [0u8; 256];
        for (i, x) in s.iter_mut().enumerate() {
            *x = i as u8;
        }
        let mut j = 0u8;
        for i in 0..256 {
            j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len().max(1)]);
            s.swap(i, j as usize);
        }
        Rc4 { s, i: 0, j: 0 }
    }
}

impl Engine for Rc4 {
    fn apply(&mut self, data: &mut [u8]) {
        for b in data {
            self.i = self.i.wrapping_add(1);
            self.j = self.j.wrapping_add(self.s[self.i as usize]);
            self.s.swap(self.i as usize, self.j as usize);
            let k = self.s[self.s[self.i as usize].wrapping_add(self.s[self.j as usize]) as usize];
            *b ^= k;
        }
    }
}

/// Blowfish keyed as OpenSSL's `BF_set_key` does for any non-empty key.
pub fn blowfish(key: &[u8]) -> Result<blowfish::Blowfish, BadLength> {
    if key.is_empty() {
        return Err(BadLength);
    }
    let mut b = blowfish::Blowfish::bc_init_state();
    b.bc_expand_key(key);
    Ok(b)
}

/// Why a CCM call fails, each as erl reports it.
#[derive(Debug, PartialEq, Eq)]
pub enum CcmError {
    /// The text is longer than the nonce leaves room to count (`Can't set in-text`
    /// when encrypting, `error` when decrypting).
    TooLong,
    /// A key, nonce or tag length CCM does not have (checked by the caller first).
    Length,
}

/// AES-CCM over `data` in place: the `tag_len`-byte tag of the plaintext (on decryption
/// the tag to compare with the given one).
pub fn ccm(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    data: &mut [u8],
    enc: bool,
    tag_len: usize,
) -> Result<Vec<u8>, CcmError> {
    match key.len() {
        16 => ccm_with::<Aes128>(key, nonce, aad, data, enc, tag_len),
        24 => ccm_with::<Aes192>(key, nonce, aad, data, enc, tag_len),
        32 => ccm_with::<Aes256>(key, nonce, aad, data, enc, tag_len),
        _ => Err(CcmError::Length),
    }
}

fn ccm_with<C>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    data: &mut [u8],
    enc: bool,
    tag_len: usize,
) -> Result<Vec<u8>, CcmError>
where
    C: BlockCipher + BlockEncrypt + KeyInit + BlockSizeUser<BlockSize = U16>,
{
    let n = nonce.len();
    if !(7..=13).contains(&n) || !(4..=16).contains(&tag_len) || !tag_len.is_multiple_of(2) {
        return Err(CcmError::Length);
    }
    let aes = C::new_from_slice(key).map_err(|_| CcmError::Length)?;
    // q: the bytes left for the message length and the block counter.
    let q = 15 - n;
    if q < 8 && (data.len() as u64) >> (8 * q) != 0 {
        return Err(CcmError::TooLong);
    }
    let block = |flags: u8, tail: u64| {
        let mut b = [0u8; 16];
        b[0] = flags;
        b[1..=n].copy_from_slice(nonce);
        b[16 - q..].copy_from_slice(&tail.to_be_bytes()[8 - q..]);
        b
    };
    // CBC-MAC over B0, the length-prefixed AAD and the plaintext, each zero-padded.
    let mut x = GenericArray::<u8, U16>::default();
    let mut mac = |bytes: &[u8]| {
        for chunk in bytes.chunks(16) {
            x.iter_mut().zip(chunk).for_each(|(a, b)| *a ^= b);
            aes.encrypt_block(&mut x);
        }
    };
    let flags = (u8::from(!aad.is_empty()) << 6) | (((tag_len as u8 - 2) / 2) << 3) | (q as u8 - 1);
    mac(&block(flags, data.len() as u64));
    if !aad.is_empty() {
        let a = aad.len() as u64;
        let mut head = if a < 0xff00 {
            (a as u16).to_be_bytes().to_vec()
        } else if a <= u64::from(u32::MAX) {
            let mut h = vec![0xff, 0xfe];
            h.extend_from_slice(&(a as u32).to_be_bytes());
            h
        } else {
            let mut h = vec![0xff, 0xff];
            h.extend_from_slice(&a.to_be_bytes());
            h
        };
        head.extend_from_slice(aad);
        mac(&head);
    }
    if enc {
        mac(data);
    }
    // CTR with the counter blocks A_i (flags q-1, the nonce, i): A_0 masks the tag, the
    // text starts at A_1.
    let keystream = |i: u64| {
        let mut s = GenericArray::from(block(q as u8 - 1, i));
        aes.encrypt_block(&mut s);
        s
    };
    for (i, chunk) in data.chunks_mut(16).enumerate() {
        let s = keystream(i as u64 + 1);
        chunk.iter_mut().zip(s.iter()).for_each(|(a, b)| *a ^= b);
    }
    if !enc {
        mac(data);
    }
    let s0 = keystream(0);
    Ok(x.iter()
        .zip(s0.iter())
        .take(tag_len)
        .map(|(a, b)| a ^ b)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::StreamCipher;

    fn bytes(n: usize, seed: u32) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1103515245).wrapping_add(12345);
                (s >> 16) as u8
            })
            .collect()
    }

    /// The composed CCM agrees with the `ccm` crate at a few of its type-level sizes.
    #[test]
    fn ccm_agrees_with_the_crate() {
        use ccm::aead::AeadInPlace;
        use ccm::consts::{U10, U13, U16, U4, U7, U8};
        macro_rules! check {
            ($aes:ty, $m:ty, $n:ty, $klen:expr, $mlen:expr, $nlen:expr) => {
                for len in [0usize, 1, 15, 16, 17, 100] {
                    for alen in [0usize, 1, 16, 40] {
                        let key = bytes($klen, len as u32);
                        let nonce = bytes($nlen, 7 + alen as u32);
                        let aad = bytes(alen, 3);
                        let plain = bytes(len, 11);
                        let theirs = ccm::Ccm::<$aes, $m, $n>::new_from_slice(&key).unwrap();
                        let mut buf = plain.clone();
                        let t = theirs
                            .encrypt_in_place_detached(
                                GenericArray::from_slice(&nonce),
                                &aad,
                                &mut buf,
                            )
                            .unwrap();
                        let mut mine = plain.clone();
                        let tag = ccm(&key, &nonce, &aad, &mut mine, true, $mlen).unwrap();
                        assert_eq!((&mine, &tag[..]), (&buf, &t[..]));
                        let back = ccm(&key, &nonce, &aad, &mut mine, false, $mlen).unwrap();
                        assert_eq!((mine, back), (plain, tag));
                    }
                }
            };
        }
        check!(Aes128, U16, U13, 16, 16, 13);
        check!(Aes192, U4, U7, 24, 4, 7);
        check!(Aes256, U8, U10, 32, 8, 10);
    }

    #[test]
    fn ccm_refuses_a_text_its_counter_cannot_reach() {
        let mut d = vec![0u8; 65536];
        let r = ccm(&[0; 16], &[0; 13], &[], &mut d, true, 16);
        assert_eq!(r, Err(CcmError::TooLong));
        assert!(ccm(&[0; 16], &[0; 13], &[], &mut d[..65535], true, 16).is_ok());
    }

    /// RC4 agrees with the `rc4` crate, in one piece and in uneven pieces.
    #[test]
    fn rc4_agrees_with_the_crate() {
        use rc4::consts::{U1, U16, U5};
        use rc4::KeyInit as _;
        macro_rules! check {
            ($k:ty, $len:expr) => {
                let key = bytes($len, $len as u32);
                let mut theirs = rc4::Rc4::<$k>::new_from_slice(&key).unwrap();
                let mut a = bytes(300, 1);
                theirs.apply_keystream(&mut a);
                let mut b = bytes(300, 1);
                let mut mine = Rc4::new(&key);
                let (x, y) = b.split_at_mut(7);
                mine.apply(x);
                mine.apply(y);
                assert_eq!(a, b);
            };
        }
        check!(U1, 1);
        check!(U5, 5);
        check!(U16, 16);
    }
}
