//! MD5 (RFC 1321), for the native-code cache: the key of a `.beam` file and the checksum
//! of a cache entry. Not for security: a cache entry is also checked field by field.

/// Per-round shift amounts (RFC 1321, §3.4).
const S: [u32; 16] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/// T[i] = floor(2^32 * |sin(i + 1)|) (RFC 1321, §3.4); f64 is exact enough for all 64.
/// Computed once: every module loaded from the cache hashes its `.beam` file and the
/// entry's payload.
fn sine_table() -> &'static [u32; 64] {
    static T: std::sync::OnceLock<[u32; 64]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut t = [0u32; 64];
        for (i, x) in t.iter_mut().enumerate() {
            *x = ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32;
        }
        t
    })
}

/// One operation of a round (RFC 1321, §3.4): `b + ((a + f + x + t) <<< s)`.
#[inline(always)]
fn step(a: u32, b: u32, f: u32, x: u32, t: u32, s: u32) -> u32 {
    b.wrapping_add(
        a.wrapping_add(f)
            .wrapping_add(x)
            .wrapping_add(t)
            .rotate_left(s),
    )
}

/// One 64-byte block into the state `h`. The four rounds are written out, four
/// operations per loop step with the variables in the RFC's order (`abcd`, `dabc`, `cdab`,
/// `bcda`), so every index and shift is a constant after unrolling: a rolled loop with a
/// `match` per operation cost about 45 instructions a byte natively (41% of a warm boot).
#[inline(always)]
fn block(h: &mut [u32; 4], block: &[u8], t: &[u32; 64]) {
    let mut w = [0u32; 16];
    for (x, c) in w.iter_mut().zip(block.chunks_exact(4)) {
        *x = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    let [mut a, mut b, mut c, mut d] = *h;
    for q in 0..4 {
        let i = 4 * q;
        let f = |b: u32, c: u32, d: u32| (b & c) | (!b & d);
        a = step(a, b, f(b, c, d), w[i], t[i], S[0]);
        d = step(d, a, f(a, b, c), w[i + 1], t[i + 1], S[1]);
        c = step(c, d, f(d, a, b), w[i + 2], t[i + 2], S[2]);
        b = step(b, c, f(c, d, a), w[i + 3], t[i + 3], S[3]);
    }
    for q in 0..4 {
        let i = 16 + 4 * q;
        let g = |i: usize| (5 * i + 1) % 16;
        let f = |b: u32, c: u32, d: u32| (d & b) | (!d & c);
        a = step(a, b, f(b, c, d), w[g(i)], t[i], S[4]);
        d = step(d, a, f(a, b, c), w[g(i + 1)], t[i + 1], S[5]);
        c = step(c, d, f(d, a, b), w[g(i + 2)], t[i + 2], S[6]);
        b = step(b, c, f(c, d, a), w[g(i + 3)], t[i + 3], S[7]);
    }
    for q in 0..4 {
        let i = 32 + 4 * q;
        let g = |i: usize| (3 * i + 5) % 16;
        let f = |b: u32, c: u32, d: u32| b ^ c ^ d;
        a = step(a, b, f(b, c, d), w[g(i)], t[i], S[8]);
        d = step(d, a, f(a, b, c), w[g(i + 1)], t[i + 1], S[9]);
        c = step(c, d, f(d, a, b), w[g(i + 2)], t[i + 2], S[10]);
        b = step(b, c, f(c, d, a), w[g(i + 3)], t[i + 3], S[11]);
    }
    for q in 0..4 {
        let i = 48 + 4 * q;
        let g = |i: usize| (7 * i) % 16;
        let f = |b: u32, c: u32, d: u32| c ^ (b | !d);
        a = step(a, b, f(b, c, d), w[g(i)], t[i], S[12]);
        d = step(d, a, f(a, b, c), w[g(i + 1)], t[i + 1], S[13]);
        c = step(c, d, f(d, a, b), w[g(i + 2)], t[i + 2], S[14]);
        b = step(b, c, f(c, d, a), w[g(i + 3)], t[i + 3], S[15]);
    }
    h[0] = h[0].wrapping_add(a);
    h[1] = h[1].wrapping_add(b);
    h[2] = h[2].wrapping_add(c);
    h[3] = h[3].wrapping_add(d);
}

/// The MD5 digest of `data`: the whole blocks straight from `data` (no copy of it), then
/// the padded tail (RFC 1321, §3.1-3.2) from a buffer of one or two blocks.
pub(crate) fn md5(data: &[u8]) -> [u8; 16] {
    let t = sine_table();
    let mut h: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let whole = data.chunks_exact(64);
    let rest = whole.remainder();
    for b in whole {
        block(&mut h, b, t);
    }
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let n = if rest.len() < 56 { 64 } else { 128 };
    tail[n - 8..n].copy_from_slice(&((data.len() as u64).wrapping_mul(8)).to_le_bytes());
    for b in tail[..n].chunks_exact(64) {
        block(&mut h, b, t);
    }
    let mut out = [0u8; 16];
    for (i, v) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test suite of RFC 1321, appendix A.5.
    #[test]
    fn rfc_1321_vectors() {
        let cases = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(hex(&md5(input.as_bytes())), want, "md5({input:?})");
        }
    }

    /// Messages around the padding's edges (55, 56, 63, 64 bytes... where the length
    /// moves into a second tail block), against digests from coreutils' md5sum of
    /// `a` repeated.
    #[test]
    fn tail_lengths() {
        let cases = [
            (55, "ef1772b6dff9a122358552954ad0df65"),
            (56, "3b0c8ac703f828b04c6c197006d17218"),
            (63, "b06521f39153d618550606be297466d5"),
            (64, "014842d480b571495a4a0363793f7367"),
            (65, "c743a45e0d2e6a95cb859adae0248435"),
            (119, "8a7bd0732ed6a28ce75f6dabc90e1613"),
            (120, "5f61c0ccad4cac44c75ff505e1f1e537"),
            (1000, "cabe45dcc9ae5b66ba86600cca6b8ba8"),
        ];
        for (n, want) in cases {
            assert_eq!(hex(&md5(&vec![b'a'; n])), want, "{n} bytes");
        }
    }
}
