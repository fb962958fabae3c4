//! Build identity for the native-code cache (vm/src/cache.rs): a hash of every source
//! file of the compiler (frontend, IR lowering, both code generators, the VM and the
//! runtime whose layouts the code embeds) and of Cargo.lock, so a rebuilt compiler never
//! reads code an older one wrote.

use std::path::Path;

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        if dir.is_file() {
            files.push(dir.to_path_buf());
        }
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            visit(&p, files);
        } else if p
            .extension()
            .is_some_and(|x| x == "rs" || x == "isle" || x == "toml")
        {
            files.push(p);
        }
    }
}

fn main() {
    // The directory cargo runs this for, read when it runs: `env!` would bake in the
    // checkout this script was compiled in, and cargo reuses a compiled build script
    // for another checkout of the same sources sharing the target directory, which
    // then hashed the other checkout's compiler (a stale identity, the cache serving
    // code of a compiler that has since changed).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("..");
    let mut files = Vec::new();
    for d in [
        "frontend/src",
        "ir/src",
        "backend-arm32/src",
        "backend-arm32/build.rs",
        "backend-template/src",
        "isle",
        "runtime/src",
        "vm/src",
    ] {
        let dir = root.join(d);
        println!("cargo:rerun-if-changed={}", dir.display());
        visit(&dir, &mut files);
    }
    let lock = root.join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    files.push(lock);
    files.sort();
    // FNV-1a, 64 bits, over names and contents.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &files {
        let name = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        for b in name.bytes().chain(std::fs::read(f).unwrap_or_default()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=BEAM_COMPILER_BUILD={h:016x}");
}
