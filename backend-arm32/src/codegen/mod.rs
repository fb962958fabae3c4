//! The code generator for Cranelift IR.
//!
//! Pipeline: [`lower`] (ISLE rules from the workspace's `isle/` directory, compiled by
//! `build.rs`; glue in [`isle`]) turns a CLIF function into [`vcode::VCode`] on virtual
//! registers; regalloc2 ([`regalloc`]) assigns physical registers and spill slots; [`emit`]
//! lays out the frame ([`abi`]) and emits A32 through [`crate::asm`].

pub mod abi;
pub mod emit;
pub mod float;
pub mod isa;
pub mod isle;
pub mod link;
pub mod lower;
pub mod preserve;
pub mod regalloc;
pub mod vcode;

use cranelift_codegen::ir::{ExternalName, Function, UserFuncName};
pub use isa::Isa;

/// Everything the code generator can reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodegenError {
    /// An instruction no lowering rule covers (names the opcode and its type).
    #[error("unsupported instruction `{inst}` ({ty}) in {func}")]
    Unsupported {
        func: String,
        inst: String,
        ty: String,
    },
    /// A signature the ABI code cannot handle yet.
    #[error("unsupported signature in {func}: {why}")]
    Signature { func: String, why: String },
    /// regalloc2 rejected the VCode (a bug in lowering).
    #[error("register allocation failed in {func}: {why}")]
    Regalloc { func: String, why: String },
    /// The frame is larger than the addressing modes used for it reach.
    #[error("frame of {bytes} bytes in {func} is too large")]
    FrameTooLarge { func: String, bytes: u32 },
    /// The assembler rejected an instruction (a bug in emission).
    #[error("assembler error in {func}: {err}")]
    Asm {
        func: String,
        err: crate::asm::AsmError,
    },
}

/// A symbol that a relocation refers to, independent of the CLIF function it came from
/// (CLIF's `ExternalName::User` indexes a per-function table; this resolves it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SymbolName {
    /// A user-defined name: (namespace, index), as the embedder assigned them.
    User { namespace: u32, index: u32 },
    /// A named symbol: a CLIF test-case name (`%name` without the `%`), a libcall or
    /// a runtime helper such as `__aeabi_uidivmod`.
    Named(String),
}

impl SymbolName {
    /// The symbol of a CLIF external name as seen from `func`.
    pub fn of_external(func: &Function, name: &ExternalName) -> SymbolName {
        match name {
            ExternalName::User(r) => {
                let u = &func.params.user_named_funcs()[*r];
                SymbolName::User {
                    namespace: u.namespace,
                    index: u.index,
                }
            }
            ExternalName::TestCase(t) => SymbolName::Named(testcase(&t.to_string())),
            ExternalName::LibCall(l) => SymbolName::Named(l.to_string()),
            ExternalName::KnownSymbol(k) => SymbolName::Named(k.to_string()),
        }
    }

    /// The symbol a function defines (its own name).
    pub fn of_function(func: &Function) -> SymbolName {
        match &func.name {
            UserFuncName::User(u) => SymbolName::User {
                namespace: u.namespace,
                index: u.index,
            },
            UserFuncName::Testcase(t) => SymbolName::Named(testcase(&t.to_string())),
        }
    }
}

/// A test-case name without its leading `%`.
fn testcase(display: &str) -> String {
    display.strip_prefix('%').unwrap_or(display).to_string()
}

impl std::fmt::Display for SymbolName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SymbolName::User { namespace, index } => write!(f, "u{namespace}:{index}"),
            SymbolName::Named(n) => write!(f, "%{n}"),
        }
    }
}

/// Target options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags {
    /// The CPU has SDIV/UDIV (Cortex-A7/A15); otherwise division calls a runtime helper.
    pub has_hw_div: bool,
    /// Functions with more VCode instructions than this are allocated by regalloc2's
    /// Fastalloc instead of Ion (cheaper to run, worse code; docs/compile-speed.md).
    pub fastalloc_above: u32,
}

impl Flags {
    /// No hardware division, Ion for every function.
    pub const DEFAULT: Flags = Flags {
        has_hw_div: false,
        fastalloc_above: u32::MAX,
    };
}

impl Default for Flags {
    fn default() -> Self {
        Flags::DEFAULT
    }
}

