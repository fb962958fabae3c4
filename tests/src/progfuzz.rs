//! A generator of random Erlang modules for the differential program fuzzer
//! (`tests/tests/program_fuzz.rs`): each module is compiled by `erlc` and run by both `erl`
//! and the JIT, and the values of `main/0` must be the same.
//!
//! The generator is typed, so that most generated code runs instead of failing at its
//! first operation: every expression is generated for one of a few types (integers around
//! the 28-bit small/big boundary and far beyond, floats, atoms, lists of integers,
//! `{Int, Atom}` tuples, maps, binaries, funs of integer arguments). Operations that can
//! fail still appear (`div` by zero, `hd([])`, `map_get` of a missing key, float
//! overflow, bad binaries), and every test function's exceptions are caught in `main/0` and
//! returned as `{Class, Reason}`, so error reasons are compared too.
//!
//! What it covers, from issue 12: closures of arity 0..4 capturing values of every type,
//! nested funs, calls through higher-order functions (local, `apply`, `lists:map/foldl`),
//! arithmetic at the small/big boundaries, lists, tuples, maps (small and large),
//! binaries and bit syntax, try/catch/throw, receive with timeouts, selective receive and
//! processes. Values that print differently by design (pids, refs, funs) are never
//! returned. Scoping follows Erlang's rules: every bound variable has a fresh name and is
//! used only inside the expression that binds it.

use std::fmt::Write;

/// The types the generator keeps apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    Int,
    Float,
    Atom,
    List,
    Tuple,
    Map,
    Bin,
    /// A fun taking this many integers and returning an integer.
    Fun(u8),
}

const VALUE_TYPES: [Ty; 7] = [
    Ty::Int,
    Ty::Float,
    Ty::Atom,
    Ty::List,
    Ty::Tuple,
    Ty::Map,
    Ty::Bin,
];

/// Integers where representations change on a 32-bit BEAM: small integers are 28 bits
/// (±2^27), bignum digits are 32 bits, and 2^64 is where a second digit pair starts.
const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "7",
    "255",
    "256",
    "65535",
    "134217727",
    "134217728",
    "-134217728",
    "-134217729",
    "268435455",
    "2147483647",
    "2147483648",
    "-2147483648",
    "4294967295",
    "4294967296",
    "576460752303423487",
    "576460752303423488",
    "18446744073709551615",
    "18446744073709551616",
    "-18446744073709551616",
    "340282366920938463463374607431768211457",
];

const FLOATS: &[&str] = &[
    "0.0",
    "-0.0",
    "1.0",
    "-1.5",
    "0.1",
    "2.5e-3",
    "3.14159",
    "1.0e10",
    "-7.25e15",
    "1.0e300",
    "2.0e-300",
    "123456.789",
];

const ATOMS: &[&str] = &[
    "a",
    "b",
    "ok",
    "error",
    "true",
    "false",
    "'hello world'",
    "zz",
];

/// Map keys are integers: maps grow past 32 keys (HAMTs), where OTP places atom keys by
/// their index in the erl node's atom table, which no other VM can reproduce.
const MAP_KEYS: &[&str] = &["1", "2", "3", "4", "-1", "134217728", "2.5"];

/// A seeded generator (splitmix64), so a seed reproduces a module exactly.
pub struct Gen {
    state: u64,
    next_var: u32,
    /// Local helper functions generated on the way (`hN/K`), emitted after the tests.
    helpers: Vec<String>,
    max_depth: u32,
    /// Whether float expressions may be generated (off to look for other bugs while a
    /// known float gap is open).
    floats: bool,
}

/// The variables in scope, with their types.
#[derive(Clone, Default)]
struct Env {
    vars: Vec<(String, Ty)>,
}

