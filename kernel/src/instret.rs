//! Retired-instruction counts and the boot's phase marks. A leaf module: it depends
//! on nothing but `core`, so any code (the MMU-off boot code included) can mark a
//! phase, and whoever reports the figures (`bench`) depends on it, not the reverse.
//!
//! Under QEMU's `-icount shift=0`, `instret` counts every retired guest instruction
//! exactly, so these figures repeat run to run.

use core::sync::atomic::{AtomicU64, Ordering};

/// Instructions retired since reset (the `instret` CSR).
#[inline(always)]
pub fn read() -> u64 {
    let n: u64;
    // SAFETY: reading the retired-instruction counter (enabled for S-mode by OpenSBI).
    unsafe { core::arch::asm!("csrr {}, instret", out(reg) n, options(nomem, nostack)) };
    n
}

/// Instructions two back-to-back [`read`]s count on their own: subtract it from a
/// figure measured between two reads. Both reads sit in one asm block, so the
/// compiler cannot schedule anything between them.
pub fn overhead() -> u64 {
    let (before, after): (u64, u64);
    // SAFETY: reading the retired-instruction counter twice.
    unsafe {
        core::arch::asm!(
            "csrr {}, instret",
            "csrr {}, instret",
            out(reg) before,
            out(reg) after,
            options(nomem, nostack)
        )
    };
    after - before
}

/// Whether `instret` counts instructions here: 64 `nop`s between two reads, three
/// times, must each read as 64 plus the reading's own one. Under QEMU's
/// `-icount shift=0` it does; multi-threaded QEMU returns host ticks instead,
/// and figures from it would mean nothing (the benchmarks are then not printed).
pub fn counts_instructions() -> bool {
    let once = || {
        let (before, after): (u64, u64);
        // SAFETY: reading the retired-instruction counter around 64 nops.
        unsafe {
            core::arch::asm!(
                "csrr {}, instret",
                ".rept 64",
                "nop",
                ".endr",
                "csrr {}, instret",
                out(reg) before,
                out(reg) after,
                options(nomem, nostack)
            )
        };
        after.wrapping_sub(before)
    };
    (0..3).all(|_| once() == 65)
}

/// Run `f` and count the instructions it retires, the call included. Measured in
/// a function of its own, so what the compiler keeps live around the caller (a
/// register spilled between the reads) never counts.
#[inline(never)]
pub fn count(f: impl FnOnce()) -> u64 {
    let overhead = overhead();
    let before = read();
    f();
    read() - before - overhead
}

/// Boot milestones, in boot order; [`mark`] records the instruction count at each.
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

impl Phase {
    /// Every phase, in boot order.
    pub const ALL: [Phase; 7] = [
        Phase::BootTables,
        Phase::IdentityDropped,
        Phase::Fixmap,
        Phase::FdtMapped,
        Phase::FdtParsed,
        Phase::Console,
        Phase::DirectMap,
    ];

    /// The figure's name as `cargo xtask bench` reads it.
    /// The stage this phase ends, as failure reports and planted failures name it:
    /// `boot_prepare`, `drop_identity`, `setup_fixmap`, `map_fdt`, `parse_fdt`,
    /// `console`, `direct_map`.
    pub fn stage(self) -> &'static str {
        self.name().trim_start_matches("phase_")
    }

    pub const fn name(self) -> &'static str {
        match self {
            Phase::BootTables => "phase_boot_prepare",
            Phase::IdentityDropped => "phase_drop_identity",
            Phase::Fixmap => "phase_setup_fixmap",
            Phase::FdtMapped => "phase_map_fdt",
            Phase::FdtParsed => "phase_parse_fdt",
            Phase::Console => "phase_console",
            Phase::DirectMap => "phase_direct_map",
        }
    }
}

/// The instruction count at each phase's mark, indexed by `Phase as usize`.
static MARKS: [AtomicU64; Phase::ALL.len()] = [const { AtomicU64::new(0) }; Phase::ALL.len()];

/// Record that the boot has reached `phase` (usable with the MMU off: it only
/// stores to a static, PC-relatively).
#[inline(always)]
pub fn mark(phase: Phase) {
    MARKS[phase as usize].store(read(), Ordering::Relaxed);
}

/// The instruction count [`mark`] recorded for `phase` (0 if it never ran).
/// The boot stage running now: the first phase not yet marked (`boot_prepare`,
/// `drop_identity`, … `direct_map`), or `after_boot` once every phase is marked.
/// Names the stage in failure reports.
pub fn stage_in_progress() -> &'static str {
    for phase in Phase::ALL {
        if marked_at(phase) == 0 {
            return phase.stage();
        }
    }
    "after_boot"
}

pub fn marked_at(phase: Phase) -> u64 {
    MARKS[phase as usize].load(Ordering::Relaxed)
}
