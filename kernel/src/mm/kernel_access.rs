//! Table access once the MMU is on, and the kernel's mapping helpers.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::frames;
use super::image;
use super::pmap;
use super::pte::{Pte, PteFlags};
use super::root::root_table_pa;
use super::table::{self, MapError, PageTable, TableAccess};
use super::tlb::{flush_all, flush_page};
use crate::plan::DIRECTMAP;

/// Set once RAM is mapped at `DIRECTMAP.start + (pa - DIRECTMAP_PA_BASE)`.
static DIRECTMAP_READY: AtomicBool = AtomicBool::new(false);

/// The physical address `DIRECTMAP.start` maps: the lowest RAM bank's start,
/// aligned down to the direct map's largest leaf (as Linux's `va_pa_offset`).
static DIRECTMAP_PA_BASE: AtomicUsize = AtomicUsize::new(0);

/// Record that the direct map now covers RAM from physical `pa_base` on: tables in
/// RAM are reached through it.
pub fn set_directmap_ready(pa_base: usize) {
    DIRECTMAP_PA_BASE.store(pa_base, Ordering::Relaxed);
    DIRECTMAP_READY.store(true, Ordering::Release);
}

/// The direct-map address of `pa` (mapped RAM only, once the direct map exists).
pub fn phys_to_virt(pa: usize) -> usize {
    debug_assert!(DIRECTMAP_READY.load(Ordering::Relaxed));
    DIRECTMAP.start + (pa - DIRECTMAP_PA_BASE.load(Ordering::Relaxed))
}

/// Table access with the MMU on: reaches a table by the cheapest way available —
/// the image's link address for boot tables, the direct map once it exists,
/// otherwise a PMAP slot.
pub struct KernelTables;

impl TableAccess for KernelTables {
    // Inlined into each walker instantiation, so a table visit costs no call. Left
    // to its heuristics, LLVM flips between inlining it and not on unrelated edits,
    // moving the boot by about 1,000 instructions (3%).
    #[inline(always)]
    fn with_table<R>(&mut self, pa: usize, f: impl FnOnce(&PageTable) -> R) -> R {
        if let Some(va) = image::pa_to_link(pa) {
            // SAFETY: tables inside the image (the plan's boot tables) are mapped rw
            // at their link address.
            return f(unsafe { &*(va as *const PageTable) });
        }
        if DIRECTMAP_READY.load(Ordering::Acquire) {
            // SAFETY: page-table frames are RAM, which the direct map covers rw.
            return f(unsafe { &*(phys_to_virt(pa) as *const PageTable) });
        }
        // SAFETY: `pa` is a page-table frame the kernel's tables own.
        let va = unsafe { pmap::map(pa) };
        // SAFETY: the PMAP slot maps the table's frame rw until the unmap below.
        let result = f(unsafe { &*(va as *const PageTable) });
        pmap::unmap(va);
        result
    }

    /// A frame from RAM, cleared (through PMAP before the direct map). Before RAM
    /// is known there are none: everything mapped before then has its tables in
    /// the plan's boot tables.
    fn alloc_table(&mut self) -> Result<usize, MapError> {
        let pa = frames::alloc().ok_or(MapError::OutOfTables)?;
        // A fresh frame holds garbage: clear it.
        self.with_table(pa, PageTable::zero);
        Ok(pa)
    }
}

/// Map `[va, va + size)` → `pa` (`size` in bytes) in the kernel's tables with
/// `flags`, using the largest pages up to level `max_leaf`, then flush the TLB.
///
/// # Safety
/// The mapping is writable: `pa..pa + size` must be memory the caller may access this
/// way (a page it owns, a page table, a device's registers) — not, for instance,
/// the kernel's text through a writable alias (W^X), nor memory another owner
/// relies on not changing.
pub unsafe fn map(
    va: usize,
    pa: usize,
    size: usize,
    flags: PteFlags,
    max_leaf: usize,
) -> Result<(), MapError> {
    let mapping = table::Mapping {
        va,
        pa,
        size,
        flags,
        max_leaf,
    };
    table::map_range(&mut KernelTables, root_table_pa(), &mapping)?;
    flush_all();
    Ok(())
}

/// Unmap every page in `[va, va + size)` (`size` in bytes), whatever its size, and
/// flush those translations.
pub fn unmap(va: usize, size: usize) -> Result<(), MapError> {
    table::unmap_range(&mut KernelTables, root_table_pa(), va, size, flush_page)?;
    flush_all();
    Ok(())
}

/// The leaf PTE mapping `va` and its level (0 for a 4 KiB page), if any.
pub fn lookup(va: usize) -> Option<(Pte, usize)> {
    table::lookup(&mut KernelTables, root_table_pa(), va)
}