impl Env {
    fn with(&self, name: &str, ty: Ty) -> Env {
        let mut e = self.clone();
        e.vars.push((name.to_string(), ty));
        e
    }
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
            next_var: 0,
            helpers: Vec::new(),
            max_depth: 4,
            floats: true,
        }
    }

    /// The same generator without float expressions (float literals stay out too).
    pub fn without_floats(mut self) -> Gen {
        self.floats = false;
        self
    }

    /// A value type to generate, floats only if enabled.
    fn value_type(&mut self) -> Ty {
        loop {
            let t = VALUE_TYPES[self.below(VALUE_TYPES.len())];
            if t != Ty::Float || self.floats {
                return t;
            }
        }
    }

    fn next(&mut self) -> u64 {
        // splitmix64 (Steele, Lea, Flood 2014): constants from the paper.
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next_var += 1;
        format!("{prefix}{}", self.next_var)
    }

    /// A whole module named `name` whose `main/0` returns a list of results.
    pub fn module(&mut self, name: &str, tests: usize) -> String {
        self.helpers.clear();
        let mut body = String::new();
        let mut calls = Vec::new();
        for t in 0..tests {
            let args: Vec<String> = (0..3).map(|_| self.int_literal()).collect();
            let (def, arity) = self.test_function(t);
            body.push_str(&def);
            let args = args[..arity].join(", ");
            // Half the calls go through the export table.
            let call = if self.chance(50) {
                format!("t{t}({args})")
            } else {
                format!("?MODULE:t{t}({args})")
            };
            // Some through `catch`: an error's stack trace is compared too (its frames in
            // this module: erl's oracle runs main/0 under erl_eval, whose frames follow).
            calls.push(if self.chance(30) {
                format!(
                    "    case catch {call} of {{'EXIT', {{R{t}, S{t}}}}} when is_list(S{t}) -> \
                     {{'EXIT', R{t}, [F{t} || {{M{t}, _, _, _}} = F{t} <- S{t}, M{t} =:= ?MODULE]}}; \
                     O{t} -> O{t} end"
                )
            } else {
                format!("    try {call} of V{t} -> V{t} catch C{t}:R{t} -> {{C{t}, R{t}}} end")
            });
        }
        let mut out = String::new();
        let exports: Vec<String> = (0..tests).map(|t| format!("t{t}/3")).collect();
        writeln!(out, "-module({name}).").unwrap();
        writeln!(out, "-export([main/0, {}]).", exports.join(", ")).unwrap();
        writeln!(
            out,
            "-compile([nowarn_unused_vars, nowarn_shadow_vars, nowarn_unused_function])."
        )
        .unwrap();
        writeln!(out, "\nmain() ->\n    [\n{}\n    ].\n", calls.join(",\n")).unwrap();
        out.push_str(&body);
        out.push_str(FIXED_HELPERS);
        for h in &self.helpers {
            out.push_str(h);
        }
        out
    }

    fn test_function(&mut self, t: usize) -> (String, usize) {
        let env = Env {
            vars: vec![
                ("A".into(), Ty::Int),
                ("B".into(), Ty::Int),
                ("C".into(), Ty::Int),
            ],
        };
        let mut s = format!("t{t}(A, B, C) ->\n");
        let mut env = env;
        // A few bindings of other types first, so closures have values of every kind to
        // capture.
        for _ in 0..1 + self.below(4) {
            let ty = if self.chance(25) {
                Ty::Fun(self.below(5) as u8)
            } else {
                self.value_type()
            };
            let v = self.fresh("V");
            let e = self.expr(ty, &env, self.max_depth - 1);
            writeln!(s, "    {v} = {e},").unwrap();
            env = env.with(&v, ty);
        }
        let ty = self.value_type();
        let e = self.expr(ty, &env, self.max_depth);
        // The result carries every non-fun binding too, so a wrong intermediate shows.
        let shown: Vec<&str> = env
            .vars
            .iter()
            .filter(|(_, t)| !matches!(t, Ty::Fun(_)))
            .map(|(n, _)| n.as_str())
            .skip(3)
            .collect();
        writeln!(s, "    {{{e}, [{}]}}.\n", shown.join(", ")).unwrap();
        (s, 3)
    }

    fn var_of(&mut self, ty: Ty, env: &Env) -> Option<String> {
        let vs: Vec<&String> = env
            .vars
            .iter()
            .filter(|(_, t)| *t == ty)
            .map(|(n, _)| n)
            .collect();
        if vs.is_empty() {
            None
        } else {
            Some(vs[self.below(vs.len())].clone())
        }
    }

    fn int_literal(&mut self) -> String {
        if self.chance(70) {
            self.pick(INTS).to_string()
        } else {
            let n = (self.next() % 2001) as i64 - 1000;
            n.to_string()
        }
    }

    fn expr(&mut self, ty: Ty, env: &Env, depth: u32) -> String {
        if depth == 0 || self.chance(20) {
            if let Some(v) = self.var_of(ty, env) {
                if self.chance(70) {
                    return v;
                }
            }
            return self.leaf(ty, env);
        }
        let d = depth - 1;
        if !matches!(ty, Ty::Fun(_)) && self.chance(4) {
            // Through the external format and back: the same value.
            return format!("binary_to_term(term_to_binary({}))", self.expr(ty, env, d));
        }
        if self.chance(6) {
            return self.extra_expr(ty, env, d);
        }
        match ty {
            Ty::Int => self.int_expr(env, d),
            Ty::Float => self.float_expr(env, d),
            Ty::Atom => self.atom_expr(env, d),
            Ty::List => self.list_expr(env, d),
            Ty::Tuple => self.tuple_expr(env, d),
            Ty::Map => self.map_expr(env, d),
            Ty::Bin => self.bin_expr(env, d),
            Ty::Fun(n) => self.fun_expr(n, env, d),
        }
    }

    fn leaf(&mut self, ty: Ty, env: &Env) -> String {
        match ty {
            Ty::Int => self.int_literal(),
            Ty::Float => self.pick(FLOATS).to_string(),
            Ty::Atom => self.pick(ATOMS).to_string(),
            Ty::List => match self.below(3) {
                0 => "[]".into(),
                1 => format!("[{}, {}]", self.int_literal(), self.int_literal()),
                _ => format!("lists:seq(1, {})", self.below(40)),
            },
            Ty::Tuple => format!("{{{}, {}}}", self.int_literal(), self.pick(ATOMS)),
            Ty::Map => match self.below(3) {
                0 => "#{}".into(),
                1 => format!(
                    "#{{1 => {}, 2 => {}}}",
                    self.int_literal(),
                    self.int_literal()
                ),
                _ => format!(
                    "maps:from_list([{{X, X * 3}} || X <- lists:seq(1, {})])",
                    self.below(80)
                ),
            },
            Ty::Bin => match self.below(3) {
                0 => "<<>>".into(),
                1 => format!("<<{}:8, {}:8>>", self.below(256), self.below(256)),
                _ => "<<\"abc\", 0, 255>>".into(),
            },
            Ty::Fun(n) => self.fun_expr(n, env, 0),
        }
    }

    /// A fun of `n` integer arguments returning an integer, capturing from `env`.
    fn fun_expr(&mut self, n: u8, env: &Env, depth: u32) -> String {
        if self.chance(15) {
            // A local fun to a helper of the same shape.
            let h = self.helper(n, env, depth);
            return format!("fun {h}/{n}");
        }
        let mut inner = env.clone();
        let mut params = Vec::new();
        for _ in 0..n {
            let p = self.fresh("P");
            inner = inner.with(&p, Ty::Int);
            params.push(p);
        }
        let body = self.expr(Ty::Int, &inner, depth);
        format!("fun({}) -> {body} end", params.join(", "))
    }

    /// A new local function `hN/n` of integer arguments (its body sees only them).
    fn helper(&mut self, n: u8, _env: &Env, depth: u32) -> String {
        let name = format!("h{}", self.helpers.len());
        // Reserve the slot first: the body may add helpers of its own.
        self.helpers.push(String::new());
        let idx = self.helpers.len() - 1;
        let mut inner = Env::default();
        let mut params = Vec::new();
        for _ in 0..n {
            let p = self.fresh("H");
            inner = inner.with(&p, Ty::Int);
            params.push(p);
        }
        let body = self.expr(Ty::Int, &inner, depth.min(2));
        self.helpers[idx] = format!("{name}({}) ->\n    {body}.\n\n", params.join(", "));
        name
    }

    fn args(&mut self, n: u8, env: &Env, depth: u32) -> Vec<String> {
        (0..n).map(|_| self.expr(Ty::Int, env, depth)).collect()
    }

    fn call_fun(&mut self, env: &Env, depth: u32) -> String {
        let n = self.below(5) as u8;
        let f = match self.var_of(Ty::Fun(n), env) {
            Some(v) if self.chance(70) => v,
            _ => format!("({})", self.fun_expr(n, env, depth)),
        };
        let args = self.args(n, env, depth).join(", ");
        match self.below(4) {
            0 => format!("{f}({args})"),
            1 => format!("apply({f}, [{args}])"),
            2 => format!("call{n}({f}{}{args})", if n > 0 { ", " } else { "" }),
            _ => {
                // Through a fun that receives the fun: a closure calling a closure.
                let g = self.fresh("G");
                format!(
                    "(fun({g}) -> {g}({args}) end)({f})",
                    args = if n == 0 { String::new() } else { args.clone() }
                )
            }
        }
    }

    fn int_expr(&mut self, env: &Env, d: u32) -> String {
        let e = |g: &mut Gen, ty| g.expr(ty, env, d);
        match self.below(30) {
            0 | 1 => format!("({} + {})", e(self, Ty::Int), e(self, Ty::Int)),
            2 => format!("({} - {})", e(self, Ty::Int), e(self, Ty::Int)),
            3 | 4 => format!("({} * {})", e(self, Ty::Int), e(self, Ty::Int)),
            5 => format!("({} div {})", e(self, Ty::Int), e(self, Ty::Int)),
            6 => format!("({} rem {})", e(self, Ty::Int), e(self, Ty::Int)),
            7 => {
                let op = self.pick(&["band", "bor", "bxor"]);
                format!("({} {op} {})", e(self, Ty::Int), e(self, Ty::Int))
            }
            8 => {
                let op = self.pick(&["bsl", "bsr"]);
                format!("({} {op} ({} band 63))", e(self, Ty::Int), e(self, Ty::Int))
            }
            9 => format!("abs({})", e(self, Ty::Int)),
            10 => format!("(- {})", e(self, Ty::Int)),
            11 => {
                let f = self.pick(&["length", "hd", "lists:sum", "lists:max", "lists:last"]);
                format!("{f}({})", e(self, Ty::List))
            }
            12 => format!("element(1, {})", e(self, Ty::Tuple)),
            13 => {
                let k = self.pick(MAP_KEYS);
                match self.below(3) {
                    0 => format!("maps:get({k}, {}, {})", e(self, Ty::Map), e(self, Ty::Int)),
                    1 => format!("map_get({k}, {})", e(self, Ty::Map)),
                    _ => format!("map_size({})", e(self, Ty::Map)),
                }
            }
            14 => {
                let x = self.fresh("X");
                match self.below(3) {
                    0 => format!("byte_size({})", e(self, Ty::Bin)),
                    1 => format!(
                        "(case {} of <<{x}:16/little, _/binary>> -> {x}; _ -> {} end)",
                        e(self, Ty::Bin),
                        e(self, Ty::Int)
                    ),
                    _ => format!("binary:decode_unsigned({})", e(self, Ty::Bin)),
                }
            }
            15 if self.floats => {
                let f = self.pick(&["trunc", "round", "floor", "ceil"]);
                format!("{f}({})", e(self, Ty::Float))
            }
            16..=19 => self.call_fun(env, d),
            20 => {
                let (x, acc) = (self.fresh("X"), self.fresh("Acc"));
                let inner = env.with(&x, Ty::Int).with(&acc, Ty::Int);
                let body = self.expr(Ty::Int, &inner, d);
                format!(
                    "lists:foldl(fun({x}, {acc}) -> {body} end, {}, {})",
                    e(self, Ty::Int),
                    e(self, Ty::List)
                )
            }
            21 => {
                let n = self.below(4) as u8;
                let h = self.helper(n, env, d);
                let args = self.args(n, env, d).join(", ");
                format!("{h}({args})")
            }
            22 => format!("loop({} band 31, {})", e(self, Ty::Int), e(self, Ty::Int)),
            23 => {
                let v = self.fresh("N");
                let inner = env.with(&v, Ty::Int);
                let (a, b) = (self.expr(Ty::Int, &inner, d), self.expr(Ty::Int, &inner, d));
                format!(
                    "(case {} of 0 -> {}; {v} when {v} > {} -> {a}; {v} -> {b} end)",
                    e(self, Ty::Int),
                    e(self, Ty::Int),
                    self.int_literal()
                )
            }
            24 => {
                let (x, y) = (self.fresh("X"), self.fresh("Y"));
                let cls = self.pick(&["error", "throw", "exit", "_"]);
                format!(
                    "(try {} of {x} -> {x} + 1 catch throw:{y} when is_integer({y}) -> {y}; {cls}:_ -> {} end)",
                    self.maybe_throw(env, d),
                    e(self, Ty::Int)
                )
            }
            // (`catch` is in `module`: there its stack trace is compared without the
            // oracle's erl_eval frames.)
            25 => {
                let t = self.fresh("Thrown");
                format!(
                    "(try throw({}) catch throw:{t} -> {t} end)",
                    e(self, Ty::Int)
                )
            }
            26 => self.receive_expr(env, d),
            27 => format!(
                "length([{x} || {x} <- {}, {x} > {}])",
                e(self, Ty::List),
                e(self, Ty::Int),
                x = self.fresh("X")
            ),
            28 => {
                let v = self.fresh("B");
                let inner = env.with(&v, Ty::Int);
                let body = self.expr(Ty::Int, &inner, d);
                format!("begin {v} = {}, {body} end", e(self, Ty::Int))
            }
            _ => {
                let t = self.value_type();
                format!("erlang:phash2({})", e(self, t))
            }
        }
    }

    /// An integer expression that may throw instead.
    fn maybe_throw(&mut self, env: &Env, d: u32) -> String {
        match self.below(4) {
            0 => format!("throw({})", self.expr(Ty::Int, env, d)),
            1 => format!(
                "(case {} > 0 of true -> throw({}); false -> {} end)",
                self.expr(Ty::Int, env, d),
                self.expr(Ty::Int, env, d),
                self.expr(Ty::Int, env, d)
            ),
            2 => format!("error({})", self.pick(ATOMS)),
            _ => self.expr(Ty::Int, env, d),
        }
    }

    /// Message passing that always ends: a spawned worker, a selective receive of
    /// messages sent to self, or a receive that times out.
    fn receive_expr(&mut self, env: &Env, d: u32) -> String {
        let (p, r, y, z) = (
            self.fresh("Pid"),
            self.fresh("Ref"),
            self.fresh("Y"),
            self.fresh("Z"),
        );
        let a = self.expr(Ty::Int, env, d);
        match self.below(3) {
            0 => {
                // The worker's own names: a fun's variables are its own.
                let (x, q, from) = (self.fresh("X"), self.fresh("Q"), self.fresh("From"));
                let body = self.expr(Ty::Int, &env.with(&x, Ty::Int), d);
                format!(
                    "begin {p} = spawn(fun() -> receive {{{from}, {q}, {x}}} -> {from} ! {{{q}, {body}}} end end), \
                     {r} = make_ref(), {p} ! {{self(), {r}, {a}}}, \
                     receive {{{r}, {y}}} -> {y} after 5000 -> -1 end end"
                )
            }
            1 => {
                let b = self.expr(Ty::Int, env, d);
                format!(
                    "begin {r} = make_ref(), self() ! {{{r}, 1, {a}}}, self() ! {{{r}, 2, {b}}}, \
                     receive {{{r}, 2, {y}}} -> receive {{{r}, 1, {z}}} -> {y} - {z} after 1000 -> -2 end \
                     after 1000 -> -3 end end"
                )
            }
            _ => format!(
                "begin {r} = make_ref(), receive {{{r}, {y}}} -> {y} after 0 -> {a} end end"
            ),
        }
    }

    fn float_expr(&mut self, env: &Env, d: u32) -> String {
        let e = |g: &mut Gen, ty| g.expr(ty, env, d);
        match self.below(8) {
            0 => format!("float({})", e(self, Ty::Int)),
            1 => {
                let op = self.pick(&["+", "-", "*"]);
                format!("({} {op} {})", e(self, Ty::Float), e(self, Ty::Float))
            }
            2 => format!("({} / {})", e(self, Ty::Float), e(self, Ty::Float)),
            3 => format!("({} / {})", e(self, Ty::Int), e(self, Ty::Int)),
            4 => format!("math:sqrt(abs({}))", e(self, Ty::Float)),
            5 => format!("abs(- ({}))", e(self, Ty::Float)),
            6 => format!("({} * {} + 0.5)", e(self, Ty::Float), e(self, Ty::Int)),
            _ => {
                let x = self.fresh("F");
                format!(
                    "lists:foldl(fun({x}, Acc) -> Acc + {x} * 0.5 end, {}, {})",
                    e(self, Ty::Float),
                    e(self, Ty::List)
                )
            }
        }
    }

    /// Pattern matching, multi-clause functions, exits and monitors, conversions.
    fn extra_expr(&mut self, ty: Ty, env: &Env, d: u32) -> String {
        let e = |g: &mut Gen, ty| g.expr(ty, env, d);
        match ty {
            Ty::Atom => match self.below(3) {
                0 => {
                    let t = self.value_type();
                    format!("classify({})", e(self, t))
                }
                1 => {
                    // A process that exits with a reason; its monitor's DOWN carries it.
                    let (p, r, w) = (self.fresh("Pid"), self.fresh("Mref"), self.fresh("Why"));
                    let why = self.pick(&["normal", "done", "shutdown"]);
                    format!(
                        "begin {{{p}, {r}}} = spawn_monitor(fun() -> exit({why}) end), \
                         receive {{'DOWN', {r}, process, {p}, {w}}} -> {w} after 5000 -> timeout end end"
                    )
                }
                _ => format!(
                    "(case {} of #{{1 := _}} -> has_one; #{{}} -> no_one end)",
                    e(self, Ty::Map)
                ),
            },
            Ty::Int => match self.below(5) {
                0 => {
                    let (x, y, r) = (self.fresh("X"), self.fresh("Y"), self.fresh("R"));
                    format!(
                        "(case {} of <<{x}:4, {y}:4, {r}/binary>> -> {x} * 16 + {y} + byte_size({r}); _ -> -1 end)",
                        e(self, Ty::Bin)
                    )
                }
                1 => format!("walk({}, 0)", e(self, Ty::List)),
                2 => format!(
                    "list_to_integer(integer_to_list({}, 16), 16)",
                    e(self, Ty::Int)
                ),
                3 => {
                    let x = self.fresh("X");
                    format!(
                        "(try erlang:raise(throw, {}, []) catch throw:{x} -> {x} end)",
                        e(self, Ty::Int)
                    )
                }
                _ => format!(
                    "(case {} of #{{2 := V2x}} -> V2x; _ -> {} end)",
                    e(self, Ty::Map),
                    e(self, Ty::Int)
                )
                .replace("V2x", &self.fresh("V")),
            },
            Ty::List => match self.below(3) {
                0 => format!("atom_to_list({}) ++ \"x\"", e(self, Ty::Atom)),
                1 => format!(
                    "[K || {{K, _}} <- lists:keysort(2, [{{X, -X}} || X <- {}])]",
                    e(self, Ty::List)
                ),
                _ => format!("tuple_to_list(list_to_tuple({}))", e(self, Ty::List)),
            },
            Ty::Bin => format!("unicode:characters_to_binary([{}])", self.below(0x800)),
            _ => self.expr(ty, env, d),
        }
    }

    fn atom_expr(&mut self, env: &Env, d: u32) -> String {
        let e = |g: &mut Gen, ty| g.expr(ty, env, d);
        match self.below(5) {
            0 => format!("element(2, {})", e(self, Ty::Tuple)),
            1 | 2 => {
                // Term order across types, and == between integers and floats.
                let op = self.pick(&["<", "=<", ">", ">=", "==", "/=", "=:=", "=/="]);
                let t1 = self.value_type();
                let t2 = if self.chance(50) {
                    t1
                } else {
                    self.value_type()
                };
                format!("({} {op} {})", e(self, t1), e(self, t2))
            }
            3 => {
                let t = self.value_type();
                let f = self.pick(&[
                    "is_integer",
                    "is_float",
                    "is_list",
                    "is_map",
                    "is_binary",
                    "is_tuple",
                    "is_atom",
                    "is_number",
                ]);
                format!("{f}({})", e(self, t))
            }
            _ => {
                // Guards take no function calls: bind the operands first.
                let (x, y) = (self.fresh("X"), self.fresh("Y"));
                format!(
                    "begin {x} = {}, {y} = {}, if {x} > {y} -> {}; true -> {} end end",
                    e(self, Ty::Int),
                    e(self, Ty::Int),
                    self.pick(ATOMS),
                    self.pick(ATOMS)
                )
            }
        }
    }

    fn list_expr(&mut self, env: &Env, d: u32) -> String {
        let e = |g: &mut Gen, ty| g.expr(ty, env, d);
        match self.below(14) {
            0 => format!("[{} | {}]", e(self, Ty::Int), e(self, Ty::List)),
            1 => format!("({} ++ {})", e(self, Ty::List), e(self, Ty::List)),
            2 => {
                let f = self.pick(&["lists:reverse", "lists:sort", "lists:usort", "tl"]);
                format!("{f}({})", e(self, Ty::List))
            }
            3 => {
                let x = self.fresh("X");
                let body = self.expr(Ty::Int, &env.with(&x, Ty::Int), d);
                format!("[{body} || {x} <- {}]", e(self, Ty::List))
            }
            4 => format!(
                "lists:map({}, {})",
                self.fun_expr(1, env, d),
                e(self, Ty::List)
            ),
            5 => {
                let x = self.fresh("X");
                format!(
                    "lists:filter(fun({x}) -> {x} > {} end, {})",
                    e(self, Ty::Int),
                    e(self, Ty::List)
                )
            }
            6 => format!(
                "lists:seq({} band 15, ({} band 15) + 20)",
                e(self, Ty::Int),
                e(self, Ty::Int)
            ),
            7 => format!("binary_to_list({})", e(self, Ty::Bin)),
            8 => format!("maps:values({})", e(self, Ty::Map)),
            9 => format!(
                "lists:duplicate({} band 7, {})",
                e(self, Ty::Int),
                e(self, Ty::Int)
            ),
            10 => format!("lists:sublist({}, 3)", e(self, Ty::List)),
            11 => format!("({} -- {})", e(self, Ty::List), e(self, Ty::List)),
            12 => format!("integer_to_list({})", e(self, Ty::Int)),
            _ => format!(
                "[{} rem 256, {} band 255]",
                e(self, Ty::Int),
                e(self, Ty::Int)
            ),
        }
    }

    fn tuple_expr(&mut self, env: &Env, d: u32) -> String {
        let e = |g: &mut Gen, ty| g.expr(ty, env, d);
        match self.below(4) {
            0 => format!("{{{}, {}}}", e(self, Ty::Int), e(self, Ty::Atom)),
            1 => format!(
                "setelement(1, {}, {})",
                e(self, Ty::Tuple),
                e(self, Ty::Int)
            ),
            2 => format!(
                "list_to_tuple([{}, {}])",
                e(self, Ty::Int),
                e(self, Ty::Atom)
            ),
            _ => {
                let (x, y) = (self.fresh("X"), self.fresh("Y"));
                let inner = env.with(&x, Ty::Int).with(&y, Ty::Atom);
                let a = self.expr(Ty::Int, &inner, d);
                format!(
                    "(case {} of {{{x}, {y}}} -> {{{a}, {y}}} end)",
                    e(self, Ty::Tuple)
                )
            }
        }
    }

    fn map_expr(&mut self, env: &Env, d: u32) -> String {
        let e = |g: &mut Gen, ty| g.expr(ty, env, d);
        let k = self.pick(MAP_KEYS);
        match self.below(8) {
            0 => format!("({})#{{{k} => {}}}", e(self, Ty::Map), e(self, Ty::Int)),
            1 => format!("({})#{{{k} := {}}}", e(self, Ty::Map), e(self, Ty::Int)),
            2 => format!("maps:put({k}, {}, {})", e(self, Ty::Int), e(self, Ty::Map)),
            3 => format!("maps:remove({k}, {})", e(self, Ty::Map)),
            4 => format!("maps:merge({}, {})", e(self, Ty::Map), e(self, Ty::Map)),
            5 => {
                let (kv, v) = (self.fresh("K"), self.fresh("V"));
                let body = self.expr(Ty::Int, &env.with(&v, Ty::Int), d);
                format!(
                    "maps:map(fun(_{kv}, {v}) -> {body} end, {})",
                    e(self, Ty::Map)
                )
            }
            6 => format!("maps:from_list([{{X, X}} || X <- {}])", e(self, Ty::List)),
            _ => format!(
                "#{{{k} => {}, {} => {}}}",
                e(self, Ty::Int),
                self.pick(MAP_KEYS),
                e(self, Ty::Int)
            ),
        }
    }

    fn bin_expr(&mut self, env: &Env, d: u32) -> String {
        let e = |g: &mut Gen, ty| g.expr(ty, env, d);
        match self.below(10) {
            0 => format!(
                "<<({}):8, ({}):16/little>>",
                e(self, Ty::Int),
                e(self, Ty::Int)
            ),
            1 => format!(
                "<<({}):32/signed, ({})/binary>>",
                e(self, Ty::Int),
                e(self, Ty::Bin)
            ),
            2 => format!(
                "<<({})/binary, ({})/binary>>",
                e(self, Ty::Bin),
                e(self, Ty::Bin)
            ),
            3 => format!("list_to_binary({})", e(self, Ty::List)),
            4 => format!("term_to_binary({})", {
                let t = self.value_type();
                e(self, t)
            }),
            5 => format!("integer_to_binary({})", e(self, Ty::Int)),
            6 => format!("atom_to_binary({})", e(self, Ty::Atom)),
            7 => {
                let x = self.fresh("X");
                format!("<< <<({x} + 1):8>> || <<{x}:8>> <= {} >>", e(self, Ty::Bin))
            }
            8 if self.floats => format!("<<({}):64/float>>", e(self, Ty::Float)),
            _ => {
                let b = self.fresh("Bin");
                format!(
                    "begin {b} = {}, binary:part({b}, 0, byte_size({b}) div 2) end",
                    e(self, Ty::Bin)
                )
            }
        }
    }
}

