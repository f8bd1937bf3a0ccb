//! `cargo xtask fuzz [--seconds N]`: run the cargo-fuzz target `layout` (parse →
//! validate → every emitter) on nightly, from the committed seeds in fuzz/seeds,
//! installing cargo-fuzz when it is missing.

use std::process::{Command, Stdio};

use crate::repo;

const DEFAULT_SECONDS: u64 = 60;

fn have_cargo_fuzz() -> bool {
    Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn have_nightly() -> bool {
    Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with("nightly"))
        })
}

pub fn run(args: &[String]) -> Result<u8, String> {
    let seconds = match args.iter().position(|a| a == "--seconds") {
        Some(i) => args
            .get(i + 1)
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or("--seconds needs a whole number")?,
        None => DEFAULT_SECONDS,
    };
    if !have_nightly() {
        return Err(
            "cargo-fuzz needs a nightly toolchain: run `rustup toolchain install nightly`".into(),
        );
    }
    if !have_cargo_fuzz() {
        eprintln!("xtask: installing cargo-fuzz (cargo install cargo-fuzz --locked)");
        let ok = Command::new("cargo")
            .args(["install", "cargo-fuzz", "--locked"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok || !have_cargo_fuzz() {
            return Err(
                "installing cargo-fuzz failed: run `cargo install cargo-fuzz --locked`".into(),
            );
        }
    }
    let fuzz = repo().join("fuzz");
    let corpus = fuzz.join("corpus/layout");
    std::fs::create_dir_all(&corpus)
        .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&fuzz)
        // Debug assertions on: an arithmetic overflow must crash, not wrap silently.
        .args(["+nightly", "fuzz", "run", "--debug-assertions", "layout"])
        .arg(&corpus)
        .arg(fuzz.join("seeds"))
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-dict={}", fuzz.join("layout.dict").display()))
        .arg("-max_len=8192")
        .arg("-print_final_stats=1");
    for var in ["CARGO_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    eprintln!("xtask: fuzzing `layout` for {seconds} s (crashes land in fuzz/artifacts/layout/)");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    if status.success() {
        Ok(0)
    } else {
        eprintln!(
            "xtask: the fuzzer found a failing input: add it to tests/fuzz-regressions/ and fix the cause"
        );
        Ok(1)
    }
}
