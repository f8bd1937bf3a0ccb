//! `cargo xtask fuzz [--seconds N]`: run the cargo-fuzz target `layout` (parse →
//! validate → every emitter) on nightly, installing cargo-fuzz when it is missing.
//! The seeds are every layout in the repository, gathered afresh for each run
//! (layout.toml, tests/layouts, tests/invalid, tests/bad-inputs,
//! tests/fuzz-regressions and fuzz/seeds), with the dictionary fuzz/layout.dict
//! generated from the parser's key lists.

use std::io::{BufRead, BufReader};
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
        eprintln!(
            "xtask: installing a nightly toolchain for cargo-fuzz (rustup toolchain install nightly)"
        );
        let ok = Command::new("rustup")
            .args(["toolchain", "install", "nightly", "--profile", "minimal"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok || !have_nightly() {
            return Err(
                "cargo-fuzz needs a nightly toolchain: run `rustup toolchain install nightly`"
                    .into(),
            );
        }
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
    let seeds = gather_seeds()?;
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&fuzz)
        // Debug assertions on: an arithmetic overflow must crash, not wrap silently.
        // No sanitizer: vmlayout forbids unsafe code, so AddressSanitizer finds nothing
        // the bounds and overflow checks do not, and it cost 3.5x the executions
        // (539 against 1,898 per second on this 2-core machine).
        .args([
            "+nightly",
            "fuzz",
            "run",
            "--debug-assertions",
            "--sanitizer",
            "none",
            "layout",
        ])
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-dict={}", fuzz.join("layout.dict").display()))
        .arg("-max_len=8192")
        .arg("-print_final_stats=1");
    for var in ["CARGO_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    eprintln!("xtask: fuzzing `layout` for {seconds} s (crashes land in fuzz/artifacts/layout/)");
    // libFuzzer reports on stderr: passed through, and its final statistics read.
    let mut child = cmd
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    let mut stats = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            if let Some(stat) = line.strip_prefix("stat::") {
                stats.push(stat.to_string());
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    let stat = |name: &str| {
        stats
            .iter()
            .find_map(|s| s.strip_prefix(name)?.strip_prefix(':'))
            .map_or("?".to_string(), |v| v.trim().to_string())
    };
    eprintln!(
        "xtask: {} executions in {seconds} s, {} per second on average (libFuzzer's figures; each runs parse, resolve, validate and every emitter)",
        stat("number_of_executed_units"),
        stat("average_exec_per_sec")
    );
    if status.success() {
        minimize_if_grown(&fuzz, &corpus)?;
        Ok(0)
    } else if stats.is_empty() {
        // No statistics: the fuzzer never ran (a build or tool failure), which is not
        // a finding but a broken run.
        Err(format!(
            "cargo fuzz failed before fuzzing ({status}): see above"
        ))
    } else {
        eprintln!(
            "xtask: the fuzzer found a failing input: add it to tests/fuzz-regressions/ and fix the cause"
        );
        Ok(1)
    }
}

/// Inputs the kept corpus may grow to before a run minimizes it, at least.
const CORPUS_LIMIT: usize = 5_000;

/// Minimize the kept corpus (`cargo fuzz cmin`: only inputs that add coverage
/// stay) once it holds more than [`CORPUS_LIMIT`] inputs and twice what the last
/// minimization left (recorded in `fuzz/target/corpus-minimized`). libFuzzer runs
/// every kept input before it mutates anything, so an unbounded corpus turns a
/// bounded run into a replay: 20,000 inputs took a whole 60 s run on this machine.
fn minimize_if_grown(fuzz: &std::path::Path, corpus: &std::path::Path) -> Result<(), String> {
    let count = std::fs::read_dir(corpus)
        .map_err(|e| format!("cannot read {}: {e}", corpus.display()))?
        .count();
    let record = fuzz.join("target/corpus-minimized");
    let last: usize = std::fs::read_to_string(&record)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    if count <= CORPUS_LIMIT.max(2 * last) {
        return Ok(());
    }
    eprintln!("xtask: the corpus holds {count} inputs: minimizing it (cargo fuzz cmin)");
    let mut cmd = Command::new("cargo");
    cmd.current_dir(fuzz)
        .args([
            "+nightly",
            "fuzz",
            "cmin",
            "--debug-assertions",
            "--sanitizer",
            "none",
            "layout",
        ])
        .arg(corpus)
        .arg("--")
        .arg("-max_len=8192");
    for var in ["CARGO_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    let ok = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let left = std::fs::read_dir(corpus).map_or(0, Iterator::count);
    if !ok {
        return Err(format!("cargo fuzz cmin failed on {}", corpus.display()));
    }
    eprintln!("xtask: the corpus now holds {left} inputs");
    std::fs::write(&record, format!("{left}\n"))
        .map_err(|e| format!("cannot write {}: {e}", record.display()))
}

/// Every layout in the repository, copied into a fresh `fuzz/target/seeds`: the
/// fuzzer starts from all of them (and from what earlier runs kept in its corpus).
fn gather_seeds() -> Result<std::path::PathBuf, String> {
    let repo = repo();
    let seeds = repo.join("fuzz/target/seeds");
    let _ = std::fs::remove_dir_all(&seeds);
    std::fs::create_dir_all(&seeds)
        .map_err(|e| format!("cannot create {}: {e}", seeds.display()))?;
    let mut files = vec![repo.join("layout.toml")];
    for dir in [
        "tests/layouts",
        "tests/invalid",
        "tests/bad-inputs",
        "tests/fuzz-regressions",
        "fuzz/seeds",
    ] {
        let entries =
            std::fs::read_dir(repo.join(dir)).map_err(|e| format!("cannot read {dir}: {e}"))?;
        files.extend(
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file()),
        );
    }
    for (i, file) in files.iter().enumerate() {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let to = seeds.join(format!("{i:03}-{name}"));
        std::fs::copy(file, &to).map_err(|e| format!("cannot copy {}: {e}", file.display()))?;
    }
    eprintln!("xtask: {} seed layouts in {}", files.len(), seeds.display());
    Ok(seeds)
}
