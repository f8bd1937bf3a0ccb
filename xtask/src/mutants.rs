//! `cargo xtask mutants [--file PATH]… [--shard K/N] [--iterate]`: mutation testing
//! of the generator (package `vmlayout`, codegen/src) with cargo-mutants, which is
//! installed when missing.
//!
//! Each mutant is judged by the generator's unit tests, the CLI tests and every
//! integration test in tests/ except `macro`: trybuild compiles whole crates of its
//! own for each case (about 8 s) to check the proc-macro crate's messages, and that
//! crate is not mutated. Doctests are left out too (each is a crate of its own).
//!
//! cargo-mutants runs its unmutated baseline with the mutated package's tests only,
//! so our test selection (which names targets of `vmlayout-tests`) would fail it;
//! the baseline is run here instead, with exactly the tests every mutant gets, and
//! its time sets the per-mutant timeout.
//!
//! Reviewed exceptions (mutants no test can or should catch: equivalent ones, and
//! ones in code whose only observable effect is speed) are `exclude_re` entries in
//! `.cargo/mutants.toml`, each with its reason. The summary counts them.
//!
//! Results land in `target/mutants/mutants.out` (`missed.txt`, `caught.txt`, the
//! logs); `--iterate` skips the mutants an earlier run there caught.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::repo;

/// Integration tests of `vmlayout-tests` no mutant is judged by (see the module doc).
const LEFT_OUT: &[&str] = &["macro"];

fn have_cargo_mutants() -> bool {
    Command::new("cargo")
        .args(["mutants", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The `[[test]]` target names in tests/Cargo.toml, less [`LEFT_OUT`].
fn integration_tests(repo: &Path) -> Result<Vec<String>, String> {
    let manifest = repo.join("tests/Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let mut names = Vec::new();
    let mut in_test = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_test = line == "[[test]]";
        } else if in_test && let Some(value) = line.strip_prefix("name = ") {
            let name = value.trim_matches('"').to_string();
            if !LEFT_OUT.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    if names.is_empty() {
        return Err(format!(
            "no [[test]] targets found in {}",
            manifest.display()
        ));
    }
    Ok(names)
}

/// The `cargo test` arguments every mutant (and the baseline) is judged by.
fn test_args(repo: &Path) -> Result<Vec<String>, String> {
    let mut args = vec!["--lib".to_string(), "--test".into(), "cli".into()];
    for name in integration_tests(repo)? {
        args.push("--test".into());
        args.push(name);
    }
    Ok(args)
}

struct Options {
    files: Vec<String>,
    shard: Option<String>,
    iterate: bool,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        files: Vec::new(),
        shard: None,
        iterate: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--file" | "-f" => o
                .files
                .push(it.next().ok_or("--file needs a path")?.clone()),
            "--shard" => o.shard = Some(it.next().ok_or("--shard needs K/N")?.clone()),
            "--iterate" => o.iterate = true,
            other => {
                return Err(format!(
                    "unknown argument `{other}`: cargo xtask mutants [--file PATH]… [--shard K/N] [--iterate]"
                ));
            }
        }
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<u8, String> {
    let o = options(args)?;
    if !have_cargo_mutants() {
        eprintln!("xtask: installing cargo-mutants (cargo install cargo-mutants --locked)");
        let ok = Command::new("cargo")
            .args(["install", "cargo-mutants", "--locked"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok || !have_cargo_mutants() {
            return Err(
                "installing cargo-mutants failed: run `cargo install cargo-mutants --locked`"
                    .into(),
            );
        }
    }
    // The emitter tests assemble and link with the riscv64 binutils.
    crate::setup::ensure_tools()?;
    let repo = repo();
    let tests = test_args(&repo)?;

    eprintln!("xtask: baseline: the tests each mutant gets, on the unmutated tree");
    let cargo_test = |extra: &[&str]| {
        Command::new("cargo")
            .current_dir(&repo)
            .args(["test", "--profile", "mutants"])
            .args(["-p", "vmlayout", "-p", "vmlayout-tests"])
            .args(extra)
            .args(&tests)
            .status()
            .map_err(|e| format!("cannot run cargo test: {e}"))
    };
    if !cargo_test(&["--no-run"])?.success() {
        return Err("the tests do not build on the unmutated tree: fix them first".into());
    }
    let started = Instant::now();
    if !cargo_test(&[])?.success() {
        return Err("the tests fail on the unmutated tree: fix them first".into());
    }
    // A mutant's tests get five times the baseline's and at least a minute (the CLI
    // tests alone kill `generate` for up to 20 s); a mutant that loops is cut off.
    let timeout = (started.elapsed().as_secs() * 5).max(60);

    let out = repo.join("target/mutants");
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&repo)
        .args(["mutants", "--package", "vmlayout"])
        .args([
            "--test-package",
            "vmlayout",
            "--test-package",
            "vmlayout-tests",
        ])
        .args(["--baseline", "skip", "--profile", "mutants"])
        .args(["--timeout", &timeout.to_string()])
        // A mutant can loop inside the `layout!` proc-macro, that is, while the tests
        // build: a build gets five minutes (one takes about 20 s here).
        .args(["--build-timeout", "300"])
        .arg("--output")
        .arg(&out);
    for file in &o.files {
        cmd.args(["--file", file]);
    }
    if let Some(shard) = &o.shard {
        cmd.args(["--shard", shard]);
    }
    if o.iterate {
        cmd.arg("--iterate");
    }
    cmd.arg("--").args(&tests);
    eprintln!("xtask: cargo mutants (timeout {timeout} s per mutant's tests)");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run cargo mutants: {e}"))?;
    let summary = summary(&out.join("mutants.out"))?;
    eprintln!("xtask: {summary}");
    // cargo-mutants exits 2 when a mutant was missed, 3 on a timeout: the summary
    // above says which; any other failure is the tool's own.
    match status.code() {
        Some(0) => Ok(0),
        Some(2 | 3) => Ok(1),
        _ => Err(format!("cargo mutants failed ({status})")),
    }
}

/// Caught, missed, timed out and unviable mutants of the run in `dir`, and the share
/// of viable mutants caught (a timeout counts as caught, as cargo-mutants counts it).
fn summary(dir: &Path) -> Result<String, String> {
    let count = |name: &str| -> usize {
        std::fs::read_to_string(dir.join(name))
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
            .unwrap_or(0)
    };
    let (caught, missed, timeout, unviable) = (
        count("caught.txt"),
        count("missed.txt"),
        count("timeout.txt"),
        count("unviable.txt"),
    );
    let viable = caught + missed + timeout;
    if viable == 0 {
        return Ok(format!("no viable mutants tested ({unviable} unviable)"));
    }
    let share = (caught + timeout) as f64 * 100.0 / viable as f64;
    let mut text = format!(
        "{viable} viable mutants: {caught} caught, {timeout} timed out, {missed} missed \
         ({share:.1}% caught); {unviable} unviable"
    );
    if missed > 0 {
        text += &format!(
            "; the missed ones are in {}",
            dir.join("missed.txt").display()
        );
    }
    Ok(text)
}
