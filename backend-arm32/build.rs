//! Generates the ISLE instruction selector: Cranelift's CLIF extractors
//! (`clif_lower.isle`, from `cranelift-codegen-meta`) plus our rule files in the workspace's
//! `isle/` directory, compiled with `cranelift-isle` into `$OUT_DIR/isle_arm32.rs`, which
//! `src/codegen/isle.rs` includes.
//!
//! `generate_isle` also writes `numerics.isle` and `isle_numerics.rs` (checked integer
//! arithmetic terms for ISLE rules, with a macro implementing them) and `clif_opt.isle`
//! and `assembler.isle` for Cranelift's own mid-end and x64 backend; our rules use none
//! of them, so only `clif_lower.isle` is compiled.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let isle_dir = manifest.join("../isle");
    // Our rule files, in dependency order (types before rules).
    let ours = ["prelude.isle", "arm32_inst.isle", "lower.isle"];
    for f in &ours {
        println!("cargo:rerun-if-changed={}", isle_dir.join(f).display());
    }
    println!("cargo:rerun-if-changed=build.rs");

    if let Err(e) = cranelift_codegen_meta::generate_isle(&out) {
        panic!("generating clif_lower.isle failed: {e:?}");
    }
    let mut inputs = vec![out.join("clif_lower.isle")];
    inputs.extend(ours.iter().map(|f| isle_dir.join(f)));
    let options = cranelift_isle::codegen::CodegenOptions {
        exclude_global_allow_pragmas: true,
        ..Default::default()
    };
    match cranelift_isle::compile::from_files(&inputs, &options) {
        Ok(code) => std::fs::write(out.join("isle_arm32.rs"), code).expect("write isle_arm32.rs"),
        Err(errs) => panic!("ISLE compilation failed:\n{errs:?}"),
    }
}
