//! TLB maintenance: drop cached translations after a page-table change, on this
//! hart (`sfence.vma`) or on the others (SBI RFENCE, which has each of them run
//! `sfence.vma` before the call returns).

use crate::plan::PAGE_SIZE;
use crate::smp::hart;

/// `sfence.vma addr, zero`: drop every cached translation of the page holding the
/// virtual address `addr`, global ones included. (The riscv crate's
/// `sfence_vma(asid, addr)` passes the ASID in a register, and with rs2 ≠ x0 the
/// instruction leaves global mappings — which the kernel's are — in the TLB.)
#[inline(always)]
pub fn flush_page(addr: usize) {
    // SAFETY: sfence.vma only affects address-translation caches.
    unsafe { core::arch::asm!("sfence.vma {}, zero", in(reg) addr, options(nostack)) };
}

/// `sfence.vma zero, zero`: drop every cached translation.
#[inline(always)]
pub fn flush_all() {
    riscv::asm::sfence_vma_all();
}

/// Drop the translations of the one page holding `addr` on every other online
/// hart: SBI RFENCE `remote_sfence_vma` (SBI v2.0, 8.2) of exactly that page,
/// to the harts that may hold it — every online hart but this one, since a hart
/// may cache any valid entry speculatively (privileged spec 12.2.1, "Supervisor
/// Memory-Management Fence Instruction"). On one hart there is nobody to ask and
/// no call is made. The call returns once every target has fenced, so afterwards
/// no hart translates `addr` through the old entry.
///
/// Panics when the firmware refuses (RFENCE missing, or a bad hart mask).
pub fn flush_page_on_other_harts(addr: usize) {
    let page = addr & !(PAGE_SIZE - 1);
    // The PTE store before the read of who is online (`fence rw,rw`): a hart
    // coming online fences the same way after recording itself, so either this
    // hart sees it online and fences it, or it flushes its TLB after the store
    // (`secondary_main`).
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
    hart::for_other_harts(|mask| {
        let ret = sbi_rt::remote_sfence_vma(mask, page, PAGE_SIZE);
        if let Some(error) = ret.err() {
            panic!("SBI remote_sfence_vma of {page:#x}: {error:?}");
        }
    });
}
