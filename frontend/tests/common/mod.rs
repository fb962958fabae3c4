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
