//! `cargo xtask test`: the host test suite, then a boot of every plan (each must exit
//! 0 with every self-test passing), then the negative cases: a plan whose image
//! region is too small must fail to link with the assertion that names the layout
//! field, and a kernel built to fail a self-test must fail its boot.

use std::path::PathBuf;
use std::process::Command;

use crate::boot::{self, Boot};
use crate::verdict::verdict;
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
        let build = boot::build_kernel(&plan, &[], &[])?;
        for harts in SMP {
            record(
                format!("{name} -smp {harts}"),
                boot_smp(&build, &plan, harts),
            );
        }
    }

    for (i, variant) in crate::variants::VARIANTS.iter().enumerate() {
        record(
            format!("variant: {}", variant.name),
            boot_variant(i, variant),
        );
    }

    // Accepted ⇒ boots: a few random plans per run, from a fresh seed (printed).
    let seed = crate::random_plans::fresh_seed();
    let tally = crate::random_plans::run(RANDOM_PLANS, seed)?;
    record(
        format!("random plans (seed {seed})"),
        if tally.failures.is_empty() {
            Ok(format!(
                "{} generated, {} accepted, {} booted",
                tally.plans, tally.accepted, tally.booted
            ))
        } else {
            Err(tally.failures.join("\n"))
        },
    );

    // Negative: an image region smaller than the kernel fails the build with a
    // vmlayout diagnostic from the kernel's needs, before anything links (the
    // linker script's own assertion is tested on the host: tests/linker_limits.rs).
    let tiny = repo().join("tests/negative/image-region-too-small.toml");
    record("negative: image region smaller than the image".into(), {
        let build = boot::build_kernel(&tiny, &[], &[])?;
        let wanted = "(256K and 256 B per hart × 1 hart) for its image besides the";
        if build.ok {
            Err("the kernel linked".into())
        } else if build.stderr.contains(wanted)
            && build.stderr.contains("image-region-too-small.toml:")
        {
            Ok("refused with the kernel's image-size need, pointing into the layout".into())
        } else {
            Err(format!(
                "the build failed, but not with the kernel's image-size need:\n{}",
                build.stderr
            ))
        }
    });

    // Negative: a kernel built to fail a self-test must make its boot fail.
    record("negative: a failing self-test fails the boot".into(), {
        let boot = boot_plan(
            &repo().join("layout.toml"),
            &["inject-selftest-failure"],
            &[],
        )?;
        match verdict(&boot) {
            Ok(_) => Err("the boot passed although a self-test was made to fail".into()),
            Err(why) if boot.status.is_some_and(|s| s != 0) => {
                Ok(format!("boot failed as it must: {why}"))
            }
            Err(why) => Err(format!("the boot failed for another reason: {why}")),
        }
    });

    // Negative: a failure planted at each boot stage fails the boot, and the verdict
    // names that stage (QEMU's own status is 0 for the early ones: see verdict.rs).
    for stage in STAGES {
        record(format!("negative: a failure planted in stage {stage}"), {
            let env = [("VMLAYOUT_PLANT_FAILURE", stage)];
            let boot = boot_plan(&repo().join("layout.toml"), &[], &env)?;
            match verdict(&boot) {
                Ok(_) => Err("the boot passed".into()),
                Err(f) if f.stage.as_deref() == Some(stage) => Ok(format!("failed {f}")),
                Err(f) => Err(format!("failed, but not naming stage {stage}: {f}")),
            }
        });
    }

    record(
        "negative: a hart that keeps a shared slot's lock is reported as a hang".into(),
        planted_deadlock(),
    );

    // A hart the boot hart is not starting refuses to run: its FAIL line, and QEMU's
    // status through the test device (not SRST, which OpenSBI 1.1 turns into 0).
    record(
        "negative: a hart nobody is starting fails the boot with status 2".into(),
        {
            let env = [("VMLAYOUT_PLANT_FAILURE", "smp_wrong_hart")];
            let plan = repo().join("layout.toml");
            boot::build_kernel(&plan, &[], &env).and_then(|build| {
                let machine = boot::Machine::smp(2);
                let boot = boot::boot_within(build.elf()?, false, machine, SMP_TIMEOUT)?;
                let line =
                    "FAIL: SMP: a hart entered the kernel that the boot hart is not starting";
                match (boot.output.contains(line), boot.status) {
                    (true, Some(2)) => Ok(format!("{line}, status 2")),
                    (seen, status) => Err(format!(
                        "FAIL line printed: {seen}, QEMU status {status:?} (want 2)"
                    )),
                }
            })
        },
    );

    // OpenSBI 1.1's hart_start may send a hart to the firmware's boot address with
    // a stale a1 (kernel/src/entry.rs): a kernel that starts every hart that way
    // must still bring them all up.
    record(
        "robustness: harts entering at _start with a stale a1 join as secondaries".into(),
        {
            let env = [("VMLAYOUT_PLANT_FAILURE", "smp_stale_entry")];
            let plan = repo().join("layout.toml");
            boot::build_kernel(&plan, &[], &env).and_then(|build| boot_smp(&build, &plan, 4))
        },
    );

    record(
        "environment: `xtask run` from tests/ with the target directory moved".into(),
        run_elsewhere(),
    );

    // Another Rust kernel uses vmlayout as a crate, from outside the workspace.
    record(
        "external kernel: examples/rust-kernel".into(),
        crate::rust_kernel::build_and_boot(),
    );

    // A C kernel includes layout.h unchanged: C, assembly and its own linker script.
    record(
        "C consumer: examples/c-kernel with riscv64-linux-gnu-gcc".into(),
        crate::c_kernel::build_and_boot(),
    );

    // Leave the default kernel built, so `cargo xtask run` does not start with a stale one.
    let _ = boot::build_kernel(&repo().join("layout.toml"), &[], &[]);
    println!("\nboot tests: {passed} passed, {failed} failed");
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The workflow survives a user's environment: `cargo xtask run --layout` started
/// from a subdirectory, with the target directory moved through
/// `CARGO_BUILD_TARGET_DIR` (cargo's `build.target-dir` set from the environment),
/// builds the plan it names and boots exactly the ELF it built there.
fn run_elsewhere() -> Result<String, String> {
    let target = repo().join("target/xtask-elsewhere");
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = std::process::Command::new(xtask)
        .args(["run", "--layout", "layouts/sv48.toml"])
        .current_dir(repo().join("tests"))
        .env("CARGO_BUILD_TARGET_DIR", &target)
        .env_remove("CARGO_TARGET_DIR") // it would take precedence
        .output()
        .map_err(|e| format!("cannot run xtask: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let booted = stderr
        .lines()
        .find_map(|l| l.strip_prefix("xtask: booting "))
        .ok_or_else(|| format!("no ELF was booted:\n{stderr}"))?;
    if !output.status.success() {
        return Err(format!("xtask run failed:\n{stderr}"));
    }
    if !std::path::Path::new(booted).starts_with(&target) {
        return Err(format!(
            "booted {booted}, not the ELF built under {}",
            target.display()
        ));
    }
    // The sv48 plan's kernel says so: four levels.
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.contains("sv48") {
        return Err(format!(
            "the kernel that booted was not built for sv48:\n{stdout}"
        ));
    }
    Ok(format!("booted {booted}"))
}

/// A kernel whose hart index 1 keeps shared slot 0's lock for good (a planted
/// deadlock) ends its own boot within its wait deadline: a FAIL line names a hart
/// waiting for that lock, every other hart says what it does, and QEMU's status
/// is the kernel's hang code, well before the harness would time out.
fn planted_deadlock() -> Result<String, String> {
    let env = [
        ("VMLAYOUT_PLANT_FAILURE", "smp_hold_lock"),
        ("VMLAYOUT_WAIT_LIMIT_S", "3"),
    ];
    let build = boot::build_kernel(&repo().join("layout.toml"), &[], &env)?;
    let boot = boot::boot_within(build.elf()?, false, boot::Machine::smp(4), SMP_TIMEOUT)?;
    let out = &boot.output;
    let fail = out
        .lines()
        .find(|l| l.starts_with("FAIL: SMP: hart index "))
        .ok_or_else(|| format!("no hang report (QEMU status {:?})", boot.status))?;
    let answers = out
        .lines()
        .filter(|l| l.starts_with("  hart index "))
        .count();
    if !fail.contains("waited 3 s without progress for its turn at a shared fixmap slot's lock") {
        Err(format!("the report names another wait: {fail}"))
    } else if !out.contains("  hart index 1 is idle") || answers != 3 {
        Err(format!(
            "{answers} of the 3 other harts answered, hart index 1 idle among them:\n{out}"
        ))
    } else if boot.status != Some(HUNG_STATUS) {
        Err(format!(
            "QEMU status {:?}, not the hang code {HUNG_STATUS}",
            boot.status
        ))
    } else {
        Ok(format!("reported: {}", fail.trim_start_matches("FAIL: ")))
    }
}

/// QEMU's status when the kernel ends a boot on a hung wait (kernel/src/exit.rs,
/// `code::HUNG`, through the test device).
const HUNG_STATUS: i32 = 4;

/// Random plans `cargo xtask test` boots per run (`cargo xtask random-plans` runs more).
const RANDOM_PLANS: usize = 20;

/// The kernel's boot stages, as it names them in a FAIL line and as
/// `VMLAYOUT_PLANT_FAILURE` takes them (kernel/src/plant.rs).
const STAGES: [&str; 8] = [
    "boot_prepare",
    "drop_identity",
    "setup_fixmap",
    "map_fdt",
    "parse_fdt",
    "console",
    "direct_map",
    "after_boot",
];

/// Build and boot one derived plan; its verdict, and the line it must print.
fn boot_variant(index: usize, variant: &crate::variants::Variant) -> Result<String, String> {
    let layout = variant.write(index)?;
    let env: Vec<(&str, &str)> = variant
        .load_at
        .map(|at| ("VMLAYOUT_LOAD_AT", at))
        .into_iter()
        .collect();
    let build = boot::build_kernel(&layout, &[], &env)?;
    let boot = boot::boot_with(build.elf()?, false, variant.memory)?;
    let (passed, _) = verdict(&boot).map_err(|f| f.to_string())?;
    if !boot.output.contains(variant.expect) {
        return Err(format!("the output lacks {:?}", variant.expect));
    }
    Ok(format!("{passed} self-tests passed, -m {}", variant.memory))
}

/// The hart counts every plan boots with (QEMU virt's -smp).
const SMP: [u32; 4] = [1, 2, 4, 8];

/// How long a multi-threaded SMP boot may take before it counts as hung.
const SMP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

/// Boot a built plan on `harts` harts: its self-tests and the SMP stress test pass,
/// with as many harts online as QEMU has, up to the plan's `max_harts`.
fn boot_smp(build: &boot::Build, plan: &std::path::Path, harts: u32) -> Result<String, String> {
    // Multi-threaded boots run as fast as the host schedules 8 vCPU threads on
    // its cores: a quiet 2-core machine boots 8 harts in about 12 s. The kernel
    // reports a wait without progress itself after 60 s (smp::wait); this limit is
    // the backstop for a hang outside any wait, so it leaves room.
    let timeout = if harts > 1 {
        SMP_TIMEOUT
    } else {
        boot::TIMEOUT
    };
    let started = std::time::Instant::now();
    let boot = boot::boot_within(build.elf()?, false, boot::Machine::smp(harts), timeout)?;
    let took = started.elapsed().as_secs();
    let (passed, _) = verdict(&boot).map_err(|f| f.to_string())?;
    let plan = vmlayout::plan_from_file(plan).map_err(|e| e.to_string())?;
    let online = u64::from(harts).min(plan.platform.max_harts);
    let wanted = format!("PASS SMP stress: {online} hart(s)");
    if !boot.output.contains(&wanted) {
        return Err(format!("the output lacks {wanted:?}"));
    }
    Ok(format!(
        "{passed} self-tests passed, {online} hart(s) online{}, {took} s",
        if harts > 1 { ", multi-threaded" } else { "" }
    ))
}

fn boot_plan(
    plan: &std::path::Path,
    features: &[&str],
    env: &[(&str, &str)],
) -> Result<Boot, String> {
    let build = boot::build_kernel(plan, features, env)?;
    boot::boot(build.elf()?, false)
}
