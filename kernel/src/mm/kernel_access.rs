//! Table access once the MMU is on, and the kernel's mapping helpers.

use core::sync::atomic::{AtomicBool, Ordering};

use super::boot::{BOOT, image_va, pool_alloc};
use super::fixmap::{flush_all, flush_page};
use super::frames;
use super::pmap;
use super::pte::PteFlags;
use super::table::{self, MapError, PageTable, TableAccess};
use crate::plan::DIRECTMAP;

/// Set once RAM is mapped at `DIRECTMAP.start + pa`.
static DIRECTMAP_READY: AtomicBool = AtomicBool::new(false);

pub fn set_directmap_ready() {
    DIRECTMAP_READY.store(true, Ordering::Release);
}

/// The direct-map address of `pa` (RAM only, once the direct map exists).
pub fn phys_to_virt(pa: usize) -> usize {
    debug_assert!(DIRECTMAP_READY.load(Ordering::Relaxed));
    DIRECTMAP.start + pa
}

/// Reaches a table by the cheapest way available: the image's link address for
/// boot tables, the direct map once it exists, otherwise a PMAP slot.
pub struct Kernel;

impl TableAccess for Kernel {
    fn with_table<R>(&mut self, pa: usize, f: impl FnOnce(&PageTable) -> R) -> R {
        if let Some(va) = image_va(pa) {
            // SAFETY: tables inside the image are the boot pool, mapped rw at their link address.
            return f(unsafe { &*(va as *const PageTable) });
        }
        if DIRECTMAP_READY.load(Ordering::Acquire) {
            // SAFETY: page-table frames are RAM, which the direct map covers rw.
            return f(unsafe { &*(phys_to_virt(pa) as *const PageTable) });
        }
        let va = pmap::map(pa);
        // SAFETY: the PMAP slot maps the table's frame rw until the unmap below.
        let result = f(unsafe { &*(va as *const PageTable) });
        pmap::unmap(va);
        result
    }

    fn alloc_table(&mut self) -> Result<usize, MapError> {
        if let Some(pa) = frames::alloc() {
            // A fresh frame holds garbage: clear it (through PMAP before the direct map).
            self.with_table(pa, PageTable::zero);
            return Ok(pa);
        }
        match pool_alloc() {
            Some(t) => Ok(super::boot::image_pa(t as *const PageTable as usize)),
            None => Err(MapError::OutOfTables),
        }
    }
}

fn root() -> usize {
    BOOT.root_table.load(Ordering::Relaxed)
}

/// Map `[va, va + size)` → `pa` in the kernel's tables, largest pages up to
/// `max_leaf`, then flush those translations.
pub fn map(
    va: usize,
    pa: usize,
    size: usize,
    flags: PteFlags,
    max_leaf: usize,
) -> Result<(), MapError> {
    table::map_range(&mut Kernel, root(), va, pa, size, flags, max_leaf)?;
    flush_all();
    Ok(())
}

/// Unmap every page in `[va, va + size)`.
pub fn unmap(va: usize, size: usize) -> Result<(), MapError> {
    let mut done = 0;
    while done < size {
        done += table::unmap(&mut Kernel, root(), va + done)?;
        flush_page(va + done);
    }
    flush_all();
    Ok(())
}

/// The leaf PTE mapping `va` and its level.
pub fn lookup(va: usize) -> Option<(super::pte::Pte, usize)> {
    table::lookup(&mut Kernel, root(), va)
}
