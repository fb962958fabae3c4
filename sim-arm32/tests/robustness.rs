//! Random words never panic the simulator or crash the host: each either runs or
//! returns a typed fault.

mod common;
use common::Env;
use rand::{rngs::SmallRng, Rng, SeedableRng};

#[test]
fn random_words_give_ok_or_fault() {
    let mut e = Env::new();
    let seed: u64 = std::env::var("BEAMJIT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed);
    eprintln!("random_words_give_ok_or_fault: BEAMJIT_SEED={seed}");
    let mut rng = SmallRng::seed_from_u64(seed);
    let n = if cfg!(target_arch = "arm") {
        20_000
    } else {
        200_000
    };
    let data = e.data;
    let (mut ok, mut faults) = (0, 0);
    for _ in 0..n / 8 {
        let words: Vec<u32> = (0..8).map(|_| rng.gen()).collect();
        let entry = e.load(0, &words);
        e.sim.cpu.regs = [data + 256; 16];
        e.sim.cpu.regs[13] = e.stack_top - 64;
        e.sim.set_step_limit(Some(e.sim.counters.instructions + 64));
        match e.sim.call(entry, &[data + 512, data + 1024, 3, 4]) {
            Ok(_) => ok += 1,
            Err(_) => faults += 1,
        }
    }
    assert_eq!(ok + faults, n / 8);
    assert!(faults > 0);
}
