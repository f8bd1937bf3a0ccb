//! Whether a boot passed: QEMU's status alone cannot say (OpenSBI 1.1 turns a
//! "system failure" reset into status 0), so the kernel's own report decides, and
//! a failure names the boot stage the kernel said it failed in.

use std::fmt;

use crate::boot::Boot;

/// Why a boot does not count as a pass.
#[derive(Debug)]
pub struct Failure {
    /// The boot stage the kernel named in its FAIL line (`parse_fdt`, …), if any.
    pub stage: Option<String>,
    pub why: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.stage {
            Some(stage) => write!(f, "in stage {stage}: {}", self.why),
            None => f.write_str(&self.why),
        }
    }
}

/// The stage a FAIL line names: `FAIL: panic in stage X: …`, `FAIL: stage X: …`,
/// `FAIL: unexpected trap in stage X: …`.
fn failed_stage(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("stage ")?;
    let stage: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!stage.is_empty()).then_some(stage)
}

/// `(passed, failed)` self-tests when the boot passed, else why not.
pub fn verdict(boot: &Boot) -> Result<(usize, usize), Failure> {
    let out = &boot.output;
    if let Some(line) = out.lines().find(|l| l.trim_start().starts_with("FAIL: ")) {
        return Err(Failure {
            stage: failed_stage(line),
            why: line.trim().to_string(),
        });
    }
    checks(boot).map_err(|why| Failure { stage: None, why })
}

/// Why a boot does not count as a pass, if it does not.
fn checks(boot: &Boot) -> Result<(usize, usize), String> {
    let out = &boot.output;
    let Some(status) = boot.status else {
        return Err(format!(
            "timed out; the console's last lines:\n{}",
            last_lines(out, 8)
        ));
    };
    if !out.contains("All set up") {
        return Err("never printed \"All set up\"".into());
    }
    if !out.contains("vmlayout kernel: all self-tests passed") {
        return Err("the kernel never reported success".into());
    }
    let summary = out
        .lines()
        .find_map(|l| l.strip_prefix("self-tests: "))
        .ok_or("no self-test summary")?;
    let numbers: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let (passed, failed) = match numbers[..] {
        [p, f, ..] => (p, f),
        _ => return Err(format!("unreadable summary: {summary}")),
    };
    let pass_lines = out.lines().filter(|l| l.starts_with("PASS ")).count();
    if status != 0
        || failed != 0
        || out.lines().any(|l| l.starts_with("FAIL"))
        || pass_lines != passed
        || passed == 0
    {
        return Err(format!("status {status}, {passed} passed, {failed} failed"));
    }
    Ok((passed, failed))
}

/// The last `n` lines of `out`, indented, for a report.
fn last_lines(out: &str, n: usize) -> String {
    let lines: Vec<&str> = out.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
