//! "Accepted ⇒ boots": random plans — all three modes, every placement form, guard
//! gaps, fixmaps of one to several level-0 tables counting up or down with holes
//! and roles, several windows (DTB windows from 64 KiB), direct maps of whole slots
//! or a few MiB, identity sizes from 1 KiB, high- and low-half images, load ranges, regions that
//! end at 2^64 — are checked against the kernel's requirements; every plan `check`
//! accepts must build and boot with every self-test passing. A plan that does not
//! is kept under `target/xtask/random/` to become a regression case.
//!
//! `cargo xtask test` boots a few per run and prints the seed; `cargo xtask
//! random-plans [--count N] [--seed S]` runs more or repeats a seed.

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

use crate::boot;
use crate::repo;
use crate::verdict::verdict;

/// A small deterministic generator (xorshift64*): a seed gives the same plans on
/// every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const MODES: [&str; 3] = ["sv39", "sv48", "sv57"];

/// One random plan's layout text.
fn plan_text(rng: &mut Rng) -> String {
    let mode = MODES[rng.range(0, 2) as usize];
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# A random plan (cargo xtask random-plans).\n[paging]\nmode = \"{mode}\"\n"
    );
    let harts = platform(rng, &mut t);
    image_fixmap_window(rng, &mut t);
    other_regions(rng, &mut t);
    fixmap_groups(rng, &mut t, harts);
    t
}

/// `[platform]`; returns its `max_harts`.
fn platform(rng: &mut Rng, t: &mut String) -> u64 {
    // The kernel's identity code needs 1 KiB (kernel/vmlayout-needs.toml).
    let identity = ["1K", "2K", "4K", "16K"][rng.range(0, 3) as usize];
    let _ = writeln!(
        t,
        "[platform]\nload_address = \"0x8020_0000\"\nidentity_size = \"{identity}\""
    );
    let _ = writeln!(t, "image_max_size = \"{}M\"", 2 * rng.range(1, 2));
    let harts = [1, 2, 4, 8][rng.range(0, 3) as usize];
    let _ = writeln!(t, "max_harts = {harts}");
    if rng.chance(30) {
        let steps = rng.range(1, 4);
        let _ = writeln!(
            t,
            "load_range = {{ first = \"0x8020_0000\", last = \"{:#x}\", align = \"2M\" }}",
            0x8020_0000u64 + steps * 0x20_0000
        );
    }
    t.push('\n');
    harts
}

fn region(t: &mut String, name: &str, purpose: &str, placement: &str, size: &str, extra: &str) {
    let _ = writeln!(
        t,
        "[[region]]\nname = \"{name}\"\npurpose = \"{purpose}\"\ndescription = \"{name}\"\n{placement}\n{size}{extra}\n"
    );
}

/// The image, the fixmap and the FDT window, chained in one root slot: high half
/// (slot 511 or 500) or low half, in either order, with or without gaps.
fn image_fixmap_window(rng: &mut Rng, t: &mut String) {
    let slot = match rng.range(0, 2) {
        0 => 511,
        1 => 500,
        _ => rng.range(8, 200), // low half, clear of the identity range (slot 2)
    };
    let gap = |rng: &mut Rng| match rng.range(0, 2) {
        0 => String::new(),
        n => format!("\ngap = \"{}M\"", 2 * n),
    };
    region(
        t,
        "image",
        "image",
        &format!("at = \"slot({slot})\""),
        "size = \"4M\"",
        "\nalign = \"2M\"",
    );
    let fixmap_tables = rng.range(1, 3);
    let placement = if rng.chance(50) {
        format!("after = \"image\"{}", gap(rng))
    } else {
        format!("after = \"fdt\"{}", gap(rng))
    };
    region(
        t,
        "fixmap",
        "fixmap",
        &placement,
        &format!("size = \"{}M\"", 2 * fixmap_tables),
        "\nalign = \"2M\"\nperms = \"rw\"",
    );
    let fdt_after = if placement.starts_with("after = \"image\"") {
        "fixmap"
    } else {
        "image"
    };
    // Last in the chain, the DTB window may be any size the kernel accepts (64 KiB
    // up); before the fixmap it keeps whole 2 MiB so the fixmap stays aligned.
    let fdt_size = if fdt_after == "fixmap" && rng.chance(50) {
        ["64K", "128K", "1M", "3M"][rng.range(0, 3) as usize].to_string()
    } else {
        format!("{}M", 2 * rng.range(1, 4))
    };
    region(
        t,
        "fdt",
        "window",
        &format!("after = \"{fdt_after}\"{}", gap(rng)),
        &format!("size = \"{fdt_size}\""),
        "\nalign = \"2M\"\nperms = \"r\"",
    );
}

