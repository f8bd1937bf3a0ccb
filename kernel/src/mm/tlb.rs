//! TLB maintenance on this hart: drop cached translations after a page-table change.

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
