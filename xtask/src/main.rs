//! `cargo xtask`: the project's workflows.
//!
//! - `run [--layout FILE] [--smp N] [--timeout S]`: build the kernel for a plan and boot it in QEMU on N harts.
//! - `test`: host tests, then boot every plan and the negative cases.
//! - `bench [--check]`: boot every plan under `-icount shift=0`, print and record the figures.
//! - `completions [--out DIR]`: shell completions and man pages of the `vmlayout` CLI.
//! - `fuzz [--seconds N]`: run the cargo-fuzz target over the layout pipeline.
//! - `mutants [--file PATH]… [--shard K/N] [--iterate]`: mutation testing of the generator.
//! - `gdb [--layout FILE]`: boot halted with QEMU's gdb stub.
//! - `c-kernel`: build and boot the C consumer in `examples/c-kernel/`.
//! - `rust-kernel`: build and boot the external kernel example in `examples/rust-kernel/`.

mod bench;
mod boot;
mod c_kernel;
mod completions;
mod fuzz;
mod generator_bench;
mod mutants;
mod random_plans;
mod rust_kernel;
mod setup;
mod test;
mod variants;
mod verdict;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the repository")
        .to_path_buf()
}

const USAGE: &str = "usage: cargo xtask <run [--layout FILE] [--smp N] [--timeout S] | test | bench [--check] | completions [--out DIR] | fuzz [--seconds N] | mutants [--file PATH]… [--shard K/N] [--iterate] | gdb [--layout FILE] | random-plans [--count N] [--seed S] | c-kernel | rust-kernel>";

fn layout_arg(args: &[String]) -> Result<PathBuf, String> {
    match args.iter().position(|a| a == "--layout") {
        Some(i) => {
            let file = args.get(i + 1).ok_or("--layout needs a file")?;
            let path = std::env::current_dir()
                .map_err(|e| e.to_string())?
                .join(file);
            if !path.is_file() {
                return Err(format!("no layout file at {}", path.display()));
            }
            Ok(path)
        }
        None => Ok(repo().join("layout.toml")),
    }
}

/// `--smp N` (1 to [`boot::VIRT_MAX_HARTS`], QEMU virt's range), 1 without.
fn smp_arg(args: &[String]) -> Result<u32, String> {
    match args.iter().position(|a| a == "--smp") {
        None => Ok(1),
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .filter(|n| (1..=boot::VIRT_MAX_HARTS).contains(n))
            .ok_or_else(|| {
                format!(
                    "--smp needs a hart count, 1 to {} (QEMU virt's limit)",
                    boot::VIRT_MAX_HARTS
                )
            }),
    }
}

/// `--timeout SECONDS` (the boot is stopped then), [`boot::TIMEOUT`] without.
fn timeout_arg(args: &[String]) -> Result<std::time::Duration, String> {
    match args.iter().position(|a| a == "--timeout") {
        None => Ok(boot::TIMEOUT),
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .filter(|&n: &u64| n > 0)
            .map(std::time::Duration::from_secs)
            .ok_or_else(|| "--timeout needs a number of seconds".to_string()),
    }
}

/// `cargo xtask random-plans [--count N] [--seed S]`.
fn random_plans_command(args: &[String]) -> Result<u8, String> {
    let value = |flag: &str| -> Result<Option<u64>, String> {
        match args.iter().position(|a| a == flag) {
            Some(i) => args
                .get(i + 1)
                .ok_or(format!("{flag} needs a number"))?
                .parse()
                .map(Some)
                .map_err(|e| format!("{flag}: {e}")),
            None => Ok(None),
        }
    };
    let count = value("--count")?.unwrap_or(20) as usize;
    let seed = value("--seed")?.unwrap_or_else(random_plans::fresh_seed);
    setup::ensure_all()?;
    let tally = random_plans::run(count, seed)?;
    Ok(if tally.failures.is_empty() { 0 } else { 1 })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => layout_arg(&args[1..])
            .and_then(|layout| boot::run(&layout, smp_arg(&args[1..])?, timeout_arg(&args[1..])?)),
        Some("test") => test::run(),
        Some("bench") => bench::run(&args[1..]),
        Some("completions") => completions::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("mutants") => mutants::run(&args[1..]),
        // Internal: the generator benchmark's peak-memory probe.
        Some("measure") => generator_bench::measure_child(&args[1..]),
        Some("gdb") => layout_arg(&args[1..]).and_then(|layout| boot::gdb(&layout)),
        Some("random-plans") => random_plans_command(&args[1..]),
        Some("rust-kernel") => setup::ensure_all()
            .and_then(|()| rust_kernel::build_and_boot())
            .map(|detail| {
                eprintln!("xtask: the example kernel booted: {detail}");
                0
            }),
        Some("c-kernel") => setup::ensure_all()
            .and_then(|()| c_kernel::build_and_boot())
            .map(|detail| {
                eprintln!("xtask: the C consumer booted: {detail}");
                0
            }),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::from(2)
        }
    }
}
