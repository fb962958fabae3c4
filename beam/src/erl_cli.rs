//! `beam [erl flags]` (also `beam erl [flags]`): erl's command line (docs/boot.md).
//!
//! The words are split as erl's start script and `init` split them: `+P N` and other
//! emulator flags; `-eval E`, `-s M [F [Args]]` and `-run M [F [Args]]` start items, run
//! in order by beam/erl/beam_init.erl (the `init` stand-in, the first process);
//! `-pa`/`-pz` directories around the installed OTP's code path; `-extra` ends the flags
//! and the rest are plain arguments; every other `-flag [values]` (`-noshell`, `-boot`,
//! `-config`, `-root`, user flags) is recorded for `init:get_argument/1`. A flag's
//! values are the words after it up to the next word starting with `-` or `+`.
//!
//! Like `erl -noshell`, beam keeps running after the items until `init:stop/0,1` or
//! `halt/0,1`; exits with the status given to them, and with 1 after a crash of an item
//! (erl's `{"init terminating in do_boot", Reason}` line on stdout). Unlike erl, it
//! also ends (status 0, with a note on stderr) when no process can ever run again.

use std::path::PathBuf;
use std::process::ExitCode;

use beam_vm::bifs_init::{set_boot_args, BootArgs, StartItem};
use beam_vm::{Jit, Options, RunOutcome, Vm};

/// The `init` stand-in, compiled by build.rs.
static BEAM_INIT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/beam_init.beam"));

/// erl's command line, parsed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ErlCommand {
    pub boot: BootArgs,
    pub pa: Vec<PathBuf>,
    pub pz: Vec<PathBuf>,
    pub max_processes: Option<usize>,
    pub noshell: bool,
    /// beam's own options (`--mode sim|native`, `--jit ...`, `--no-cache`, `--stats`).
    pub native: Option<bool>,
    pub jit: Option<Jit>,
    pub no_cache: bool,
    pub stats: bool,
    /// `--otp-boot`: OTP's own boot (erl_init, init, the boot script, kernel), the
    /// default; an error rather than the stand-in when the installed OTP cannot boot.
    pub otp_boot: bool,
    /// `--stand-in-boot`: the embedded `init` stand-in instead of OTP's boot: no kernel
    /// processes, BIFs in their place (docs/boot.md); a faster start.
    pub stand_in_boot: bool,
    /// The words init gets, as erl passes them: everything but beam's own options and
    /// the emulator's `+` flags.
    pub init_words: Vec<String>,
}

/// A command line erl would not take (or beam cannot follow).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErlCliError {
    #[error("{flag} needs a value")]
    MissingValue { flag: String },
    #[error("{flag}: bad value {value:?}")]
    BadValue { flag: String, value: String },
    #[error("-eval takes one expression (erl crashes on {extra:?} after it); quote it")]
    EvalWords { extra: Vec<String> },
    #[error("--otp-boot and --stand-in-boot exclude each other")]
    TwoBoots,
    #[error(
        "--otp-boot: OTP's preloaded modules (erl_init.beam in an erts-*/ebin directory) \
         are not on the code path {path:?}; install OTP (scripts/setup) or use --stand-in-boot"
    )]
    NoOtpBoot { path: Vec<PathBuf> },
}

/// Whether `args` (without the program name) are erl's command line rather than one of
/// beam's subcommands.
pub fn is_erl_command_line(args: &[String]) -> bool {
    const SUBCOMMANDS: [&str; 6] = ["disasm", "clif-compile", "clif-run", "run", "aot", "help"];
    match args.first().map(String::as_str) {
        None => false,
        Some("erl") => true,
        Some(a) if SUBCOMMANDS.contains(&a) => false,
        Some("-h" | "-V") => false,
        // beam's own options of the erl command line.
        Some("--mode" | "--jit" | "--no-cache" | "--stats" | "--otp-boot" | "--stand-in-boot") => {
            true
        }
        Some(a) => !a.starts_with("--"),
    }
}

fn is_flag(w: &str) -> bool {
    w.starts_with('-') || w.starts_with('+')
}

