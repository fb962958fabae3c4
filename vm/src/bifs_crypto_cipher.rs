//! crypto's symmetric ciphers (`crypto_one_time/4,5`, `crypto_one_time_aead/6,7`,
//! `crypto_init/3,4`, `crypto_update/2`, `crypto_final/1`, `crypto_get_data/1`,
//! `cipher_info/1`, `supports/0,1`), replacing crypto's exported functions as
//! vm/src/bifs_crypto.rs does for hashes (crypto.erl calls its NIFs locally, which the BIF
//! table cannot reach; docs/erts-surface.md). The engines are in
//! vm/src/crypto_cipher_modes.rs.
//!
//! What erl (OTP 25.2 on OpenSSL 3) does and this copies, found by running it:
//! - arguments are checked in the NIF's order, each failure raising
//!   `error:{badarg, {"api_ng.c", Line}, Description}` with the NIF's line;
//! - OTP turns OpenSSL's padding off unless `{padding, pkcs_padding}` is asked for, so
//!   with the boolean form a CBC/ECB tail that is not a whole block is dropped silently;
//!   `zero` and `random` pad the last block on encryption, `none` raises at the final
//!   call, `pkcs_padding` decryption holds back the last block until the final call;
//! - a state is a reference, mutable: an update continues where the last one ended, and
//!   the state may be updated again after `crypto_final/1`.
//!
//! States live in a table of this thread (the VM's), keyed by the reference. erl frees a
//! state when its reference becomes garbage; this runtime has no hook for that (its
//! collector releases only refc binaries, and a reference is a plain heap term that
//! copies freely between processes), so the leak is bounded instead: a state belongs to
//! every process that created or used it, and is freed when the last of them ends
//! (vm/src/host.rs's exit hook calls [`owner_exited`]). A process that was given a
//! state and first uses it after all its users ended sees `Bad State`; one long-lived
//! process that creates states without end keeps them all until it ends.

use std::cell::RefCell;
use std::collections::HashMap;

use beam_runtime::ops::view;
use beam_runtime::term::Term;
use beam_runtime::{construct, map};

use crate::bifs::{atom, boolean, error, heap_err, small, Bif, BifCx, Raise};
use crate::bifs_more::{iolist, proper_list, string};
use crate::crypto_cipher_extra::{self as extra, CcmError};
use crate::crypto_cipher_modes::{self as modes, Cipher, Engine, KeyError, Mode};

pub static CRYPTO_CIPHER: &[Bif] = &[
    Bif {
        name: "crypto_one_time",
        arity: 4,
        f: |c, a| one_time(c, a[0], a[1], None, a[2], a[3]),
    },
    Bif {
        name: "crypto_one_time",
        arity: 5,
        f: |c, a| one_time(c, a[0], a[1], Some(a[2]), a[3], a[4]),
    },
    Bif {
        name: "crypto_one_time_aead",
        arity: 6,
        f: aead6,
    },
    Bif {
        name: "crypto_one_time_aead",
        arity: 7,
        f: |c, a| aead(c, a, a[5], a[6]),
    },
    Bif {
        name: "crypto_init",
        arity: 3,
        f: |c, a| init(c, a[0], a[1], None, a[2]),
    },
    Bif {
        name: "crypto_init",
        arity: 4,
        f: |c, a| init(c, a[0], a[1], Some(a[2]), a[3]),
    },
    Bif {
        name: "crypto_update",
        arity: 2,
        f: update,
    },
    Bif {
        name: "crypto_final",
        arity: 1,
        f: final_,
    },
    Bif {
        name: "crypto_get_data",
        arity: 1,
        f: get_data,
    },
    Bif {
        name: "crypto_dyn_iv_init",
        arity: 3,
        f: dyn_iv_init,
    },
    Bif {
        name: "crypto_dyn_iv_update",
        arity: 3,
        f: dyn_iv_update,
    },
    Bif {
        name: "cipher_info",
        arity: 1,
        f: cipher_info,
    },
    Bif {
        name: "supports",
        arity: 0,
        f: |c, _| supports_all(c),
    },
    Bif {
        name: "supports",
        arity: 1,
        f: |c, a| supports(c, a[0]),
    },
];

