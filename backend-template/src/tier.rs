//! Tiered mode (docs/tiered.md): the call counter in a template function's entry.
//!
//! Every function compiled with counters owns a *tier cell*, two words of guest memory
//! `[counter, redirect]` that the loader allocates (symbol `User { NS_TIER_CELL, i }` for
//! function `i`, an Abs32 relocation on a pool word). The entry, after the usual
//! `mov r7, r0; str r1, [S]`, counts down:
//!
//! ```text
//!     ldr  r2, =cell
//!     ldr  r3, [r2]
//!     subs r3, r3, #1
//!     str  r3, [r2]
//!     ble  cold            ; counter ran out (or the function was recompiled)
//! back:                    ; the template body
//! ...
//! cold:
//!     ldr  r3, [r2, #4]    ; redirect: the recompiled entry, 0 if none yet
//!     cmp  r3, #0
//!     bne  go
//!     (save pinned) mov r0, S; mov r1, r2; bl rt_tier_up; (reload pinned)
//!     cmp  r0, #0          ; 0: stay in the template code
//!     beq  back
//!     mov  r3, r0
//! go: ldr  r1, [S]; bx r3                  ; enter the new code: CP (r7), x0 as on entry
//! ```
//!
//! Once the function is recompiled the runtime sets the counter to 0 and the redirect to
//! the new entry, so whatever still reaches the old entry (a local call from other
//! template code, a fun made before, an old continuation's next call) goes on into the
//! new code after these few instructions.

use backend_arm32::asm::{Cond, Label, Reg};
use backend_arm32::codegen::SymbolName;
use beam_ir::rtcall::RtFn;

use crate::masm::{self, S};
use crate::Fx;

/// Namespace of the tier cells (index = the module's function number).
pub const NS_TIER_CELL: u32 = 4;
/// Bytes of one tier cell: the counter, then the redirect address.
pub const TIER_CELL_BYTES: u32 = 8;

impl Fx<'_> {
    /// The counter check at function `fi`'s entry (right after the prologue).
    pub(crate) fn tier_check(&mut self, fi: u32) -> masm::R {
        self.a.ldr_symbol(
            Reg::R2,
            SymbolName::User {
                namespace: NS_TIER_CELL,
                index: fi,
            },
        )?;
        self.a.ldr(Reg::R3, Reg::R2, 0)?;
        self.a.add_imm(true, Reg::R3, Reg::R3, -1)?;
        self.a.str(Reg::R3, Reg::R2, 0)?;
        let (at, back) = (self.a.label(), self.a.label());
        self.a.b(Cond::Le, at)?;
        self.a.bind(back)?;
        self.cold_tier(at, back);
        Ok(())
    }

    /// The out-of-line half of [`Fx::tier_check`]: r2 holds the cell.
    pub(crate) fn emit_tier_cold(&mut self, at: Label, back: Label) -> masm::R {
        let go = self.a.label();
        self.a.bind(at)?;
        self.a.ldr(Reg::R3, Reg::R2, 4)?;
        self.a.cmp_imm(Cond::Al, Reg::R3, 0)?;
        self.a.b(Cond::Ne, go)?;
        self.a.save_pinned()?;
        self.a.mov(Reg::R1, Reg::R2)?;
        self.a.mov(Reg::R0, S)?;
        self.a.call_rt(RtFn::TierUp, None)?;
        self.a.reload_pinned()?;
        self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
        self.a.b(Cond::Eq, back)?;
        self.a.mov(Reg::R3, Reg::R0)?;
        self.a.bind(go)?;
        self.load_x(Reg::R1, 0)?;
        self.a.bx(Reg::R3)
    }
}
