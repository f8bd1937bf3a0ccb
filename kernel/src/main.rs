//! A riscv64 kernel that boots a vmlayout plan: every address, size and slot comes
//! from the plan (`plan.rs` expands `layout!` for constants; the build script writes
//! the linker script).
//!
//! Boot: `_start` (entry.rs) → `boot_prepare` (mm/boot.rs, MMU off) → MMU on →
//! `rust_main` at the link address: trap handler, identity map dropped, fixmap,
//! DTB into the FDT window, UART through the console slot, direct map with the
//! largest pages that fit, "All set up", the memory map, self-tests, benchmarks.
//!
//! Modules depend on each other without a cycle, and none on this crate root
//! (tests/kernel_modules.rs checks both). From the bottom up:
//! - leaves: `plan` (the generated plan), `instret` (instruction counts, phase
//!   marks), `mm::tlb`;
//! - `mm::pte`, `mm::table` (the walker), `mm::image` (load ↔ link addresses),
//!   `mm::root`, `mm::frames`;
//! - `mm::fixmap`, then `mm::boot` (boot tables, MMU off) and `mm::pmap`;
//! - `mm::kernel_access` (tables with the MMU on), `console`, `exit`, `trap`,
//!   `platform`;
//! - `entry` (`_start`), `selftest` and `bench` (which depend on what they test or
//!   measure), and this root, which runs the boot.

#![no_std]
#![no_main]
// Unsafe that says so: every unsafe block states why it is sound, one operation at
// a time (`.ci/run` lints with -D warnings).
#![deny(
    clippy::undocumented_unsafe_blocks,
    clippy::multiple_unsafe_ops_per_block
)]

mod bench;
mod build_env;
mod console;
mod entry;
mod exit;
mod fdt;
mod instret;
mod mm;
mod plan;
mod plant;
mod platform;
mod selftest;
mod smp;
mod stress;
mod trap;

use instret::Phase;
use mm::kernel_access::{self, set_directmap_ready};
use mm::pte::PteFlags;
use mm::{fixmap, frames};
use plan::{DIRECTMAP, MapEntry, PT_ROOT_LEVEL};

/// `_start` (entry.rs) calls it by this signature.
const _: entry::KernelMain = rust_main;
/// `_secondary_start` (entry.rs) calls it by this signature.
const _: entry::SecondaryMain = secondary_main;

/// Continues `_start` at the link address: sets everything up, then prints the
/// memory map, runs the self-tests, reports the benchmarks and exits QEMU.
#[unsafe(no_mangle)]
pub extern "C" fn rust_main(hart: usize, dtb_pa: usize, entry_instret: u64) -> ! {
    let mut ram = platform::RamBanks::EMPTY;
    let set_up = set_up(dtb_pa, &mut ram);
    println!("All set up");
    let entry_to_all_set_up = instret::read() - entry_instret;

    println!(
        "hart {hart}, image loaded at {:#x}, DTB at {dtb_pa:#x} ({} bytes), RAM mapped from {:#x}:",
        mm::image::phys_range().0,
        set_up.dtb_size,
        set_up.directmap_pa_base
    );
    for (start, end) in ram.iter() {
        println!("  RAM {start:#x}..{end:#x}");
    }
    print_memory_map();
    plant::panic_at("after_boot");
    let passed = selftest::run(&mut || run_smp(hart, set_up.dtb));
    // Bytes from the direct map's start to the end of the highest RAM bank.
    let ram_mapped = ram
        .iter()
        .map(|(_, end)| end.saturating_sub(set_up.directmap_pa_base))
        .max()
        .unwrap_or(0);
    report_benchmarks(
        set_up.setup_fixmap,
        entry_to_all_set_up,
        entry_instret,
        ram_mapped,
    );
    finish(passed)
}

/// A hung wait's report goes to the console and ends the boot with
/// [`exit::code::HUNG`] (`smp::wait` cannot call either itself).
static HANG_REPORTER: smp::wait::Reporter = smp::wait::Reporter {
    print: print_report_line,
    fail: fail_hung,
};

fn print_report_line(line: core::fmt::Arguments<'_>) {
    println!("{line}");
}

fn fail_hung() -> ! {
    exit::exit(exit::code::HUNG)
}

