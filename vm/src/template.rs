//! Template mode in the loader (docs/template.md): a module's functions compiled by
//! backend-template, those it does not cover by the IR pipeline, linked into one image.
//!
//! Function `i` is the symbol `User { NS_SEGMENT, i }` in both kinds of code (the IR
//! mode's name of the entry segment), so local calls resolve whichever way the callee was
//! compiled; the IR return-point segments (numbered from the function count) are installed
//! only for the functions that went through IR.
//!
//! Catch numbers: the IR lowering numbers its catches from 0 (at most one per `try`/
//! `catch` instruction), the templates from the module's instruction count on, so both
//! fit in one block of the VM's catch table; the numbers nobody uses point at `undef`.

use std::collections::HashSet;
use std::time::Instant;

use backend_arm32::codegen::{CompiledCode, SymbolName};
use beam_frontend::specific::SpecificFunction;
use beam_frontend::Module;
use beam_ir::lower::{lower_module, Env};
use beam_ir::rtcall::NS_SEGMENT;

use crate::cache::Image;
use crate::loader::{LoadError, Loader};

/// Compiles `m` by templates (the functions they do not cover through IR) into an image
/// to link: function `i` is piece `i`, the IR return points follow; catch numbers
/// `0..n_try` are the IR lowering's, `n_try..2 * n_try` the templates'. `t0` is when
/// loading the module started (literals and specific instructions count as lowering).
pub(crate) fn compile_image(
    l: &mut Loader,
    m: &Module,
    fs: &[SpecificFunction],
    env: &dyn Env,
    t0: Instant,
) -> Result<Image, LoadError> {
    let name = m.name().to_string();
    l.stats.lower += t0.elapsed();
    let n_try = backend_template::count_catches(fs);
    let t1 = Instant::now();
    let counters = l.opts.jit == crate::Jit::Tiered;
    let tm = backend_template::compile_module(m, fs, env, n_try, counters);
    l.stats.codegen += t1.elapsed();
    let nf = fs.len();
    let fallback: HashSet<usize> = (0..nf).filter(|&i| tm.functions[i].is_err()).collect();
    // The IR pipeline for the functions the templates do not cover.
    let mut ir_code: Vec<Option<CompiledCode>> = Vec::new();
    let mut ir_catches = Vec::new();
    let mut ir_names = Vec::new();
    let mut ir_funcs = Vec::new();
    let mut ir_pos = Vec::new();
    if !fallback.is_empty() {
        let t2 = Instant::now();
        let lowered = lower_module(m, fs, env).map_err(|source| LoadError::Lower {
            module: name.clone(),
            source,
        })?;
        l.stats.lower += t2.elapsed();
        for seg in &lowered.segments {
            let wanted = fallback.contains(&seg.start.func);
            ir_names.push(SymbolName::of_function(&seg.func));
            ir_funcs.push(seg.start.func as u32);
            ir_pos.push(vec![(0, seg.start.pos as u32)]);
            ir_code.push(if wanted {
                Some(l.compile(&name, &seg.func)?)
            } else {
                None
            });
        }
        ir_catches = lowered.catches;
    }
    // Function i at position i, then the IR return points.
    let mut im = Image {
        template_functions: (nf - fallback.len()) as u32,
        template_fallbacks: fallback.len() as u32,
        functions_compiled: nf as u32,
        ..Image::default()
    };
    let mut piece_of_segment = vec![None; ir_code.len()];
    let mut t_pos = tm.positions;
    for (i, t) in tm.functions.into_iter().enumerate() {
        let (code, at) = match t {
            Ok(c) => (c, std::mem::take(&mut t_pos[i])),
            Err(_) => (
                ir_code
                    .get_mut(i)
                    .and_then(Option::take)
                    .ok_or_else(|| LoadError::Compile {
                        module: name.clone(),
                        what: format!("function {i}: neither template nor IR code"),
                    })?,
                ir_pos.get(i).cloned().unwrap_or_default(),
            ),
        };
        if i < piece_of_segment.len() {
            piece_of_segment[i] = Some(im.pieces.len() as u32);
        }
        im.pieces.push((
            SymbolName::User {
                namespace: NS_SEGMENT,
                index: i as u32,
            },
            code,
        ));
        im.piece_function.push(i as u32);
        im.piece_positions.push(at);
    }
    for (s, code) in ir_code.into_iter().enumerate().skip(nf) {
        if let Some(code) = code {
            piece_of_segment[s] = Some(im.pieces.len() as u32);
            im.pieces.push((ir_names[s].clone(), code));
            im.piece_function.push(ir_funcs[s]);
            im.piece_positions.push(ir_pos[s].clone());
        }
    }
    // The catch table: IR numbers 0..n_try, then the templates' n_try..2*n_try.
    im.catches = vec![None; 2 * n_try as usize];
    for (k, &seg) in ir_catches.iter().enumerate() {
        if let (Some(Some(p)), Some(h)) =
            (piece_of_segment.get(seg as usize), im.catches.get_mut(k))
        {
            *h = Some((*p, 0));
        }
    }
    for (k, c) in tm.catches.iter().enumerate() {
        if let (Some((fi, off)), Some(h)) = (c, im.catches.get_mut(n_try as usize + k)) {
            *h = Some((*fi as u32, *off));
        }
    }
    Ok(im)
}