/// Parses erl's flags (`args` without the program name and without a leading `erl`).
pub fn parse(args: &[String]) -> Result<ErlCommand, ErlCliError> {
    let mut cmd = ErlCommand::default();
    let mut i = 0;
    // The values after a flag: the words up to the next flag.
    let values = |i: &mut usize| -> Vec<String> {
        let start = *i;
        while *i < args.len() && !is_flag(&args[*i]) {
            *i += 1;
        }
        args[start..*i].to_vec()
    };
    while i < args.len() {
        let w = args[i].clone();
        let at = i;
        i += 1;
        if !w.starts_with('-') && !w.starts_with('+') {
            // A loose word.
            cmd.init_words.push(w.clone());
        } else if w.starts_with('-') && !w.starts_with("--") {
            if w == "-extra" {
                cmd.init_words.extend(args[at..].iter().cloned());
            } else {
                // The flag and its values (the words up to the next flag).
                let end = args[i..]
                    .iter()
                    .position(|a| is_flag(a))
                    .map_or(args.len(), |p| i + p);
                cmd.init_words.extend(args[at..end].iter().cloned());
            }
        }
        match w.as_str() {
            "-extra" => {
                cmd.boot.plain.extend(args[i..].iter().cloned());
                break;
            }
            "+P" => {
                let v = args.get(i).ok_or_else(|| missing(&w))?;
                i += 1;
                let n = v.parse().map_err(|_| ErlCliError::BadValue {
                    flag: w.clone(),
                    value: v.clone(),
                })?;
                cmd.max_processes = Some(n);
            }
            "-eval" => {
                let mut vs = values(&mut i);
                if vs.is_empty() {
                    return Err(missing(&w));
                }
                let e = vs.remove(0);
                if !vs.is_empty() {
                    return Err(ErlCliError::EvalWords { extra: vs });
                }
                cmd.boot.items.push(StartItem::Eval(e));
            }
            "-s" | "-run" => {
                let vs = values(&mut i);
                if vs.is_empty() {
                    return Err(missing(&w));
                }
                cmd.boot.items.push(if w == "-s" {
                    StartItem::S(vs)
                } else {
                    StartItem::Run(vs)
                });
            }
            "--mode" | "--jit" => {
                let v = args.get(i).ok_or_else(|| missing(&w))?.clone();
                i += 1;
                let bad = || ErlCliError::BadValue {
                    flag: w.clone(),
                    value: v.clone(),
                };
                match (w.as_str(), v.as_str()) {
                    ("--mode", "sim") => cmd.native = Some(false),
                    ("--mode", "native") => cmd.native = Some(true),
                    ("--jit", "ir") => cmd.jit = Some(Jit::Ir),
                    ("--jit", "template") => cmd.jit = Some(Jit::Template),
                    ("--jit", "mixed") => cmd.jit = Some(Jit::Mixed),
                    ("--jit", "tiered") => cmd.jit = Some(Jit::Tiered),
                    _ => return Err(bad()),
                }
            }
            "--no-cache" => cmd.no_cache = true,
            "--stats" => cmd.stats = true,
            "--otp-boot" => cmd.otp_boot = true,
            "--stand-in-boot" => cmd.stand_in_boot = true,
            _ if w.starts_with('+') => {
                // Other emulator flags (+A, +S, +K ...) change nothing here; their value
                // (if any) goes with them.
                values(&mut i);
            }
            _ if w.len() > 1 && w.starts_with('-') => {
                let name = w[1..].to_string();
                let vs = values(&mut i);
                match name.as_str() {
                    "pa" => cmd.pa.extend(vs.iter().map(PathBuf::from)),
                    "pz" => cmd.pz.extend(vs.iter().map(PathBuf::from)),
                    "noshell" | "noinput" => cmd.noshell = true,
                    "root" => {
                        cmd.boot.root = Some(vs.first().cloned().ok_or_else(|| missing(&w))?);
                        continue;
                    }
                    _ => {}
                }
                cmd.boot.flags.push((name, vs));
            }
            // A word before any flag.
            _ => cmd.boot.plain.push(w),
        }
    }
    Ok(cmd)
}

fn missing(flag: &str) -> ErlCliError {
    ErlCliError::MissingValue {
        flag: flag.to_string(),
    }
}

