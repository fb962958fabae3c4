//! Frames and heap room: `allocate`, `test_heap`, `deallocate`, and the heap-top bump of
//! every construction (docs/beam-machine.md §2).
//!
//! Both checks compare the end of what they reserve with the other pointer: `allocate`
//! computes the new E first and compares HTOP with it, `test_heap` computes the reserved
//! heap end first and compares it with E. What the check computed is what the code after
//! it uses (the new E; HTOP addressed from the reserved end), so on the way on the old
//! value is dead and the new one can take the pinned register at once: no second add,
//! no copy. The cold path hands those values to the collector as they are, with how far
//! they are ahead of the real ones ([`RtFn::Gc`]'s `ahead`), rather than recomputing the
//! old ones (the mid-end would fold that back into the old value and keep it alive).

use beam_runtime::sched_regs::Field;
use beam_runtime::term;
use cranelift_codegen::ir::{condcodes::IntCC, types::I32, types::I8, InstBuilder, Value};

use super::{flags, Lower};
use crate::machine;
use crate::rtcall::RtFn;

impl Lower<'_, '_> {
    /// `v + delta` as the value a check computes and the code after it goes on with. Not
    /// `iadd`: the mid-end rematerialises an add of a constant in every block that uses
    /// it, so the cold path would recompute it from `v` and keep `v` alive past the check
    /// (then the new value cannot take `v`'s pinned register). The overflow forms are one
    /// ADDS/SUBS and stay where they are.
    fn bump(&mut self, v: Value, delta: i64) -> Value {
        if delta < 0 {
            let d = self.iconst(-delta);
            self.b.ins().usub_overflow(v, d).0
        } else {
            let d = self.iconst(delta);
            self.b.ins().uadd_overflow(v, d).0
        }
    }

    /// The check's condition: 1 when `top` (the end of the heap room wanted) passes `e`
    /// (the stack's lowest word); always 1 under GC stress (every check collects).
    fn short_of_room(&mut self, top: Value, e: Value) -> Value {
        if self.env.gc_stress() {
            self.b.ins().iconst(I8, 1)
        } else {
            self.b.ins().icmp(IntCC::UnsignedGreaterThan, top, e)
        }
    }

    /// Collects with `live` X registers live so that `words` words fit, the pinned values
    /// saved as they are now: HTOP `ahead` bytes above the real heap top when positive, E
    /// `-ahead` bytes below the real stack pointer when negative.
    fn collect(&mut self, words: u32, live: u32, ahead: i32) {
        self.spill(live);
        let (w, l, a) = (
            self.iconst(words as i64),
            self.iconst(live as i64),
            self.iconst(ahead as i64),
        );
        self.call_rt(RtFn::Gc, &[self.s, w, l, a]);
        self.unspill(live);
    }

    /// `allocate`: a frame of `stack` Y slots plus the CP, with `heap` words free on the
    /// heap; Y slots the next instructions do not write start as `[]`.
    pub(super) fn allocate(&mut self, stack: u32, heap: u32, live: u32, pos: usize) {
        let frame = 4 * (stack as i64 + 1);
        let htop = self.b.use_var(self.htop);
        let e = self.b.use_var(self.e);
        let cp = self.b.use_var(self.cp);
        let cp = self.cp_to_stack(cp);
        let e2 = self.bump(e, -frame);
        let top = match heap {
            0 => htop,
            n => self.b.ins().iadd_imm_s(htop, 4 * n as i64),
        };
        let short = self.short_of_room(top, e2);
        if self.called {
            // A runtime call before this one already keeps the CP in a callee-saved
            // register: it stays there across the collection too, and one store after
            // both paths join writes it.
            let (gc, cont) = (self.b.create_block(), self.b.create_block());
            self.b.def_var(self.e, e2);
            self.b.ins().brif(short, gc, &[], cont, &[]);
            self.b.switch_to_block(gc);
            self.b.set_cold_block(gc);
            self.collect(heap + stack + 1, live, -(frame as i32));
            let e = self.b.use_var(self.e);
            let e2 = self.bump(e, -frame);
            self.b.def_var(self.e, e2);
            self.b.ins().jump(cont, &[]);
            self.b.switch_to_block(cont);
            let e2 = self.b.use_var(self.e);
            self.b.ins().store(flags(), cp, e2, 0);
        } else {
            self.allocate_first_call(cp, e2, short, heap + stack + 1, live, frame);
        }
        // From here the frame holds the CP: 0 is what a stack trace reads as "look at the
        // stack" (as at a return point), and the caller's address needs no register.
        let zero = self.iconst(0);
        self.b.def_var(self.cp, zero);
        // Y slots start as []: the collector scans the whole frame. Not those the next few
        // instructions write before anything can see them (yinit.rs).
        let written = super::super::yinit::written_before_gc(self.code, pos, stack);
        let nil = self.iconst(term::IMMED2_NIL as i64);
        for i in 0..stack {
            if !written[i as usize] {
                self.set_y(i, nil);
            }
        }
    }

