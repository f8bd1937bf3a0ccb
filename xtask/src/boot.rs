//! Build the kernel for a layout and boot it in QEMU under a timeout, streaming and
//! capturing (at most `OUTPUT_CAP` bytes of) its output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::repo;
use crate::setup::{self, QEMU, TARGET};

pub const TIMEOUT: Duration = Duration::from_secs(60);
const OUTPUT_CAP: usize = 1 << 20;

pub struct Build {
    pub ok: bool,
    pub stderr: String,
    /// The kernel ELF cargo reported building (wherever the target directory is).
    pub elf: Option<PathBuf>,
}

impl Build {
    /// The ELF, or why there is none.
    pub fn elf(&self) -> Result<&Path, String> {
        if !self.ok {
            return Err(format!("the kernel did not build:\n{}", self.stderr));
        }
        self.elf
            .as_deref()
            .ok_or_else(|| "cargo reported no kernel executable".to_string())
    }
}

/// The executable a `--message-format=json` build reported for the kernel.
pub fn reported_executable(stdout: &str, target: &str) -> Option<PathBuf> {
    stdout.lines().rev().find_map(|line| {
        let message: serde_json::Value = serde_json::from_str(line).ok()?;
        (message["reason"] == "compiler-artifact" && message["target"]["name"] == target)
            .then(|| message["executable"].as_str().map(PathBuf::from))
            .flatten()
    })
}

/// Build the `vmlayout` CLI and return its path, wherever cargo puts it.
pub fn vmlayout_cli() -> Result<PathBuf, String> {
    let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(repo())
        .args(["build", "-q", "-p", "vmlayout", "--message-format=json"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot build vmlayout: {e}"))?;
    reported_executable(&String::from_utf8_lossy(&built.stdout), "vmlayout")
        .filter(|_| built.status.success())
        .ok_or_else(|| "vmlayout did not build".to_string())
}

/// `cargo build --release` of the kernel with `VMLAYOUT_FILE = layout` and `env`
/// set; cargo says where the ELF went, so a target directory set anywhere (the
/// environment, a cargo config) is followed.
pub fn build_kernel(
    layout: &Path,
    features: &[&str],
    env: &[(&str, &str)],
) -> Result<Build, String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(repo().join("kernel")).args([
        "build",
        "--release",
        "--target",
        TARGET,
        "--message-format=json-render-diagnostics",
    ]);
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    // Flags meant for host builds must not reach the riscv64 kernel. A target
    // directory the user chose (CARGO_TARGET_DIR, build.target-dir) is kept: the
    // ELF's path comes from cargo's own report, wherever it put it.
    for var in ["RUSTFLAGS", "CARGO_BUILD_TARGET", "CARGO_ENCODED_RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    cmd.env("VMLAYOUT_FILE", layout);
    // Always set, so the kernel rebuilds when a planted failure or another load
    // address comes or goes, and a user's environment does not leak in.
    cmd.env("VMLAYOUT_PLANT_FAILURE", "");
    cmd.env("VMLAYOUT_LOAD_AT", "");
    // The SMP stress test's cycles per hart: bounded for the test suite unless the
    // user asks for more (the full-size run: VMLAYOUT_STRESS_CYCLES=100000).
    let cycles = std::env::var("VMLAYOUT_STRESS_CYCLES").unwrap_or_else(|_| STRESS_CYCLES.into());
    cmd.env("VMLAYOUT_STRESS_CYCLES", cycles);
    // Only `cargo xtask bench` times the remote shootdown (kernel/src/bench.rs).
    cmd.env("VMLAYOUT_BENCH_SHOOTDOWN", "");
    cmd.envs(env.iter().copied());
    let output = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(Build {
        ok: output.status.success(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elf: reported_executable(&String::from_utf8_lossy(&output.stdout), "vmlayout-kernel"),
    })
}

/// The SMP stress test's cycles per hart in test boots: enough to interleave every
/// hart's set/clear with the others' many times, few enough that an 8-hart boot
/// on a 2-core machine stays within [`TIMEOUT`].
pub const STRESS_CYCLES: &str = "200";

pub struct Boot {
    /// QEMU's exit status (the kernel's, through the test device); None on timeout.
    pub status: Option<i32>,
    pub output: String,
}

/// The most harts QEMU 7.2's virt machine takes (`-smp`; its own error names 512).
pub const VIRT_MAX_HARTS: u32 = 512;

/// QEMU's RAM for a boot unless a test says otherwise.
pub const MEMORY: &str = "128M";

/// The machine QEMU emulates for a boot.
#[derive(Clone, Copy)]
pub struct Machine<'a> {
    /// RAM, as QEMU's `-m` takes it.
    pub memory: &'a str,
    /// Harts (`-smp`, 1 to [`VIRT_MAX_HARTS`]).
    pub harts: u32,
    /// `-icount shift=0`: one instruction per virtual nanosecond, so `rdinstret`
    /// counts exactly. With several harts it makes QEMU run them round-robin, and a
    /// hart that waits in the firmware for a remote fence's acknowledgement spins
    /// through a whole time slice (10^8 instructions) before the others run: SMP
    /// boots that fence run multi-threaded instead (exact counts are then lost).
    pub exact: bool,
}

impl Machine<'_> {
    /// One hart, [`MEMORY`], exact counts: every boot but the SMP ones.
    pub const DEFAULT: Machine<'static> = Machine {
        memory: MEMORY,
        harts: 1,
        exact: true,
    };

    /// `harts` harts, multi-threaded when there are several (see [`Machine::exact`]).
    pub fn smp(harts: u32) -> Machine<'static> {
        Machine {
            harts,
            exact: harts == 1,
            ..Machine::DEFAULT
        }
    }
}