/// The processes ERTS starts next to init (erl_init.c's `erl_first_process_otp` and
/// `erts_start_schedulers`' system processes in OTP 25), in ERTS's order, so that they
/// and the processes of the boot get the pids they get in erl: erts_code_purger is
/// `<0.1.0>`, the literal area collector `<0.2.0>`, the three dirty signal handlers
/// (normal, high and max priority) `<0.3.0>`–`<0.5.0>`.
const SYSTEM_PROCESSES: &[(&str, &str)] = &[
    ("erts_code_purger", "start"),
    ("erts_literal_area_collector", "start"),
    ("erts_dirty_process_signal_handler", "start"),
    ("erts_dirty_process_signal_handler", "start"),
    ("erts_dirty_process_signal_handler", "start"),
];

/// Preloaded modules loaded before erl_init starts (the rest load when first called).
const PRELOAD: [&str; 2] = ["prim_socket", "prim_net"];

/// The environment erlexec gives the emulator: `BINDIR` (erts' `bin`, where port
/// programs such as `inet_gethost` are) and the root's `bin` first on `PATH`, `ROOTDIR`,
/// `EMU`, `PROGNAME`. Set before any thread starts (the VM's run is single-threaded
/// until ports open).
fn erlexec_env(cmd: &ErlCommand) {
    let root = root_dir(cmd);
    let Some(erts) = erts_dir(&root) else {
        return;
    };
    let bindir = format!("{root}/{erts}/bin");
    let mut path = format!("{bindir}:{root}/bin");
    if let Some(p) = std::env::var_os("PATH") {
        path.push(':');
        path.push_str(&p.to_string_lossy());
    }
    std::env::set_var("PATH", path);
    std::env::set_var("BINDIR", bindir);
    std::env::set_var("ROOTDIR", &root);
    std::env::set_var("EMU", "beam");
    std::env::set_var("PROGNAME", "erl");
}

fn root_dir(cmd: &ErlCommand) -> String {
    cmd.boot
        .root
        .clone()
        .unwrap_or_else(|| "/usr/lib/erlang".to_string())
}

/// The newest `erts-*` directory under `root`.
fn erts_dir(root: &str) -> Option<String> {
    std::fs::read_dir(root).ok().and_then(|rd| {
        let mut v: Vec<String> = rd
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("erts-"))
            .collect();
        v.sort();
        v.pop()
    })
}

