//! `erl`-style spellings accepted on the command line before clap parses it.
//!
//! `erl` users write `-pa DIR` and `+P N`; clap only knows multi-letter options with two
//! dashes. `beam run -pa DIR +P N m` is rewritten to `beam run --pa DIR
//! --max-processes N m`, but only among the options before MODULE: after it every word
//! is an argument of the called function (an atom), so `beam run m main -pa` passes the
//! atom '-pa'.

use std::ffi::OsString;

/// Options of `beam run` that take a value (the word after them is not MODULE).
const VALUED: [&str; 4] = ["--pa", "--emit", "--mode", "--max-processes"];

/// `args` with `run`'s `-pa` options spelled `--pa`.
pub fn erl_style(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let (mut in_run, mut past_module, mut value_next) = (false, false, false);
    for a in args {
        let s = a.to_str().unwrap_or("");
        if !in_run || past_module {
            // The program name counts as a word before `run` too.
            in_run |= !out.is_empty() && s == "run";
            out.push(a);
            continue;
        }
        if value_next {
            value_next = false;
        } else if s == "-pa" || s == "+P" {
            out.push(OsString::from(if s == "+P" {
                "--max-processes"
            } else {
                "--pa"
            }));
            value_next = true;
            continue;
        } else if VALUED.contains(&s) {
            value_next = true;
        } else if s == "--" || !s.starts_with('-') {
            past_module = true;
        }
        out.push(a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::erl_style;

    fn words(s: &str) -> Vec<String> {
        erl_style(s.split(' ').map(Into::into))
            .into_iter()
            .map(|w| w.into_string().unwrap())
            .collect()
    }

    #[test]
    fn pa_before_module_becomes_long() {
        assert_eq!(
            words("beam run -pa d1 --emit asm -pa d2 m main"),
            words("beam run --pa d1 --emit asm --pa d2 m main")
        );
    }

    #[test]
    fn plus_p_becomes_max_processes() {
        assert_eq!(
            words("beam run +P 5000 -pa d m main +P"),
            words("beam run --max-processes 5000 --pa d m main +P")
        );
    }

    #[test]
    fn words_after_module_are_arguments() {
        assert_eq!(words("beam run m f -pa x"), words("beam run m f -pa x"));
        assert_eq!(words("beam run --pa -pa m"), words("beam run --pa -pa m"));
    }

    #[test]
    fn other_commands_untouched() {
        assert_eq!(words("beam disasm -pa"), words("beam disasm -pa"));
        assert_eq!(words("beam run -pa"), words("beam run --pa"));
    }
}
