//! Shared helpers for the integration tests: finding the installed OTP's modules.
#![allow(dead_code)]

use std::path::PathBuf;

/// Every `.beam` under `/usr/lib/erlang/lib/*/ebin`, sorted.
pub fn otp_beams() -> Vec<PathBuf> {
    let root = std::env::var("BEAMJIT_OTP_LIB").unwrap_or_else(|_| "/usr/lib/erlang/lib".into());
    let mut out = Vec::new();
    let Ok(apps) = std::fs::read_dir(&root) else {
        return out;
    };
    for app in apps.flatten() {
        let ebin = app.path().join("ebin");
        let Ok(files) = std::fs::read_dir(&ebin) else {
            continue;
        };
        for f in files.flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "beam") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Compact-term encoding of `value` with `tag` (0 = u, 1 = i, ...), for building fixtures
/// byte by byte. Follows beam_asm.erl: 4-bit, 11-bit, then n-byte big-endian forms.
pub fn compact(tag: u8, value: i64) -> Vec<u8> {
    if (0..16).contains(&value) {
        return vec![((value as u8) << 4) | tag];
    }
    if (0..2048).contains(&value) {
        return vec![(((value >> 8) as u8) << 5) | 0x08 | tag, value as u8];
    }
    // Minimal two's complement (for i) or unsigned big-endian bytes.
    let mut bytes = value.to_be_bytes().to_vec();
    while bytes.len() > 1
        && ((bytes[0] == 0 && bytes[1] & 0x80 == 0) || (bytes[0] == 0xff && bytes[1] & 0x80 != 0))
    {
        bytes.remove(0);
    }
    if tag != 1 && bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    let n = bytes.len().max(2);
    while bytes.len() < n {
        bytes.insert(0, if value < 0 { 0xff } else { 0 });
    }
    let mut out = vec![(((n - 2) as u8) << 5) | 0x18 | tag];
    out.extend_from_slice(&bytes);
    out
}

/// Re-encodes an `AtU8` chunk in the OTP 28 form: negative count, `u`-encoded lengths.
pub fn atoms_long_form(atu8: &[u8]) -> Vec<u8> {
    let count = i32::from_be_bytes([atu8[0], atu8[1], atu8[2], atu8[3]]);
    let mut out = (-count).to_be_bytes().to_vec();
    let mut p = 4;
    for _ in 0..count {
        let len = atu8[p] as usize;
        out.extend(compact(0, len as i64));
        out.extend_from_slice(&atu8[p + 1..p + 1 + len]);
        p += 1 + len;
    }
    out
}

/// Assembles chunks into a `.beam` container with correct sizes and padding.
pub fn build_module(chunks: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"BEAM".to_vec();
    for (id, data) in chunks {
        body.extend_from_slice(id);
        body.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
    }
    let mut out = b"FOR1".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}
