//! Which process owns each file prim_file opened: erl closes a file when the process
//! owning it ends (the NIF resource's owner monitor in prim_file), and the io server of
//! a `file:open/2` file is the owner its `io:format(Fd, ...)` output goes to.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;

use beam_runtime::term::Term;

use crate::bifs_file::with_files;

thread_local! {
    /// The process that opened each file (its pid term), by the file's handle numbers.
    static OWNERS: RefCell<HashMap<[u32; 3], u32>> = RefCell::new(HashMap::new());
}

/// File `h` was opened by `pid`.
pub(crate) fn opened(h: [u32; 3], pid: Term) {
    OWNERS.with(|o| o.borrow_mut().insert(h, pid.0));
}

/// File `h` was closed.
pub(crate) fn closed(h: [u32; 3]) {
    OWNERS.with(|o| o.borrow_mut().remove(&h));
}

/// Process `pid` ended: the files it opened are closed. For `file:open/2` the owner is
/// the file's io server, which ends when the process that opened the file does (it
/// monitors it), so the file goes with that process, as in erl.
pub(crate) fn owner_exited(pid: Term) {
    let gone: Vec<[u32; 3]> = OWNERS.with(|o| {
        let mut o = o.borrow_mut();
        let gone: Vec<[u32; 3]> = o
            .iter()
            .filter(|(_, &p)| p == pid.0)
            .map(|(&h, _)| h)
            .collect();
        for h in &gone {
            o.remove(h);
        }
        gone
    });
    if !gone.is_empty() {
        with_files(|f| {
            for h in gone {
                f.remove(&h);
            }
        });
    }
}

/// Writes `bytes` to the file process `pid` owns, when it owns exactly one: `pid` is the
/// io server of a `file:open/2` file, and `io:format(Fd, ...)`/`io:put_chars(Fd, ...)`
/// (native in vm/src/bifs_io.rs, not io requests) go to that file. `None`: `pid` is no
/// file's io server.
pub(crate) fn write_owned(pid: Term, bytes: &[u8]) -> Option<std::io::Result<()>> {
    let h = OWNERS.with(|o| {
        let o = o.borrow();
        let mut mine = o.iter().filter(|(_, &p)| p == pid.0).map(|(&h, _)| h);
        match (mine.next(), mine.next()) {
            (Some(h), None) => Some(h),
            _ => None,
        }
    })?;
    with_files(|f| f.get_mut(&h).map(|file| file.write_all(bytes)))
}
