//! `cargo xtask test`: the host test suite, then a boot of every plan (each must exit
//! 0 with every self-test passing), then the negative cases: a plan whose image
//! region is too small must fail to link with the assertion that names the layout
//! field, and a kernel built to fail a self-test must fail its boot.

use std::path::PathBuf;
use std::process::Command;

use crate::boot::{self, Boot};
use crate::{repo, setup};

/// The plans every test run boots: the default and everything in tests/layouts/.
pub fn plans() -> Vec<PathBuf> {
    let mut plans: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/layouts"))
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    plans.sort();
    plans.insert(0, repo().join("layout.toml"));
    plans
}

/// Why a boot does not count as a pass, if it does not.
pub fn verdict(boot: &Boot) -> Result<(usize, usize), String> {
    let out = &boot.output;
    let Some(status) = boot.status else {
        return Err("timed out".into());
    };
    if !out.contains("All set up") {
        return Err("never printed \"All set up\"".into());
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

fn host_tests() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(repo())
        .args(["test", "--workspace", "--all-targets"])
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("host tests failed".into())
    }
}

pub fn run() -> Result<u8, String> {
    // Tools first: the host tests use GNU ld for riscv64 too.
    setup::ensure_all()?;
    host_tests()?;
    let mut passed = 0;
    let mut failed = 0;
    let mut record = |name: String, result: Result<String, String>| match result {
        Ok(detail) => {
            passed += 1;
            println!("boot test {name} ... ok ({detail})");
        }
        Err(why) => {
            failed += 1;
            println!("boot test {name} ... FAILED: {why}");
        }
    };

    for plan in plans() {
        let name = plan
            .strip_prefix(repo())
            .unwrap_or(&plan)
            .display()
            .to_string();
        record(
            name,
            boot_plan(&plan, &[])
                .and_then(|b| verdict(&b).map(|(p, _)| format!("{p} self-tests passed"))),
        );
    }

    // Negative: an image region smaller than the image fails at link time, naming the field.
    let tiny = repo().join("tests/negative/image-region-too-small.toml");
    record("negative: image region smaller than the image".into(), {
        let build = boot::build_kernel(&tiny, &[])?;
        let wanted = "vmlayout: the kernel image is larger than region `image`: raise the size of region `image`";
        if build.ok {
            Err("the kernel linked".into())
        } else if build.stderr.contains(wanted) {
            Ok("link failed with the layout assertion".into())
        } else {
            Err(format!(
                "the build failed, but not with the layout assertion:\n{}",
                build.stderr
            ))
        }
    });

    // Negative: a kernel built to fail a self-test must make its boot fail.
    record("negative: a failing self-test fails the boot".into(), {
        let boot = boot_plan(&repo().join("layout.toml"), &["inject-selftest-failure"])?;
        match verdict(&boot) {
            Ok(_) => Err("the boot passed although a self-test was made to fail".into()),
            Err(why) if boot.status.is_some_and(|s| s != 0) => {
                Ok(format!("boot failed as it must: {why}"))
            }
            Err(why) => Err(format!("the boot failed for another reason: {why}")),
        }
    });

    // Leave the default kernel built, so `cargo xtask run` does not start with a stale one.
    let _ = boot::build_kernel(&repo().join("layout.toml"), &[]);
    println!("\nboot tests: {passed} passed, {failed} failed");
    Ok(if failed == 0 { 0 } else { 1 })
}

fn boot_plan(plan: &std::path::Path, features: &[&str]) -> Result<Boot, String> {
    let build = boot::build_kernel(plan, features)?;
    if !build.ok {
        return Err(format!("the kernel did not build:\n{}", build.stderr));
    }
    boot::boot(&boot::kernel_elf(), false)
}