/// `{Class, {File, Line}, Description}` as crypto's NIFs raise it (class `badarg`,
/// `error` or `notsup`).
fn nif_raise(c: &mut BifCx<'_>, class: &str, file: &str, line: i64, what: &str) -> Raise {
    let build = |c: &mut BifCx<'_>| -> Result<Term, Raise> {
        let f = string(c, file)?;
        let loc = construct::tuple(&mut c.heap, &[f, small(line)]).map_err(heap_err)?;
        let d = string(c, what)?;
        construct::tuple(&mut c.heap, &[atom(class), loc, d]).map_err(heap_err)
    };
    match build(c) {
        Ok(t) => Raise::Error(t),
        Err(e) => e,
    }
}

fn badarg(c: &mut BifCx<'_>, line: i64, what: &str) -> Raise {
    nif_raise(c, "badarg", "api_ng.c", line, what)
}

fn aead_badarg(c: &mut BifCx<'_>, line: i64, what: &str) -> Raise {
    nif_raise(c, "badarg", "aead.c", line, what)
}

/// An internal length mismatch (the lengths are checked before the engines run).
fn internal(_: modes::BadLength) -> Raise {
    error("badarg")
}

fn bytes(t: Term) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    iolist(t, &mut v).ok()?;
    Some(v)
}

fn binary(c: &mut BifCx<'_>, b: &[u8]) -> Result<Term, Raise> {
    view::make_bits(&mut c.heap, b, b.len() as u64 * 8).map_err(heap_err)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Padding {
    Undefined,
    None,
    Pkcs,
    Zero,
    Random,
}

impl Padding {
    fn name(self) -> &'static str {
        match self {
            Padding::Undefined => "undefined",
            Padding::None => "none",
            Padding::Pkcs => "pkcs_padding",
            Padding::Zero => "zero",
            Padding::Random => "random",
        }
    }
}

/// The encrypt flag and padding of `true | false | [{encrypt, B}, {padding, P}]`.
fn options(c: &mut BifCx<'_>, t: Term) -> Result<(bool, Padding), Raise> {
    if t == atom("true") || t == atom("false") {
        return Ok((t == atom("true"), Padding::Undefined));
    }
    let Ok(items) = proper_list(t) else {
        return Err(badarg(c, 120, "Options are not a boolean or a proper list"));
    };
    let (mut enc, mut pad) = (None, None);
    for it in items {
        let kv = construct::tuple_elements(it).filter(|v| v.len() == 2);
        let Some(kv) = kv else {
            return Err(badarg(c, 139, "Options must be a property list!"));
        };
        match beam_runtime::atom::name(kv[0]).as_deref() {
            Some("encrypt") => {
                if enc.is_some() {
                    return Err(badarg(
                        c,
                        144,
                        "'encrypt' option is present more than once!",
                    ));
                }
                if kv[1] != atom("true") && kv[1] != atom("false") {
                    return Err(badarg(c, 152, "The 'encrypt' option must be a boolean!"));
                }
                enc = Some(kv[1] == atom("true"));
            }
            Some("padding") => {
                if pad.is_some() {
                    return Err(badarg(
                        c,
                        157,
                        "The 'padding' option is present more than once!",
                    ));
                }
                pad = Some(match beam_runtime::atom::name(kv[1]).as_deref() {
                    Some("undefined") => Padding::Undefined,
                    Some("none") => Padding::None,
                    Some("pkcs_padding") => Padding::Pkcs,
                    Some("zero") => Padding::Zero,
                    Some("random") => Padding::Random,
                    _ => return Err(badarg(c, 168, "Bad 'padding' option value")),
                });
            }
            Some(other) => {
                let msg = format!("Bad tag in option: {other}");
                return Err(badarg(c, 174, &msg));
            }
            None => return Err(badarg(c, 174, "Bad tag in option")),
        }
    }
    Ok((enc.unwrap_or(true), pad.unwrap_or(Padding::Undefined)))
}

/// A running `crypto_init` state.
struct State {
    cipher: &'static Cipher,
    enc: bool,
    padding: Padding,
    /// Bytes given to `crypto_update` so far (`size` in `crypto_get_data/1`).
    size: u64,
    /// `padding_size` in `crypto_get_data/1`: -1 until an encrypting final call.
    padding_size: i64,
    engine: Box<dyn Engine>,
    /// ECB/CBC: input not yet a whole block (or held back for pkcs unpadding).
    pending: Vec<u8>,
}

/// A state with its users (pid terms' raw words): the processes that made or used it.
type Entry = (Vec<u32>, State);

thread_local! {
    static STATES: RefCell<HashMap<[u32; 3], Entry>> = RefCell::new(HashMap::new());
}

