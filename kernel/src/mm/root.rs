//! The kernel's root page table: the plan's boot root table
//! (`__vmlayout_boot_root`, layout-boot-tables.ld), inside the image, so its address
//! is known on both sides of the MMU switch (physical before, the link address
//! after).

use super::image;
use super::table::PageTable;

unsafe extern "C" {
    /// The root table the linker builds (layout-boot-tables.ld), in `.data`.
    static __vmlayout_boot_root: PageTable;
}

/// The root table, `satp`'s from the MMU switch on, at its address as the code
/// currently sees it (physical while the MMU is off, the link address once it is on).
#[inline(always)]
pub fn root_table() -> &'static PageTable {
    // SAFETY: the linker script defines the symbol as a page-aligned 4 KiB table in
    // the image's writable data; PTEs are atomics, so shared references suffice.
    unsafe { &__vmlayout_boot_root }
}

/// The root table's physical address (once the MMU is on).
pub fn root_table_pa() -> usize {
    image::link_to_pa(root_table() as *const PageTable as usize)
}
