//! Structural decoding of terms for tests: a term graph becomes a tree of `Val`s, so two
//! terms compare equal when they have the same shape and contents wherever they live.
//! (A minimal structural equality for the collector tests; Erlang's own term equality and
//! order live in `beam_runtime::ops`.)
#![allow(dead_code)]

use beam_runtime::term::{BoxedKind, Term};
use beam_runtime::{bignum, binary, construct, map, mem};
use num_bigint::BigInt;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Imm(u32),
    Int(BigInt),
    Float(u64),
    Bin(BoxedKind, Vec<u8>),
    Sub(Vec<u8>, Box<Val>),
    Match(Box<Val>, bool),
    Tuple(Vec<Val>),
    List(Vec<Val>, Box<Val>),
    Map(bool, Vec<(Val, Val)>),
    Fun(u32, u32, Box<Val>, Vec<Val>),
    Ref([u32; 3]),
    Export(u32),
    Ext(BoxedKind, Box<Val>, Vec<u32>),
}

/// Decodes `t`, adding every ProcBin address reached to `procbins`.
pub fn decode(t: Term, procbins: &mut BTreeSet<u32>) -> Val {
    if t.is_immed() {
        return Val::Imm(t.raw());
    }
    if t.is_list() {
        let mut elems = Vec::new();
        let mut cur = t;
        while cur.is_list() {
            elems.push(decode(construct::head(cur).expect("car"), procbins));
            cur = construct::tail(cur).expect("cdr");
        }
        return Val::List(elems, Box::new(decode(cur, procbins)));
    }
    assert!(t.is_boxed(), "not a term: {t:?}");
    let kind = construct::boxed_kind(t).expect("wild boxed pointer");
    match kind {
        BoxedKind::Tuple => Val::Tuple(
            construct::tuple_elements(t)
                .unwrap()
                .into_iter()
                .map(|e| decode(e, procbins))
                .collect(),
        ),
        BoxedKind::PosBig | BoxedKind::NegBig => Val::Int(bignum::value(t).unwrap()),
        BoxedKind::Float => Val::Float(construct::float_value(t).unwrap().to_bits()),
        BoxedKind::HeapBinary | BoxedKind::RefcBinary => {
            if kind == BoxedKind::RefcBinary {
                procbins.insert(t.ptr());
            }
            Val::Bin(kind, binary::bytes(t).unwrap())
        }
        BoxedKind::SubBinary => {
            let orig = Term(mem::read(t.ptr() + 16).unwrap());
            Val::Sub(binary::bytes(t).unwrap(), Box::new(decode(orig, procbins)))
        }
        BoxedKind::MatchState => {
            let (orig, base) = binary::match_state_parts(t).unwrap();
            let want = if construct::boxed_kind(orig) == Some(BoxedKind::RefcBinary) {
                mem::read(orig.ptr() + 16).unwrap()
            } else {
                orig.ptr() + 8
            };
            Val::Match(Box::new(decode(orig, procbins)), base == want)
        }
        BoxedKind::Map => Val::Map(
            map::is_flat(t).unwrap(),
            map::entries(t)
                .unwrap()
                .into_iter()
                .map(|(k, v)| (decode(k, procbins), decode(v, procbins)))
                .collect(),
        ),
        BoxedKind::Fun => {
            let (e, a, c, env) = construct::fun_parts(t).unwrap();
            Val::Fun(
                e,
                a,
                Box::new(decode(c, procbins)),
                env.into_iter().map(|x| decode(x, procbins)).collect(),
            )
        }
        BoxedKind::Ref => Val::Ref(construct::ref_numbers(t).unwrap()),
        BoxedKind::Export => Val::Export(construct::export_entry(t).unwrap()),
        BoxedKind::ExternalPid | BoxedKind::ExternalPort | BoxedKind::ExternalRef => {
            let (k, node, data) = construct::external_parts(t).unwrap();
            Val::Ext(k, Box::new(decode(node, procbins)), data)
        }
        BoxedKind::Unused => panic!("unused header subtag at {:#x}", t.ptr()),
    }
}