/// Forgets every state (a new VM on this thread: its references start again).
pub(crate) fn reset() {
    STATES.with(|m| m.borrow_mut().clear());
}

/// Process `pid` ended: the states it was the last user of are freed.
pub(crate) fn owner_exited(pid: Term) {
    STATES.with(|m| {
        let mut m = m.borrow_mut();
        if !m.is_empty() {
            m.retain(|_, (users, _)| {
                users.retain(|&u| u != pid.0);
                !users.is_empty()
            });
        }
    });
}

/// The NIF's argument checks and the new state (`get_init_args` in api_ng.c).
fn new_state(
    c: &mut BifCx<'_>,
    cipher: Term,
    key: Term,
    iv: Option<Term>,
    opts: Term,
    dyn_iv: bool,
) -> Result<State, Raise> {
    let (enc, padding) = options(c, opts)?;
    let Some(key) = bytes(key) else {
        return Err(badarg(c, 228, "Bad key"));
    };
    let Some(name) = beam_runtime::atom::name(cipher) else {
        return Err(badarg(c, 235, "Cipher id is not an atom"));
    };
    let Some((ci, key_error)) = modes::lookup(&name, key.len()) else {
        return Err(badarg(c, 242, "Unknown cipher"));
    };
    if key_error == Some(KeyError::Size) {
        return Err(badarg(c, 244, "Bad key size"));
    }
    if ci.mode.aead() {
        return Err(badarg(c, 250, "Missing arguments for this cipher"));
    }
    if dyn_iv {
        // OTP 25 on OpenSSL 3 has no dynamic IVs: the state is refused after the checks.
        return Err(nif_raise(c, "notsup", "api_ng.c", 295, DYN_IV));
    }
    let iv_len = ci.iv_len();
    let mut ivb = Vec::new();
    if iv_len != 0 {
        // crypto_init/3 and crypto_one_time/4 pass an empty IV.
        ivb = match iv.map(bytes) {
            None => Vec::new(),
            Some(Some(b)) => b,
            Some(None) => return Err(badarg(c, 304, "Bad iv type")),
        };
        if ivb.len() != iv_len {
            return Err(badarg(c, 310, "Bad iv size"));
        }
    }
    if key_error == Some(KeyError::Context) {
        let what = "Can't initialize context, key_length";
        return Err(nif_raise(c, "error", "api_ng.c", 363, what));
    }
    let engine = modes::engine(ci, enc, &key, &ivb).map_err(internal)?;
    Ok(State {
        cipher: ci,
        enc,
        padding,
        size: 0,
        padding_size: -1,
        engine,
        pending: Vec::new(),
    })
}

impl State {
    fn update(&mut self, data: &[u8]) -> Vec<u8> {
        self.size += data.len() as u64;
        let bs = self.cipher.block_size();
        if bs == 1 {
            let mut out = data.to_vec();
            self.engine.apply(&mut out);
            return out;
        }
        self.pending.extend_from_slice(data);
        let n = self.pending.len();
        // OpenSSL's unpadding keeps the last whole block back for the final call.
        let keep = if !self.enc && self.padding == Padding::Pkcs && n > 0 && n.is_multiple_of(bs) {
            bs
        } else {
            n % bs
        };
        let mut out: Vec<u8> = self.pending.drain(..n - keep).collect();
        self.engine.apply(&mut out);
        out
    }