/// Runs erl's command line `args` (without the program name).
pub fn main(args: &[String]) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let args = match args.first().map(String::as_str) {
        Some("erl") => &args[1..],
        _ => args,
    };
    let cmd = parse(args)?;
    if cmd.otp_boot && cmd.stand_in_boot {
        return Err(ErlCliError::TwoBoots.into());
    }
    let native_host = cfg!(target_arch = "arm");
    let native = cmd.native.unwrap_or(native_host);
    if native && !native_host {
        return Err("--mode native needs an ARMv7 host (or qemu-arm); use --mode sim".into());
    }
    let mut opts = Options::with_otp(cmd.pa.clone());
    opts.code_path.extend(cmd.pz.iter().cloned());
    if !cmd.no_cache {
        opts.cache = beam_vm::cache::default_dir();
    }
    opts.native = native;
    if let Some(jit) = cmd.jit {
        opts.jit = jit;
    }
    if let Some(n) = cmd.max_processes {
        beam_runtime::process::set_process_limit(n);
    }
    opts.otp_boot = choose_boot(&cmd, &opts.code_path)?;
    let otp_boot = opts.otp_boot;
    if !cmd.noshell && !otp_boot {
        // OTP's boot starts kernel's shell (user_drv, falling back to `user` on the fd
        // driver, as erl without a terminal); the stand-in has none.
        eprintln!("beam: the stand-in boot has no shell; running as with -noshell");
    }
    if otp_boot {
        // code_server's path is the -pa directories, then ".", then OTP's: a call into a
        // module that is not loaded yet finds it in the current directory as in erl
        // (the VM loads it itself; it does not go through error_handler).
        opts.code_path.insert(cmd.pa.len(), PathBuf::from("."));
    }
    let mut vm = Vm::new(opts)?;
    let outcome = if otp_boot {
        // As erl's emulator: the first process runs erl_init:start(init, Argv) and
        // erts_code_purger is started next to it.
        let argv: Vec<Vec<u8>> = init_argv(&cmd)
            .into_iter()
            .map(String::into_bytes)
            .collect();
        let argv = vm.binaries_of(&argv)?;
        // ERTS's preloaded modules are all loaded before erl_init runs; erl_init looks
        // for prim_socket in `erlang:loaded()` to start socket_registry (`<0.7.0>` in
        // erl). The others load on their first call.
        for m in PRELOAD {
            vm.load(m)?;
        }
        erlexec_env(&cmd);
        let init = beam_runtime::atom::intern("init")?;
        vm.run_system("erl_init", "start", &[init, argv], SYSTEM_PROCESSES)?
    } else {
        let init = beam_frontend::decode(BEAM_INIT)?;
        vm.load_module(&init)?;
        set_boot_args(cmd.boot.clone());
        vm.run("beam_init", "start", &[])?
    };
    // The terminal as it was before the shell's tty_sl driver changed its mode (the
    // driver's port may still be open at halt/1).
    beam_vm::ports_tty::restore();
    if cmd.stats {
        if let Some(n) = vm.instructions() {
            eprintln!("instructions retired: {n}");
        }
        let st = vm.load_stats();
        eprintln!(
            "loaded: {} modules ({} compiled functions, cache {} hits, {} misses, {} \
             stored, {} not cacheable); loading took {:.1} ms",
            st.modules,
            st.functions_compiled,
            st.cache_hits,
            st.cache_misses,
            st.cache_stored,
            st.cache_unfit,
            st.total().as_secs_f64() * 1e3
        );
    }
    Ok(match outcome {
        RunOutcome::Halt(n) => ExitCode::from(n.min(255) as u8),
        RunOutcome::Exited { .. } => {
            eprintln!(
                "beam: no process can run any more (erl would wait for init:stop/0); exiting"
            );
            ExitCode::SUCCESS
        }
        RunOutcome::Error { reason, .. } => {
            let exit = vm.exit_reason().unwrap_or(reason);
            eprintln!("beam: the init process crashed: {exit}");
            ExitCode::from(1)
        }
    })
}

/// Whether to boot OTP (`true`) or run the stand-in: OTP's boot unless
/// `--stand-in-boot` or `BEAM_OTP_BOOT=0` asks for the stand-in; when the installed OTP
/// has no preloaded modules to boot from, `--otp-boot` is an error and otherwise beam
/// says so and runs the stand-in.
fn choose_boot(cmd: &ErlCommand, code_path: &[PathBuf]) -> Result<bool, ErlCliError> {
    if cmd.stand_in_boot {
        return Ok(false);
    }
    let env_off = std::env::var_os("BEAM_OTP_BOOT").is_some_and(|v| v == "0");
    if env_off && !cmd.otp_boot {
        return Ok(false);
    }
    if code_path.iter().any(|d| d.join("erl_init.beam").is_file()) {
        return Ok(true);
    }
    if cmd.otp_boot {
        return Err(ErlCliError::NoOtpBoot {
            path: code_path.to_vec(),
        });
    }
    eprintln!(
        "beam: OTP's preloaded modules (erl_init.beam) are not on the code path; \
         running the init stand-in (--stand-in-boot; docs/boot.md)"
    );
    Ok(false)
}