/// A direct map, more windows and reserved regions in their own root slots, and
/// sometimes a reserved region that ends at 2^64.
fn other_regions(rng: &mut Rng, t: &mut String) {
    // Whole root slots, or a direct map smaller than one (RAM beyond it is left
    // unmapped with a warning; the kernel needs 2 MiB past the identity range).
    if rng.chance(25) {
        let size = ["16M", "64M", "256M"][rng.range(0, 2) as usize];
        region(
            t,
            "directmap",
            "directmap",
            "at = \"slot(256)\"",
            &format!("size = \"{size}\""),
            "\nperms = \"rw\"",
        );
    } else {
        let dm_last = 256 + rng.range(0, 3);
        region(
            t,
            "directmap",
            "directmap",
            &format!("slots = [256, {dm_last}]"),
            "",
            "\nperms = \"rw\"",
        );
    }
    let mut slot = 300;
    for i in 0..rng.range(0, 3) {
        slot += rng.range(1, 30);
        let purpose = if rng.chance(50) { "window" } else { "reserved" };
        let placement = if rng.chance(50) {
            format!("slot = {slot}")
        } else {
            format!("at = \"slot({slot}) + {}M\"", 2 * rng.range(0, 8))
        };
        region(
            t,
            &format!("extra{i}"),
            purpose,
            &placement,
            &format!("size = \"{}M\"", 2 * rng.range(1, 16)),
            "\nperms = \"r\"",
        );
    }
    if rng.chance(25) {
        region(
            t,
            "top",
            "reserved",
            "at = \"top - 2M\"",
            "size = \"2M\"",
            "\nperms = \"rw\"",
        );
    }
    if rng.chance(40) {
        let pool_slot = slot + rng.range(1, 30);
        nested_pool(rng, t, pool_slot);
    }
    if rng.chance(40) {
        // An identity area over the low half's first root slots: the boot identity
        // mapping of every allowed load address lies there (images sit from slot 8).
        let last = rng.range(3, 7);
        region(
            t,
            "identity",
            "identity",
            &format!("slots = [0, {last}]"),
            "",
            "",
        );
    }
}

/// A reserved area in root slot `slot` with one or two levels of reserved regions
/// nested in it (`within`).
fn nested_pool(rng: &mut Rng, t: &mut String, slot: u64) {
    let rw = "\nperms = \"rw\"";
    region(
        t,
        "pool",
        "reserved",
        &format!("slot = {slot}"),
        "size = \"64M\"",
        rw,
    );
    let offset = 2 * rng.range(0, 20);
    let at = format!("at = \"slot({slot}) + {offset}M\"");
    let size = format!("size = \"{}M\"", 2 * rng.range(1, 8));
    region(
        t,
        "pool_part",
        "reserved",
        &at,
        &size,
        "\nperms = \"r\"\nwithin = \"pool\"",
    );
    if rng.chance(50) {
        let inner = "\nperms = \"r\"\nwithin = \"pool_part\"";
        region(t, "pool_part_head", "reserved", &at, "size = \"2M\"", inner);
    }
}

