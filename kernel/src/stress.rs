//! The SMP stress self-test: every online hart maps pages through its own PMAP
//! slots and through a shared slot, cycle after cycle, and checks through each
//! mapping that it reads the page it mapped. Each hart has pages of its own, each
//! page distinct contents, and each slot alternates between two pages, so a torn
//! PTE, a missing local fence (a stale translation of the slot's previous page) or
//! a missing remote fence reads the wrong words and fails the test.
//!
//! Cycles per hart: `VMLAYOUT_STRESS_CYCLES` at build time (default 1,000) for its
//! own slots and as many for the shared slot; `cargo xtask test` builds with a
//! bounded count, the full-size run uses 100,000.

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::mm::fixmap::fixmap_pte;
use crate::mm::kernel_access::phys_to_virt;
use crate::mm::pte::{LeafFlags, PhysPage, Pte};
use crate::mm::{frames, pmap, shared};
use crate::plan::{MAX_HARTS, PAGE_SIZE, PMAP, virt_to_fix};
use crate::smp::hart;
use crate::smp::wait::{self, Waiting};

/// Set/clear cycles per hart on its own slots, and again on the shared slot.
pub const CYCLES: u64 = match option_env!("VMLAYOUT_STRESS_CYCLES") {
    Some(text) => crate::build_env::decimal(text, "VMLAYOUT_STRESS_CYCLES is a count"),
    None => 1_000,
};

/// Pages per hart: two for its own slots, two for the shared slot.
const PAGES: usize = 4;

/// Each hart's pages (physical addresses), allocated by the boot hart.
// Per-hart state, sized by MAX_HARTS: in `.data`, so the image ships it zeroed and
// boot does not clear it with .bss (as the fixmap's tables).
#[unsafe(link_section = ".data.per_hart")]
static HART_PAGES: [[AtomicUsize; PAGES]; MAX_HARTS] =
    [const { [const { AtomicUsize::new(0) }; PAGES] }; MAX_HARTS];

/// Whether each hart's stress failed.
// Per-hart state, sized by MAX_HARTS: in `.data`, so the image ships it zeroed and
// boot does not clear it with .bss (as the fixmap's tables).
#[unsafe(link_section = ".data.per_hart")]
static FAILED: [AtomicBool; MAX_HARTS] = [const { AtomicBool::new(false) }; MAX_HARTS];
/// Cycles each hart has done, own and shared: the progress a hang report and the
/// boot hart's wait for the others go by.
// Per-hart state, sized by MAX_HARTS: in `.data`, so the image ships it zeroed and
// boot does not clear it with .bss (as the fixmap's tables).
#[unsafe(link_section = ".data.per_hart")]
static DONE: [AtomicU64; MAX_HARTS] = [const { AtomicU64::new(0) }; MAX_HARTS];
/// Harts that have finished (passed or failed).
static FINISHED: AtomicUsize = AtomicUsize::new(0);
/// Set once every hart's pages are ready: the secondaries wait for it.
static GO: AtomicBool = AtomicBool::new(false);

/// Let the waiting secondaries start their stress (after [`prepare`]). `Release`:
/// the pages' contents happen before a hart that sees it reads them.
pub fn go() {
    GO.store(true, Ordering::Release);
    wait::wake_others();
}

/// Wait for [`go`]. Progress: harts coming online (the boot hart starts them
/// all before the go).
pub fn wait_for_go() {
    let waiting = Waiting {
        describe: &|f| {
            write!(
                f,
                "the go of the SMP stress test ({} hart(s) online)",
                hart::online()
            )
        },
        progress: &|| hart::online() as u64,
    };
    wait::wait_until(&waiting, || GO.load(Ordering::Acquire));
}

/// The word at `word` of page `pa`: distinct for every page and word.
fn pattern(pa: usize, word: usize) -> u64 {
    (pa as u64).rotate_left(17) ^ (word as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Allocate and fill every hart's pages (up to `harts`), before any stress runs.
/// Panics when RAM runs out.
pub fn prepare(harts: usize) {
    for pages in HART_PAGES.iter().take(harts) {
        for page in pages {
            let pa = frames::alloc().expect("a frame for the stress test");
            let va = phys_to_virt(pa);
            for word in 0..PAGE_SIZE / 8 {
                let at = (va + word * 8) as *mut u64;
                // SAFETY: `pa` is a fresh frame, mapped rw through the direct map.
                unsafe { at.write_volatile(pattern(pa, word)) };
            }
            page.store(pa, Ordering::Relaxed);
        }
    }
}

/// What went wrong at a check: which kind of slot, the cycle, and the word read.
#[derive(Clone, Copy)]
pub enum Failure {
    /// Through the hart's own PMAP slot.
    Own { cycle: u64, read: u64, want: u64 },
    /// Through the shared slot.
    Shared { cycle: u64, read: u64, want: u64 },
    /// The PTE read back is not the one stored.
    Torn { cycle: u64 },
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Failure::Own { cycle, read, want } => write!(
                f,
                "cycle {cycle}: its own PMAP slot read {read:#x}, the page mapped holds {want:#x}"
            ),
            Failure::Shared { cycle, read, want } => write!(
                f,
                "cycle {cycle}: the shared slot read {read:#x}, the page mapped holds {want:#x}"
            ),
            Failure::Torn { cycle } => {
                write!(f, "cycle {cycle}: the PTE read back is not the one stored")
            }
        }
    }
}

