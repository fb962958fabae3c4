//! Maps through the runtime, as in the IR mode: `get_map_elements`, `has_map_fields`
//! (`rt_map_get` per key) and `put_map_assoc`/`put_map_exact` (`rt_map_put` with the
//! pairs in the X registers above the live ones).

use backend_arm32::asm::{Cond, Reg};
use beam_frontend::specific::Op;
use beam_ir::rtcall::RtFn;

use crate::masm::{R, S};
use crate::{Fx, TemplateError};

impl Fx<'_> {
    pub(crate) fn map_op(&mut self, op: &Op) -> R {
        match op {
            Op::GetMapElements { fail, map, pairs } => {
                // Every key must be there before any destination is written: the values
                // wait on the machine stack (8-byte aligned for the runtime calls).
                let n = pairs.len() as u32;
                let frame = 8 * n.div_ceil(2) as i32;
                if frame > 4000 {
                    return Err(TemplateError::Encoding(
                        "get_map_elements with too many keys",
                    ));
                }
                let fail = self.beam_label(*fail);
                let (unwind, done) = (self.a.label(), self.a.label());
                self.a.add_imm(false, Reg::SP, Reg::SP, -frame)?;
                self.load(Reg::R4, map)?;
                for (i, (k, _)) in pairs.iter().enumerate() {
                    self.a.mov(Reg::R0, Reg::R4)?;
                    self.load(Reg::R1, k)?;
                    self.a.call_rt(RtFn::MapGet, None)?;
                    self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                    self.a.b(Cond::Eq, unwind)?;
                    self.a.str(Reg::R0, Reg::SP, 4 * i as i32)?;
                }
                for (i, (_, d)) in pairs.iter().enumerate() {
                    self.a.ldr(Reg::R0, Reg::SP, 4 * i as i32)?;
                    self.store(Reg::R0, *d)?;
                }
                self.a.add_imm(false, Reg::SP, Reg::SP, frame)?;
                self.a.b(Cond::Al, done)?;
                self.a.bind(unwind)?;
                self.a.add_imm(false, Reg::SP, Reg::SP, frame)?;
                self.a.b(Cond::Al, fail)?;
                self.a.bind(done)
            }
            Op::HasMapFields { fail, map, keys } => {
                let fail = self.beam_label(*fail);
                self.load(Reg::R4, map)?;
                for k in keys {
                    self.a.mov(Reg::R0, Reg::R4)?;
                    self.load(Reg::R1, k)?;
                    self.a.call_rt(RtFn::MapGet, None)?;
                    self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                    self.a.b(Cond::Eq, fail)?;
                }
                Ok(())
            }
            Op::PutMap {
                fail,
                map,
                dst,
                live,
                exact,
                pairs,
            } => {
                for (i, (k, v)) in pairs.iter().enumerate() {
                    let at = live + 2 * i as u32;
                    self.load(Reg::R0, k)?;
                    self.store_x(Reg::R0, at)?;
                    self.load(Reg::R0, v)?;
                    self.store_x(Reg::R0, at + 1)?;
                }
                let first = *live | if *exact { 1 << 31 } else { 0 };
                self.load(Reg::R1, map)?;
                self.a.mov(Reg::R0, S)?;
                self.a.mov_imm(Cond::Al, Reg::R2, first)?;
                self.a.mov_imm(Cond::Al, Reg::R3, pairs.len() as u32)?;
                self.a.save_pinned()?;
                self.a.call_rt(RtFn::MapPut, None)?;
                self.a.reload_pinned()?;
                self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                let to = if *fail != 0 {
                    self.beam_label(*fail)
                } else {
                    self.pending
                };
                self.a.b(Cond::Eq, to)?;
                self.store(Reg::R0, *dst)
            }
            _ => Err(TemplateError::NotImplemented("map dispatch")),
        }
    }
}