    /// The rest of `allocate` when the collection would be the segment's first runtime
    /// call: the CP (still in its argument register) waits in the block across the
    /// collection rather than in a register. A value live across the call would take a
    /// callee-saved register, and the copy into it would land on the fast path too.
    /// Nothing reads the field meanwhile.
    fn allocate_first_call(
        &mut self,
        cp: Value,
        e2: Value,
        short: Value,
        words: u32,
        live: u32,
        frame: i64,
    ) {
        let (gc, ok, cont) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().brif(short, gc, &[], ok, &[]);
        self.b.switch_to_block(ok);
        self.b.ins().store(flags(), cp, e2, 0);
        self.b.def_var(self.e, e2);
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(gc);
        self.b.set_cold_block(gc);
        self.b.def_var(self.e, e2);
        machine::store_field(&mut self.b, self.s, Field::Cp, cp);
        self.collect(words, live, -(frame as i32));
        let cp = machine::load_field(&mut self.b, self.s, Field::Cp);
        let e = self.b.use_var(self.e);
        let e2 = self.bump(e, -frame);
        self.b.ins().store(flags(), cp, e2, 0);
        self.b.def_var(self.e, e2);
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// `deallocate`: drops a frame of `n` Y slots, taking the CP back from it.
    pub(super) fn deallocate(&mut self, n: u32) {
        let e = self.b.use_var(self.e);
        let cp = self.b.ins().load(I32, flags(), e, 0);
        let cp = self.cp_from_stack(cp);
        self.b.def_var(self.cp, cp);
        let e2 = self.b.ins().iadd_imm_s(e, 4 * (n as i64 + 1));
        self.b.def_var(self.e, e2);
    }

    /// Ensures `words` free words between HTOP and E, collecting when needed. After it,
    /// HTOP is `top - 4*words` with `top` the reserved end the check computed, so the
    /// constructions that fill the room address from `top` (a `put_list` after
    /// `test_heap 2` stores at `[top, #-8]` and leaves `top` as HTOP).
    pub(super) fn heap_check(&mut self, words: u32, live: u32) {
        let bytes = 4 * words as i64;
        let htop = self.b.use_var(self.htop);
        let e = self.b.use_var(self.e);
        let top = self.bump(htop, bytes);
        let short = self.short_of_room(top, e);
        let (gc, cont) = (self.b.create_block(), self.b.create_block());
        let top_at = self.b.append_block_param(cont, I32);
        self.b.ins().brif(short, gc, &[], cont, &[top.into()]);
        self.b.switch_to_block(gc);
        self.b.set_cold_block(gc);
        self.b.def_var(self.htop, top);
        self.collect(words, live, bytes as i32);
        let htop = self.b.use_var(self.htop);
        let top = self.b.ins().iadd_imm_s(htop, bytes);
        self.b.ins().jump(cont, &[top.into()]);
        self.b.switch_to_block(cont);
        let htop = self.b.ins().iadd_imm_s(top_at, -bytes);
        self.b.def_var(self.htop, htop);
    }

    /// Bumps HTOP by `words`, returning the old value (the new object's address).
    pub(super) fn heap_alloc(&mut self, words: u32) -> Value {
        let htop = self.b.use_var(self.htop);
        let next = self.b.ins().iadd_imm_s(htop, 4 * words as i64);
        self.b.def_var(self.htop, next);
        htop
    }
}
