//! The shell on a terminal: `beam erl` and `erl` each run in a pseudo-terminal and get
//! the same keystrokes (typing, backspace, cursor keys, an insertion in the middle of a
//! line, history recall, `q()`), each sent once the output so far shows what the
//! previous one should have produced. The bytes each writes to the terminal must be the
//! same, but for the first line (erl's `system_version`, whose word size, scheduler
//! count and JIT flavour are the emulator's own). This is the tty_sl driver
//! (vm/src/ports_tty.rs) under user_drv and edlin, as erl runs them.

#![cfg(not(target_arch = "arm"))]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A keystroke group and what the output must then show (after what it showed before).
const STEPS: &[(&str, &str)] = &[
    ("", "1> "),
    ("X = 6*7.\r", "2> "),
    ("lists:seq(1, X div 10).\r", "3> "),
    // Backspace over three characters.
    ("abc\x7f\x7f\x7f[X].\r", "4> "),
    // Two cursor-lefts, then an insertion before `].`.
    ("[a].\x1b[D\x1b[D,b\r", "5> "),
    // History: the line before, recalled and run again.
    ("\x1b[A", "[a,b]."),
    ("\r", "6> "),
    ("q().\r", ""),
];

const WAIT: Duration = Duration::from_secs(180);

/// Runs `program args` on a new pseudo-terminal through [`STEPS`]; all it wrote.
fn session(program: &str, args: &[&str]) -> String {
    let (mut master, slave) = openpty();
    let io = |f: &OwnedFd| Stdio::from(f.try_clone().unwrap());
    let mut child = Command::new(program)
        .args(args)
        .env("TERM", "xterm")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .stdin(io(&slave))
        .stdout(io(&slave))
        .stderr(io(&slave))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    drop(slave);
    let mut seen: Vec<u8> = Vec::new();
    for &(keys, expect) in STEPS {
        let from = seen.len();
        master.write_all(keys.as_bytes()).unwrap();
        let t0 = Instant::now();
        while !String::from_utf8_lossy(&seen[from..]).contains(expect) {
            assert!(
                t0.elapsed() < WAIT,
                "{program}: no {expect:?} after {keys:?}; output: {:?}",
                String::from_utf8_lossy(&seen)
            );
            if !read_some(&mut master, &mut seen) {
                break;
            }
        }
    }
    // The rest, up to the end of the program (EIO once the terminal has no writer).
    let t0 = Instant::now();
    while t0.elapsed() < WAIT && read_some(&mut master, &mut seen) {}
    let _ = child.kill();
    let _ = child.wait();
    String::from_utf8_lossy(&seen).into_owned()
}

/// Reads what is there within 100 ms into `seen`; false at the end of the output.
fn read_some(master: &mut File, seen: &mut Vec<u8>) -> bool {
    let mut pfd = libc::pollfd {
        fd: master.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll reads and writes one pollfd through the pointer, which is ours.
    let r = unsafe { libc::poll(&mut pfd, 1, 100) };
    if r <= 0 {
        return true;
    }
    let mut buf = [0u8; 4096];
    match master.read(&mut buf) {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            seen.extend_from_slice(&buf[..n]);
            true
        }
    }
}

fn openpty() -> (File, OwnedFd) {
    let (mut m, mut s) = (-1, -1);
    // SAFETY: openpty writes the two descriptors it opens; no name, termios or size.
    let r = unsafe {
        libc::openpty(
            &mut m,
            &mut s,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened by openpty and are owned by nothing else.
    unsafe { (File::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
}

/// Everything after the first line.
fn after_banner(s: &str) -> &str {
    s.split_once('\n').map_or("", |(_, rest)| rest)
}

#[test]
fn shell_on_a_terminal_matches_erl() {
    let beam = env!("CARGO_BIN_EXE_beam");
    let (erl, ours) = std::thread::scope(|s| {
        let e = s.spawn(|| session("erl", &[]));
        let b = s.spawn(|| session(beam, &["--mode", "sim", "erl"]));
        (e.join().unwrap(), b.join().unwrap())
    });
    assert!(
        erl.starts_with("Erlang/OTP") && erl.contains("6> "),
        "erl did not run the session: {erl:?}"
    );
    assert!(
        ours.starts_with("Erlang/OTP"),
        "beam printed no banner: {ours:?}"
    );
    assert_eq!(
        after_banner(&erl),
        after_banner(&ours),
        "\nerl:\n{erl}\nbeam:\n{ours}"
    );
}