pub fn qemu_command(elf: &Path, machine: Machine<'_>) -> Command {
    let mut cmd = Command::new(QEMU);
    cmd.args([
        "-machine",
        "virt",
        "-nographic",
        "-bios",
        "default",
        "-m",
        machine.memory,
        "-smp",
        &machine.harts.to_string(),
    ]);
    if machine.exact {
        cmd.args(["-icount", "shift=0"]);
    }
    cmd.args(["-no-reboot", "-kernel"]).arg(elf);
    cmd
}

/// Boot `elf` on [`Machine::DEFAULT`], echoing its output when `echo` is set.
pub fn boot(elf: &Path, echo: bool) -> Result<Boot, String> {
    boot_on(elf, echo, Machine::DEFAULT)
}

/// Boot `elf` with `memory` of RAM (QEMU's `-m`), one hart.
pub fn boot_with(elf: &Path, echo: bool, memory: &str) -> Result<Boot, String> {
    boot_on(
        elf,
        echo,
        Machine {
            memory,
            ..Machine::DEFAULT
        },
    )
}

/// Boot `elf` on `machine`, stopped after [`TIMEOUT`].
pub fn boot_on(elf: &Path, echo: bool, machine: Machine<'_>) -> Result<Boot, String> {
    boot_within(elf, echo, machine, TIMEOUT)
}

/// Boot `elf` on `machine`, stopped after `timeout` (then `status` is `None`).
pub fn boot_within(
    elf: &Path,
    echo: bool,
    machine: Machine<'_>,
    timeout: Duration,
) -> Result<Boot, String> {
    let mut child = qemu_command(elf, machine)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {QEMU}: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut captured = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            if captured.len() < OUTPUT_CAP {
                let take = n.min(OUTPUT_CAP - captured.len());
                captured.extend_from_slice(&buf[..take]);
                if echo {
                    let _ = std::io::stdout().write_all(&buf[..take]);
                    let _ = std::io::stdout().flush();
                }
            }
        }
        captured
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status.code();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut output = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
    output.push_str(&err_reader.join().unwrap_or_default());
    Ok(Boot { status, output })
}

/// Boot an example program (examples/): it passes when QEMU exits 0 through the
/// test device, no line says FAIL, and the program printed `success`. The count
/// of its PASS lines.
pub fn boot_example(elf: &Path, success: &str) -> Result<String, String> {
    let booted = boot(elf, false)?;
    let lines = || booted.output.lines();
    let passed = lines().filter(|l| l.starts_with("PASS ")).count();
    let failures: Vec<&str> = lines().filter(|l| l.starts_with("FAIL ")).collect();
    if booted.status == Some(0) && failures.is_empty() && booted.output.contains(success) {
        Ok(format!("{passed} checks passed at run time"))
    } else if failures.is_empty() {
        Err(format!(
            "QEMU status {:?}:\n{}",
            booted.status, booted.output
        ))
    } else {
        Err(format!(
            "QEMU status {:?}; {}",
            booted.status,
            failures.join("\n")
        ))
    }
}

/// `cargo xtask run`: build for `layout`, boot, and exit 0 only when the kernel
/// reported success; otherwise 1, naming the boot stage that failed.
pub fn run(layout: &Path, harts: u32, timeout: Duration) -> Result<u8, String> {
    setup::ensure_all()?;
    eprintln!("xtask: building the kernel for {}", layout.display());
    // Another allowed load address, if the user asks for one (see the README).
    let load_at = std::env::var("VMLAYOUT_LOAD_AT").unwrap_or_default();
    let build = build_kernel(layout, &[], &[("VMLAYOUT_LOAD_AT", &load_at)])?;
    if !build.ok {
        eprint!("{}", build.stderr);
        return Err("the kernel did not build".into());
    }
    let elf = build.elf()?;
    eprintln!("xtask: booting {}", elf.display());
    let boot = boot_within(elf, true, Machine::smp(harts), timeout)?;
    let status = boot
        .status
        .map_or("none (timed out)".to_string(), |c| c.to_string());
    match crate::verdict::verdict(&boot) {
        Ok((passed, _)) => {
            eprintln!("xtask: the kernel passed its {passed} self-tests (QEMU status {status})");
            Ok(0)
        }
        Err(failure) => {
            eprintln!("xtask: the boot FAILED: {failure} (QEMU status {status})");
            Ok(1)
        }
    }
}

/// `cargo xtask gdb`: build, then boot halted with the gdb stub on :1234.
pub fn gdb(layout: &Path) -> Result<u8, String> {
    setup::ensure_all()?;
    let build = build_kernel(layout, &[], &[])?;
    if !build.ok {
        eprint!("{}", build.stderr);
        return Err("the kernel did not build".into());
    }
    let elf = build.elf()?.to_path_buf();
    println!("QEMU waits for gdb on localhost:1234. In another terminal run:");
    println!(
        "    gdb-multiarch {} -ex 'target remote localhost:1234' -ex 'break rust_main' -ex continue",
        elf.display()
    );
    println!("(or riscv64-unknown-elf-gdb). Stop QEMU with Ctrl-A X.");
    let have_gdb = Command::new("gdb-multiarch")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_gdb {
        // Debian's plain `gdb` has no RISC-V target: it attaches but cannot read registers.
        println!("gdb-multiarch is not installed: `apt-get install -y gdb-multiarch` (as root).");
    }
    let status = qemu_command(&elf, Machine::DEFAULT)
        .args(["-s", "-S"])
        .status()
        .map_err(|e| format!("cannot start {QEMU}: {e}"))?;
    Ok(status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(1))
}
