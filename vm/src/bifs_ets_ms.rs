//! Match specifications (`erl_db_util.c`): checked once per call (`badarg` for a
//! malformed spec, an unbound variable or an unknown function, as erl), then interpreted
//! per object. Guard and body functions are the `erlang` BIFs of this VM, called through
//! the BIF table, so their semantics are the VM's own. As in OTP: a guard that raises is
//! false (the next clause is tried); a body that raises gives the atom `'EXIT'`.

use beam_runtime::construct;
use beam_runtime::ops::compare;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, Bif, BifCx, BifHeap, Raise};

/// The variable number of `'$N'`, `None` for other terms.
pub(crate) fn var(t: Term) -> Option<u32> {
    if !t.is_atom() {
        return None;
    }
    let name = beam_runtime::atom::name(t)?;
    let digits = name.strip_prefix('$')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 9 {
        return None;
    }
    digits.parse().ok()
}

/// One clause `{Head, Guards, Body}`.
#[derive(Clone)]
pub(crate) struct Clause {
    head: Term,
    guards: Vec<Term>,
    body: Vec<Term>,
}

/// A checked match specification.
#[derive(Clone)]
pub(crate) struct Ms {
    clauses: Vec<Clause>,
}

/// Guard functions allowed in table match specifications, with arity
/// (the list of `erl_db_util.c`'s `guard_tab`, restated).
const GUARD_FUNS: &[(&str, u32)] = &[
    ("is_atom", 1),
    ("is_float", 1),
    ("is_integer", 1),
    ("is_list", 1),
    ("is_number", 1),
    ("is_pid", 1),
    ("is_port", 1),
    ("is_reference", 1),
    ("is_tuple", 1),
    ("is_map", 1),
    ("is_map_key", 2),
    ("is_binary", 1),
    ("is_bitstring", 1),
    ("is_function", 1),
    ("is_function", 2),
    ("is_record", 2),
    ("is_record", 3),
    ("abs", 1),
    ("element", 2),
    ("hd", 1),
    ("tl", 1),
    ("length", 1),
    ("map_get", 2),
    ("map_size", 1),
    ("node", 0),
    ("node", 1),
    ("round", 1),
    ("trunc", 1),
    ("ceil", 1),
    ("floor", 1),
    ("float", 1),
    ("size", 1),
    ("bit_size", 1),
    ("byte_size", 1),
    ("tuple_size", 1),
    ("binary_part", 2),
    ("binary_part", 3),
    ("min", 2),
    ("max", 2),
    ("+", 1),
    ("+", 2),
    ("-", 1),
    ("-", 2),
    ("*", 2),
    ("/", 2),
    ("div", 2),
    ("rem", 2),
    ("band", 2),
    ("bor", 2),
    ("bxor", 2),
    ("bnot", 1),
    ("bsl", 2),
    ("bsr", 2),
    (">", 2),
    (">=", 2),
    ("<", 2),
    ("=<", 2),
    ("==", 2),
    ("=:=", 2),
    ("/=", 2),
    ("=/=", 2),
    ("not", 1),
    ("xor", 2),
    ("self", 0),
];

fn bad() -> Raise {
    error("badarg")
}

fn elements(t: Term) -> Result<Vec<Term>, Raise> {
    crate::bifs_more::proper_list(t).map_err(|_| bad())
}

/// Variables bound by a head pattern.
fn bound_vars(p: Term, out: &mut Vec<u32>) {
    if let Some(v) = var(p) {
        if !out.contains(&v) {
            out.push(v);
        }
    } else if let Some(es) = construct::tuple_elements(p) {
        es.into_iter().for_each(|e| bound_vars(e, out));
    } else if let (Some(h), Some(t)) = (construct::head(p), construct::tail(p)) {
        bound_vars(h, out);
        bound_vars(t, out);
    } else if let Some(kv) = beam_runtime::map::entries(p) {
        kv.into_iter().for_each(|(_, v)| bound_vars(v, out));
    }
}

