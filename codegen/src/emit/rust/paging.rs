//! The paging mode's and the platform's constants, and the const fns derived from
//! them (`satp_for_root`, `root_slot_address`).

use indoc::indoc;

use super::source::Expr;
use super::{Source, dec, lit};
use crate::names::RegionConstants;
use crate::plan::{Paging, Plan};

pub(super) fn paging(out: &mut Source, plan: &Plan) {
    mode(out, &plan.paging);
    geometry(out, &plan.paging);
    out.blank();
    out.fixed(PAGING_FNS);
    out.blank();
}

/// The mode, its levels and its pages.
fn mode(out: &mut Source, p: &Paging) {
    out.constant(
        &["The paging mode this plan is for."],
        "PAGING_MODE: &str",
        &Expr::string(p.mode.name()),
    );
    out.constant(
        &["The `satp.MODE` value that selects it."],
        "SATP_MODE: usize",
        &dec(p.satp_mode),
    );
    out.constant(
        &["Levels of page tables; the root is level `PT_LEVELS - 1`, leaves are level 0."],
        "PT_LEVELS: usize",
        &dec(p.levels.into()),
    );
    out.constant(
        &["Level of the root table: `PT_LEVELS - 1`."],
        "PT_ROOT_LEVEL: usize",
        &dec(p.root_level.into()),
    );
    out.constant(
        &["Entries in every page table."],
        "PT_ENTRIES: usize",
        &dec(p.entries_per_table),
    );
    out.constant(
        &["Bits of a virtual address (39, 48 or 57)."],
        "VA_BITS: usize",
        &dec(p.va_bits.into()),
    );
    out.constant(
        &["Bits of a page offset."],
        "PAGE_SHIFT: usize",
        &dec(p.page_shift.into()),
    );
    out.constant(&["Bytes in a page."], "PAGE_SIZE: usize", &lit(p.page_size));
}

/// Slot and table spans, the halves, and the shifts of each level.
fn geometry(out: &mut Source, p: &Paging) {
    let shifts: Vec<Expr> = p.level_shifts.iter().map(|&s| dec(s.into())).collect();
    out.constant(
        &["Shift of the root-table index in a virtual address."],
        "ROOT_SLOT_SHIFT: usize",
        &dec(p.root_slot_shift.into()),
    );
    out.constant(
        &["Bytes mapped by one root-table entry."],
        "ROOT_SLOT_SIZE: usize",
        &lit(p.root_slot_size),
    );
    out.constant(
        &["Bytes mapped by one level-0 table (512 pages)."],
        "L0_TABLE_SPAN: usize",
        &lit(p.l0_table_span),
    );
    out.constant(
        &["Exclusive end of the canonical low half."],
        "LOW_HALF_END: usize",
        &lit(p.low_half_end),
    );
    out.constant(
        &["Start of the canonical high half."],
        "HIGH_HALF_START: usize",
        &lit(p.high_half_start),
    );
    out.constant(
        &["Bits of virtual address one table level indexes (512 entries)."],
        "PT_LEVEL_BITS: usize",
        &dec(p.level_bits.into()),
    );
    out.constant(
        &[
            "`PT_LEVEL_SHIFTS[level]`: shift of the virtual-address bits a level-`level` table",
            "indexes; level 0 holds 4 KiB leaves, level `PT_ROOT_LEVEL` is the root.",
        ],
        "PT_LEVEL_SHIFTS: [usize; PT_LEVELS]",
        &Expr::Array("", shifts),
    );
    out.constant(
        &["Position of the `MODE` field in `satp` (bits 63:60, RV64)."],
        "SATP_MODE_SHIFT: usize",
        &dec(p.satp_mode_shift.into()),
    );
}

