//! Prints every BIF of this VM as `module:name/arity`, one a line (for
//! scripts/undef-exports).

fn main() {
    for (m, f, a, _) in beam_vm::bifs::all() {
        println!("{m}:{f}/{a}");
    }
}
