//! Boot page tables: built by the linker, checked and switched to with the MMU off.
//!
//! `boot_prepare` runs at the physical load address while the image is linked at
//! the image region, so it (and all it calls) must reach memory PC-relatively only:
//! no panics (their messages hold link addresses), no jump tables (switched off in
//! .cargo/config.toml). A failure here resets the machine through SBI with
//! "system failure" after a FAIL line on the firmware's console.
//!
//! The tables are the plan's `layout-boot-tables.ld`, which kernel.ld includes in
//! `.data`: every entry a link-time expression, so nothing is built or cleared at
//! boot. They map, for the load address the image was linked for:
//! - the identity range (the boot superpages that hold the loaded image), so the
//!   code that writes `satp` keeps running (dropped right after the jump);
//! - the image at its link address, page by page: text r-x, rodata r--, data and
//!   bss rw-;
//! - the tables down to level 1 above the fixmap's level-0 tables, which
//!   `setup_fixmap_mappings` installs;
//! - the tables down to level 0 for the FDT window, empty until `map_fdt`.
//!
//! The run-time walker (`table.rs`) maps only what run time knows: the DTB and RAM.

use crate::instret::{self, Phase};
use crate::plan::{LINK_ADDRESS, identity_range, satp_for_root};

use super::image;
use super::root::root_table;
use super::table::PageTable;

unsafe extern "C" {
    /// Where the plan's boot tables start and end (layout-boot-tables.ld).
    static __vmlayout_boot_tables_start: u8;
    static __vmlayout_boot_tables_end: u8;
    /// The load address the linker built the boot tables for: an 8-byte word.
    static __vmlayout_boot_load_address: usize;
}

/// Boot tables the image holds, the root included.
pub fn tables_used() -> usize {
    let start = &raw const __vmlayout_boot_tables_start as usize;
    let end = &raw const __vmlayout_boot_tables_end as usize;
    (end - start) / core::mem::size_of::<PageTable>()
}

/// What `_start` needs to turn the MMU on and jump to the link address.
#[repr(C)]
pub struct BootSwitch {
    /// The `satp` value that selects the plan's mode and the root table.
    pub satp: usize,
    /// The image offset: `LINK_ADDRESS - load address` in bytes (wrapping).
    pub offset: usize,
}

/// Say why through the firmware's console, then reset the machine reporting a
/// failure. Usable with the MMU off: the message is reached PC-relatively and an
/// `ecall` needs no addresses. (OpenSBI 1.1 on QEMU turns a "system failure" reset
/// into exit status 0; `cargo xtask` reads the FAIL line, so the failure still
/// counts as one.)
fn early_fail(why: &[u8]) -> ! {
    for &byte in b"\nFAIL: stage boot_prepare: "
        .iter()
        .chain(why)
        .chain(b"\n")
    {
        #[allow(deprecated)]
        sbi_rt::legacy::console_putchar(usize::from(byte));
    }
    sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::SystemFailure);
    loop {
        riscv::asm::wfi();
    }
}

/// Check where the image runs and return what `_start` needs to turn the MMU on
/// (MMU off). Called from `_start`.
#[unsafe(no_mangle)]
pub extern "C" fn boot_prepare() -> BootSwitch {
    if crate::plant::at("boot_prepare") {
        early_fail(b"planted failure (VMLAYOUT_PLANT_FAILURE=boot_prepare)");
    }
    let (load, end) = image::bounds();
    // SAFETY: the linker script defines the word, in the image, read PC-relatively.
    let linked_for = unsafe { core::ptr::read(&raw const __vmlayout_boot_load_address) };
    if load != linked_for {
        // The boot tables map the image and the identity range of the load
        // address the image was linked for; anywhere else they map the wrong pages.
        early_fail(
            b"the image runs at another load address than the one it was linked for (link it with VMLAYOUT_LOAD_AT set to where it is loaded)",
        );
    }
    if end > identity_range(load).1 {
        early_fail(b"the image ends past its identity range (platform.image_max_size)");
    }
    let offset = LINK_ADDRESS.wrapping_sub(load);
    image::set_offset(offset);
    instret::mark(Phase::BootTables);
    BootSwitch {
        satp: satp_for_root(root_table() as *const PageTable as usize),
        offset,
    }
}
