//! PCRE character tables for ISO-8859-1, as OTP builds its PCRE with (OTP's
//! `erts/emulator/pcre/pcre_chartables.c` is generated in a Latin-1 locale): `\w`, `\d`,
//! `\s`, the POSIX classes and caseless matching treat bytes / code points 128–255 as
//! Latin-1 letters and signs, in both byte and `unicode` mode (without `ucp`). PCRE2's
//! default tables are ASCII-only. Layout: PCRE2's `pcre2_maketables.c` (lower-case map,
//! flip-case map, ten 32-byte class bitmaps, type bytes).

fn upper(c: u8) -> bool {
    c.is_ascii_uppercase() || (0xC0..=0xDE).contains(&c) && c != 0xD7
}

/// Lower case: also ª, µ, º and ß (checked against erl's [[:lower:]]).
fn lower(c: u8) -> bool {
    c.is_ascii_lowercase() || matches!(c, 0xAA | 0xB5 | 0xBA) || c >= 0xDF && c != 0xF7
}

fn alpha(c: u8) -> bool {
    upper(c) || lower(c)
}

fn space(c: u8) -> bool {
    (0x09..=0x0D).contains(&c) || c == 0x20
}

/// Visible: erl's tables count the no-break space (0xA0) as a sign too ([[:punct:]]).
fn graph(c: u8) -> bool {
    (0x21..=0x7E).contains(&c) || c >= 0xA0
}

fn to_lower(c: u8) -> u8 {
    if upper(c) {
        c + 0x20
    } else {
        c
    }
}

fn to_upper(c: u8) -> u8 {
    if c.is_ascii_lowercase() || (0xE0..=0xFE).contains(&c) && c != 0xF7 {
        c - 0x20
    } else {
        c
    }
}

/// The 1088-byte table PCRE2 takes through `pcre2_set_character_tables`.
pub(super) fn latin1() -> &'static [u8; 1088] {
    static T: std::sync::OnceLock<[u8; 1088]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut t = [0u8; 1088];
        for i in 0..=255u8 {
            let c = i as usize;
            t[c] = to_lower(i);
            t[256 + c] = if lower(i) { to_upper(i) } else { to_lower(i) };
            let alnum = alpha(i) || i.is_ascii_digit();
            let classes = [
                space(i),                               // cbit_space
                i.is_ascii_hexdigit(),                  // cbit_xdigit
                i.is_ascii_digit(),                     // cbit_digit
                upper(i),                               // cbit_upper
                lower(i),                               // cbit_lower
                alnum || i == b'_',                     // cbit_word
                graph(i),                               // cbit_graph
                graph(i) || i == 0x20,                  // cbit_print
                graph(i) && !alnum,                     // cbit_punct
                i < 0x20 || (0x7F..=0x9F).contains(&i), // cbit_cntrl
            ];
            for (k, &on) in classes.iter().enumerate() {
                if on {
                    t[512 + 32 * k + c / 8] |= 1 << (c % 8);
                }
            }
            t[832 + c] = u8::from(space(i))
                | u8::from(alpha(i)) << 1
                | u8::from(lower(i)) << 2
                | u8::from(i.is_ascii_digit()) << 3
                | u8::from(alnum || i == b'_') << 4;
        }
        t
    })
}
