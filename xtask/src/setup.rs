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

pub fn ensure_qemu() -> Result<(), String> {
    if succeeds(Command::new(QEMU).arg("--version")) {
        return Ok(());
    }
    let command = "apt-get update && apt-get install -y qemu-system-misc opensbi";
    if !is_root() {
        return Err(format!("{QEMU} is missing: run `sudo sh -c '{command}'`"));
    }
    eprintln!("xtask: installing QEMU and OpenSBI ({command})");
    let ok = succeeds(Command::new("apt-get").arg("update"))
        && Command::new("apt-get")
            .args(["install", "-y", "qemu-system-misc", "opensbi"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
    if ok && succeeds(Command::new(QEMU).arg("--version")) {
        Ok(())
    } else {
        Err(format!("installing QEMU failed: run `{command}` as root"))
    }
}

pub fn ensure_all() -> Result<(), String> {
    ensure_target()?;
    ensure_qemu()
}
