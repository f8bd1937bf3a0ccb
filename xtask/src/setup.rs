//! Make sure the machine has what a boot needs: the riscv64 target and QEMU with
//! OpenSBI. Installs them when it can (rustup; apt as root), otherwise says
//! exactly what to run.

use std::process::{Command, Stdio};

pub const TARGET: &str = "riscv64gc-unknown-none-elf";
pub const QEMU: &str = "qemu-system-riscv64";

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn target_installed() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == TARGET)
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

pub fn ensure_target() -> Result<(), String> {
    if target_installed() {
        return Ok(());
    }
    eprintln!("xtask: installing the {TARGET} target");
    if succeeds(Command::new("rustup").args(["target", "add", TARGET])) && target_installed() {
        return Ok(());
    }
    Err(format!(
        "the {TARGET} target is missing and could not be installed: run `rustup target add {TARGET}`"
    ))
}

/// Commands the tests need, each with the Debian packages that provide it: QEMU and
/// OpenSBI to boot, riscv64 binutils so the host tests can link every generated
/// linker script with GNU ld (the hostile-text property test), the host's C and
/// C++ compilers from both families for the header's compile matrix, and the
/// riscv64 cross C compiler for the C consumer that boots.
const TOOLS: &[(&str, &[&str])] = &[
    (QEMU, &["qemu-system-misc", "opensbi"]),
    ("riscv64-linux-gnu-ld", &["binutils-riscv64-linux-gnu"]),
    ("riscv64-linux-gnu-gcc", &["gcc-riscv64-linux-gnu"]),
    ("gcc", &["gcc"]),
    ("g++", &["g++"]),
    ("clang", &["clang"]),
];

pub fn ensure_tools() -> Result<(), String> {
    let missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(tool, _)| !succeeds(Command::new(tool).arg("--version")))
        .flat_map(|(_, packages)| packages.iter().copied())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let command = format!("apt-get update && apt-get install -y {}", missing.join(" "));
    if !is_root() {
        return Err(format!("missing tools: run `sudo sh -c '{command}'`"));
    }
    eprintln!("xtask: installing {}", missing.join(", "));
    let ok = succeeds(Command::new("apt-get").arg("update"))
        && Command::new("apt-get")
            .args(["install", "-y"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
    let all_there = TOOLS
        .iter()
        .all(|(tool, _)| succeeds(Command::new(tool).arg("--version")));
    if ok && all_there {
        Ok(())
    } else {
        Err(format!("installing tools failed: run `{command}` as root"))
    }
}

pub fn ensure_all() -> Result<(), String> {
    ensure_target()?;
    ensure_tools()
}