impl Ms {
    /// Checks `ms`, a list of `{Head, Guards, Body}`.
    pub(crate) fn compile(ms: Term) -> Result<Ms, Raise> {
        let mut clauses = Vec::new();
        for c in elements(ms)? {
            let parts = construct::tuple_elements(c).ok_or_else(bad)?;
            let [head, guards, body] = parts[..] else {
                return Err(bad());
            };
            // A table's head is a tuple, a variable or '_'.
            if construct::tuple_arity(head).is_none() && var(head).is_none() && head != atom("_") {
                return Err(bad());
            }
            let mut vars = Vec::new();
            bound_vars(head, &mut vars);
            let guards = elements(guards)?;
            let body = elements(body)?;
            if body.is_empty() {
                return Err(bad());
            }
            for &e in guards.iter().chain(&body) {
                check_expr(e, &vars)?;
            }
            clauses.push(Clause { head, guards, body });
        }
        Ok(Ms { clauses })
    }

    /// Runs the spec on `obj`: `None` when no clause matches, else the body's value
    /// (built in `heap`; it may point into `obj`).
    pub(crate) fn run(&self, obj: Term, self_pid: Term, heap: &mut BifHeap) -> Option<Term> {
        for c in &self.clauses {
            let mut b = Vec::new();
            if !matches(c.head, obj, &mut b) {
                continue;
            }
            b.sort_by_key(|&(v, _)| v);
            let mut e = Eval {
                b: &b,
                obj,
                self_pid,
                heap,
            };
            if !c.guards.iter().all(|&g| e.eval(g) == Ok(atom("true"))) {
                continue;
            }
            let mut r = atom("true");
            for &x in &c.body {
                match e.eval(x) {
                    Ok(v) => r = v,
                    Err(_) => return Some(atom("EXIT")),
                }
            }
            return Some(r);
        }
        None
    }
}

fn check_expr(e: Term, vars: &[u32]) -> Result<(), Raise> {
    if let Some(v) = var(e) {
        return if vars.contains(&v) {
            Ok(())
        } else {
            Err(bad())
        };
    }
    if let (Some(h), Some(t)) = (construct::head(e), construct::tail(e)) {
        check_expr(h, vars)?;
        return check_expr(t, vars);
    }
    let Some(es) = construct::tuple_elements(e) else {
        return Ok(());
    };
    let Some(&f) = es.first() else {
        return Err(bad());
    };
    if let (1, Some(inner)) = (es.len(), construct::tuple_elements(f)) {
        // {{...}}: a tuple built from expressions ({F} with an atom F is a call).
        return inner.into_iter().try_for_each(|x| check_expr(x, vars));
    }
    if f == atom("const") && es.len() == 2 {
        return Ok(());
    }
    let name = beam_runtime::atom::name(f).ok_or_else(bad)?;
    let n = es.len() as u32 - 1;
    let known = matches!(name.as_str(), "andalso" | "orelse" | "and" | "or") && n >= 1
        || GUARD_FUNS.iter().any(|&(g, a)| g == name && a == n);
    if !known {
        return Err(bad());
    }
    es[1..].iter().try_for_each(|&x| check_expr(x, vars))
}

/// Matches pattern `p` against `t`, binding `'$N'` variables (exact equality for
/// repeated variables and constants, as erl_db_util's matcher).
pub(crate) fn matches(p: Term, t: Term, b: &mut Vec<(u32, Term)>) -> bool {
    if p == atom("_") {
        return true;
    }
    if let Some(v) = var(p) {
        if let Some(&(_, old)) = b.iter().find(|(x, _)| *x == v) {
            return compare::exact_eq(old, t).unwrap_or(false);
        }
        b.push((v, t));
        return true;
    }
    if p.is_list() {
        let (Some(ph), Some(pt), Some(th), Some(tt)) = (
            construct::head(p),
            construct::tail(p),
            construct::head(t),
            construct::tail(t),
        ) else {
            return false;
        };
        return matches(ph, th, b) && matches(pt, tt, b);
    }
    if let Some(pa) = construct::tuple_arity(p) {
        if construct::tuple_arity(t) != Some(pa) {
            return false;
        }
        return (0..pa).all(
            |i| match (construct::tuple_get(p, i), construct::tuple_get(t, i)) {
                (Some(x), Some(y)) => matches(x, y, b),
                _ => false,
            },
        );
    }
    if let Some(pkv) = beam_runtime::map::entries(p) {
        if beam_runtime::map::size(t).is_none() {
            return false;
        }
        return pkv.into_iter().all(|(k, pv)| {
            beam_runtime::map::get(t, k)
                .ok()
                .flatten()
                .is_some_and(|tv| matches(pv, tv, b))
        });
    }
    compare::exact_eq(p, t).unwrap_or(false)
}

