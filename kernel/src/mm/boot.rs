//! Boot page tables, built before the MMU is on.
//!
//! `boot_prepare` runs at the physical load address while the image is linked at
//! the image region, so it (and all it calls) must reach memory PC-relatively only:
//! no panics (their messages hold link addresses), no jump tables (switched off in
//! .cargo/config.toml). A failure here resets the machine through SBI with
//! "system failure", which makes QEMU exit non-zero.
//!
//! What it maps, all with the plan's constants:
//! - the identity range of the address the image was loaded at, from the plan's
//!   `identity_range` (inside `IDENTITY_START..IDENTITY_END`; the boot superpages
//!   that hold the loaded image), identity-mapped so the code that writes `satp`
//!   keeps running (dropped right after the jump);
//! - the image at its link address, section by section: text r-x, rodata r--,
//!   data/bss rw-, in 4 KiB pages;
//! - the intermediate tables above the fixmap's level-0 tables, so
//!   `setup_fixmap_mappings` only has to install those.

use core::sync::atomic::{AtomicUsize, Ordering};

use super::fixmap::FIXMAP_TABLES;
use super::image;
use super::pte::PteFlags;
use super::root::ROOT_TABLE;
use super::table::{MapError, Mapping, PageTable, TableAccess, level_size, map_range, walk};
use crate::instret::{self, Phase};
use crate::plan::{
    BOOT_POOL_TABLES, BOOT_SUPERPAGE_SIZE, FIX_TABLES, FIXMAP_TABLES_START, L0_TABLE_SPAN,
    LINK_ADDRESS, identity_range, is_load_address, satp_for_root,
};

/// The table level whose leaves are the plan's boot superpages.
const BOOT_SUPERPAGE_LEVEL: usize = {
    let mut level = 0;
    while level_size(level) < BOOT_SUPERPAGE_SIZE {
        level += 1;
    }
    assert!(
        level_size(level) == BOOT_SUPERPAGE_SIZE,
        "a boot superpage is one table level's page size"
    );
    level
};

/// Tables below the root for the boot mappings and anything mapped before RAM
/// frames are known (the identity range, the image, the tables above the fixmap,
/// the DTB in the FDT window): as many as the plan computes they take, at most.
/// Not zeroed at boot: each table is cleared when handed out.
pub const POOL_TABLES: usize = BOOT_POOL_TABLES;
#[unsafe(link_section = ".bss.noinit")]
static POOL: [PageTable; POOL_TABLES] = [const { PageTable::new() }; POOL_TABLES];
static POOL_USED: AtomicUsize = AtomicUsize::new(0);

/// The next pool table, cleared, at its address as the code currently sees it
/// (physical while the MMU is off, the link address once it is on).
pub fn pool_alloc() -> Option<&'static PageTable> {
    let used = POOL_USED.load(Ordering::Relaxed);
    let table = POOL.get(used)?;
    POOL_USED.store(used + 1, Ordering::Relaxed);
    table.zero();
    Some(table)
}

/// Boot tables in use, the root included.
pub fn tables_used() -> usize {
    1 + POOL_USED.load(Ordering::Relaxed)
}

/// Table access with the MMU off: a table's physical address is its pointer.
struct MmuOffTables;

impl TableAccess for MmuOffTables {
    fn with_table<R>(&mut self, pa: usize, f: impl FnOnce(&PageTable) -> R) -> R {
        // SAFETY: with the MMU off, every table address handed to the walker is the
        // physical address of the root or a pool table inside the loaded image.
        f(unsafe { &*(pa as *const PageTable) })
    }

    fn alloc_table(&mut self) -> Result<usize, MapError> {
        pool_alloc()
            .map(|t| t as *const PageTable as usize)
            .ok_or(MapError::OutOfTables)
    }
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

/// The mapping's result, or [`early_fail`].
fn or_fail<T>(result: Result<T, MapError>) -> T {
    match result {
        Ok(v) => v,
        Err(_) => early_fail(b"a boot mapping failed"),
    }
}

/// Build the boot page tables (MMU off). Called from `_start`.
#[unsafe(no_mangle)]
pub extern "C" fn boot_prepare() -> BootSwitch {
    if crate::plant::at("boot_prepare") {
        early_fail(b"planted failure (VMLAYOUT_PLANT_FAILURE=boot_prepare)");
    }
    let (load, end) = image::bounds();
    if !is_load_address(load) {
        // The firmware put us somewhere the plan does not allow: every link-time
        // assumption about the boot superpages would be wrong.
        early_fail(b"the image is not at a load address the plan allows");
    }
    let (identity_start, identity_end) = identity_range(load);
    if end > identity_end {
        early_fail(b"the image ends past its identity range (platform.image_max_size)");
    }
    let offset = LINK_ADDRESS.wrapping_sub(load);
    image::set_offset(offset);

    ROOT_TABLE.zero();
    let root = &ROOT_TABLE as *const PageTable as usize;
    let mut tables = MmuOffTables;

    // The plan's identity range (the boot superpages that hold the image), mapped
    // for the switch.
    let identity = Mapping {
        va: identity_start,
        pa: identity_start,
        size: identity_end - identity_start,
        flags: PteFlags::R | PteFlags::W | PteFlags::X,
        max_leaf: BOOT_SUPERPAGE_LEVEL,
    };
    or_fail(map_range(&mut tables, root, &identity));
    map_image_sections(&mut tables, root, offset);
    prepare_fixmap(&mut tables, root);

    instret::mark(Phase::BootTables);
    BootSwitch {
        satp: satp_for_root(root),
        offset,
    }
}

/// The image at its link address, section by section, in 4 KiB pages.
#[inline(always)]
fn map_image_sections(tables: &mut MmuOffTables, root: usize, offset: usize) {
    let sections = image::sections();
    let sections = [
        (sections.text, PteFlags::KERNEL_RX),
        (sections.rodata, PteFlags::KERNEL_R),
        (sections.data, PteFlags::KERNEL_RW),
    ];
    for ((start, end), flags) in sections {
        if end > start {
            let section = Mapping {
                va: start.wrapping_add(offset),
                pa: start,
                size: end - start,
                flags,
                max_leaf: 0,
            };
            or_fail(map_range(tables, root, &section));
        }
    }
}

/// Tables down to level 1 above every fixmap level-0 table, and those level-0
/// tables cleared, so `setup_fixmap_mappings` only installs them.
#[inline(always)]
fn prepare_fixmap(tables: &mut MmuOffTables, root: usize) {
    for table_index in 0..FIX_TABLES {
        or_fail(walk(
            tables,
            root,
            FIXMAP_TABLES_START + table_index * L0_TABLE_SPAN,
            1,
            true,
        ));
    }
    for table in &FIXMAP_TABLES {
        table.zero();
    }
}
