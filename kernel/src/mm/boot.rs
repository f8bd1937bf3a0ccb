//! Boot page tables, built before the MMU is on.
//!
//! `boot_prepare` runs at the physical load address while the image is linked at
//! the image region, so it (and all it calls) must reach memory PC-relatively only:
//! no panics (their messages hold link addresses), no jump tables (switched off in
//! .cargo/config.toml). A failure here resets the machine through SBI with
//! "system failure", which makes QEMU exit non-zero.
//!
//! What it maps, all with the plan's constants:
//! - the boot superpages that hold the loaded image, identity-mapped, so the code
//!   that writes `satp` keeps running (dropped right after the jump);
//! - the image at its link address, section by section: text r-x, rodata r--,
//!   data/bss rw-, in 4 KiB pages;
//! - the intermediate tables above the fixmap's level-0 tables, so
//!   `setup_fixmap_mappings` only has to install those.

use core::sync::atomic::{AtomicUsize, Ordering};

use super::fixmap::FIXMAP_TABLES;
use super::pte::PteFlags;
use super::table::{MapError, PageTable, TableAccess, map_range, walk};
use crate::instret::{self, Phase};
use crate::plan::{
    BOOT_SUPERPAGE_SIZE, FIX_TABLES, FIXADDR_START, L0_TABLE_SPAN, LINK_ADDRESS, LOAD_ADDRESS,
    SATP_MODE,
};

/// Tables for the boot mappings and anything mapped before RAM frames are known.
/// Not zeroed at boot: each table is cleared when handed out.
pub const POOL_TABLES: usize = 16;
#[unsafe(link_section = ".bss.noinit")]
pub static POOL: [PageTable; POOL_TABLES] = [const { PageTable::new() }; POOL_TABLES];
static POOL_USED: AtomicUsize = AtomicUsize::new(0);

/// What boot_prepare leaves for the kernel. One struct, so code that needs both
/// (the fixmap walk) computes one base address instead of two.
pub struct BootState {
    /// `LINK_ADDRESS - physical load address`: add it to a physical address inside
    /// the image to get the link address.
    pub image_offset: AtomicUsize,
    /// Physical address of the root table.
    pub root_table: AtomicUsize,
}

pub static BOOT: BootState = BootState {
    image_offset: AtomicUsize::new(0),
    root_table: AtomicUsize::new(0),
};

unsafe extern "C" {
    static __image_start: u8;
    static __image_end: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
}

/// The address of a linker symbol as the code currently sees it (physical before
/// the MMU is on, virtual after).
macro_rules! sym_addr {
    ($s:ident) => {
        (&raw const $s) as usize
    };
}

/// The next pool table, as the current code sees its address, cleared.
pub fn pool_alloc() -> Option<&'static PageTable> {
    let used = POOL_USED.load(Ordering::Relaxed);
    let table = POOL.get(used)?;
    POOL_USED.store(used + 1, Ordering::Relaxed);
    table.zero();
    Some(table)
}

pub fn pool_used() -> usize {
    POOL_USED.load(Ordering::Relaxed)
}

/// Table access with the MMU off: a physical address is the pointer.
struct Physical;

impl TableAccess for Physical {
    fn with_table<R>(&mut self, pa: usize, f: impl FnOnce(&PageTable) -> R) -> R {
        // SAFETY: with the MMU off, every table address handed to the walker is the
        // physical address of a pool table inside the loaded image.
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
    pub satp: usize,
    pub offset: usize,
}

/// Reset the machine reporting a failure (QEMU exits non-zero). Usable with the MMU
/// off: an `ecall` needs no addresses.
fn early_fail() -> ! {
    sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::SystemFailure);
    loop {
        riscv::asm::wfi();
    }
}

fn or_fail<T>(r: Result<T, MapError>) -> T {
    match r {
        Ok(v) => v,
        Err(_) => early_fail(),
    }
}

/// Build the boot page tables (MMU off). Called from `_start`.
#[unsafe(no_mangle)]
pub extern "C" fn boot_prepare() -> BootSwitch {
    let load = sym_addr!(__image_start);
    if load != LOAD_ADDRESS {
        // The firmware put us somewhere the plan did not say: every link-time
        // assumption about the boot superpage would be wrong.
        early_fail();
    }
    let offset = LINK_ADDRESS.wrapping_sub(load);
    BOOT.image_offset.store(offset, Ordering::Relaxed);

    let mut a = Physical;
    let root = or_fail(a.alloc_table());
    BOOT.root_table.store(root, Ordering::Relaxed);

    // Identity map of the boot superpages that hold the image, for the switch.
    let end = sym_addr!(__image_end);
    let id_start = load & !(BOOT_SUPERPAGE_SIZE - 1);
    let id_end = end.next_multiple_of(BOOT_SUPERPAGE_SIZE);
    or_fail(map_range(
        &mut a,
        root,
        id_start,
        id_start,
        id_end - id_start,
        PteFlags::R | PteFlags::W | PteFlags::X,
        1,
    ));

    // The image at its link address, section by section.
    let sections = [
        (
            sym_addr!(__text_start),
            sym_addr!(__text_end),
            PteFlags::KERNEL_RX,
        ),
        (
            sym_addr!(__rodata_start),
            sym_addr!(__rodata_end),
            PteFlags::KERNEL_R,
        ),
        (sym_addr!(__data_start), end, PteFlags::KERNEL_RW),
    ];
    for (start, end, flags) in sections {
        if end > start {
            or_fail(map_range(
                &mut a,
                root,
                start.wrapping_add(offset),
                start,
                end - start,
                flags,
                0,
            ));
        }
    }

    // Tables down to level 1 above every fixmap level-0 table.
    for t in 0..FIX_TABLES {
        or_fail(walk(
            &mut a,
            root,
            FIXADDR_START + t * L0_TABLE_SPAN,
            1,
            true,
        ));
    }
    for table in &FIXMAP_TABLES {
        table.zero();
    }

    instret::mark(Phase::BootTables);
    BootSwitch {
        satp: (SATP_MODE << 60) | (root >> 12),
        offset,
    }
}

/// Physical → link address for memory inside the loaded image.
pub fn image_va(pa: usize) -> Option<usize> {
    let offset = BOOT.image_offset.load(Ordering::Relaxed);
    let start = LINK_ADDRESS.wrapping_sub(offset);
    let size = sym_addr!(__image_end) - sym_addr!(__image_start);
    (pa >= start && pa - start < size).then(|| pa.wrapping_add(offset))
}

/// Link → physical address for memory inside the image (after the MMU is on).
pub fn image_pa(va: usize) -> usize {
    va.wrapping_sub(BOOT.image_offset.load(Ordering::Relaxed))
}

/// Physical range `[start, end)` of the loaded image (after the MMU is on).
pub fn image_phys_range() -> (usize, usize) {
    (
        image_pa(sym_addr!(__image_start)),
        image_pa(sym_addr!(__image_end)),
    )
}

/// The identity range mapped for the switch, to be dropped after the jump.
pub fn identity_range() -> (usize, usize) {
    let (start, end) = image_phys_range();
    (
        start & !(BOOT_SUPERPAGE_SIZE - 1),
        end.next_multiple_of(BOOT_SUPERPAGE_SIZE),
    )
}