    /// The final call's output, or the NIF's `{error, {File, Line}, Description}`.
    fn finish(&mut self) -> Result<Vec<u8>, (i64, &'static str)> {
        const CANT: (i64, &str) = (638, "Can't finalize");
        let bs = self.cipher.block_size();
        let p = self.pending.len();
        if self.enc {
            self.padding_size = match (self.padding, (self.size % bs as u64) as usize) {
                (Padding::Pkcs, r) => (bs - r) as i64,
                (_, 0) => 0,
                (_, r) => (bs - r) as i64,
            };
        }
        if bs == 1 {
            return Ok(Vec::new());
        }
        match (self.enc, self.padding) {
            (_, Padding::Undefined) => Ok(Vec::new()),
            (true, Padding::None) if p != 0 => Err((610, "Padding 'none' but unfilled last block")),
            (true, Padding::Pkcs) => {
                let mut b = std::mem::take(&mut self.pending);
                b.resize(bs, (bs - p) as u8);
                self.engine.apply(&mut b);
                Ok(b)
            }
            (true, Padding::Zero | Padding::Random) => {
                // OTP pads to the total size given so far (not to what is pending) and
                // then needs whole blocks: a second final call adds a second padding
                // that stays pending and fails (as erl's, whose next update then
                // starts with those bytes).
                let r = (self.size % bs as u64) as usize;
                let pad = if r == 0 { 0 } else { bs - r };
                if self.padding == Padding::Zero {
                    self.pending.resize(p + pad, 0);
                } else {
                    let mut rnd = [0u8; 16];
                    getrandom::getrandom(&mut rnd[..pad]).map_err(|_| CANT)?;
                    self.pending.extend_from_slice(&rnd[..pad]);
                }
                if !self.pending.len().is_multiple_of(bs) {
                    return Err((614, "Padding failed"));
                }
                let mut b = std::mem::take(&mut self.pending);
                self.engine.apply(&mut b);
                Ok(b)
            }
            (true, _) => Ok(Vec::new()),
            (false, Padding::Pkcs) => {
                // The last block, held back by the updates, is decrypted where it lies
                // (OpenSSL 3's block final): when its padding is bad it stays there,
                // decrypted, and the next update or final call takes it for ciphertext.
                if p != bs {
                    return Err(CANT);
                }
                self.engine.apply(&mut self.pending);
                let b = &self.pending;
                let n = b[bs - 1] as usize;
                if n == 0 || n > bs || b[bs - n..].iter().any(|&x| x as usize != n) {
                    return Err(CANT);
                }
                let mut b = std::mem::take(&mut self.pending);
                b.truncate(bs - n);
                Ok(b)
            }
            (false, _) if p != 0 => Err(CANT),
            (false, _) => Ok(Vec::new()),
        }
    }
}

fn final_error(c: &mut BifCx<'_>, (line, what): (i64, &str)) -> Raise {
    nif_raise(c, "error", "api_ng.c", line, what)
}

fn one_time(
    c: &mut BifCx<'_>,
    cipher: Term,
    key: Term,
    iv: Option<Term>,
    data: Term,
    opts: Term,
) -> Result<Term, Raise> {
    let Some(data) = bytes(data) else {
        return Err(badarg(c, 966, "expected binary as data"));
    };
    let mut st = new_state(c, cipher, key, iv, opts, false)?;
    let mut out = st.update(&data);
    match st.finish() {
        Ok(tail) => out.extend(tail),
        Err(e) => return Err(final_error(c, e)),
    }
    binary(c, &out)
}

fn init(
    c: &mut BifCx<'_>,
    cipher: Term,
    key: Term,
    iv: Option<Term>,
    opts: Term,
) -> Result<Term, Raise> {
    let st = new_state(c, cipher, key, iv, opts, false)?;
    let cx = c.proc.as_deref_mut().ok_or_else(|| error("badarg"))?;
    let r = cx.new_ref();
    let users = vec![c.self_pid.0];
    STATES.with(|m| m.borrow_mut().insert(r, (users, st)));
    construct::make_ref(&mut c.heap, r).map_err(heap_err)
}

/// Runs `f` on the state `t` names, if it is one; the calling process becomes one of its
/// users.
fn with_state<R>(c: &BifCx<'_>, t: Term, f: impl FnOnce(&mut State) -> R) -> Option<R> {
    let r = construct::ref_numbers(t)?;
    STATES.with(|m| {
        m.borrow_mut().get_mut(&r).map(|(users, st)| {
            if !users.contains(&c.self_pid.0) {
                users.push(c.self_pid.0);
            }
            f(st)
        })
    })
}

fn update(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if with_state(c, a[0], |_| ()).is_none() {
        return Err(badarg(c, 731, "Bad State"));
    }
    let Some(data) = bytes(a[1]) else {
        return Err(badarg(c, 860, "expected binary"));
    };
    let out = with_state(c, a[0], |s| s.update(&data)).unwrap_or_default();
    binary(c, &out)
}

fn final_(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match with_state(c, a[0], |s| s.finish()) {
        None => Err(badarg(c, 886, "Bad State")),
        Some(Err(e)) => Err(final_error(c, e)),
        Some(Ok(out)) => binary(c, &out),
    }
}

fn get_data(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let Some((enc, pad, size, pad_size)) =
        with_state(c, a[0], |s| (s.enc, s.padding, s.size, s.padding_size))
    else {
        return Err(badarg(c, 992, "Bad State"));
    };
    let size = crate::bifs::int_term(c, &size.into())?;
    map::from_pairs(
        &mut c.heap,
        &[
            (atom("size"), size),
            (atom("padding_size"), small(pad_size)),
            (atom("padding_type"), atom(pad.name())),
            (atom("encrypt"), boolean(enc)),
        ],
    )
    .map_err(|_| error("system_limit"))
}

