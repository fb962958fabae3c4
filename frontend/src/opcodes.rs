//! The generic BEAM instruction set, OTP 24 through 29.
//!
//! Numbers, names and arities are facts from `lib/compiler/src/genop.tab` in erlang/otp
//! (checked against the installed OTP 25's `beam_opcodes:opname/1` for 1..=180, and for
//! 181..=191 against genop.tab on the erlang/otp master branch, mirror sthagen/erlang-otp
//! commit 7745eeac, where they sit under the `# OTP 26` .. `# OTP 29` headers). Numbers are
//! stable across releases; a release only appends. `since_otp` is 0 for instructions that
//! predate OTP 23.

/// One generic instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    pub number: u8,
    pub name: &'static str,
    pub arity: u8,
    /// The OTP release that introduced it (0: before OTP 23).
    pub since_otp: u8,
}

/// The highest opcode this loader knows (OTP 29's `get_record_field/5`).
pub const MAX_OPCODE: u32 = 191;

/// Looks up an opcode.
pub fn op_info(n: u32) -> Option<&'static OpInfo> {
    if n == 0 {
        return None;
    }
    OPCODES.get(n as usize - 1)
}

/// Looks up an opcode by name.
pub fn op_by_name(name: &str) -> Option<&'static OpInfo> {
    OPCODES.iter().find(|o| o.name == name)
}

/// The oldest OTP release (24..=29) that can load a module whose highest opcode is `max`,
/// or `None` if `max` is beyond what this loader knows.
pub fn otp_needed(max: u32) -> Option<u8> {
    if max > MAX_OPCODE {
        return None;
    }
    let since = OPCODES
        .iter()
        .take(max as usize)
        .map(|o| o.since_otp)
        .max()
        .unwrap_or(0);
    Some(since.max(24))
}