/// PMAP (per hart when `harts` > 1), console and shared groups with roles, other
/// groups, maybe a hole, up or down; at most as many slots as the fixmap region
/// holds (one table: 512).
fn fixmap_groups(rng: &mut Rng, t: &mut String, harts: u64) {
    let order = if rng.chance(40) { "down" } else { "up" };
    let _ = writeln!(t, "[fixmap]\nregion = \"fixmap\"\norder = \"{order}\"\n");
    let mut groups = Vec::new();
    if rng.chance(30) {
        groups.push(("hole".to_string(), 1, "hole = true\n".to_string()));
    }
    let pmap = if harts > 1 {
        "role = \"pmap\"\nper_hart = true\n"
    } else {
        "role = \"pmap\"\n"
    };
    groups.push(("pmap".into(), rng.range(1, 64 / harts), pmap.into()));
    groups.push(("console".into(), 1, "role = \"console\"\n".into()));
    groups.push((
        "shared".into(),
        rng.range(1, 4),
        "role = \"shared\"\n".into(),
    ));
    for i in 0..rng.range(0, 2) {
        groups.push((format!("group{i}"), rng.range(1, 200), String::new()));
    }
    if groups.len() > 1 && rng.chance(50) {
        let last = groups.len() - 1;
        groups.swap(rng.range(0, last as u64) as usize, last);
    }
    for (name, count, extra) in groups {
        let _ = writeln!(
            t,
            "[[fixmap.group]]\nname = \"{name}\"\ncount = {count}\n{extra}"
        );
    }
}

/// What became of one random plan.
enum Outcome {
    Refused(String),
    Booted,
    Failed(String),
}

/// Check, build and boot one plan in paging mode `mode`.
fn try_plan(vmlayout: &Path, path: &Path, mode: &str) -> Result<Outcome, String> {
    let check = Command::new(vmlayout)
        .args(["check", "--needs"])
        .arg(repo().join("kernel/vmlayout-needs.toml"))
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", vmlayout.display()))?;
    if !check.status.success() {
        return Ok(Outcome::Refused(
            String::from_utf8_lossy(&check.stderr).into_owned(),
        ));
    }
    let build = boot::build_kernel(path, &[], &[])?;
    let elf = match build.elf() {
        Ok(elf) => elf.to_path_buf(),
        Err(why) => return Ok(Outcome::Failed(why)),
    };
    let booted = boot::boot(&elf, false)?;
    // The kernel that booted is this plan's: it prints the plan's mode.
    let banner = format!("Memory map ({mode})");
    Ok(match verdict(&booted) {
        Ok(_) if booted.output.contains(&banner) => Outcome::Booted,
        Ok(_) => Outcome::Failed(format!(
            "the kernel that booted is not this plan's (no {banner:?})"
        )),
        Err(f) => Outcome::Failed(f.to_string()),
    })
}

/// Figures of one run.
#[derive(Default)]
pub struct Tally {
    pub plans: usize,
    pub accepted: usize,
    pub booted: usize,
    pub failures: Vec<String>,
}

/// Generate, check and boot `count` plans from `seed`.
pub fn run(count: usize, seed: u64) -> Result<Tally, String> {
    let vmlayout = boot::vmlayout_cli()?;
    let dir = repo().join("target/xtask/random");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut rng = Rng(seed | 1);
    let mut tally = Tally::default();
    for i in 0..count {
        let text = plan_text(&mut rng);
        let mode = MODES
            .into_iter()
            .find(|m| text.contains(&format!("mode = \"{m}\"")))
            .expect("every plan names its mode");
        let path = dir.join(format!("plan-{seed}-{i}.toml"));
        std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
        tally.plans += 1;
        match try_plan(&vmlayout, &path, mode)? {
            Outcome::Refused(why) => {
                println!(
                    "random plan {i} (seed {seed}): refused by check: {}",
                    why.lines().next().unwrap_or("")
                );
            }
            Outcome::Booted => {
                tally.accepted += 1;
                tally.booted += 1;
                println!("random plan {i} (seed {seed}): accepted and booted");
                let _ = std::fs::remove_file(&path);
            }
            Outcome::Failed(why) => {
                tally.accepted += 1;
                println!(
                    "random plan {i} (seed {seed}): ACCEPTED BUT FAILED: {why} (kept: {})",
                    path.display()
                );
                tally.failures.push(format!("{}: {why}", path.display()));
            }
        }
    }
    println!(
        "random plans (seed {seed}): {} generated, {} accepted, {} booted, {} failed",
        tally.plans,
        tally.accepted,
        tally.booted,
        tally.failures.len()
    );
    Ok(tally)
}

/// A seed from the clock, so each run tries new plans (printed, to repeat it).
pub fn fresh_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}