/// Helpers every module has: calls through a higher-order function, one per arity, and a
/// bounded loop.
const FIXED_HELPERS: &str = "\
call0(F) -> F().
call1(F, X) -> F(X).
call2(F, X, Y) -> F(X, Y).
call3(F, X, Y, Z) -> F(X, Y, Z).
call4(F, X, Y, Z, W) -> F(X, Y, Z, W).

loop(0, Acc) -> Acc;
loop(N, Acc) when N > 0 -> loop(N - 1, Acc * 3 + N).

classify(X) when is_integer(X), X > 100 -> big;
classify(X) when is_integer(X) -> small;
classify(X) when is_float(X) -> float;
classify([]) -> nil;
classify([H | _]) when is_integer(H) -> int_list;
classify([_ | _]) -> list;
classify({_, A}) when is_atom(A) -> tagged_pair;
classify(#{1 := _}) -> map_with_one;
classify(#{}) -> map;
classify(<<_:8, _/binary>>) -> bin;
classify(<<>>) -> empty_bin;
classify(X) when is_atom(X) -> atom;
classify(_) -> other.

walk([], Acc) -> Acc;
walk([H], Acc) -> Acc + H;
walk([H, H2 | T], Acc) when H > H2 -> walk(T, Acc - H2);
walk([_ | T], Acc) -> walk(T, Acc + 1).

";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_module() {
        let a = Gen::new(7).module("m", 5);
        let b = Gen::new(7).module("m", 5);
        let c = Gen::new(8).module("m", 5);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.contains("main() ->"));
    }
}
