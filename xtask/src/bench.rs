//! `cargo xtask bench`: boot every plan under `-icount shift=0`, read the kernel's
//! `BENCH name value` lines (exact guest instruction counts from `instret`), print
//! them beside Xen's measured figures and the targets, and write BENCHMARKS.md.

use std::fmt::Write as _;

use crate::boot;
use crate::test::plans;
use crate::verdict::verdict;
use crate::{repo, setup};

/// Where a figure comes from.
#[derive(Clone, Copy)]
enum Source {
    /// A `BENCH key value` line of the default plan's boot.
    Guest(&'static str),
    /// The instructions of a straight-line function in the default plan's ELF,
    /// from its symbol to its `ret` inclusive (checked: no branch in between).
    Body(&'static str),
}

struct Figure {
    source: Source,
    label: &'static str,
    /// The least the work can take, and why.
    minimum: &'static str,
    target: f64,
    target_text: &'static str,
    xen_landing: &'static str,
    xen_head: &'static str,
}

/// The targets of the default plan (issue #10), each with its physical minimum.
const FIGURES: [Figure; 11] = [
    Figure {
        source: Source::Body("set_fixmap_slot"),
        label: "`set_fixmap` body, out of line (static count, `ret` included)",
        minimum: "11: PTE 2 (shift, or), entry 3 (scale, `auipc`, add), store, VA 3 (shift, `lui`, or), `sfence.vma`, `ret`",
        target: 11.0,
        target_text: "≤ 11",
        xen_landing: "not present",
        xen_head: "–",
    },
    Figure {
        source: Source::Body("clear_fixmap_slot"),
        label: "`clear_fixmap` body, out of line (static count, `ret` included)",
        minimum: "9: entry 3, store of `zero`, VA 3, `sfence.vma`, `ret`",
        target: 9.0,
        target_text: "≤ 9",
        xen_landing: "not present",
        xen_head: "–",
    },
    Figure {
        source: Source::Guest("set_fixmap"),
        label: "`set_fixmap` per call, call site in (mean of 1,000)",
        minimum: "13: the body and the call (`jal`, one argument move)",
        target: 40.0,
        target_text: "≤ 40",
        xen_landing: "not present",
        xen_head: "1,265 (debug) / 1,065 (release)",
    },
    Figure {
        source: Source::Guest("clear_fixmap"),
        label: "`clear_fixmap` per call, call site in (mean of 1,000)",
        minimum: "10: the body and the call",
        target: 40.0,
        target_text: "≤ 40",
        xen_landing: "not present",
        xen_head: "1,320 (debug) / 1,090 (release)",
    },
    Figure {
        source: Source::Guest("set_fixmap_inline"),
        label: "`set_fixmap_inline` at a constant slot, in the loop (mean of 1,000)",
        minimum: "2: the store and `sfence.vma` (the compiler may compute the PTE and both addresses before the loop)",
        target: 6.0,
        target_text: "≤ 6",
        xen_landing: "not present",
        xen_head: "–",
    },
    Figure {
        source: Source::Guest("clear_fixmap_inline"),
        label: "`clear_fixmap_inline` at a constant slot, in the loop (mean of 1,000)",
        minimum: "2: the store and `sfence.vma`",
        target: 4.0,
        target_text: "≤ 4",
        xen_landing: "not present",
        xen_head: "–",
    },
    Figure {
        source: Source::Guest("setup_fixmap_mappings"),
        label: "`setup_fixmap_mappings`, call site in",
        minimum: "about 10 in Sv39: a load and a test per level above level 1, one store per fixmap table, `fence`, `sfence.vma`, the call",
        target: 30.0,
        target_text: "≤ 30",
        xen_landing: "27",
        xen_head: "48",
    },
    Figure {
        source: Source::Guest("directmap_leaf"),
        label: "direct map, per 2 MiB leaf (marginal, 72 leaves against 8)",
        minimum: "4: the store, the next PTE, the next entry, the loop branch (7 with the check that refuses to replace a mapping)",
        target: 8.0,
        target_text: "≤ 8",
        xen_landing: "–",
        xen_head: "–",
    },
    Figure {
        source: Source::Guest("phase_boot_prepare"),
        label: "entry → MMU switch (`boot_prepare` included)",
        minimum: "about 40: clear .bss (64 bytes a step), set `stvec` and the stack, check the load address; no table is built",
        target: 200.0,
        target_text: "≤ 200",
        xen_landing: "–",
        xen_head: "–",
    },
    Figure {
        source: Source::Guest("phase_parse_fdt"),
        label: "the DTB pass on QEMU virt's DTB (RAM, UART, test device)",
        minimum: "about 700: each of the 103 tokens before the test device's end loaded and dispatched (3 each), property values skipped unread",
        target: 4000.0,
        target_text: "≤ 4,000",
        xen_landing: "–",
        xen_head: "–",
    },
    Figure {
        source: Source::Guest("entry_to_all_set_up"),
        label: "entry → \"All set up\"",
        minimum: "about 1,500: the phases' minima, the DTB mapped in 2 pages, the UART's slot, 64 direct-map leaves, the line printed",
        target: 6000.0,
        target_text: "≤ 6,000",
        xen_landing: "32,541",
        xen_head: "97,767,099",
    },
];

/// Every plan's entry → "All set up" target (`tests/layouts` and the default).
const EVERY_PLAN_TARGET: f64 = 8000.0;

fn figures(output: &str) -> Vec<(String, f64)> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("BENCH "))
        .filter_map(|l| {
            let (name, value) = l.split_once(' ')?;
            Some((name.to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

fn fmt_count(v: f64) -> String {
    let whole = v.trunc() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v.fract() > 0.0 {
        format!("{out}.{}", ((v.fract() * 10.0).round() as u64).min(9))
    } else {
        out
    }
}

/// The instructions of the straight-line function whose symbol contains `name`
/// in `elf`, its `ret` included; an error when it is missing or branches.
fn body(elf: &std::path::Path, name: &str) -> Result<f64, String> {
    let out = std::process::Command::new("riscv64-linux-gnu-objdump")
        .args(["-d", "--no-show-raw-insn"])
        .arg(elf)
        .output()
        .map_err(|e| format!("riscv64-linux-gnu-objdump: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text
        .lines()
        .skip_while(|l| !(l.ends_with(">:") && l.contains(name)));
    if lines.next().is_none() {
        return Err(format!("no function `{name}` in {}", elf.display()));
    }
    let mut count = 0;
    for line in lines {
        // Instruction lines are `address:<TAB>mnemonic operands`; labels between
        // them (`<.Ltmp3>:`) and blank lines are not instructions.
        let Some((_, insn)) = line.split_once(":\t") else {
            continue;
        };
        let mnemonic = insn.split_whitespace().next().unwrap_or("");
        count += 1;
        if mnemonic == "ret" {
            return Ok(f64::from(count));
        }
        if mnemonic.starts_with('b') || mnemonic.starts_with('j') || mnemonic == "jalr" {
            return Err(format!(
                "`{name}` is not straight-line code ({mnemonic}): its length is not its cost"
            ));
        }
    }
    Err(format!("`{name}` has no `ret`"))
}

pub fn run(args: &[String]) -> Result<u8, String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask bench [--check]".into()),
    };
    setup::ensure_all()?;
    let mut columns: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    let mut bodies: Vec<(&str, f64)> = Vec::new();
    for plan in plans() {
        let name = plan
            .file_stem()
            .map_or("?".into(), |s| s.to_string_lossy().into_owned());
        let name = if name == "layout" {
            "default (sv39)".to_string()
        } else {
            name
        };
        let build = boot::build_kernel(&plan, &[], &[])?;
        let elf = build
            .elf()
            .map_err(|why| format!("{}: {why}", plan.display()))?;
        if columns.is_empty() {
            for f in &FIGURES {
                if let Source::Body(symbol) = f.source {
                    bodies.push((symbol, body(elf, symbol)?));
                }
            }
        }
        let b = boot::boot(elf, false)?;
        verdict(&b).map_err(|why| {
            format!(
                "{}: the boot failed ({why}); figures from a failing boot are meaningless",
                plan.display()
            )
        })?;
        columns.push((name, figures(&b.output)));
    }
    let _ = boot::build_kernel(&repo().join("layout.toml"), &[], &[]);

    let get =
        |col: &[(String, f64)], key: &str| col.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
    let default = &columns[0].1;
    let value = |f: &Figure| match f.source {
        Source::Guest(key) => get(default, key),
        Source::Body(symbol) => bodies.iter().find(|(s, _)| *s == symbol).map(|(_, v)| *v),
    };
    let mut missed: Vec<String> = Vec::new();
    let mut md = String::new();
    md.push_str(HEADER);
    let _ = writeln!(md, "## Default plan against the targets\n");
    let _ = writeln!(
        md,
        "| figure | vmlayout | physical minimum | target | met | Xen at landing | Xen 2026-08 head |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    for f in &FIGURES {
        let v = value(f);
        let met = v.is_some_and(|v| v <= f.target);
        if !met {
            missed.push(format!(
                "{}: {} (target {})",
                f.label,
                v.map_or("missing".into(), fmt_count),
                f.target_text
            ));
        }
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            f.label,
            v.map_or("missing".into(), fmt_count),
            f.minimum,
            f.target_text,
            if met { "yes" } else { "**no**" },
            f.xen_landing,
            f.xen_head
        );
    }
    every_plan(&mut md, &columns, &mut missed);
    smp_section(&mut md)?;
    let generator = crate::generator_bench::run()?;
    generator_section(&mut md, &generator, &mut missed);
    md.push_str(NOTES);

    print!("{md}");
    if check {
        if missed.is_empty() {
            eprintln!("xtask: every target is met");
            return Ok(0);
        }
        eprintln!("xtask: {} target(s) not met:", missed.len());
        for m in &missed {
            eprintln!("  {m}");
        }
        return Ok(1);
    }
    std::fs::write(repo().join("BENCHMARKS.md"), &md)
        .map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
    eprintln!("xtask: wrote BENCHMARKS.md");
    if !missed.is_empty() {
        eprintln!(
            "xtask: {} target(s) not met (see the tables; `--check` fails on them)",
            missed.len()
        );
    }
    Ok(0)
}

/// Every plan's figures side by side, and each plan's entry → "All set up"
/// against [`EVERY_PLAN_TARGET`].
fn every_plan(md: &mut String, columns: &[(String, Vec<(String, f64)>)], missed: &mut Vec<String>) {
    let get =
        |col: &[(String, f64)], key: &str| col.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
    let _ = writeln!(md, "\n## Every plan booted by `cargo xtask test`\n");
    let _ = writeln!(
        md,
        "Guest figures of each plan (call sites in, as above). Target for every plan: entry → \"All set up\" ≤ {}.\n",
        fmt_count(EVERY_PLAN_TARGET)
    );
    let _ = write!(md, "| figure |");
    for (name, _) in columns {
        let _ = write!(md, " {name} |");
    }
    let _ = writeln!(md, "\n|---|{}", "---|".repeat(columns.len()));
    // Every key any plan reported, in the default plan's order; the kernel names
    // its boot phases `phase_*`, in boot order.
    let default = &columns[0].1;
    for (key, _) in default {
        let label = match (key.strip_prefix("phase_"), key.as_str()) {
            (Some(phase), _) => format!("phase: {}", phase.replace('_', " ")),
            (None, "smp_harts") => "harts online (exact counts: one)".to_string(),
            (None, "shared_unmap_shootdown") => {
                "shared unmap (one hart: no other hart to fence)".to_string()
            }
            (None, _) => key.replace('_', " "),
        };
        let _ = write!(md, "| {label} |");
        for (_, col) in columns {
            let _ = write!(md, " {} |", get(col, key).map_or("–".into(), fmt_count));
        }
        let _ = writeln!(md);
    }
    let _ = write!(
        md,
        "| entry → \"All set up\" ≤ {} |",
        fmt_count(EVERY_PLAN_TARGET)
    );
    for (name, col) in columns {
        let v = get(col, "entry_to_all_set_up");
        let met = v.is_some_and(|v| v <= EVERY_PLAN_TARGET);
        if !met {
            missed.push(format!(
                "{name}: entry → \"All set up\" {} (target ≤ {})",
                v.map_or("missing".into(), fmt_count),
                fmt_count(EVERY_PLAN_TARGET)
            ));
        }
        let _ = write!(md, " {} |", if met { "yes" } else { "**no**" });
    }
    let _ = writeln!(md);
}

/// The figures `smp_section` reads from each SMP boot, with their labels.
const SMP_FIGURES: [(&str, &str); 6] = [
    (
        "set_fixmap",
        "`set_fixmap` per call, own PMAP slot, call site in",
    ),
    (
        "clear_fixmap",
        "`clear_fixmap` per call, own PMAP slot, call site in",
    ),
    (
        "pmap_map",
        "PMAP map per call (hart index, bitmap, `set_fixmap`)",
    ),
    (
        "pmap_unmap",
        "PMAP unmap per call (slot check, bitmap, `clear_fixmap`)",
    ),
    (
        "shared_map",
        "shared slot map per call (ticket lock, PTE, local fence)",
    ),
    (
        "shared_unmap_shootdown",
        "shared slot unmap per call (PTE, local fence, remote fence of the page, unlock)",
    ),
];

/// The default plan on 1, 2, 4 and 8 harts, exact counts (`-icount shift=0`), the
/// stress test built with no cycles (its contention would spin out round-robin
/// time slices).
fn smp_section(md: &mut String) -> Result<(), String> {
    let build = boot::build_kernel(
        &repo().join("layout.toml"),
        &[],
        &[("VMLAYOUT_STRESS_CYCLES", "0")],
    )?;
    let mut columns = Vec::new();
    for harts in [1, 2, 4, 8] {
        let machine = boot::Machine {
            exact: true,
            ..boot::Machine::smp(harts)
        };
        let b = boot::boot_on(build.elf()?, false, machine)?;
        verdict(&b).map_err(|why| format!("the {harts}-hart boot failed ({why})"))?;
        columns.push((harts, figures(&b.output)));
    }
    let get = |col: &[(String, f64)], key: &str| {
        col.iter()
            .find(|(k, _)| k == key)
            .map_or("–".to_string(), |(_, v)| fmt_count(*v))
    };
    let _ = writeln!(md, "\n## SMP: the default plan on 1, 2, 4 and 8 harts\n");
    md.push_str(SMP_PREAMBLE);
    let _ = write!(md, "| figure |");
    for (harts, col) in &columns {
        let _ = write!(md, " {harts} hart(s), {} online |", get(col, "smp_harts"));
    }
    let _ = writeln!(
        md,
        " Xen RISC-V, one hart (release) |\n|---|{}---|",
        "---|".repeat(columns.len())
    );
    for (key, label) in SMP_FIGURES {
        let _ = write!(md, "| {label} |");
        for (harts, col) in &columns {
            let shared = key.starts_with("shared_");
            let cell = if shared && *harts > 1 {
                "timed below".to_string()
            } else {
                get(col, key)
            };
            let _ = write!(md, " {cell} |");
        }
        let xen = match key {
            "set_fixmap" => "1,065 (`set_fixmap`: fences every hart)",
            "clear_fixmap" => "1,090 (`clear_fixmap`: fences every hart)",
            "shared_map" => "1,065 (`set_fixmap`; our map needs no remote fence)",
            "shared_unmap_shootdown" => "1,090 (`clear_fixmap`: every hart, all pages)",
            _ => "–",
        };
        let _ = writeln!(md, " {xen} |");
    }
    shootdown_times(md, &columns)
}

/// The shared slots' map and unmap with several harts online, in wall-clock time
/// (multi-threaded QEMU; `time` ticks of QEMU virt's 10 MHz timebase, 0.1 µs).
fn shootdown_times(md: &mut String, exact: &[(u32, Vec<(String, f64)>)]) -> Result<(), String> {
    let build = boot::build_kernel(
        &repo().join("layout.toml"),
        &[],
        &[
            ("VMLAYOUT_STRESS_CYCLES", "0"),
            ("VMLAYOUT_BENCH_SHOOTDOWN", "1"),
        ],
    )?;
    let _ = write!(md, "| shared slot map, time (µs, multi-threaded QEMU) |");
    let mut unmap_row = String::from(
        "| shared slot unmap with the remote shootdown, time (µs, multi-threaded QEMU) |",
    );
    for (harts, _) in exact {
        if *harts == 1 {
            let _ = write!(md, " (no wait: counted above) |");
            unmap_row.push_str(" (no remote fence: counted above) |");
            continue;
        }
        let b = boot::boot_on(build.elf()?, false, boot::Machine::smp(*harts))?;
        verdict(&b).map_err(|why| format!("the timed {harts}-hart boot failed ({why})"))?;
        let f = figures(&b.output);
        let micros = |key: &str| {
            f.iter()
                .find(|(k, _)| k == key)
                .map_or("–".to_string(), |(_, ticks)| {
                    format!("{:.1}", ticks / 10.0)
                })
        };
        let _ = write!(md, " {} |", micros("shared_map_ticks"));
        let _ = write!(unmap_row, " {} |", micros("shared_unmap_shootdown_ticks"));
    }
    let _ = writeln!(md, " – |");
    let _ = writeln!(md, "{unmap_row} – |");
    Ok(())
}

const SMP_PREAMBLE: &str =
    "Exact counts under `-icount shift=0`, as above; QEMU then runs the harts
round-robin and `rdinstret` is one clock for all of them, so a window counts what
any hart retired in it (the other harts sit in `wfi` here, retiring nothing).
Per-hart PMAP slots need no lock and no remote fence: their figures do not change
with the number of harts. A shared slot's unmap fences the page on every other
online hart through SBI RFENCE (`remote_sfence_vma` of that one page); with other
harts online its instructions are **not counted**: the calling hart waits in the
firmware (OpenSBI 1.1's `tlb_sync` spins) until every target has fenced, and
round-robin QEMU runs no target before the caller's time slice (10^8
instructions) ends, so the count would measure QEMU's scheduler. Multi-threaded
QEMU has no instruction count (`rdinstret` reads host ticks), so the last two rows
are wall-clock time, mean of 200 calls read from the `time` CSR: what a remote
shootdown costs when each target hart is a host thread of QEMU on this 2-core
machine (the targets idle in `wfi`), host scheduling included. They compare
hart counts with each other, not with hardware. The SMP stress test (`cargo xtask
test`, every plan with `-smp` 1, 2, 4, 8) exercises the remote fences for
correctness. The plan is `layout.toml` (`max_harts = 8`); the remote fence's hart
scan covers the harts that have come online, not `max_harts`. Xen's figures are
its `set_fixmap`/`clear_fixmap` on one hart, each with a global remote fence
through SBI (every hart, every address): ours fence locally for a hart's own slots,
and remotely only the one page of a shared slot on unmap.

";

/// The generator's host figures against their targets.
fn generator_section(
    md: &mut String,
    figures: &[crate::generator_bench::Figure],
    missed: &mut Vec<String>,
) {
    let _ = writeln!(md, "\n## The generator on the host\n");
    let _ = writeln!(
        md,
        "Release `vmlayout`, median wall-clock time of 5 runs on this 2-core machine and the"
    );
    let _ = writeln!(
        md,
        "largest resident set of any run (`ru_maxrss`). The plans are `layout.toml` with 5,000"
    );
    let _ = writeln!(
        md,
        "more 4 KiB regions (written to `target/bench-generator/`). Targets: `check` ≤ 50 ms,"
    );
    let _ = writeln!(md, "`generate` ≤ 200 ms and ≤ 64 MiB.\n");
    let _ = writeln!(md, "| figure | time | peak memory | target met |");
    let _ = writeln!(md, "|---|---|---|---|");
    for f in figures {
        let ms = f.median.as_secs_f64() * 1000.0;
        let mib = f.peak_kib as f64 / 1024.0;
        let met = if f.what.starts_with("`check`") {
            ms <= 50.0
        } else {
            ms <= 200.0 && mib <= 64.0
        };
        if !met {
            missed.push(format!("{}: {ms:.0} ms, {mib:.1} MiB", f.what));
        }
        let _ = writeln!(
            md,
            "| {} | {ms:.0} ms | {mib:.1} MiB | {} |",
            f.what,
            if met { "yes" } else { "**no**" }
        );
    }
}

const HEADER: &str = "# Benchmarks

Generated by `cargo xtask bench` (`--check` fails when a target is not met). Guest
instructions are counted in the guest with `rdinstret` under QEMU `-icount shift=0`
(exact and repeatable), release build, QEMU 7.2 virt, OpenSBI 1.1, 128 MiB, with the
cost of reading the counter subtracted. A *body* is counted statically: the
instructions of a function with no branch, from its first to its `ret`. *Call site
in* means the figure includes the argument moves and the call. Xen's figures are
from `shared/reference/peers.md` (Xen RISC-V, Sv39, same QEMU). The physical
minimum is the least the same work can take on RV64GC, with the reason.

";

const NOTES: &str = r#"
## Reading the figures

- The boot page tables are built by the linker (`layout-boot-tables.ld`, one
  `QUAD()` per entry that is not zero): `boot_prepare` checks the load address and
  returns `satp`; nothing is built or cleared at boot. The fixmap's level-0 tables,
  the FDT window's tables and the direct map's first 1 GiB ship zeroed in the image.
  Before: 5,105 instructions in Sv39, 8,004 in Sv57.
- `set_fixmap`/`clear_fixmap` write one PTE into the fixmap's static level-0 table
  and flush that one page with `sfence.vma addr, zero`. The slot type bounds-checks,
  `PhysPage` says the address is aligned (the PPN is the address shifted right by
  2) and `LeafFlags` carries V, A and D ready-made; the entry's store takes the low
  part of its PC-relative address. Before: bodies of 19 and 11. Xen's later versions
  go through the generic page-table updater: a lock, a full walk from `satp` and a
  remote flush through SBI (see `kernel/src/mm/fixmap.rs` on SMP).
- `setup_fixmap_mappings` walks `levels - 2` intermediate tables and installs one
  table entry per 512 slots: about 8 instructions more per extra paging level
  (Sv48, Sv57) and about 12 per extra fixmap table (the re-planned Sv39 plan has 600
  slots in two tables). The ≤ 30 target is Xen's Sv39 single-table figure.
- The direct map writes leaves of one size into one table in a run: a check that
  refuses to replace a mapping, the store, the next PTE, the next entry, the loop.
- The DTB pass reads the structure block's tokens once (`kernel/src/fdt.rs`): tags
  and property names compared in the blob's byte order, names skipped a word at a
  time, the five property names found once in the strings block. Before: 20,084
  with fdt-rs 0.4.5's tokenizer; the `fdt` crate's queries took 137,000. It is the
  figure that keeps entry → "All set up" above its target.
- Entry → "All set up" counts from the first instruction of `_start` to the end of
  that line on the UART; the phases above add up to it, less the line itself.
- The generator writes layout.rs directly in rustfmt's layout. With syn and
  prettyplease (before), `generate` of 5,000 regions took 876 ms and 246 MiB; and
  `check` of 5,000 regions chained by `after` took over 13 minutes (a search for
  each region's rounding step through every other region, and a quadratic memory
  map), now linear.
"#;
