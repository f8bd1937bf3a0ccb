//! The generator's host figures for `cargo xtask bench`: `check` and `generate` of
//! plans of 5,000 regions (the repository's layout with 5,000 more regions), with
//! the release `vmlayout` binary. Wall-clock time is the median of five runs on
//! this machine; peak memory is the largest resident set (`ru_maxrss`) of the run.
//! Two shapes: regions each placed `after` the one before (a chain 5,000 deep,
//! what placement resolution works through), and regions at fixed addresses.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::repo;

/// Regions added to the repository's layout.
const REGIONS: usize = 5_000;
/// Runs per figure; the median is reported.
const RUNS: usize = 5;

/// One command's figures.
pub struct Figure {
    pub what: String,
    pub median: Duration,
    pub peak_kib: u64,
}

/// The repository's layout with [`REGIONS`] more 4 KiB regions after `vmap`:
/// chained by `after`, or each at its own address.
fn big_layout(chained: bool) -> Result<String, String> {
    let mut text = std::fs::read_to_string(repo().join("layout.toml"))
        .map_err(|e| format!("cannot read layout.toml: {e}"))?;
    for i in 0..REGIONS {
        let place = if chained {
            let previous = if i == 0 {
                "vmap".to_string()
            } else {
                format!("r{}", i - 1)
            };
            format!("after = \"{previous}\"")
        } else {
            // Root slot 497 onwards is free in the default plan.
            format!("at = \"slot(497) + {}K\"", 8 * i)
        };
        text += &format!(
            "\n[[region]]\nname = \"r{i}\"\npurpose = \"reserved\"\n{place}\nsize = \"4K\"\n\
             perms = \"r\"\ndescription = \"region {i}\"\n"
        );
    }
    Ok(text)
}

/// Runs `cmd` [`RUNS`] times through `xtask measure`, which reports the child's
/// peak resident set.
fn measure(vmlayout: &Path, args: &[&str], what: String) -> Result<Figure, String> {
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let out = Command::new(&xtask)
            .arg("measure")
            .arg(vmlayout)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", vmlayout.display()))?;
        let elapsed = started.elapsed();
        if !out.status.success() {
            return Err(format!(
                "{what} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let kib: u64 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|e| format!("xtask measure printed no peak: {e}"))?;
        peak = peak.max(kib);
        times.push(elapsed);
    }
    times.sort();
    Ok(Figure {
        what,
        median: times[RUNS / 2],
        peak_kib: peak,
    })
}

/// `check` and `generate` of both 5,000-region plans.
pub fn run() -> Result<Vec<Figure>, String> {
    let status = Command::new("cargo")
        .current_dir(repo())
        .args(["build", "--release", "--quiet", "-p", "vmlayout"])
        .status()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !status.success() {
        return Err("cannot build the release vmlayout".into());
    }
    let vmlayout = release_binary()?;
    let dir = repo().join("target/bench-generator");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut figures = Vec::new();
    for (chained, shape) in [(true, "chained by `after`"), (false, "at fixed addresses")] {
        let layout = dir.join(format!(
            "regions-{}.toml",
            if chained { "chained" } else { "fixed" }
        ));
        std::fs::write(&layout, big_layout(chained)?)
            .map_err(|e| format!("cannot write {}: {e}", layout.display()))?;
        let out = dir.join("out");
        let layout = layout.to_string_lossy().into_owned();
        let out = out.to_string_lossy().into_owned();
        figures.push(measure(
            &vmlayout,
            &["check", &layout],
            format!("`check`, 5,000 regions {shape}"),
        )?);
        figures.push(measure(
            &vmlayout,
            &["generate", &layout, "--out", &out],
            format!("`generate`, 5,000 regions {shape}"),
        )?);
    }
    Ok(figures)
}

/// Where cargo put the release `vmlayout` (the target directory may be moved).
fn release_binary() -> Result<PathBuf, String> {
    let out = Command::new("cargo")
        .current_dir(repo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let target = meta["target_directory"]
        .as_str()
        .ok_or("cargo metadata gave no target directory")?;
    Ok(Path::new(target).join("release/vmlayout"))
}

/// `xtask measure CMD ARGS…`: runs the command with its output discarded and prints
/// the peak resident set of it (the only child) in KiB; exits as it exited.
pub fn measure_child(args: &[String]) -> Result<u8, String> {
    let (cmd, rest) = args.split_first().ok_or("measure needs a command")?;
    let status = Command::new(cmd)
        .args(rest)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {cmd}: {e}"))?;
    // SAFETY: getrusage writes one `rusage` into the zeroed value it is given; the
    // pointer is valid and exclusive for the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_CHILDREN, &raw mut usage) == 0).then_some(usage)
    };
    let usage = usage.ok_or("getrusage failed")?;
    println!("{}", usage.ru_maxrss);
    Ok(if status.success() { 0 } else { 1 })
}