struct Eval<'a> {
    b: &'a [(u32, Term)],
    obj: Term,
    self_pid: Term,
    heap: &'a mut BifHeap,
}

impl Eval<'_> {
    fn eval(&mut self, e: Term) -> Result<Term, Raise> {
        if let Some(v) = var(e) {
            return self
                .b
                .iter()
                .find(|(x, _)| *x == v)
                .map(|&(_, t)| t)
                .ok_or_else(bad);
        }
        if e == atom("$_") {
            return Ok(self.obj);
        }
        if e == atom("$$") {
            let vals: Vec<Term> = self.b.iter().map(|&(_, t)| t).collect();
            return construct::list(self.heap, &vals).map_err(heap_err);
        }
        if let (Some(h), Some(t)) = (construct::head(e), construct::tail(e)) {
            let h = self.eval(h)?;
            let t = self.eval(t)?;
            return construct::cons(self.heap, h, t).map_err(heap_err);
        }
        let Some(es) = construct::tuple_elements(e) else {
            return Ok(e);
        };
        if let (1, Some(inner)) = (es.len(), construct::tuple_elements(es[0])) {
            let vals = inner
                .into_iter()
                .map(|x| self.eval(x))
                .collect::<Result<Vec<_>, _>>()?;
            return construct::tuple(self.heap, &vals).map_err(heap_err);
        }
        let f = beam_runtime::atom::name(es[0]).ok_or_else(bad)?;
        let args = &es[1..];
        match f.as_str() {
            "const" if args.len() == 1 => Ok(args[0]),
            "andalso" => self.short(args, true),
            "orelse" => self.short(args, false),
            "and" | "or" => {
                let vals = self.all(args)?;
                let want = f == "and";
                let mut r = want;
                for v in vals {
                    let b = truth(v)?;
                    r = if want { r && b } else { r || b };
                }
                Ok(crate::bifs::boolean(r))
            }
            "self" if args.is_empty() => Ok(self.self_pid),
            _ => {
                let vals = self.all(args)?;
                self.call(&f, &vals)
            }
        }
    }

    fn all(&mut self, args: &[Term]) -> Result<Vec<Term>, Raise> {
        args.iter().map(|&x| self.eval(x)).collect()
    }

    /// `andalso` (stops at the first false) and `orelse` (at the first true).
    fn short(&mut self, args: &[Term], is_and: bool) -> Result<Term, Raise> {
        for &x in args {
            let b = truth(self.eval(x)?)?;
            if b != is_and {
                return Ok(crate::bifs::boolean(b));
            }
        }
        Ok(crate::bifs::boolean(is_and))
    }

    fn call(&mut self, f: &str, args: &[Term]) -> Result<Term, Raise> {
        if f == "is_record" {
            // {is_record, Obj, Tag[, Size]}: a tuple whose first element is Tag.
            let ok = construct::tuple_get(args[0], 0) == Some(args[1])
                && args.get(2).is_none_or(|s| {
                    s.small_value().map(|n| n as u32) == construct::tuple_arity(args[0])
                });
            return Ok(crate::bifs::boolean(ok));
        }
        let id = crate::bifs::lookup("erlang", f, args.len() as u32).ok_or_else(bad)?;
        let bif: &Bif = crate::bifs::get(id).ok_or_else(bad)?;
        let mut cx = BifCx {
            heap: BifHeap::default(),
            self_pid: self.self_pid,
            proc: None,
        };
        let r = (bif.f)(&mut cx, args);
        self.heap.frags.append(&mut cx.heap.frags);
        r
    }
}

fn truth(t: Term) -> Result<bool, Raise> {
    if t == atom("true") {
        Ok(true)
    } else if t == atom("false") {
        Ok(false)
    } else {
        Err(bad())
    }
}
