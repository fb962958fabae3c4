//! `max_heap_size` as OTP enforces it (erl_gc.c `reached_max_heap_size`): after a
//! collection, a process whose heap (young and old blocks, stack included) is larger than
//! its limit is reported — logger's `Context: maximum heap size reached` report, on
//! standard output as erl's default handler writes it — and killed (reason `killed`, an
//! untrappable exit), unless its setting says otherwise.
//!
//! A process with no limit of its own gets [`DEFAULT_MAX_HEAP_WORDS`]: erl has none and
//! lets a runaway process take the whole machine's memory down with the node; here such a
//! process ends with the same report, naming that limit, and the VM and the other
//! processes go on.

use beam_runtime::ctx::Ctx;
use beam_runtime::map;
use beam_runtime::process::MaxHeap;
use beam_runtime::sched_regs::Field;
use beam_runtime::term::Term;

/// The limit of a process that sets none: 64 Mi words (256 MiB of heap and stack), far
/// above what the tests of big heaps need (a 10,000,000-deep recursion, lists of
/// millions of elements) and below what the guest's 4 GiB can hold for a collection.
pub const DEFAULT_MAX_HEAP_WORDS: u32 = 64 << 20;

fn atom(name: &str) -> Term {
    beam_runtime::atom::intern(name).expect("short atom")
}

/// A `max_heap_size` value as OTP 25 checks it (`erts_max_heap_size` in erl_process.c):
/// a size in words, or a map with a `size` key and optional `kill` and `error_logger`
/// booleans (other keys are ignored, as erl does). The size is
/// 0 (no limit) or at least `min_heap` (the process's minimum heap size, already rounded
/// to one of OTP's heap sizes), and below 2^59 (a small integer on 64-bit erl, which the
/// project follows). `None` is `badarg`. A size past what a 32-bit VM can hold is kept
/// as `u32::MAX` words.
pub(crate) fn parse(v: Term, min_heap: i64) -> Option<MaxHeap> {
    let words = |t: Term| {
        let n = beam_runtime::bignum::to_i64(t)?;
        let ok = n == 0 || (n >= min_heap && n < 1 << 59);
        ok.then(|| u32::try_from(n).unwrap_or(u32::MAX))
    };
    if let Some(n) = words(v) {
        return Some(MaxHeap {
            size: n,
            ..MaxHeap::default()
        });
    }
    map::size(v)?;
    let mut m = MaxHeap::default();
    let mut sized = false;
    for (k, val) in map::entries(v)? {
        let flag = |t: Term| match t {
            t if t == atom("true") => Some(true),
            t if t == atom("false") => Some(false),
            _ => None,
        };
        match beam_runtime::atom::name(k).as_deref() {
            Some("size") => {
                m.size = words(val)?;
                sized = true;
            }
            Some("kill") => m.kill = flag(val)?,
            Some("error_logger") => m.error_logger = flag(val)?,
            // OTP 25 does not know `include_shared_binaries` (OTP 26 does): ignored.
            _ => {}
        }
    }
    sized.then_some(m)
}

/// Checks the running process (block `s`) after a collection: past its limit, the report
/// and the kill. The kill is an exit signal to itself; the code is made to yield at its
/// next reduction check (FCALLS 0), where the scheduler ends the process.
pub(crate) fn check(cx: &mut Ctx<'_>, s: u32) {
    let m = cx.max_heap();
    let limit = if m.size == 0 {
        DEFAULT_MAX_HEAP_WORDS
    } else {
        m.size
    };
    let h = cx.heap();
    let old = h.old_heap().map_or(0, |o| o.used_words() + o.free_words());
    let total = h.size_words() + old;
    if total <= limit || cx.exiting() {
        return;
    }
    if m.error_logger {
        report(cx, limit, total, m);
    }
    if m.kill {
        let me = cx.self_pid();
        if cx.exit_signal(me, atom("kill")).is_ok() {
            crate::rt::set_field(s, Field::Fcalls, 0);
        }
    }
}

/// logger's report of a process past its `max_heap_size` (OTP 25's text; the GC
/// information is this runtime's own sizes).
fn report(cx: &mut Ctx<'_>, limit: u32, total: u32, m: MaxHeap) {
    let pid = crate::host::show(cx.self_pid().term());
    let queue = cx.message_count();
    let h = cx.heap();
    let (size, used, stack) = (h.size_words(), h.heap_used_words(), h.stack_words());
    let (old_size, old_used) = h.old_heap().map_or((0, 0), |o| {
        (o.used_words() + o.free_words(), o.used_words())
    });
    let b = |v: bool| if v { "true" } else { "false" };
    let pad = " ".repeat(26);
    let text = format!(
        "=ERROR REPORT==== {} ===\n     Process:            {pid} \n     \
         Context:            maximum heap size reached\n     \
         Max Heap Size:      {limit}\n     Total Heap Size:    {total}\n     \
         Kill:               {}\n     Error Logger:       {}\n     \
         Message Queue Len:  {queue}\n     \
         GC Info:            [{{old_heap_block_size,{old_size}}},\n{pad}{{heap_block_size,{size}}},\n\
         {pad}{{mbuf_size,0}},\n{pad}{{stack_size,{stack}}},\n{pad}{{old_heap_size,{old_used}}},\n\
         {pad}{{heap_size,{used}}}]\n\n",
        crate::exc::timestamp(),
        b(m.kill),
        b(m.error_logger),
    );
    crate::bifs_io::emit_stdout(text.as_bytes());
}