/// Start the other harts, run the SMP stress test on all of them; whether it
/// passed everywhere, and on how many harts. The secondaries then stay online,
/// idle.
fn run_smp(boot_hart_id: usize, dtb: &'static [u8]) -> (bool, usize) {
    smp::wait::set_reporter(&HANG_REPORTER);
    // Planted: every hart is started the way OpenSBI 1.1's race may start one, at
    // the firmware's boot address (`_start`) with the DTB as its opaque value.
    let (entry, opaque) = if plant::at("smp_stale_entry") {
        (entry::start(), Some(dtb.as_ptr() as usize))
    } else {
        (entry::secondary_start(), None)
    };
    let entry = mm::image::link_to_pa(entry);
    let started = smp::start::start_secondaries(dtb, boot_hart_id, entry, opaque);
    let harts = started.online;
    println!(
        "SMP: {harts} hart(s) online of {} in the DTB (the plan allows {})",
        started.in_dtb,
        plan::MAX_HARTS
    );
    match started.timebase_hz {
        Some(hz) => println!(
            "  a wait without progress for {} s fails the boot (timebase {hz} Hz)",
            smp::wait::LIMIT_SECONDS
        ),
        None => println!("  no timebase-frequency in the DTB: waits have no deadline"),
    }
    if started.in_dtb > harts {
        println!(
            "  {} hart(s) left stopped: the plan allows {} (platform.max_harts; 1 when the layout leaves it out)",
            started.in_dtb - harts,
            plan::MAX_HARTS
        );
    }
    stress::prepare(harts);
    stress::go();
    stress::run_here();
    (stress::wait_all(harts), harts)
}

/// A secondary hart's main function, at its link address with the MMU on and its
/// own stack (entry.rs): install the trap handler, come online, run the stress
/// test when told to, then idle (`wfi`: remote fences still reach it, through
/// the firmware).
#[unsafe(no_mangle)]
pub extern "C" fn secondary_main(hart_id: usize, index: usize) -> ! {
    trap::install();
    smp::hart::set_online(index, hart_id);
    // Online, then a full flush (after `fence rw,rw`): a shared slot unmapped
    // before the unmapper could see this hart loses any entry it cached since its
    // MMU came on (mm::shared has the argument).
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
    mm::tlb::flush_all();
    smp::wait::wake(0);
    stress::wait_for_go();
    stress::run_here();
    smp::wait::idle()
}

/// What [`set_up`] found and measured.
struct SetUp {
    /// The physical address the direct map's start maps.
    directmap_pa_base: usize,
    /// The DTB's size in bytes.
    dtb_size: usize,
    /// The DTB, mapped read-only in the FDT window.
    dtb: &'static [u8],
    /// Instructions `setup_fixmap_mappings` took, the call included.
    setup_fixmap: u64,
}

/// Everything between the jump to the link address and "All set up", each phase
/// marked: the trap handler, the identity map dropped, the fixmap, the DTB mapped
/// and parsed, the console, the frame allocator and the direct map.
#[inline(always)]
fn set_up(dtb_pa: usize, ram: &mut platform::RamBanks) -> SetUp {
    trap::install();
    plant::panic_at("drop_identity");
    let (identity_start, identity_end) = mm::image::identity_range();
    kernel_access::unmap(identity_start, identity_end - identity_start)
        .unwrap_or_else(|e| panic!("dropping the identity map: {e:?}"));
    instret::mark(Phase::IdentityDropped);
    plant::panic_at("setup_fixmap");

    let setup_fixmap = instret::count(fixmap::setup_fixmap_mappings);
    instret::mark(Phase::Fixmap);
    plant::panic_at("map_fdt");

    let dtb = platform::map_fdt(dtb_pa);
    instret::mark(Phase::FdtMapped);
    plant::panic_at("parse_fdt");
    let (image_start, _) = mm::image::phys_range();
    let platform = platform::parse(dtb, image_start, ram);
    instret::mark(Phase::FdtParsed);
    plant::panic_at("console");
    // SAFETY: the DTB names the UART's registers there; nothing else maps them.
    unsafe { console::init(platform.uart) };
    instret::mark(Phase::Console);
    plant::panic_at("direct_map");
    if let Some(device) = platform.test_device {
        // SAFETY: the DTB names the test device's registers there.
        unsafe { exit::init(device) };
    }
    let mapped = DirectMapped::for_banks(ram);
    // Frames start past the identity range: it holds the image's superpages, which
    // the direct map aliases read-only, so nothing the kernel writes may live there.
    let frames_end = platform.image_bank.1.min(mapped.pa_limit);
    let (_, identity_end) = mm::image::identity_range();
    if identity_end >= frames_end {
        panic!(
            "no mapped RAM above the identity range (it ends at {identity_end:#x}, RAM at {frames_end:#x}): lower platform.image_max_size in the layout"
        );
    }
    frames::init(identity_end, frames_end, dtb_pa, dtb_pa + dtb.len());
    map_ram(ram, &mapped);
    instret::mark(Phase::DirectMap);
    SetUp {
        directmap_pa_base: mapped.pa_base,
        dtb_size: dtb.len(),
        dtb,
        setup_fixmap,
    }
}

