//! Which hart this is (`tp`), which harts are online, and SBI hart masks of the
//! others for remote fences and IPIs.

use core::sync::atomic::{AtomicUsize, Ordering};

use sbi_rt::HartMask;

use crate::plan::MAX_HARTS;

/// No hart at this index.
const OFFLINE: usize = usize::MAX;

/// The hart id of each online index; [`OFFLINE`] where none.
static HART_IDS: [AtomicUsize; MAX_HARTS] = [const { AtomicUsize::new(OFFLINE) }; MAX_HARTS];

/// The current hart's index (0 for the boot hart), from `tp`: entry.rs sets it
/// before any Rust code runs and nothing else writes it (the kernel has no
/// thread-local storage, which would use `tp`).
#[inline(always)]
pub fn current() -> usize {
    let index: usize;
    // SAFETY: reads a register.
    unsafe {
        core::arch::asm!("mv {}, tp", out(reg) index, options(nomem, nostack, preserves_flags))
    };
    index
}

/// One past the highest index ever online: indices are handed out densely, so
/// loops over the online harts stop here rather than at `MAX_HARTS` (a plan may
/// allow thousands of harts on a machine that has two).
static INDEX_BOUND: AtomicUsize = AtomicUsize::new(0);

/// Record that the hart with SBI id `hart_id` runs at `index`. `Release`: what the
/// hart did before (its trap vector, its MMU) happens before another hart that sees
/// it online relies on it.
pub fn set_online(index: usize, hart_id: usize) {
    INDEX_BOUND.fetch_max(index + 1, Ordering::Relaxed);
    HART_IDS[index].store(hart_id, Ordering::Release);
}

/// The online-hart slots worth looking at: `HART_IDS[..INDEX_BOUND]`.
fn hart_ids() -> &'static [AtomicUsize] {
    &HART_IDS[..INDEX_BOUND.load(Ordering::Acquire).min(MAX_HARTS)]
}

/// The SBI hart id at `index`, when that hart is online.
pub fn hart_id(index: usize) -> Option<usize> {
    let id = HART_IDS.get(index)?.load(Ordering::Acquire);
    (id != OFFLINE).then_some(id)
}

/// Harts online, this one included.
pub fn online() -> usize {
    hart_ids()
        .iter()
        .filter(|id| id.load(Ordering::Acquire) != OFFLINE)
        .count()
}

/// Call `f` with SBI hart masks that together name every online hart but the
/// current one, each mask 64 hart ids from its base (SBI v2.0, 3.1 "hart list"):
/// one call when the ids lie within 64 of each other, none on one hart.
pub fn for_other_harts(mut f: impl FnMut(HartMask)) {
    let me = current();
    let other_ids = || {
        hart_ids()
            .iter()
            .enumerate()
            .filter(move |&(i, _)| i != me)
            .map(|(_, id)| id.load(Ordering::Acquire))
            .filter(|&id| id != OFFLINE)
    };
    // Each base once, lowest first: the lowest id not yet covered.
    let mut from = 0usize;
    while let Some(base) = other_ids().filter(|&id| id >= from).min() {
        let mask = other_ids()
            .filter(|&id| id >= base && id - base < 64)
            .fold(0usize, |mask, id| mask | 1 << (id - base));
        f(HartMask::from_mask_base(mask, base));
        match base.checked_add(64) {
            Some(next) => from = next,
            None => break,
        }
    }
}
