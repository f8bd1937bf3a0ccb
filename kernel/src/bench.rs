//! In-guest instruction counts. Under `-icount shift=0`, `instret` counts every
//! retired guest instruction exactly, so these figures repeat run to run.

use crate::mm::fixmap::{clear_fixmap, set_fixmap};
use crate::mm::pte::PteFlags;
use crate::plan::{FIX_PMAP_COUNT, pmap_slot};

#[inline(always)]
pub fn instret() -> u64 {
    let n: u64;
    // SAFETY: reading the retired-instruction counter (enabled for S-mode by OpenSBI).
    unsafe { core::arch::asm!("csrr {}, instret", out(reg) n, options(nomem, nostack)) };
    n
}

/// The count two back-to-back reads add on their own, subtracted from every figure.
pub fn overhead() -> u64 {
    let a = instret();
    let b = instret();
    b - a
}

/// Mean instructions per `set_fixmap` and per `clear_fixmap` call, in tenths.
pub fn fixmap_calls(frame: usize, calls: u64) -> (u64, u64) {
    let overhead = overhead();
    let (mut set, mut clear) = (0, 0);
    for i in 0..calls {
        let slot = pmap_slot(i as usize % FIX_PMAP_COUNT).expect("in range");
        let t0 = instret();
        set_fixmap(slot, frame, PteFlags::KERNEL_RW);
        let t1 = instret();
        clear_fixmap(slot);
        let t2 = instret();
        set += t1 - t0 - overhead;
        clear += t2 - t1 - overhead;
    }
    (set * 10 / calls, clear * 10 / calls)
}

/// Print a figure the way `cargo xtask bench` reads it.
pub fn report(name: &str, tenths: u64) {
    crate::println!("BENCH {name} {}.{}", tenths / 10, tenths % 10);
}

/// Boot milestones, in order; `mark` records the instruction count at each.
#[derive(Clone, Copy)]
pub enum Phase {
    BootTables,
    IdentityDropped,
    Fixmap,
    FdtMapped,
    FdtParsed,
    Console,
    DirectMap,
}

pub const PHASES: [(&str, Phase); 7] = [
    ("phase_boot_prepare", Phase::BootTables),
    ("phase_drop_identity", Phase::IdentityDropped),
    ("phase_setup_fixmap", Phase::Fixmap),
    ("phase_map_fdt", Phase::FdtMapped),
    ("phase_parse_fdt", Phase::FdtParsed),
    ("phase_console", Phase::Console),
    ("phase_direct_map", Phase::DirectMap),
];

static MARKS: [core::sync::atomic::AtomicU64; 7] =
    [const { core::sync::atomic::AtomicU64::new(0) }; 7];

#[inline(always)]
pub fn mark(phase: Phase) {
    MARKS[phase as usize].store(instret(), core::sync::atomic::Ordering::Relaxed);
}

/// Instructions spent in each phase since the previous mark (the first since entry).
pub fn report_phases(entry: u64) {
    let mut previous = entry;
    for (name, phase) in PHASES {
        let at = MARKS[phase as usize].load(core::sync::atomic::Ordering::Relaxed);
        report(name, (at - previous) * 10);
        previous = at;
    }
}