fn cipher_info(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let ci = beam_runtime::atom::name(a[0])
        .and_then(|n| modes::find_any(&n))
        .ok_or_else(|| error("badarg"))?;
    let m = ci.mode;
    map::from_pairs(
        &mut c.heap,
        &[
            (atom("block_size"), small(ci.block_size() as i64)),
            (atom("iv_length"), small(ci.iv_len() as i64)),
            (atom("key_length"), small(ci.key_len as i64)),
            (atom("mode"), atom(m.mode_name())),
            (atom("prop_aead"), boolean(m.aead())),
            (atom("type"), ci.nid.map_or(atom("undefined"), small)),
        ],
    )
    .map_err(|_| error("system_limit"))
}

/// `crypto_one_time_aead(Cipher, Key, IV, In, AAD, true)`: crypto.erl's clause for the
/// boolean `true` only (anything else is its `function_clause`).
fn aead6(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[5] != atom("true") {
        return Err(error("function_clause"));
    }
    // crypto.erl's default tag lengths: 12 bytes for CCM, 16 for the others.
    let ccm = beam_runtime::atom::name(a[0])
        .and_then(|n| modes::find_any(&n))
        .is_some_and(|ci| ci.mode == Mode::Ccm);
    aead(c, a, small(if ccm { 12 } else { 16 }), a[5])
}

/// `crypto_one_time_aead/7`: `{Out, Tag}` when encrypting (the tag `TagOrLen` bytes
/// long), the plaintext or `error` when decrypting with the tag `TagOrLen`.
fn aead(c: &mut BifCx<'_>, a: &[Term], tag_or_len: Term, flag: Term) -> Result<Term, Raise> {
    let name = beam_runtime::atom::name(a[0]);
    if !name.as_deref().is_some_and(modes::is_aead_name) {
        let d = string(c, "Not an AEAD cipher")?;
        let t = construct::tuple(&mut c.heap, &[atom("badarg"), d]).map_err(heap_err)?;
        return Err(Raise::Error(t));
    }
    let name = name.unwrap_or_default();
    if flag != atom("true") && flag != atom("false") {
        return Err(aead_badarg(c, 54, "Bad enc flag"));
    }
    let enc = flag == atom("true");
    let Some(key) = bytes(a[1]) else {
        return Err(aead_badarg(c, 63, "non-binary key"));
    };
    let Some(iv) = bytes(a[2]) else {
        return Err(aead_badarg(c, 65, "non-binary iv"));
    };
    let Some(mut text) = bytes(a[3]) else {
        return Err(aead_badarg(c, 67, "non-binary text"));
    };
    let Some(aad) = bytes(a[4]) else {
        return Err(aead_badarg(c, 69, "non-binary AAD"));
    };
    // Encrypting: the tag length, an integer; decrypting: the tag, a binary.
    let (tag_len, tag_in) = if enc {
        if tag_or_len.small_value().is_none() {
            return Err(aead_badarg(c, 73, "Bad Tag length"));
        }
        (i64::from(tag_or_len.small_value().unwrap_or(0)), Vec::new())
    } else {
        match bytes(tag_or_len) {
            Some(t) => (t.len() as i64, t),
            None => return Err(aead_badarg(c, 77, "non-binary Tag")),
        }
    };
    let Some(ci) = modes::find(&name, key.len()).filter(|x| x.mode.aead()) else {
        return Err(aead_badarg(c, 90, "Unknown cipher or invalid key size"));
    };
    let iv_ok = match ci.mode {
        Mode::Gcm => (1..=128).contains(&iv.len()),
        Mode::Ccm => (7..=13).contains(&iv.len()),
        _ => iv.len() == 12,
    };
    if !iv_ok {
        return Err(aead_badarg(c, 111, "Bad IV length"));
    }
    if ci.mode == Mode::Ccm {
        return ccm(c, &key, &iv, &aad, text, enc, tag_len, &tag_in);
    }
    if enc && !(1..=16).contains(&tag_len) {
        return Err(nif_raise(c, "error", "aead.c", 156, "Can't get Tag"));
    }
    let tag = modes::aead(ci, &key, &iv, &aad, &mut text, enc).map_err(internal)?;
    if enc {
        let out = binary(c, &text)?;
        let t = binary(c, &tag[..tag_len as usize])?;
        return construct::tuple(&mut c.heap, &[out, t]).map_err(heap_err);
    }
    // Compared in constant time over the given tag's length, as OpenSSL does.
    let n = tag_in.len();
    let ok =
        (1..=16).contains(&n) && tag_in.iter().zip(&tag).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0;
    if !ok {
        return Ok(atom("error"));
    }
    binary(c, &text)
}