/// The command line init gets from erl's emulator: the flags erl's start script and
/// erlexec add (`-root`, `-bindir`, `-progname`, `-home`), then the user's words.
fn init_argv(cmd: &ErlCommand) -> Vec<String> {
    let root = root_dir(cmd);
    let mut argv = vec!["-root".to_string(), root.clone()];
    if let Some(erts) = erts_dir(&root) {
        argv.extend(["-bindir".to_string(), format!("{root}/{erts}/bin")]);
    }
    argv.extend(["-progname", "erl", "--", "-home"].map(String::from));
    argv.push(std::env::var("HOME").unwrap_or_else(|_| "/".into()));
    argv.push("--".into());
    // `-root` is given once, first (the start script's).
    let mut words = cmd.init_words.iter();
    while let Some(w) = words.next() {
        if w == "-root" {
            words.next();
            continue;
        }
        argv.push(w.clone());
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn items_flags_and_plain_arguments() {
        let c = parse(&words(
            "-noshell -pa /a /b -eval E1 -s m f x y -run m2 -myflag v -pz /z +P 4096 \
             -eval E2 -extra p -q",
        ))
        .unwrap();
        assert_eq!(
            c.boot.items,
            vec![
                StartItem::Eval("E1".into()),
                StartItem::S(words("m f x y")),
                StartItem::Run(words("m2")),
                StartItem::Eval("E2".into()),
            ]
        );
        assert_eq!(c.pa, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(c.pz, vec![PathBuf::from("/z")]);
        assert_eq!(c.max_processes, Some(4096));
        assert!(c.noshell);
        let flags: Vec<&str> = c.boot.flags.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(flags, ["noshell", "pa", "myflag", "pz"]);
        assert_eq!(c.boot.plain, words("p -q"));
    }

    #[test]
    fn init_gets_the_words_but_beam_s_own() {
        let c = parse(&words(
            "--otp-boot --mode sim -noshell +P 4096 -pa /a /b -root /r -eval E -extra x -y",
        ))
        .unwrap();
        assert!(c.otp_boot);
        assert_eq!(
            c.init_words,
            words("-noshell -pa /a /b -root /r -eval E -extra x -y")
        );
        let argv = init_argv(&c);
        assert_eq!(argv[..2], words("-root /r"));
        // The user's -root is not repeated; the rest follows erl's own flags.
        let tail = argv.iter().position(|w| w == "-noshell").unwrap();
        assert_eq!(
            argv[tail..],
            words("-noshell -pa /a /b -eval E -extra x -y")
        );
        assert_eq!(argv[tail - 1], "--");
    }

    #[test]
    fn bad_command_lines() {
        assert!(matches!(
            parse(&words("-eval")),
            Err(ErlCliError::MissingValue { .. })
        ));
        assert!(matches!(
            parse(&words("-eval a b")),
            Err(ErlCliError::EvalWords { .. })
        ));
        assert!(matches!(
            parse(&words("+P many")),
            Err(ErlCliError::BadValue { .. })
        ));
    }

    #[test]
    fn which_command_lines_are_erl_s() {
        let is = |s: &str| is_erl_command_line(&words(s));
        assert!(is("-noshell -eval x"));
        assert!(is("erl -noshell"));
        assert!(!is("run m f"));
        assert!(!is("--help"));
        assert!(is("--mode sim -noshell"));
        assert!(is("--stand-in-boot -noshell"));
        assert!(!is("disasm x.beam"));
    }

    /// OTP's boot by default when its preloaded modules are on the code path; the
    /// stand-in when asked for or (with a note) when they are not; `--otp-boot` without
    /// them is an error naming the path.
    #[test]
    fn which_boot() {
        let otp = std::env::temp_dir().join(format!("beam-which-boot-{}", std::process::id()));
        std::fs::create_dir_all(&otp).unwrap();
        std::fs::write(otp.join("erl_init.beam"), b"").unwrap();
        let empty = std::env::temp_dir();
        let cmd = |s: &str| parse(&words(s)).unwrap();
        // (BEAM_OTP_BOOT=0 in the test's environment would change the first answer.)
        if std::env::var_os("BEAM_OTP_BOOT").is_none() {
            assert_eq!(
                choose_boot(&cmd("-noshell"), std::slice::from_ref(&otp)),
                Ok(true)
            );
        }
        assert_eq!(
            choose_boot(&cmd("--otp-boot -noshell"), std::slice::from_ref(&otp)),
            Ok(true)
        );
        assert_eq!(
            choose_boot(&cmd("--stand-in-boot -noshell"), std::slice::from_ref(&otp)),
            Ok(false)
        );
        assert_eq!(
            choose_boot(&cmd("-noshell"), std::slice::from_ref(&empty)),
            Ok(false)
        );
        assert!(matches!(
            choose_boot(&cmd("--otp-boot -noshell"), &[empty]),
            Err(ErlCliError::NoOtpBoot { .. })
        ));
        std::fs::remove_dir_all(&otp).ok();
    }
}