/// The physical range the direct map covers, `[pa_base, pa_limit)`.
#[derive(Clone, Copy)]
struct DirectMapped {
    pa_base: usize,
    pa_limit: usize,
}

impl DirectMapped {
    /// Relative to the lowest bank: physical `pa` at `DIRECTMAP.start + (pa -
    /// pa_base)`, `pa_base` the lowest bank's start aligned down to
    /// [`DIRECTMAP_BASE_ALIGN`], as Linux's `va_pa_offset` and Xen's direct-map
    /// offset do.
    fn for_banks(banks: &platform::RamBanks) -> DirectMapped {
        let pa_base = banks.lowest() & !(DIRECTMAP_BASE_ALIGN - 1);
        DirectMapped {
            pa_base,
            pa_limit: pa_base.saturating_add(DIRECTMAP.size),
        }
    }
}

/// The size of the direct map's largest leaf, to which the physical base is aligned
/// down: a level-2 leaf (1 GiB), present in every mode.
const DIRECTMAP_BASE_ALIGN: usize = mm::table::level_size(2);

/// Map every RAM bank into the direct map as `mapped` says. RAM the direct map
/// cannot hold is left unmapped, with a warning.
fn map_ram(banks: &platform::RamBanks, mapped: &DirectMapped) {
    let DirectMapped { pa_base, pa_limit } = *mapped;
    for (start, end) in banks.iter() {
        if end > pa_limit {
            println!(
                "warning: RAM {:#x}..{end:#x} lies beyond the direct map `{}` ({} bytes from {pa_base:#x}): left unmapped",
                start.max(pa_limit),
                DIRECTMAP.name,
                DIRECTMAP.size
            );
        }
        if start < pa_limit {
            map_bank(start, end.min(pa_limit), pa_base);
        }
    }
    set_directmap_ready(pa_base);
}

/// Map `[start, end)` with the largest pages that fit. The identity range, which
/// holds the image's superpages, is mapped read-only (a writable alias of the text
/// would undo W^X); the rest read-write.
fn map_bank(start: usize, end: usize, pa_base: usize) {
    let (identity_start, identity_end) = mm::image::identity_range();
    let inside = |pa: usize| pa.clamp(start, end);
    let pieces = [
        (start, inside(identity_start), PteFlags::KERNEL_RW),
        (
            inside(identity_start),
            inside(identity_end),
            PteFlags::KERNEL_R,
        ),
        (inside(identity_end), end, PteFlags::KERNEL_RW),
    ];
    for (from, to, flags) in pieces {
        if to > from {
            // SAFETY: `from..to` is RAM the DTB reports, mapped into the direct map
            // only; the identity range (the image's text) is mapped read-only.
            unsafe {
                kernel_access::map(
                    DIRECTMAP.start + (from - pa_base),
                    from,
                    to - from,
                    flags,
                    PT_ROOT_LEVEL,
                )
            }
            .unwrap_or_else(|e| panic!("mapping RAM into `{}`: {e:?}", DIRECTMAP.name));
        }
    }
}

/// The plan top-down, entry by entry of the generated `MAP`.
fn print_memory_map() {
    println!(
        "Memory map ({}), top-down, last byte inclusive:",
        plan::PAGING_MODE
    );
    for entry in plan::MAP {
        print_map_entry(entry);
    }
}