/// AES-CCM's half of `aead/4`: OpenSSL sets the tag (its length when encrypting) before
/// the text, and takes even lengths of 4 to 16 bytes only.
#[allow(clippy::too_many_arguments)]
fn ccm(
    c: &mut BifCx<'_>,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    mut text: Vec<u8>,
    enc: bool,
    tag_len: i64,
    tag_in: &[u8],
) -> Result<Term, Raise> {
    if !(4..=16).contains(&tag_len) || tag_len % 2 != 0 {
        return Err(aead_badarg(c, 116, "Can't set tag"));
    }
    let tag = match extra::ccm(key, iv, aad, &mut text, enc, tag_len as usize) {
        Ok(t) => t,
        Err(CcmError::TooLong) if enc => {
            return Err(aead_badarg(c, 139, "Can't set in-text"));
        }
        Err(CcmError::TooLong) => return Ok(atom("error")),
        Err(CcmError::Length) => return Err(error("badarg")),
    };
    if enc {
        let out = binary(c, &text)?;
        let t = binary(c, &tag)?;
        return construct::tuple(&mut c.heap, &[out, t]).map_err(heap_err);
    }
    let diff = tag_in.iter().zip(&tag).fold(0u8, |d, (x, y)| d | (x ^ y));
    if diff != 0 {
        return Ok(atom("error"));
    }
    binary(c, &text)
}

/// `crypto_dyn_iv_init/3`: erl 25 on OpenSSL 3 refuses every state after checking the
/// arguments as `crypto_init` does.
fn dyn_iv_init(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    new_state(c, a[0], a[1], None, a[2], true).map(|_| atom("undefined"))
}

/// `crypto_dyn_iv_update/3`: the state and the data are checked, then refused as erl 25
/// on OpenSSL 3 does.
fn dyn_iv_update(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if with_state(c, a[0], |_| ()).is_none() {
        return Err(badarg(c, 731, "Bad State"));
    }
    if bytes(a[1]).is_none() {
        return Err(badarg(c, 860, "expected binary"));
    }
    Err(nif_raise(c, "notsup", "api_ng.c", 736, DYN_IV))
}

const DYN_IV: &str = "Dynamic IV is not supported for libcrypto versions >= 3.0";

/// `supports(Type)`'s lists for this build, in the order of erl's where it has one: the
/// hashes of vm/src/bifs_crypto.rs, the ciphers here, HMAC; no public-key algorithms,
/// curves or RSA options.
const SUPPORTS: [&str; 6] = [
    "hashs",
    "ciphers",
    "public_keys",
    "macs",
    "curves",
    "rsa_opts",
];

fn supported(c: &mut BifCx<'_>, kind: &str) -> Result<Term, Raise> {
    let names: Vec<&str> = match kind {
        "hashs" => vec![
            "sha3_512", "sha3_384", "sha3_256", "sha3_224", "sha512", "sha384", "sha256", "sha224",
            "sha", "md5", "md4",
        ],
        "ciphers" => modes::names().collect(),
        "macs" => vec!["hmac"],
        _ => Vec::new(),
    };
    let atoms: Vec<Term> = names.into_iter().map(atom).collect();
    construct::list(&mut c.heap, &atoms).map_err(heap_err)
}

fn supports(c: &mut BifCx<'_>, t: Term) -> Result<Term, Raise> {
    match beam_runtime::atom::name(t) {
        Some(k) if SUPPORTS.contains(&k.as_str()) => supported(c, &k),
        // crypto.erl has a clause for each type only.
        _ => Err(error("function_clause")),
    }
}

fn supports_all(c: &mut BifCx<'_>) -> Result<Term, Raise> {
    let mut v = Vec::new();
    for k in SUPPORTS {
        let l = supported(c, k)?;
        v.push(construct::tuple(&mut c.heap, &[atom(k), l]).map_err(heap_err)?);
    }
    construct::list(&mut c.heap, &v).map_err(heap_err)
}
