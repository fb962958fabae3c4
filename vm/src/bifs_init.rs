//! What `init` knows about the command line when `beam` runs as `erl` (docs/boot.md).
//!
//! `beam -noshell -eval E -s M F ...` hands its parsed command line to the VM with
//! [`set_boot_args`]; the Erlang stand-in for `init` (beam/erl/beam_init.erl) asks for
//! its start items with `init:beam_boot_items/0`, and `init:get_argument/1`,
//! `get_arguments/0` and `get_plain_arguments/0` (bifs_modinfo's `INIT` table) answer from
//! the flags recorded here. Without a command line (`beam run`, the tests) the answers
//! are those of a bare `erl -noshell`.

use std::cell::RefCell;

use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{atom, heap_err, Bif, BifCx, Raise};

/// One `-eval`, `-s` or `-run` item, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartItem {
    /// `-eval Expr`.
    Eval(String),
    /// `-s M [F [Args]]`: the words, all passed as atoms.
    S(Vec<String>),
    /// `-run M [F [Args]]`: module and function atoms, arguments as strings.
    Run(Vec<String>),
}

/// The command line as `init` sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootArgs {
    /// User flags in order, each with its values (`-noshell`, `-pa D`, `-boot F`,
    /// `-myflag a b`), after the ones erl always has (root, bindir, progname, home).
    pub flags: Vec<(String, Vec<String>)>,
    /// `init:get_plain_arguments/0`: the words after `-extra` (and loose words).
    pub plain: Vec<String>,
    pub items: Vec<StartItem>,
    /// `-root DIR` (default /usr/lib/erlang).
    pub root: Option<String>,
}

thread_local! {
    static BOOT: RefCell<Option<BootArgs>> = const { RefCell::new(None) };
}

/// Records the command line for this thread's VM (before it runs).
pub fn set_boot_args(args: BootArgs) {
    BOOT.with(|b| *b.borrow_mut() = Some(args));
}

const ROOT: &str = "/usr/lib/erlang";

/// `init:get_arguments()`'s flags: erl's own four, then the command line's.
pub(crate) fn arguments() -> Vec<(String, Vec<String>)> {
    let boot = BOOT.with(|b| b.borrow().clone()).unwrap_or_default();
    let root = boot.root.clone().unwrap_or_else(|| ROOT.to_string());
    let home = std::env::var("HOME").unwrap_or_else(|_| "/".into());
    let mut v = vec![("root".to_string(), vec![root.clone()])];
    if let Some(bindir) = bindir(&root) {
        v.push(("bindir".to_string(), vec![bindir]));
    }
    v.push(("progname".to_string(), vec!["erl".to_string()]));
    v.push(("home".to_string(), vec![home]));
    v.extend(boot.flags);
    v
}

/// `ROOT/erts-VSN/bin`, as erl's start script sets `-bindir`.
fn bindir(root: &str) -> Option<String> {
    let mut erts: Vec<String> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("erts-"))
        .collect();
    erts.sort();
    erts.pop().map(|e| format!("{root}/{e}/bin"))
}

pub(crate) fn plain_arguments() -> Vec<String> {
    BOOT.with(|b| b.borrow().as_ref().map(|b| b.plain.clone()))
        .unwrap_or_default()
}

fn items(c: &mut BifCx<'_>) -> Result<Term, Raise> {
    let items = BOOT.with(|b| b.borrow().as_ref().map(|b| b.items.clone()));
    let mut out = Vec::new();
    for item in items.unwrap_or_default() {
        out.push(match item {
            StartItem::Eval(e) => {
                let s = crate::bifs_more::string(c, &e)?;
                construct::tuple(&mut c.heap, &[atom("eval"), s]).map_err(heap_err)?
            }
            // As init's prepare_run_args: [M, F | Args], M and F atoms.
            StartItem::S(words) | StartItem::Run(words) if words.is_empty() => Term::NIL,
            StartItem::S(words) => {
                let atoms = words
                    .iter()
                    .map(|w| intern(w))
                    .collect::<Result<Vec<_>, _>>()?;
                construct::list(&mut c.heap, &atoms).map_err(heap_err)?
            }
            StartItem::Run(words) => {
                let mut elems = Vec::with_capacity(words.len());
                for (i, w) in words.iter().enumerate() {
                    elems.push(if i < 2 {
                        intern(w)?
                    } else {
                        crate::bifs_more::string(c, w)?
                    });
                }
                construct::list(&mut c.heap, &elems).map_err(heap_err)?
            }
        });
    }
    construct::list(&mut c.heap, &out).map_err(heap_err)
}

fn intern(w: &str) -> Result<Term, Raise> {
    beam_runtime::atom::intern(w).map_err(|_| crate::bifs::error("system_limit"))
}

/// The start items for beam_init (a BIF of module `init`, so it needs no module).
pub static INIT_BOOT: &[Bif] = &[Bif {
    name: "beam_boot_items",
    arity: 0,
    f: |c, _| items(c),
}];
