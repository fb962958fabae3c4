//! The tag tests and small-integer fast paths of `beam_ir::tags`, checked against the
//! runtime's own term model (`beam_runtime::term`) by running the generated CLIF in two
//! executors nobody here wrote: Cranelift's interpreter (every host, natively on ARM too)
//! and, on x86-64, Cranelift's own backend through cranelift-jit. Each function is run
//! both as built and after our mid-end (`mid_end::optimize`), so the e-graph rewrites are
//! checked on the same inputs.

use beam_ir::mid_end::{optimize, OptLevel};
use beam_ir::tags;
use beam_runtime::term::{Term, MAX_SMALL, MIN_SMALL};
use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::{
    condcodes::IntCC, types::I32, types::I8, AbiParam, Function, InstBuilder, Signature,
    UserFuncName,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_interpreter::environment::FunctionStore;
use cranelift_interpreter::interpreter::{Interpreter, InterpreterState};
use cranelift_interpreter::step::ControlFlow;
use rand::{rngs::SmallRng, Rng, SeedableRng};

/// Builds `fn(i32 x params) -> returns` whose body is produced by `body`.
fn build(
    name: &str,
    params: usize,
    returns: &[cranelift_codegen::ir::Type],
    body: impl FnOnce(
        &mut FunctionBuilder,
        &[cranelift_codegen::ir::Value],
    ) -> Vec<cranelift_codegen::ir::Value>,
) -> Function {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.extend((0..params).map(|_| AbiParam::new(I32)));
    sig.returns
        .extend(returns.iter().map(|&t| AbiParam::new(t)));
    let mut func = Function::with_name_signature(UserFuncName::testcase(name), sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let args = b.block_params(entry).to_vec();
    let results = body(&mut b, &args);
    b.ins().return_(&results);
    b.finalize(beam_ir::machine::frontend_config());
    func
}

/// Every function under test: name, arity, return types, and the CLIF body.
fn functions() -> Vec<Function> {
    vec![
        // Bit 0 small, 1 list, 2 boxed, 3 atom, 4 nil.
        build("kind", 1, &[I32], |b, a| {
            let tests = [
                tags::is_small(b, a[0]),
                tags::is_list(b, a[0]),
                tags::is_boxed(b, a[0]),
                tags::is_atom(b, a[0]),
                tags::is_nil(b, a[0]),
            ];
            let mut acc = b.ins().iconst(I32, 0);
            for (bit, t) in tests.into_iter().enumerate() {
                let wide = b.ins().uextend(I32, t);
                let shifted = b.ins().ishl_imm_u(wide, bit as i64);
                acc = b.ins().bor(acc, shifted);
            }
            vec![acc]
        }),
        // Terms only: a word with primary tag 00 is a header, never a term.
        build("term_is_list", 1, &[I32], |b, a| {
            let t = tags::term_is_list(b, a[0]);
            vec![b.ins().uextend(I32, t)]
        }),
        build("both_small", 2, &[I8], |b, a| {
            vec![tags::both_small(b, a[0], a[1])]
        }),
        build("roundtrip", 1, &[I32, I32], |b, a| {
            let v = tags::small_value(b, a[0]);
            let t = tags::make_small(b, v);
            vec![v, t]
        }),
        build("add", 2, &[I32, I8], |b, a| {
            let (r, o) = tags::add_smalls(b, a[0], a[1]);
            vec![r, o]
        }),
        build("sub", 2, &[I32, I8], |b, a| {
            let (r, o) = tags::sub_smalls(b, a[0], a[1]);
            vec![r, o]
        }),
        build("mul", 2, &[I32, I8], |b, a| {
            let (r, o) = tags::mul_smalls(b, a[0], a[1]);
            vec![r, o]
        }),
        build("lt", 2, &[I8], |b, a| {
            vec![tags::cmp_smalls(b, IntCC::SignedLessThan, a[0], a[1])]
        }),
    ]
}

/// What the runtime's term model says each function must return.
fn expected(name: &str, args: &[u32]) -> Vec<i64> {
    let t = |i: usize| Term(args[i]);
    let small = |i: usize| t(i).small_value().expect("operand is a small") as i64;
    let arith = |v: i64| match Term::small(v) {
        Some(r) => vec![r.raw() as i32 as i64, 0],
        None => vec![1], // only the overflow flag is specified
    };
    match name {
        "kind" => {
            let x = t(0);
            let bits = [
                x.is_small(),
                x.is_list(),
                x.is_boxed(),
                x.is_atom(),
                x.is_nil(),
            ];
            vec![bits
                .iter()
                .enumerate()
                .map(|(i, &on)| (on as i64) << i)
                .sum()]
        }
        "term_is_list" => vec![t(0).is_list() as i64],
        "both_small" => vec![(t(0).is_small() && t(1).is_small()) as i64],
        "roundtrip" => vec![small(0), args[0] as i32 as i64],
        "add" => arith(small(0) + small(1)),
        "sub" => arith(small(0) - small(1)),
        "mul" => arith(small(0) * small(1)),
        "lt" => vec![(small(0) < small(1)) as i64],
        _ => unreachable!("no oracle for {name}"),
    }
}

/// Compares a result vector with the oracle; for an overflowing operation only the flag
/// (the last value) is specified.
fn check(name: &str, args: &[u32], got: &[i64], executor: &str) {
    let want = expected(name, args);
    let got_cmp: &[i64] = if want.len() == 1 && got.len() == 2 {
        &got[1..]
    } else {
        got
    };
    assert_eq!(
        got_cmp,
        &want[..],
        "{executor}: %{name}({args:#x?}) returned {got:?}, the term model says {want:?}"
    );
}

fn small_word(n: i64) -> u32 {
    Term::small(n).expect("in range").raw()
}

/// Operands: edge values of the small range plus random smalls, and for the type tests
/// arbitrary words.
fn inputs(name: &str, rng: &mut SmallRng, count: usize) -> Vec<Vec<u32>> {
    let edges: Vec<i64> = vec![
        0,
        1,
        -1,
        2,
        -2,
        MAX_SMALL as i64,
        MIN_SMALL as i64,
        MAX_SMALL as i64 - 1,
        MIN_SMALL as i64 + 1,
        1 << 13,
        -(1 << 13),
        (1 << 14) - 1,
        46341,
        -46341,
    ];
    let mut out = Vec::new();
    match name {
        "kind" | "both_small" => {
            let specials = [
                Term::NIL.raw(),
                Term::atom(0).raw(),
                Term::atom(1234).raw(),
                small_word(0),
                small_word(-1),
                0x1000_0001, // list pointer
                0x1000_0002, // boxed pointer
                0,
                u32::MAX,
            ];
            for &a in &specials {
                for &c in &specials {
                    out.push(if name == "kind" { vec![a] } else { vec![a, c] });
                }
            }
            for _ in 0..count {
                out.push(vec![rng.gen(), rng.gen()][..if name == "kind" { 1 } else { 2 }].to_vec());
            }
        }
        "term_is_list" => {
            // Every primary tag but 00 (headers are not terms).
            let specials = [
                Term::NIL.raw(),
                Term::atom(7).raw(),
                small_word(-1),
                0x1000_0001,
                0x1000_0002,
                0xffff_fffd,
                u32::MAX,
            ];
            out.extend(specials.iter().map(|&a| vec![a]));
            for _ in 0..count {
                let w: u32 = rng.gen();
                out.push(vec![if w & 3 == 0 {
                    w | (1 + (w >> 30) % 3)
                } else {
                    w
                }]);
            }
        }
        "roundtrip" => {
            for &e in &edges {
                out.push(vec![small_word(e)]);
            }
            for _ in 0..count {
                out.push(vec![
                    small_word(rng.gen_range(MIN_SMALL..=MAX_SMALL) as i64),
                ]);
            }
        }
        _ => {
            for &a in &edges {
                for &c in &edges {
                    out.push(vec![small_word(a), small_word(c)]);
                }
            }
            for _ in 0..count {
                // Mix full-range and small-magnitude operands so both sides of the overflow
                // boundary are hit.
                let pick = |rng: &mut SmallRng| -> i64 {
                    if rng.gen_bool(0.5) {
                        rng.gen_range(MIN_SMALL..=MAX_SMALL) as i64
                    } else {
                        rng.gen_range(-20000..=20000)
                    }
                };
                let (a, c) = (pick(rng), pick(rng));
                out.push(vec![small_word(a), small_word(c)]);
            }
        }
    }
    out
}

fn data_value_to_i64(v: &DataValue) -> i64 {
    match v {
        DataValue::I8(x) => *x as i64,
        DataValue::I32(x) => *x as i64,
        other => panic!("unexpected result type {other:?}"),
    }
}

fn run_interpreter(funcs: &[Function], label: &str, count: usize) {
    let mut store = FunctionStore::default();
    for f in funcs {
        store.add(f.name.to_string(), f);
    }
    let mut rng = SmallRng::seed_from_u64(0x7a65);
    let mut checked = 0;
    for f in funcs {
        let name = f.name.to_string();
        let short = name.trim_start_matches('%');
        for args in inputs(short, &mut rng, count) {
            let state = InterpreterState::default().with_function_store(store.clone());
            let dv: Vec<DataValue> = args.iter().map(|&a| DataValue::I32(a as i32)).collect();
            let result = Interpreter::new(state)
                .call_by_name(&name, &dv)
                .unwrap_or_else(|e| panic!("interpreter failed on {name}: {e}"));
            let ControlFlow::Return(values) = result else {
                panic!("{name} did not return: {result:?}");
            };
            let got: Vec<i64> = values.iter().map(data_value_to_i64).collect();
            check(short, &args, &got, label);
            checked += 1;
        }
    }
    assert!(checked > 500, "too few cases ran: {checked}");
}

fn optimized() -> Vec<Function> {
    functions()
        .into_iter()
        .map(|mut f| {
            optimize(&mut f, OptLevel::Speed).expect("mid-end accepts the tag helpers");
            f
        })
        .collect()
}

#[test]
fn interpreter_agrees_with_term_model() {
    let count = if cfg!(target_arch = "arm") { 100 } else { 2000 };
    run_interpreter(&functions(), "interpreter", count);
    run_interpreter(&optimized(), "interpreter after mid-end", count);
}

#[test]
fn mid_end_shrinks_repeated_tag_tests() {
    // Two identical small tests on the same operand: GVN must merge them.
    let mut f = build("twice", 1, &[I8, I8], |b, a| {
        vec![tags::is_small(b, a[0]), tags::is_small(b, a[0])]
    });
    // Instructions in the layout: the DFG arena also keeps the e-graph's dropped nodes.
    let in_layout = |f: &Function| {
        f.layout
            .blocks()
            .map(|blk| f.layout.block_insts(blk).count())
            .sum::<usize>()
    };
    let before = in_layout(&f);
    optimize(&mut f, OptLevel::Speed).unwrap();
    let band_count = f
        .layout
        .blocks()
        .flat_map(|blk| f.layout.block_insts(blk))
        .filter(|&i| f.dfg.insts[i].opcode() == cranelift_codegen::ir::Opcode::Band)
        .count();
    assert_eq!(
        band_count,
        1,
        "GVN left duplicated tag masks:\n{}",
        f.display()
    );
    assert!(
        in_layout(&f) < before,
        "the mid-end removed nothing:\n{}",
        f.display()
    );
}

#[test]
fn small_const_matches_runtime() {
    for n in [0i64, 1, -1, MAX_SMALL as i64, MIN_SMALL as i64] {
        assert_eq!(
            tags::small_const(n),
            Some(Term::small(n).unwrap().raw() as i32 as i64)
        );
    }
    assert_eq!(tags::small_const(MAX_SMALL as i64 + 1), None);
    assert_eq!(tags::small_const(MIN_SMALL as i64 - 1), None);
}

/// Cranelift's own x86-64 backend runs the same functions natively.
#[cfg(not(target_arch = "arm"))]
mod jit {
    use super::*;
    use cranelift_jit::{JITBuilder, JITModule};
    use cranelift_module::{default_libcall_names, Linkage, Module};

    /// Two integer results as the x86-64 C ABI returns them (rax, rdx); only the low bits
    /// of each register are defined.
    #[repr(C)]
    struct Pair(u64, u64);

    impl Pair {
        fn low(&self, bits0: u32, bits1: u32) -> Vec<i64> {
            let sext = |v: u64, bits: u32| ((v << (64 - bits)) as i64) >> (64 - bits);
            vec![sext(self.0, bits0), sext(self.1, bits1)]
        }
    }

    fn run_jit(funcs: Vec<Function>, label: &str) {
        let isa = cranelift_native::builder()
            .expect("host ISA")
            .finish(cranelift_codegen::settings::Flags::new(
                cranelift_codegen::settings::builder(),
            ))
            .expect("host flags");
        let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let mut ids = Vec::new();
        for f in &funcs {
            let name = f.name.to_string();
            let id = module
                .declare_function(&name, Linkage::Local, &f.signature)
                .unwrap();
            let mut ctx = module.make_context();
            ctx.func = f.clone();
            ctx.func.signature.call_conv = module.isa().default_call_conv();
            module
                .define_function(id, &mut ctx)
                .unwrap_or_else(|e| panic!("cranelift x64 rejected {name}: {e:?}"));
            ids.push((
                name,
                id,
                f.signature.returns.len(),
                f.signature.params.len(),
            ));
        }
        module.finalize_definitions().unwrap();
        let mut rng = SmallRng::seed_from_u64(0x717);
        for (name, id, nret, nparam) in ids {
            let code = module.get_finalized_function(id);
            let short = name.trim_start_matches('%').to_string();
            for args in inputs(&short, &mut rng, 5000) {
                let got: Vec<i64> = match (nparam, nret) {
                    (1, 1) => {
                        // SAFETY: `code` was compiled from a function with exactly this
                        // signature (i32 params; i32/i8 results in the host's C convention).
                        let f: extern "C" fn(i32) -> i32 = unsafe { std::mem::transmute(code) };
                        vec![f(args[0] as i32) as i64]
                    }
                    (1, 2) => {
                        // SAFETY: as above; two integer results come back in rax:rdx,
                        // which is how the C ABI returns a 16-byte two-integer struct.
                        let f: extern "C" fn(i32) -> Pair = unsafe { std::mem::transmute(code) };
                        f(args[0] as i32).low(32, 32)
                    }
                    (2, 1) => {
                        // SAFETY: as above; an i8 result is read from the low byte.
                        let f: extern "C" fn(i32, i32) -> i8 = unsafe { std::mem::transmute(code) };
                        vec![f(args[0] as i32, args[1] as i32) as i64]
                    }
                    (2, 2) => {
                        // SAFETY: as above: (i32, i8) comes back in rax:rdx.
                        let f: extern "C" fn(i32, i32) -> Pair =
                            unsafe { std::mem::transmute(code) };
                        f(args[0] as i32, args[1] as i32).low(32, 8)
                    }
                    other => panic!("no trampoline for {other:?}"),
                };
                check(&short, &args, &got, label);
            }
        }
    }

    #[test]
    fn cranelift_x64_agrees_with_term_model() {
        run_jit(functions(), "cranelift-jit x64");
        run_jit(optimized(), "cranelift-jit x64 after mid-end");
    }
}
