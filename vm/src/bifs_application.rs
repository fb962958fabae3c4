//! `application:which_applications/0,1` without application_controller (docs/boot.md).
//!
//! `erl -noshell` with the start_clean boot runs two applications, kernel and stdlib;
//! beam provides their modules and services without starting them (the code loads
//! lazily, io/file/code/logger are BIFs), so the answer is erl's: the two, newest
//! first, each with the description and version from its installed `.app` file.

use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{error, heap_err, Bif, BifCx, Raise};
use crate::loader::with_loader;

/// The applications erl's start_clean boot starts, in which_applications' order.
const RUNNING: [&str; 2] = ["stdlib", "kernel"];

/// The string after `{key,` in an .app file's text (`{vsn, "8.5.3"}`).
fn field(text: &str, key: &str) -> Option<String> {
    let at = text.find(&format!("{{{key},"))?;
    let rest = &text[at..];
    let open = rest.find('"')? + 1;
    let close = rest[open..].find('"')? + open;
    Some(rest[open..close].to_string())
}

/// `(description, vsn)` of `app` from `APP.app` on the code path.
fn app_info(app: &str) -> Option<(String, String)> {
    let dirs = with_loader(|l| Ok(l.opts.code_path.clone())).ok()?;
    let text = dirs
        .iter()
        .find_map(|d| std::fs::read_to_string(d.join(format!("{app}.app"))).ok())?;
    Some((field(&text, "description")?, field(&text, "vsn")?))
}

fn which_applications(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let mut items = Vec::new();
    for app in RUNNING {
        let Some((desc, vsn)) = app_info(app) else {
            continue;
        };
        let name = beam_runtime::atom::intern(app).map_err(|_| error("system_limit"))?;
        let d = crate::bifs_more::string(c, &desc)?;
        let v = crate::bifs_more::string(c, &vsn)?;
        items.push(construct::tuple(&mut c.heap, &[name, d, v]).map_err(heap_err)?);
    }
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

pub static APPLICATION: &[Bif] = &[
    Bif {
        name: "which_applications",
        arity: 0,
        f: which_applications,
    },
    Bif {
        name: "which_applications",
        arity: 1,
        // The timeout: nothing to wait for.
        f: which_applications,
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn app_file_fields() {
        let text = "{application, kernel,\n [{description, \"ERTS  CXC 138 10\"},\n  \
                    {vsn, \"8.5.3\"},\n  {modules, [a]}]}.";
        assert_eq!(
            super::field(text, "description").as_deref(),
            Some("ERTS  CXC 138 10")
        );
        assert_eq!(super::field(text, "vsn").as_deref(), Some("8.5.3"));
        assert_eq!(super::field(text, "registered"), None);
    }
}