/// Run the stress on this hart; record the outcome for [`wait_all`].
pub fn run_here() {
    let me = hart::current();
    let outcome = stress(me);
    if let Err(failure) = outcome {
        crate::println!("FAIL SMP stress on hart index {me}: {failure}");
        FAILED[me].store(true, Ordering::Relaxed);
    }
    FINISHED.fetch_add(1, Ordering::Release);
    if me != 0 {
        wait::wake(0);
    }
}

fn stress(me: usize) -> Result<(), Failure> {
    own_slots(me)?;
    shared_slot(me)?;
    DONE[me].store(2 * CYCLES, Ordering::Relaxed);
    Ok(())
}

/// Through this hart's PMAP (`pmap::map`/`unmap`, the lock-free per-hart path):
/// the hart's slots held as a ring, the oldest mapping dropped for each new one,
/// so every slot is used in turn and gets the other page on each reuse.
fn own_slots(me: usize) -> Result<(), Failure> {
    let page = |i: usize| HART_PAGES[me][i].load(Ordering::Relaxed);
    let per_hart = PMAP.per_hart();
    // The mappings held: `(va, pa)`, oldest at `cycle % per_hart` once full.
    let mut ring = [(0usize, 0usize); 64];
    for cycle in 0..CYCLES {
        DONE[me].store(cycle, Ordering::Relaxed);
        let n = cycle as usize;
        let at = n % per_hart;
        if n >= per_hart {
            pmap::unmap(ring[at].0);
        }
        let pa = page((n / per_hart) % 2);
        // SAFETY: `pa` is this hart's stress page.
        let va = unsafe { pmap::map(pa) };
        ring[at] = (va, pa);
        let slot = virt_to_fix(va).expect("a PMAP address is a fixmap slot");
        let mine = PMAP.position(slot).is_some_and(|i| i / per_hart == me);
        let want = Pte::leaf_page(PhysPage::containing(pa), LeafFlags::KERNEL_RW);
        if !mine || fixmap_pte(slot) != want {
            return Err(Failure::Torn { cycle });
        }
        let word = (n * 7) % (PAGE_SIZE / 8);
        // SAFETY: the slot maps `pa` rw until its unmap.
        let read = unsafe { ((va + word * 8) as *const u64).read_volatile() };
        if read != pattern(pa, word) {
            return Err(Failure::Own {
                cycle,
                read,
                want: pattern(pa, word),
            });
        }
    }
    for &(va, _) in ring.iter().take((CYCLES as usize).min(per_hart)) {
        pmap::unmap(va);
    }
    Ok(())
}

/// Through shared slot 0 (one lock for every hart: the most contention, and the
/// remote shootdown on every unmap).
fn shared_slot(me: usize) -> Result<(), Failure> {
    let page = |i: usize| HART_PAGES[me][i].load(Ordering::Relaxed);
    if me == 1 && crate::plant::at("smp_hold_lock") {
        // A planted deadlock: hart index 1 keeps shared slot 0 (and its lock) for
        // good, so every other hart's wait for it must end in a hang report.
        // SAFETY: `page(2)` is this hart's stress page.
        let mapping =
            unsafe { shared::map(0, PhysPage::containing(page(2)), LeafFlags::KERNEL_RW) };
        core::mem::forget(mapping);
        wait::idle();
    }
    for cycle in 0..CYCLES {
        DONE[me].store(CYCLES + cycle, Ordering::Relaxed);
        let n = cycle as usize;
        let pa = page(2 + n % 2);
        let word = (n * 13) % (PAGE_SIZE / 8);
        // SAFETY: `pa` is this hart's stress page.
        let mapping = unsafe { shared::map(0, PhysPage::containing(pa), LeafFlags::KERNEL_RW) };
        // SAFETY: the shared slot maps `pa` while `mapping` lives.
        let read = unsafe { ((mapping.addr() + word * 8) as *const u64).read_volatile() };
        drop(mapping);
        if read != pattern(pa, word) {
            return Err(Failure::Shared {
                cycle,
                read,
                want: pattern(pa, word),
            });
        }
    }
    Ok(())
}

/// Wait until `harts` harts have finished; whether all passed.
/// Progress: cycles done on every hart.
pub fn wait_all(harts: usize) -> bool {
    let done = || DONE.iter().map(|d| d.load(Ordering::Relaxed)).sum::<u64>();
    let waiting = Waiting {
        describe: &|f| {
            write!(
                f,
                "every hart to finish the SMP stress test: {} of {harts} finished, cycles done:",
                FINISHED.load(Ordering::Relaxed)
            )?;
            for (index, d) in DONE.iter().take(harts).enumerate() {
                write!(f, " {index}:{}", d.load(Ordering::Relaxed))?;
            }
            write!(f, " of {} each", 2 * CYCLES)
        },
        progress: &done,
    };
    wait::wait_until(&waiting, || FINISHED.load(Ordering::Acquire) >= harts);
    FAILED
        .iter()
        .take(harts)
        .all(|f| !f.load(Ordering::Relaxed))
}
