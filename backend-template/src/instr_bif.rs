//! Guard and body BIFs: `+`/`-` with the small-integer fast path inline (tag test,
//! ADDS/SUBS, branch on overflow; the tagging facts are in beam_ir::tags), everything else
//! through `rt_bif` by runtime BIF number.

use backend_arm32::asm::{Cond, DpOp, Operand2, Reg};
use beam_frontend::specific::{Dst, Src};
use beam_ir::rtcall::{RaiseKind, RtFn};
use beam_ir::tags;
use beam_runtime::term;

use crate::masm::{R, S};
use crate::Fx;

impl Fx<'_> {
    pub(crate) fn bif(
        &mut self,
        import: u32,
        fail: u32,
        live: Option<u32>,
        args: &[Src],
        dst: Dst,
    ) -> R {
        let (module, function, a) = self.import_name(import)?;
        let bif = self.env.bif(&module, &function, a);
        if module == "erlang" && args.len() == 2 && matches!(function.as_str(), "+" | "-") {
            let bif = bif.unwrap_or(u32::MAX);
            return self.arith(function == "+", bif, fail, live, args, dst);
        }
        match bif {
            Some(bif) => self.call_bif(bif, fail, live, args, dst),
            None => {
                let n = tags::small_const(i64::from(import)).unwrap_or(0) as u32;
                self.a.mov_imm(Cond::Al, Reg::R2, n)?;
                self.raise(RaiseKind::NotImplemented)
            }
        }
    }

    /// Tagged `a ± b` for two smalls: `a ± (b - 0xF)` overflows 32 bits exactly when the
    /// result leaves the small range; anything else goes to the BIF.
    fn arith(
        &mut self,
        add: bool,
        bif: u32,
        fail: u32,
        live: Option<u32>,
        args: &[Src],
        dst: Dst,
    ) -> R {
        let known_small = |s: &Src| match s {
            Src::Reg(_, k) => k.small_int(),
            Src::Int(n) => tags::small_const(*n).is_some(),
            _ => false,
        };
        self.load(Reg::R0, &args[0])?;
        self.load(Reg::R1, &args[1])?;
        let (slow, done) = (self.a.label(), self.a.label());
        if !(known_small(&args[0]) && known_small(&args[1])) {
            self.both_small(Reg::R0, Reg::R1)?;
            self.a.b(Cond::Ne, slow)?;
        }
        self.a
            .add_imm(false, Reg::R12, Reg::R1, -(term::IMMED1_SMALL as i32))?;
        let op = if add { DpOp::Add } else { DpOp::Sub };
        self.a.dp(
            Cond::Al,
            op,
            true,
            Reg::R2,
            Reg::R0,
            Operand2::Reg(Reg::R12),
        )?;
        self.a.b(Cond::Vs, slow)?;
        self.store(Reg::R2, dst)?;
        self.a.b(Cond::Al, done)?;
        self.a.bind(slow)?;
        self.a.mov(Reg::R2, Reg::R0)?;
        self.a.mov(Reg::R3, Reg::R1)?;
        self.a.mov_imm(Cond::Al, Reg::R4, 0)?;
        self.bif_value(bif, fail, live)?;
        self.store(Reg::R0, dst)?;
        self.a.bind(done)
    }

    /// Sets Z when both `a` and `b` are small integers (BEAM's trick: the AND of two
    /// words has the small tag only if both have it).
    pub(crate) fn both_small(&mut self, a: Reg, b: Reg) -> R {
        self.a
            .dp(Cond::Al, DpOp::And, false, Reg::R12, a, Operand2::Reg(b))?;
        self.a.and_imm(Reg::R12, Reg::R12, term::IMMED1_MASK)?;
        self.a.cmp_imm(Cond::Al, Reg::R12, term::IMMED1_SMALL)
    }

    /// Calls BIF number `bif` on `args` (the first three: `rt_bif` takes three) and
    /// stores its value in `dst`.
    pub(crate) fn call_bif(
        &mut self,
        bif: u32,
        fail: u32,
        live: Option<u32>,
        args: &[Src],
        dst: Dst,
    ) -> R {
        for (i, r) in [Reg::R2, Reg::R3, Reg::R4].into_iter().enumerate() {
            match args.get(i) {
                Some(s) => self.load(r, s)?,
                None => self.a.mov_imm(Cond::Al, r, 0)?,
            }
        }
        self.bif_value(bif, fail, live)?;
        self.store(Reg::R0, dst)
    }

    /// `rt_bif(S, bif, r2, r3, r4)` with the pinned values saved and reloaded (X
    /// registers are always in memory, so the live ones need no spill); on failure to
    /// `fail` (a guard) or the pending exception. The value is left in r0.
    fn bif_value(&mut self, bif: u32, fail: u32, _live: Option<u32>) -> R {
        self.a.save_pinned()?;
        self.a.mov(Reg::R0, S)?;
        self.a.mov_imm(Cond::Al, Reg::R1, bif)?;
        self.a.call_rt(RtFn::Bif, Some(Reg::R4))?;
        self.a.reload_pinned()?;
        self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
        let to = if fail != 0 {
            self.beam_label(fail)
        } else {
            self.pending
        };
        self.a.b(Cond::Eq, to)
    }

    /// Raises `kind` with the value in r2 and leaves through the pending path.
    pub(crate) fn raise(&mut self, kind: RaiseKind) -> R {
        self.a.save_pinned()?;
        self.a.mov(Reg::R0, S)?;
        self.a.mov_imm(Cond::Al, Reg::R1, kind as u32)?;
        self.a.call_rt(RtFn::Raise, None)?;
        self.a.b(Cond::Al, self.pending)
    }
}
