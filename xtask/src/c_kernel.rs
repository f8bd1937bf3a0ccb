//! The C consumer (`examples/c-kernel/`): a freestanding riscv64 program that
//! includes the default plan's `layout.h` unchanged in its C code, its assembly
//! entry and its own linker script (run through the preprocessor), built with the
//! distribution's cross gcc, booted in QEMU, checking plan facts at run time.

use std::path::Path;
use std::process::Command;

use crate::boot;
use crate::repo;

/// The cross compiler and its preprocessor (Debian's gcc-riscv64-linux-gnu).
const CC: &str = "riscv64-linux-gnu-gcc";
const CPP: &str = "riscv64-linux-gnu-cpp";

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// Build the C consumer for `layout` into `dir`; the ELF's path.
fn build(layout: &Path, dir: &Path) -> Result<std::path::PathBuf, String> {
    let src = repo().join("examples/c-kernel");
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    run(Command::new(boot::vmlayout_cli()?)
        .arg("generate")
        .arg(layout)
        .arg("--out")
        .arg(dir))?;
    run(Command::new(CPP)
        .args(["-P", "-undef", "-D__ASSEMBLY__", "-I"])
        .arg(dir)
        .arg(src.join("kernel.lds.S"))
        .arg("-o")
        .arg(dir.join("kernel.lds")))?;
    let elf = dir.join("c-kernel.elf");
    run(Command::new(CC)
        .args([
            "-march=rv64gc",
            "-mabi=lp64d",
            "-mcmodel=medany",
            "-std=c11",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-ffreestanding",
            "-fno-pie",
            "-no-pie",
            "-nostdlib",
            "-static",
            "-I",
        ])
        .arg(dir)
        .arg("-T")
        .arg(dir.join("kernel.lds"))
        .arg("-o")
        .arg(&elf)
        .arg(src.join("start.S"))
        .arg(src.join("main.c")))?;
    Ok(elf)
}

/// Build and boot the C consumer for the default plan: it passes when QEMU exits
/// 0 through the test device and the program says every check passed.
pub fn build_and_boot() -> Result<String, String> {
    let elf = build(
        &repo().join("layout.toml"),
        &repo().join("target/xtask/c-kernel"),
    )?;
    boot::boot_example(&elf, "c-consumer: all checks passed")
}
