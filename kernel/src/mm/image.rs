//! The kernel image in memory: loaded at a physical address, linked at the image
//! region, the two a fixed number of bytes apart (the image offset). Translation
//! between the two, and the image's bounds from the linker script.
//!
//! A linker symbol's address as the code sees it (`&raw const`, PC-relative) is
//! its physical address while the MMU is off and its link address once it is on.

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::plan::LINK_ADDRESS;

/// `LINK_ADDRESS - physical load address` in bytes (wrapping), recorded by
/// `boot_prepare`: add it to a physical address inside the image to get the link
/// address.
static IMAGE_OFFSET: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" {
    static __image_start: u8;
    static __image_end: u8;
}

/// The address of a linker symbol as the code currently sees it.
macro_rules! sym_addr {
    ($s:ident) => {
        (&raw const $s) as usize
    };
}

/// The whole image, `(start, end)`, as the code currently sees it.
#[inline(always)]
pub fn bounds() -> (usize, usize) {
    (sym_addr!(__image_start), sym_addr!(__image_end))
}

/// Record the image offset, `LINK_ADDRESS - load address` in bytes (wrapping).
/// Called once, by `boot_prepare`, before anything translates.
#[inline(always)]
pub fn set_offset(offset: usize) {
    IMAGE_OFFSET.store(offset, Ordering::Relaxed);
}

/// The image offset: `LINK_ADDRESS - load address` in bytes (wrapping).
#[inline(always)]
pub fn offset() -> usize {
    IMAGE_OFFSET.load(Ordering::Relaxed)
}

/// Physical → link address for memory inside the loaded image; `None` outside it.
pub fn pa_to_link(pa: usize) -> Option<usize> {
    let offset = offset();
    let load = LINK_ADDRESS.wrapping_sub(offset);
    let (start, end) = bounds();
    (pa >= load && pa - load < end - start).then(|| pa.wrapping_add(offset))
}

/// Link → physical address for memory inside the image (once the MMU is on).
pub fn link_to_pa(va: usize) -> usize {
    va.wrapping_sub(offset())
}

/// The physical range `[start, end)` the boot code identity-mapped for the address
/// the image was loaded at (whole boot superpages; after the MMU is on).
pub fn identity_range() -> (usize, usize) {
    crate::plan::identity_range(phys_range().0)
}

/// Physical range `[start, end)` of the loaded image (after the MMU is on).
pub fn phys_range() -> (usize, usize) {
    let (start, end) = bounds();
    (link_to_pa(start), link_to_pa(end))
}
