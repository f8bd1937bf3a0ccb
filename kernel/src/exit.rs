//! Leaving QEMU with a status through the SiFive test device (found in the DTB,
//! mapped through the console's fixmap slot at the very end): 0x5555 passes,
//! `0x3333 | code << 16` fails with `code`. Before the device is known, SBI SRST.

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::mm::fixmap::set_fixmap_inline;
use crate::mm::pte::{LeafFlags, PhysPage};
use crate::plan::CONSOLE_SLOT;

/// The test device's physical address once known, else 0; entry.rs's early
/// failure path reads it with the MMU off.
pub static TEST_DEVICE: AtomicUsize = AtomicUsize::new(0);

/// Use the SiFive test device whose registers are at physical address `pa`.
///
/// # Safety
/// `pa` is the test device's registers: `exit` maps and writes them.
pub unsafe fn init(pa: usize) {
    TEST_DEVICE.store(pa, Ordering::Relaxed);
}

/// Failure codes, one per way a boot can fail.
pub mod code {
    /// A Rust panic.
    pub const PANIC: u8 = 1;
    /// A trap no probe expected.
    pub const UNEXPECTED_TRAP: u8 = 2;
    /// A self-test failed.
    pub const SELFTEST: u8 = 3;
    /// A hart waited for another without progress past the deadline (`smp::wait`).
    pub const HUNG: u8 = 4;
}

/// Leave QEMU: status 0 for `code` 0, otherwise a failure carrying `code`.
pub fn exit(code: u8) -> ! {
    let pa = TEST_DEVICE.load(Ordering::Relaxed);
    if pa != 0 {
        // No other hart may print through the console's slot once it maps the
        // test device (a byte there would end the VM with that byte's status).
        let held = crate::console::lock();
        core::mem::forget(held);
        crate::console::detach();
        let page = PhysPage::containing(pa);
        // SAFETY: `TEST_DEVICE` holds the test device's registers (`init`'s contract).
        unsafe { set_fixmap_inline(CONSOLE_SLOT, page, LeafFlags::KERNEL_RW) };
        let value: u32 = if code == 0 {
            0x5555
        } else {
            0x3333 | (u32::from(code) << 16)
        };
        // SAFETY: the console slot now maps the test device; a 32-bit store ends the VM.
        unsafe {
            core::ptr::write_volatile(
                (CONSOLE_SLOT.addr() + (pa - page.addr())) as *mut u32,
                value,
            )
        };
    }
    if code == 0 {
        sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::NoReason);
    } else {
        sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::SystemFailure);
    }
    loop {
        riscv::asm::wfi();
    }
}
