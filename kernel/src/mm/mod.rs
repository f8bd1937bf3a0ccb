//! Memory management: PTEs, the generic walker, boot tables, fixmap, PMAP, frames.

pub mod boot;
pub mod fixmap;
pub mod frames;
pub mod kernel_access;
pub mod pmap;
pub mod pte;
pub mod table;
