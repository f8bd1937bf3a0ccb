//! PMAP: short-lived mappings of any physical page through the `pmap` fixmap slots,
//! for early code that has no direct map yet (e.g. zeroing a new page table).
//! An in-use bitmap hands out slots; running out, or unmapping a slot that is not
//! in use, is an error (a panic through `map`/`unmap`).
//!
//! Each hart has slots and a bitmap of its own (the group is per-hart), so the fast
//! path takes no lock and fences only locally: no other hart touches this hart's
//! slots or bitmap. Another hart may still cache one of these slots' entries
//! speculatively, but it never accesses the slot's address, so a stale entry there
//! is never used (the argument Linux's per-CPU `kmap_local` rests on).

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

use super::fixmap::{clear_fixmap, set_fixmap};
use super::pte::{LeafFlags, PhysPage};
use crate::plan::{MAX_HARTS, PMAP, virt_to_fix};
use crate::smp::hart;

/// PMAP slots each hart has.
const COUNT: usize = PMAP.per_hart();

const _: () = assert!(
    COUNT >= 1 && COUNT <= 64,
    "the PMAP bitmap is one 64-bit word"
);

/// Each hart's in-use bitmap, by hart index; only that hart reads or writes it
/// (`Relaxed` is enough: program order on one hart).
// Per-hart state, sized by MAX_HARTS: in `.data`, so the image ships it zeroed and
// boot does not clear it with .bss (as the fixmap's tables).
#[unsafe(link_section = ".data.per_hart")]
static IN_USE: [AtomicU64; MAX_HARTS] = [const { AtomicU64::new(0) }; MAX_HARTS];

/// This hart's bitmap.
#[inline(always)]
fn in_use_here() -> &'static AtomicU64 {
    &IN_USE[hart::current()]
}

/// Why a PMAP map or unmap was refused.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PmapError {
    /// Every PMAP slot of this hart is in use.
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
            PmapError::Exhausted => write!(f, "all {COUNT} of this hart's PMAP slots are in use"),
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
    let in_use = in_use_here();
    let used = in_use.load(Ordering::Relaxed);
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
    in_use.store(used | (1 << i), Ordering::Relaxed);
    let slot = PMAP.hart_slot(hart::current(), i).expect("i < COUNT");
    let page = PhysPage::containing(pa);
    // SAFETY: the caller vouches for `pa` (this function's contract).
    unsafe { set_fixmap(slot, page, LeafFlags::KERNEL_RW) };
    Ok(slot.addr() + (pa - page.addr()))
}

/// Unmap this hart's PMAP slot that holds `va` (another hart's slot is
/// [`PmapError::NotPmap`]).
pub fn try_unmap(va: usize) -> Result<(), PmapError> {
    let slot = virt_to_fix(va).ok_or(PmapError::NotPmap(va))?;
    let i = PMAP
        .position(slot)
        .and_then(|n| n.checked_sub(hart::current() * COUNT))
        .filter(|&i| i < COUNT)
        .ok_or(PmapError::NotPmap(va))?;
    let in_use = in_use_here();
    let used = in_use.load(Ordering::Relaxed);
    if used & (1 << i) == 0 {
        return Err(PmapError::NotInUse(va));
    }
    clear_fixmap(slot);
    in_use.store(used & !(1 << i), Ordering::Relaxed);
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

/// This hart's PMAP slots mapped right now.
pub fn in_use() -> u32 {
    in_use_here().load(Ordering::Relaxed).count_ones()
}
