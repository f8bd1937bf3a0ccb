//! The kernel's root page table: a static inside the image, so `boot_prepare` can
//! fill it before any allocator exists, and its address is known on both sides of
//! the MMU switch (physical before, the link address after).

use super::image;
use super::table::PageTable;

/// The root table, `satp`'s from the MMU switch on. Not zeroed by `_start`:
/// `boot_prepare` clears it first.
#[unsafe(link_section = ".bss.noinit")]
pub static ROOT_TABLE: PageTable = PageTable::new();

/// The root table's physical address (once the MMU is on).
pub fn root_table_pa() -> usize {
    image::link_to_pa(&ROOT_TABLE as *const PageTable as usize)
}
