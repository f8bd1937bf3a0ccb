//! The external kernel example (`examples/rust-kernel/`): a crate outside the
//! workspace that uses vmlayout as a user's kernel would — build script, `layout!`,
//! its own linker script including the plan's part — built for the default plan
//! and booted in QEMU.

use std::process::Command;

use crate::boot;
use crate::repo;

/// Build and boot the example: it passes when QEMU exits 0 through the test device
/// and the kernel says every check passed.
pub fn build_and_boot() -> Result<String, String> {
    let dir = repo().join("examples/rust-kernel");
    // From the example's own directory, so its .cargo/config.toml (the riscv64
    // target) applies, as for a user building it there.
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&dir)
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
        ])
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env("VMLAYOUT_FILE", repo().join("layout.toml"))
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the example kernel did not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let elf = boot::reported_executable(
        &String::from_utf8_lossy(&output.stdout),
        "vmlayout-example-kernel",
    )
    .ok_or("cargo did not report the example kernel's ELF")?;
    boot::boot_example(&elf, "example kernel: all checks passed")
}
