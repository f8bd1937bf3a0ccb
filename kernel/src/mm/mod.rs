//! Memory management: PTEs, the generic walker, the image's addresses, the root
//! table, boot tables, TLB flushes, the fixmap, PMAP, shared slots, frames and the kernel's tables.

/// The boot: the load address checked and `satp` for the linker-built boot tables.
pub mod boot;
/// The fixmap's static level-0 tables: installed once, then one slot at a time.
pub mod fixmap;
/// Physical page frames: a bump allocator over RAM past the image.
pub mod frames;
/// The image's load and link addresses and the translation between them.
pub mod image;
/// Table access with the MMU on, and mapping in the kernel's tables.
pub mod kernel_access;
/// Short-lived mappings of any physical page through this hart's `pmap` slots.
pub mod pmap;
/// Page-table entries and single-access PTE reads and writes.
pub mod pte;
/// The kernel's root page table.
pub mod root;
/// Fixmap slots any hart may map, one at a time, with a remote shootdown.
pub mod shared;
/// Page tables and the level-generic walker.
pub mod table;
/// TLB flushes on this hart and remote ones.
pub mod tlb;
