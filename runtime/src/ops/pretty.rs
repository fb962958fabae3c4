//! `io_lib:format("~p", [T])` (placeholder).
use super::view::TermError;
use crate::term::Term;

pub fn pretty(t: Term) -> Result<String, TermError> {
    super::print::write(t)
}
