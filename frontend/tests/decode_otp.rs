//! Every module of the installed OTP decodes without error.

mod common;

#[test]
fn every_installed_module_decodes() {
    let files = common::otp_beams();
    assert!(
        files.len() > 500,
        "expected the installed OTP's modules, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut bytes = 0usize;
    let mut instructions = 0usize;
    for f in &files {
        let data = std::fs::read(f).unwrap();
        bytes += data.len();
        match beam_frontend::decode(&data) {
            Ok(m) => instructions += m.functions.iter().map(|f| f.code.len()).sum::<usize>(),
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    eprintln!(
        "decoded {} modules, {bytes} bytes, {instructions} instructions",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
