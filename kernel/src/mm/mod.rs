//! Memory management: PTEs, the generic walker, the image's addresses, the root
//! table, boot tables, TLB flushes, the fixmap, PMAP, frames and the kernel's tables.

pub mod boot;
pub mod fixmap;
pub mod frames;
pub mod image;
pub mod kernel_access;
pub mod pmap;
pub mod pte;
pub mod root;
pub mod table;
pub mod tlb;
