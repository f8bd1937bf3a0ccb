//! What the boot loader tells us: the DTB, mapped into the plan's FDT window
//! (here) and read in one pass for RAM, the UART and the test device (`scan`).

mod cpus;
mod scan;

pub use cpus::scan as scan_cpus;
pub use scan::{RamBanks, parse};

use crate::mm::kernel_access;
use crate::mm::pmap;
use crate::mm::pte::PteFlags;
use crate::plan::FDT_WINDOW;
use crate::plan::PAGE_SIZE;

const FDT_MAGIC: u32 = 0xd00d_feed;

/// Map the DTB at `dtb_pa` read-only into the FDT window; its size comes from its
/// header, read through PMAP.
pub fn map_fdt(dtb_pa: usize) -> &'static [u8] {
    // SAFETY: the firmware hands the DTB over to the kernel; it is only read here.
    let header = unsafe { pmap::map(dtb_pa) };
    // SAFETY: PMAP maps the DTB's first page; the header's first 8 bytes lie in it
    // (the DTB is 8-byte aligned): the magic…
    let magic = u32::from_be(unsafe { core::ptr::read_volatile(header as *const u32) });
    // SAFETY: …and the total size after it.
    let size =
        u32::from_be(unsafe { core::ptr::read_volatile((header + 4) as *const u32) }) as usize;
    pmap::unmap(header);
    if magic != FDT_MAGIC {
        panic!("no device tree at {dtb_pa:#x} (magic {magic:#x})");
    }
    let offset = dtb_pa % PAGE_SIZE;
    let span = (offset + size).next_multiple_of(PAGE_SIZE);
    if span > FDT_WINDOW.size {
        panic!(
            "the DTB ({size} bytes at {dtb_pa:#x}) does not fit the FDT window `{}` ({} bytes): raise that region's size in the layout",
            FDT_WINDOW.name, FDT_WINDOW.size
        );
    }
    // SAFETY: read-only, the DTB's own pages, into the window kept for it.
    unsafe {
        kernel_access::map(
            FDT_WINDOW.start,
            dtb_pa - offset,
            span,
            PteFlags::KERNEL_R,
            0,
        )
    }
    .unwrap_or_else(|e| panic!("mapping the DTB into `{}`: {e:?}", FDT_WINDOW.name));
    // SAFETY: the window now maps the whole DTB read-only, for the kernel's lifetime.
    unsafe { core::slice::from_raw_parts((FDT_WINDOW.start + offset) as *const u8, size) }
}
