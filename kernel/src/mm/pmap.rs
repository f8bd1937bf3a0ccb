//! PMAP: short-lived mappings of any physical page through the `pmap` fixmap slots,
//! for early code that has no direct map yet (e.g. zeroing a new page table).
//! An in-use bitmap hands out slots; running out, or unmapping a slot that is not
//! in use, is an error (a panic through `map`/`unmap`).

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

use super::fixmap::{clear_fixmap, set_fixmap};
use super::pte::{LeafFlags, PhysPage};
use crate::plan::{PMAP, virt_to_fix};

/// Slots in the PMAP group.
const COUNT: usize = PMAP.count;

const _: () = assert!(
    COUNT >= 1 && COUNT <= 64,
    "the PMAP bitmap is one 64-bit word"
);

static IN_USE: AtomicU64 = AtomicU64::new(0);

/// Why a PMAP map or unmap was refused.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PmapError {
    /// Every PMAP slot is in use.
    Exhausted,
    /// The address is not inside a PMAP slot.
    NotPmap(usize),
    /// The PMAP slot holding the address is not in use (double unmap).
    NotInUse(usize),
}

/// As its Display, so addresses print in hex wherever the error is shown.
impl fmt::Debug for PmapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for PmapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PmapError::Exhausted => write!(f, "all {COUNT} PMAP slots are in use"),
            PmapError::NotPmap(va) => write!(f, "{va:#x} is not a PMAP address"),
            PmapError::NotInUse(va) => write!(f, "the PMAP slot at {va:#x} is not in use"),
        }
    }
}

/// Map the page holding `pa`; returns the virtual address of `pa` itself.
///
/// # Safety
/// The mapping is writable: `pa` must be memory the caller may access this
/// way (a page it owns, a page table, a device's registers) — not, for instance,
/// the kernel's text through a writable alias (W^X), nor memory another owner
/// relies on not changing.
pub unsafe fn try_map(pa: usize) -> Result<usize, PmapError> {
    let used = IN_USE.load(Ordering::Relaxed);
    let all = if COUNT == 64 {
        u64::MAX
    } else {
        (1u64 << COUNT) - 1
    };
    let free = !used & all;
    if free == 0 {
        return Err(PmapError::Exhausted);
    }
    let i = free.trailing_zeros() as usize;
    IN_USE.store(used | (1 << i), Ordering::Relaxed);
    let slot = PMAP.slot(i).expect("i < COUNT");
    let page = PhysPage::containing(pa);
    // SAFETY: the caller vouches for `pa` (this function's contract).
    unsafe { set_fixmap(slot, page, LeafFlags::KERNEL_RW) };
    Ok(slot.addr() + (pa - page.addr()))
}

/// Unmap the PMAP slot that holds `va`.
pub fn try_unmap(va: usize) -> Result<(), PmapError> {
    let slot = virt_to_fix(va).ok_or(PmapError::NotPmap(va))?;
    let i = PMAP.position(slot).ok_or(PmapError::NotPmap(va))?;
    let used = IN_USE.load(Ordering::Relaxed);
    if used & (1 << i) == 0 {
        return Err(PmapError::NotInUse(va));
    }
    clear_fixmap(slot);
    IN_USE.store(used & !(1 << i), Ordering::Relaxed);
    Ok(())
}

/// [`try_map`], panicking with the reason when it is refused.
///
/// # Safety
/// As [`try_map`].
pub unsafe fn map(pa: usize) -> usize {
    // SAFETY: the caller vouches for `pa` (this function's contract).
    unsafe { try_map(pa) }.unwrap_or_else(|e| panic!("pmap_map({pa:#x}): {e}"))
}

/// [`try_unmap`], panicking with the reason when it is refused.
pub fn unmap(va: usize) {
    try_unmap(va).unwrap_or_else(|e| panic!("pmap_unmap({va:#x}): {e}"))
}

/// PMAP slots mapped right now.
pub fn in_use() -> u32 {
    IN_USE.load(Ordering::Relaxed).count_ones()
}