// Generated from genop.tab; see the module comment for sources.
pub(crate) static OPCODES: [OpInfo; 191] = [
    OpInfo {
        number: 1,
        name: "label",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 2,
        name: "func_info",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 3,
        name: "int_code_end",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 4,
        name: "call",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 5,
        name: "call_last",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 6,
        name: "call_only",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 7,
        name: "call_ext",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 8,
        name: "call_ext_last",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 9,
        name: "bif0",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 10,
        name: "bif1",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 11,
        name: "bif2",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 12,
        name: "allocate",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 13,
        name: "allocate_heap",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 14,
        name: "allocate_zero",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 15,
        name: "allocate_heap_zero",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 16,
        name: "test_heap",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 17,
        name: "init",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 18,
        name: "deallocate",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 19,
        name: "return",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 20,
        name: "send",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 21,
        name: "remove_message",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 22,
        name: "timeout",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 23,
        name: "loop_rec",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 24,
        name: "loop_rec_end",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 25,
        name: "wait",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 26,
        name: "wait_timeout",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 27,
        name: "m_plus",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 28,
        name: "m_minus",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 29,
        name: "m_times",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 30,
        name: "m_div",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 31,
        name: "int_div",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 32,
        name: "int_rem",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 33,
        name: "int_band",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 34,
        name: "int_bor",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 35,
        name: "int_bxor",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 36,
        name: "int_bsl",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 37,
        name: "int_bsr",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 38,
        name: "int_bnot",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 39,
        name: "is_lt",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 40,
        name: "is_ge",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 41,
        name: "is_eq",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 42,
        name: "is_ne",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 43,
        name: "is_eq_exact",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 44,
        name: "is_ne_exact",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 45,
        name: "is_integer",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 46,
        name: "is_float",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 47,
        name: "is_number",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 48,
        name: "is_atom",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 49,
        name: "is_pid",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 50,
        name: "is_reference",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 51,
        name: "is_port",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 52,
        name: "is_nil",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 53,
        name: "is_binary",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 54,
        name: "is_constant",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 55,
        name: "is_list",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 56,
        name: "is_nonempty_list",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 57,
        name: "is_tuple",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 58,
        name: "test_arity",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 59,
        name: "select_val",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 60,
        name: "select_tuple_arity",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 61,
        name: "jump",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 62,
        name: "catch",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 63,
        name: "catch_end",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 64,
        name: "move",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 65,
        name: "get_list",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 66,
        name: "get_tuple_element",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 67,
        name: "set_tuple_element",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 68,
        name: "put_string",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 69,
        name: "put_list",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 70,
        name: "put_tuple",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 71,
        name: "put",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 72,
        name: "badmatch",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 73,
        name: "if_end",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 74,
        name: "case_end",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 75,
        name: "call_fun",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 76,
        name: "make_fun",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 77,
        name: "is_function",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 78,
        name: "call_ext_only",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 79,
        name: "bs_start_match",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 80,
        name: "bs_get_integer",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 81,
        name: "bs_get_float",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 82,
        name: "bs_get_binary",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 83,
        name: "bs_skip_bits",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 84,
        name: "bs_test_tail",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 85,
        name: "bs_save",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 86,
        name: "bs_restore",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 87,
        name: "bs_init",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 88,
        name: "bs_final",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 89,
        name: "bs_put_integer",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 90,
        name: "bs_put_binary",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 91,
        name: "bs_put_float",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 92,
        name: "bs_put_string",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 93,
        name: "bs_need_buf",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 94,
        name: "fclearerror",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 95,
        name: "fcheckerror",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 96,
        name: "fmove",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 97,
        name: "fconv",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 98,
        name: "fadd",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 99,
        name: "fsub",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 100,
        name: "fmul",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 101,
        name: "fdiv",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 102,
        name: "fnegate",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 103,
        name: "make_fun2",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 104,
        name: "try",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 105,
        name: "try_end",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 106,
        name: "try_case",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 107,
        name: "try_case_end",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 108,
        name: "raise",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 109,
        name: "bs_init2",
        arity: 6,
        since_otp: 0,
    },
    OpInfo {
        number: 110,
        name: "bs_bits_to_bytes",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 111,
        name: "bs_add",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 112,
        name: "apply",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 113,
        name: "apply_last",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 114,
        name: "is_boolean",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 115,
        name: "is_function2",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 116,
        name: "bs_start_match2",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 117,
        name: "bs_get_integer2",
        arity: 7,
        since_otp: 0,
    },
    OpInfo {
        number: 118,
        name: "bs_get_float2",
        arity: 7,
        since_otp: 0,
    },
    OpInfo {
        number: 119,
        name: "bs_get_binary2",
        arity: 7,
        since_otp: 0,
    },
    OpInfo {
        number: 120,
        name: "bs_skip_bits2",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 121,
        name: "bs_test_tail2",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 122,
        name: "bs_save2",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 123,
        name: "bs_restore2",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 124,
        name: "gc_bif1",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 125,
        name: "gc_bif2",
        arity: 6,
        since_otp: 0,
    },
    OpInfo {
        number: 126,
        name: "bs_final2",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 127,
        name: "bs_bits_to_bytes2",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 128,
        name: "put_literal",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 129,
        name: "is_bitstr",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 130,
        name: "bs_context_to_binary",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 131,
        name: "bs_test_unit",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 132,
        name: "bs_match_string",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 133,
        name: "bs_init_writable",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 134,
        name: "bs_append",
        arity: 8,
        since_otp: 0,
    },
    OpInfo {
        number: 135,
        name: "bs_private_append",
        arity: 6,
        since_otp: 0,
    },
    OpInfo {
        number: 136,
        name: "trim",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 137,
        name: "bs_init_bits",
        arity: 6,
        since_otp: 0,
    },
    OpInfo {
        number: 138,
        name: "bs_get_utf8",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 139,
        name: "bs_skip_utf8",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 140,
        name: "bs_get_utf16",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 141,
        name: "bs_skip_utf16",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 142,
        name: "bs_get_utf32",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 143,
        name: "bs_skip_utf32",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 144,
        name: "bs_utf8_size",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 145,
        name: "bs_put_utf8",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 146,
        name: "bs_utf16_size",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 147,
        name: "bs_put_utf16",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 148,
        name: "bs_put_utf32",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 149,
        name: "on_load",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 150,
        name: "recv_mark",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 151,
        name: "recv_set",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 152,
        name: "gc_bif3",
        arity: 7,
        since_otp: 0,
    },
    OpInfo {
        number: 153,
        name: "line",
        arity: 1,
        since_otp: 0,
    },
    OpInfo {
        number: 154,
        name: "put_map_assoc",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 155,
        name: "put_map_exact",
        arity: 5,
        since_otp: 0,
    },
    OpInfo {
        number: 156,
        name: "is_map",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 157,
        name: "has_map_fields",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 158,
        name: "get_map_elements",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 159,
        name: "is_tagged_tuple",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 160,
        name: "build_stacktrace",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 161,
        name: "raw_raise",
        arity: 0,
        since_otp: 0,
    },
    OpInfo {
        number: 162,
        name: "get_hd",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 163,
        name: "get_tl",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 164,
        name: "put_tuple2",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 165,
        name: "bs_get_tail",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 166,
        name: "bs_start_match3",
        arity: 4,
        since_otp: 0,
    },
    OpInfo {
        number: 167,
        name: "bs_get_position",
        arity: 3,
        since_otp: 0,
    },
    OpInfo {
        number: 168,
        name: "bs_set_position",
        arity: 2,
        since_otp: 0,
    },
    OpInfo {
        number: 169,
        name: "swap",
        arity: 2,
        since_otp: 23,
    },
    OpInfo {
        number: 170,
        name: "bs_start_match4",
        arity: 4,
        since_otp: 23,
    },
    OpInfo {
        number: 171,
        name: "make_fun3",
        arity: 3,
        since_otp: 24,
    },
    OpInfo {
        number: 172,
        name: "init_yregs",
        arity: 1,
        since_otp: 24,
    },
    OpInfo {
        number: 173,
        name: "recv_marker_bind",
        arity: 2,
        since_otp: 24,
    },
    OpInfo {
        number: 174,
        name: "recv_marker_clear",
        arity: 1,
        since_otp: 24,
    },
    OpInfo {
        number: 175,
        name: "recv_marker_reserve",
        arity: 1,
        since_otp: 24,
    },
    OpInfo {
        number: 176,
        name: "recv_marker_use",
        arity: 1,
        since_otp: 24,
    },
    OpInfo {
        number: 177,
        name: "bs_create_bin",
        arity: 6,
        since_otp: 25,
    },
    OpInfo {
        number: 178,
        name: "call_fun2",
        arity: 3,
        since_otp: 25,
    },
    OpInfo {
        number: 179,
        name: "nif_start",
        arity: 0,
        since_otp: 25,
    },
    OpInfo {
        number: 180,
        name: "badrecord",
        arity: 1,
        since_otp: 25,
    },
    OpInfo {
        number: 181,
        name: "update_record",
        arity: 5,
        since_otp: 26,
    },
    OpInfo {
        number: 182,
        name: "bs_match",
        arity: 3,
        since_otp: 26,
    },
    OpInfo {
        number: 183,
        name: "executable_line",
        arity: 2,
        since_otp: 27,
    },
    OpInfo {
        number: 184,
        name: "debug_line",
        arity: 4,
        since_otp: 28,
    },
    OpInfo {
        number: 185,
        name: "bif3",
        arity: 6,
        since_otp: 29,
    },
    OpInfo {
        number: 186,
        name: "is_any_native_record",
        arity: 2,
        since_otp: 29,
    },
    OpInfo {
        number: 187,
        name: "is_native_record",
        arity: 4,
        since_otp: 29,
    },
    OpInfo {
        number: 188,
        name: "get_record_elements",
        arity: 3,
        since_otp: 29,
    },
    OpInfo {
        number: 189,
        name: "put_record",
        arity: 6,
        since_otp: 29,
    },
    OpInfo {
        number: 190,
        name: "is_record_accessible",
        arity: 3,
        since_otp: 29,
    },
    OpInfo {
        number: 191,
        name: "get_record_field",
        arity: 5,
        since_otp: 29,
    },
];