const PAGING_FNS: &str = indoc! {r#"
    /// The `satp` value that selects this plan's mode with the root table at physical
    /// address `root_table_pa` (page aligned) and ASID 0.
    pub const fn satp_for_root(root_table_pa: usize) -> usize {
        (SATP_MODE << SATP_MODE_SHIFT) | (root_table_pa >> PAGE_SHIFT)
    }

    /// The first address of root slot `slot` (0 to `PT_ENTRIES - 1`), sign-extended so it
    /// is canonical: slots below `PT_ENTRIES / 2` are the low half. Panics (a compile-time
    /// error in const context) for a slot past the root table.
    pub const fn root_slot_address(slot: usize) -> usize {
        assert!(slot < PT_ENTRIES, "root slot out of range");
        let raw = slot << ROOT_SLOT_SHIFT;
        if raw >= LOW_HALF_END {
            raw | HIGH_HALF_START
        } else {
            raw
        }
    }

    const _: () = assert!(PT_LEVEL_SHIFTS[0] == PAGE_SHIFT, "level 0 maps pages");
    const _: () = assert!(
        PT_LEVEL_SHIFTS[PT_ROOT_LEVEL] == ROOT_SLOT_SHIFT,
        "the root level indexes root slots"
    );
"#};

pub(super) fn platform(out: &mut Source, plan: &Plan) {
    boot_pool(out, plan);
    load(out, plan);
    out.blank();
    out.fixed(PLATFORM_FNS);
    out.blank();
}

/// `BOOT_POOL_*`: the tables the boot mappings take.
fn boot_pool(out: &mut Source, plan: &Plan) {
    let boot = plan.boot_tables;
    out.constant(
        &[
            "Page tables (4 KiB each, the root apart) the reference kernel's boot mappings",
            "take before RAM is known: the identity range at its worst load address",
            "(`BOOT_POOL_IDENTITY_TABLES`), and the image, the tables above the fixmap's",
            "level-0 tables, the whole FDT window — the `window` region with the lowest",
            "address — in 4 KiB pages, and the first 1 GiB of the direct map in 2 MiB",
            "pages (`BOOT_POOL_KERNEL_TABLES`). Computed by the plan; layout-boot-tables.ld",
            "holds these tables for the load address the image is linked for.",
        ],
        "BOOT_POOL_TABLES: usize",
        &dec(boot.total()),
    );
    out.constant(
        &["Of `BOOT_POOL_TABLES`, those for the identity range."],
        "BOOT_POOL_IDENTITY_TABLES: usize",
        &dec(boot.identity),
    );
    out.constant(
        &["Of `BOOT_POOL_TABLES`, those for the image, the fixmap, the FDT window and the direct map."],
        "BOOT_POOL_KERNEL_TABLES: usize",
        &dec(boot.kernel),
    );
}

/// Where the image is loaded and linked, and how large it may be.
fn load(out: &mut Source, plan: &Plan) {
    let p = &plan.platform;
    let max_ram = match p.max_ram {
        Some(bytes) => Expr::atom(format!("Some({})", crate::fmt::hex(bytes))),
        None => Expr::atom("None"),
    };
    let image = RegionConstants::of(&plan.image().name).start;
    out.constant(
        &["Physical address the firmware loads the image at."],
        "LOAD_ADDRESS: usize",
        &lit(p.load_address),
    );
    out.constant(
        &["Virtual address the image is linked at (the image region's start)."],
        "LINK_ADDRESS: usize",
        &Expr::atom(image),
    );
    out.constant(
        &["Largest identity-mapped boot code (`.text.entry` + `.text.ident`)."],
        "IDENTITY_SIZE: usize",
        &lit(p.identity_size),
    );
    out.constant(
        &["Largest image the platform accepts."],
        "IMAGE_MAX_SIZE: usize",
        &lit(p.image_max_size),
    );
    out.constant(
        &["Page size of the boot mappings: link and load address agree modulo it."],
        "BOOT_SUPERPAGE_SIZE: usize",
        &lit(p.boot_superpage),
    );
    out.constant(
        &[
            "Start of the physical range the boot code may identity-map while it turns the MMU",
            "on: the boot superpages that can hold an image of `IMAGE_MAX_SIZE` at any allowed",
            "load address.",
        ],
        "IDENTITY_START: usize",
        &lit(p.identity_start),
    );
    out.constant(
        &["Exclusive end of the identity range."],
        "IDENTITY_END: usize",
        &lit(p.identity_end),
    );
    out.constant(
        &[
            "The most RAM the platform can have, in bytes, when the layout states it",
            "(`platform.max_ram`); every direct map holds it.",
        ],
        "MAX_RAM: Option<usize>",
        &max_ram,
    );
    out.constant(
        &[
            "The most harts the platform runs (`platform.max_harts`; 1 when the layout does",
            "not say): per-hart fixmap groups have slots for harts `0..MAX_HARTS`.",
        ],
        "MAX_HARTS: usize",
        &dec(p.max_harts),
    );
    out.constant(
        &[
            "The load addresses a loader may choose: `LOAD_FIRST`, `LOAD_FIRST + LOAD_ALIGN`,",
            "… up to `LOAD_LAST` (inclusive); `LOAD_ADDRESS` is one of them.",
        ],
        "LOAD_FIRST: usize",
        &lit(p.load_first),
    );
    out.constant(
        &["The highest allowed load address (inclusive)."],
        "LOAD_LAST: usize",
        &lit(p.load_last),
    );
    out.constant(
        &["Bytes between allowed load addresses."],
        "LOAD_ALIGN: usize",
        &lit(p.load_align),
    );
}

const PLATFORM_FNS: &str = indoc! {r#"
    /// Whether the image may run loaded at physical address `pa`.
    pub const fn is_load_address(pa: usize) -> bool {
        pa >= LOAD_FIRST && pa <= LOAD_LAST && (pa - LOAD_FIRST) % LOAD_ALIGN == 0
    }

    /// The physical range `[start, end)` the boot code identity-maps for an image loaded
    /// at `load` (an allowed load address): whole boot superpages around `IMAGE_MAX_SIZE`
    /// bytes from `load`. It lies inside `IDENTITY_START..IDENTITY_END`.
    pub const fn identity_range(load: usize) -> (usize, usize) {
        let start = load / BOOT_SUPERPAGE_SIZE * BOOT_SUPERPAGE_SIZE;
        (
            start,
            (load + IMAGE_MAX_SIZE).next_multiple_of(BOOT_SUPERPAGE_SIZE),
        )
    }

    const _: () = assert!(
        is_load_address(LOAD_ADDRESS),
        "the default load address is allowed"
    );
    const _: () = assert!(
        identity_range(LOAD_FIRST).0 == IDENTITY_START,
        "identity ranges start in the identity range"
    );
    const _: () = assert!(
        identity_range(LOAD_LAST).1 == IDENTITY_END,
        "identity ranges end in the identity range"
    );
"#};