/// Compiled machine code.
#[derive(Clone, Debug)]
pub struct CompiledCode {
    /// Machine code; `Reloc::symbol` indexes [`CompiledCode::symbols`].
    pub code: crate::asm::Code,
    /// The symbols the relocations refer to.
    pub symbols: Vec<SymbolName>,
    /// The VCode before allocation, for `--emit vcode` (empty unless compiled with
    /// [`compile_with_dumps`]).
    pub vcode_text: String,
    /// The VCode after allocation (each instruction's registers or spill slots, and the
    /// moves regalloc2 inserted), for `--emit vcode-alloc` (empty unless compiled with
    /// [`compile_with_dumps`]).
    pub vcode_alloc_text: String,
}

/// Compiles one (already optimised) CLIF function.
pub fn compile(func: &Function, flags: &Flags) -> Result<CompiledCode, CodegenError> {
    compile_inner(func, flags, false)
}

/// [`compile`], keeping the VCode text dumps too. They are built only on request: for a
/// module like `lists` they cost about a quarter of the compile time.
pub fn compile_with_dumps(func: &Function, flags: &Flags) -> Result<CompiledCode, CodegenError> {
    compile_inner(func, flags, true)
}

/// [`compile`] (with dumps when `dumps`) for instruction set `isa`: the same VCode and
/// register allocation, emitted as A32 or T32.
pub fn compile_isa(
    func: &Function,
    flags: &Flags,
    isa: Isa,
    dumps: bool,
) -> Result<CompiledCode, CodegenError> {
    compile_inner_isa(func, flags, dumps, isa)
}

fn compile_inner(
    func: &Function,
    flags: &Flags,
    dumps: bool,
) -> Result<CompiledCode, CodegenError> {
    compile_inner_isa(func, flags, dumps, Isa::A32)
}

fn compile_inner_isa(
    func: &Function,
    flags: &Flags,
    dumps: bool,
    isa: Isa,
) -> Result<CompiledCode, CodegenError> {
    let vcode = lower::lower(func, flags)?;
    let vcode_text = if dumps {
        vcode.display()
    } else {
        String::new()
    };
    let name = func.name.to_string();
    let allocate_and_emit = |fast: bool| {
        let ra = regalloc::allocate(&vcode, fast).map_err(|why| CodegenError::Regalloc {
            func: name.clone(),
            why,
        })?;
        let code = emit::emit_isa(&vcode, &ra, &name, isa)?;
        Ok::<_, CodegenError>((ra, code))
    };
    let fast = vcode.insts.len() > flags.fastalloc_above as usize;
    let (ra, code) = match allocate_and_emit(fast) {
        // Fastalloc gives every spilled value a slot of its own, so a large function's
        // frame can outgrow the offsets the frame code reaches: Ion shares slots.
        Err(CodegenError::FrameTooLarge { .. }) if fast => allocate_and_emit(false)?,
        r => r?,
    };
    Ok(CompiledCode {
        code,
        symbols: vcode.symbols.clone(),
        vcode_text,
        vcode_alloc_text: if dumps {
            alloc_text(&vcode, &ra)
        } else {
            String::new()
        },
    })
}

/// The allocated VCode as text: per instruction its allocations (`p0i` = r0, `p3f` = d3,
/// `stackN` = spill slot N) and regalloc2's moves before and after it.
fn alloc_text(vcode: &vcode::VCode, ra: &regalloc2::Output) -> String {
    use regalloc2::{Edit, Inst, InstPosition};
    let mut s = String::new();
    let edits_at = |i: usize, pos: InstPosition| {
        ra.edits
            .iter()
            .filter(move |(pt, _)| pt.inst() == Inst::new(i) && pt.pos() == pos)
            .map(|(_, Edit::Move { from, to })| format!("    move {to} <- {from}\n"))
            .collect::<String>()
    };
    for (b, range) in vcode.ranges.iter().enumerate() {
        s.push_str(&format!("block{b}:\n"));
        for i in range.iter() {
            let i = i.index();
            s.push_str(&edits_at(i, InstPosition::Before));
            let allocs: Vec<String> = ra
                .inst_allocs(Inst::new(i))
                .iter()
                .map(|a| a.to_string())
                .collect();
            s.push_str(&format!(
                "  {:?}  ; [{}]\n",
                vcode.insts[i],
                allocs.join(", ")
            ));
            s.push_str(&edits_at(i, InstPosition::After));
        }
    }
    s.push_str(&format!("; {} spill slots\n", ra.num_spillslots));
    s
}