fn print_map_entry(entry: &MapEntry) {
    match entry {
        MapEntry::Region(r) => println!(
            "  {:#018x}..={:#018x} {:<12} {:<11} {}",
            r.start,
            r.last,
            r.name,
            r.perms.text,
            console::Visible(r.description)
        ),
        MapEntry::Gap(g) => println!(
            "  {:#018x}..={:#018x} {:<12} {:<11} guard gap between `{}` and `{}`",
            g.start, g.last, g.name, "---", g.below, g.above
        ),
        MapEntry::Unused(u) => println!(
            "  {:#018x}..={:#018x} {:<12} {:<11} root slots {}-{}",
            u.start, u.last, "(unused)", "---", u.first_slot, u.last_slot
        ),
        MapEntry::NonCanonical { start, last } => println!(
            "  {start:#018x}..={last:#018x} {:<12} {:<11} non-canonical: no address here exists",
            "(hole)", "---"
        ),
    }
}

/// Print the `BENCH` lines `cargo xtask bench` reads.
fn report_benchmarks(
    setup_fixmap: u64,
    entry_to_all_set_up: u64,
    entry_instret: u64,
    ram_mapped: usize,
) {
    let frame = frames::alloc().expect("a frame for the benchmark");
    let harts = smp::hart::online();
    if !instret::counts_instructions() {
        // Multi-threaded QEMU: instret reads host ticks. What can be measured is
        // time: the shared slots' remote shootdown, with several harts online, in
        // a kernel built for it (`VMLAYOUT_BENCH_SHOOTDOWN=1`, xtask's bench).
        if bench::SHOOTDOWN_TIMED && harts > 1 {
            // SAFETY: `frame` was just allocated for this measurement; the other
            // harts are idle after the stress test.
            let (map, unmap) = unsafe { bench::shared_ticks(frame, 200) };
            bench::report("shared_map_ticks", map);
            bench::report("shared_unmap_shootdown_ticks", unmap);
        } else {
            println!(
                "BENCH figures not printed: instret does not count instructions here (QEMU without -icount)"
            );
        }
        return;
    }
    // SAFETY: `frame` was just allocated for this measurement, and nothing else uses it.
    let (set, clear) = unsafe { bench::fixmap_calls(frame, 1000) };
    bench::report("set_fixmap", set);
    bench::report("clear_fixmap", clear);
    // SAFETY: as above; no PMAP slot is in use after the self-tests.
    let (set, clear) = unsafe { bench::fixmap_inline_calls(frame, 1000) };
    bench::report("set_fixmap_inline", set);
    bench::report("clear_fixmap_inline", clear);
    bench::report("setup_fixmap_mappings", setup_fixmap * 10);
    bench::report("smp_harts", harts as u64 * 10);
    // SAFETY: as above.
    let (map, unmap) = unsafe { bench::pmap_calls(frame, 1000) };
    bench::report("pmap_map", map);
    bench::report("pmap_unmap", unmap);
    // With other harts online, every unmap of a shared slot waits in the firmware
    // for their remote fences: under -icount that wait is a round-robin time slice,
    // not a cost (see xtask's `Machine::exact`), so instructions are counted on
    // one hart only (and time, above, on several).
    if harts == 1 {
        // SAFETY: as above; no other hart runs.
        let (map, unmap) = unsafe { bench::shared_calls(frame, 1000) };
        bench::report("shared_map", map);
        bench::report("shared_unmap_shootdown", unmap);
    }
    if let Some(cost) = bench::directmap_leaf_cost(ram_mapped) {
        bench::report("directmap_leaf", cost);
    }
    bench::report("entry_to_all_set_up", entry_to_all_set_up * 10);
    bench::report_phases(entry_instret);
    bench::report("boot_tables_used", mm::boot::tables_used() as u64 * 10);
}

/// Say whether every self-test passed and leave QEMU with that status.
fn finish(passed: bool) -> ! {
    if passed {
        println!("vmlayout kernel: all self-tests passed");
        exit::exit(0);
    }
    println!("vmlayout kernel: self-tests FAILED");
    exit::exit(exit::code::SELFTEST);
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    println!(
        "\nFAIL: panic in stage {}: {info}",
        instret::stage_in_progress()
    );
    exit::exit(exit::code::PANIC);
}
