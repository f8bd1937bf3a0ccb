//! A riscv64 kernel that boots a vmlayout plan: every address, size and slot comes
//! from the plan (`plan.rs` expands `layout!` for constants; the build script writes
//! the linker script).
//!
//! Boot: `_start` (entry.rs) → `boot_prepare` (mm/boot.rs, MMU off) → MMU on →
//! `rust_main` at the link address: trap handler, identity map dropped, fixmap,
//! DTB into the FDT window, UART through the `misc` slot, direct map with the
//! largest pages that fit, "All set up", the memory map, self-tests, benchmarks.

#![no_std]
#![no_main]

mod bench;
mod console;
mod entry;
mod exit;
mod instret;
mod mm;
mod plan;
mod platform;
mod selftest;
mod trap;

use instret::Phase;
use mm::boot::identity_range;
use mm::kernel_access::{self, set_directmap_ready};
use mm::pte::PteFlags;
use mm::table::ROOT_LEVEL;
use mm::{fixmap, frames};
use plan::DIRECTMAP;

/// `_start` (entry.rs) calls it by this signature.
const _: entry::KernelMain = rust_main;

/// Continues `_start` at the link address.
#[unsafe(no_mangle)]
pub extern "C" fn rust_main(hart: usize, dtb_pa: usize, entry_instret: u64) -> ! {
    trap::install();
    let (id_start, id_end) = identity_range();
    kernel_access::unmap(id_start, id_end - id_start)
        .unwrap_or_else(|e| panic!("dropping the identity map: {e:?}"));
    instret::mark(Phase::IdentityDropped);

    let overhead = instret::overhead();
    let t0 = instret::read();
    fixmap::setup_fixmap_mappings();
    let setup_fixmap = instret::read() - t0 - overhead;
    instret::mark(Phase::Fixmap);

    let dtb = platform::map_fdt(dtb_pa);
    instret::mark(Phase::FdtMapped);
    let (image_start, image_end) = mm::image::phys_range();
    let platform = platform::parse(dtb, image_start);
    instret::mark(Phase::FdtParsed);
    console::init(platform.uart);
    instret::mark(Phase::Console);
    if let Some(device) = platform.test_device {
        exit::init(device);
    }
    // Frames start past the image's boot superpages: those are aliased read-only in
    // the direct map, so nothing the kernel writes may live there.
    let (_, image_superpages_end) = identity_range();
    frames::init(
        image_superpages_end.max(image_end),
        platform.ram.1,
        dtb_pa,
        dtb_pa + dtb.len(),
    );
    map_ram(platform.ram);
    instret::mark(Phase::DirectMap);
    println!("All set up");
    let boot = instret::read() - entry_instret;

    println!(
        "hart {hart}, RAM {:#x}..{:#x}, DTB at {dtb_pa:#x} ({} bytes)",
        platform.ram.0,
        platform.ram.1,
        dtb.len()
    );
    print_memory_map();
    let passed = selftest::run();

    let frame = frames::alloc().expect("a frame for the benchmark");
    let (set, clear) = bench::fixmap_calls(frame, 1000);
    bench::report("set_fixmap", set);
    bench::report("clear_fixmap", clear);
    bench::report("setup_fixmap_mappings", setup_fixmap * 10);
    bench::report("entry_to_all_set_up", boot * 10);
    bench::report_phases(entry_instret);
    bench::report("boot_tables_used", mm::boot::tables_used() as u64 * 10);

    if passed {
        println!("vmlayout kernel: all self-tests passed");
        exit::exit(0);
    }
    println!("vmlayout kernel: self-tests FAILED");
    exit::exit(exit::code::SELFTEST);
}

/// Map the RAM bank at `DIRECTMAP.start + pa` with the largest pages that fit.
fn map_ram((start, end): (usize, usize)) {
    if end > DIRECTMAP.size {
        panic!(
            "RAM ends at {end:#x}, past the {} direct map (`{}`, {} bytes): grow it in the layout",
            DIRECTMAP.name, DIRECTMAP.name, DIRECTMAP.size
        );
    }
    // The image's superpages are mapped read-only: a writable alias of the text would
    // undo W^X. The rest of RAM is read-write.
    let (image_start, image_end) = identity_range();
    let pieces = [
        (start, image_start.clamp(start, end), PteFlags::KERNEL_RW),
        (
            image_start.clamp(start, end),
            image_end.clamp(start, end),
            PteFlags::KERNEL_R,
        ),
        (image_end.clamp(start, end), end, PteFlags::KERNEL_RW),
    ];
    for (from, to, flags) in pieces {
        if to > from {
            kernel_access::map(DIRECTMAP.start + from, from, to - from, flags, ROOT_LEVEL)
                .unwrap_or_else(|e| panic!("mapping RAM into `{}`: {e:?}", DIRECTMAP.name));
        }
    }
    set_directmap_ready();
}

/// The plan top-down, from the generated REGIONS, GAPS and UNUSED tables.
fn print_memory_map() {
    println!(
        "Memory map ({}), top-down, end exclusive:",
        plan::PAGING_MODE
    );
    let mut below = usize::MAX;
    let mut first = true;
    loop {
        // The highest start below the previous one, among regions, gaps and unused ranges.
        let mut best: Option<(usize, usize)> = None;
        let mut take = |start: usize, kind: usize| {
            if (first || start < below) && best.is_none_or(|(s, _)| start > s) {
                best = Some((start, kind));
            }
        };
        for (i, r) in plan::REGIONS.iter().enumerate() {
            take(r.start, i);
        }
        for (i, g) in plan::GAPS.iter().enumerate() {
            take(g.start, 1000 + i);
        }
        for (i, u) in plan::UNUSED.iter().enumerate() {
            take(u.start, 2000 + i);
        }
        let Some((start, kind)) = best else { break };
        first = false;
        below = start;
        match kind {
            0..1000 => {
                let r = &plan::REGIONS[kind];
                let perms = r.perms.text;
                println!(
                    "  {:#018x}..{:#018x} {:<12} {perms:<11} {}",
                    r.start, r.end, r.name, r.description
                );
            }
            1000..2000 => {
                let g = &plan::GAPS[kind - 1000];
                println!(
                    "  {:#018x}..{:#018x} {:<12} {:<11} guard gap between `{}` and `{}`",
                    g.start, g.end, g.name, "---", g.below, g.above
                );
            }
            _ => {
                let u = &plan::UNUSED[kind - 2000];
                println!(
                    "  {:#018x}..={:#016x} {:<11} {:<11} root slots {}-{}",
                    u.start, u.last, "(unused)", "---", u.first_slot, u.last_slot
                );
            }
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    println!("\nFAIL: panic: {info}");
    exit::exit(exit::code::PANIC);
}
