//! The paging mode's and the platform's constants, and the const fns derived from
//! them (`satp_for_root`, `root_slot_address`).

use proc_macro2::TokenStream;
use quote::quote;

use super::{dec, ident, lit};
use crate::names::RegionConstants;
use crate::plan::Plan;

pub(super) fn paging(plan: &Plan) -> TokenStream {
    let p = &plan.paging;
    let mode = p.mode.name();
    let (levels, root, bits, entries) = (
        dec(p.levels.into()),
        dec(p.root_level.into()),
        dec(p.va_bits.into()),
        dec(p.entries_per_table),
    );
    let (page, shift, slot_shift) = (
        lit(p.page_size),
        dec(p.page_shift.into()),
        dec(p.root_slot_shift.into()),
    );
    let (slot_size, low, high, satp, l0) = (
        lit(p.root_slot_size),
        lit(p.low_half_end),
        lit(p.high_half_start),
        dec(p.satp_mode),
        lit(p.l0_table_span),
    );
    let (level_bits, satp_shift) = (dec(p.level_bits.into()), dec(p.satp_mode_shift.into()));
    let level_shifts = p.level_shifts.iter().map(|&s| dec(s.into()));
    quote! {
        #[doc = " The paging mode this plan is for."]
        pub const PAGING_MODE: &str = #mode;
        #[doc = " The `satp.MODE` value that selects it."]
        pub const SATP_MODE: usize = #satp;
        #[doc = " Levels of page tables; the root is level `PT_LEVELS - 1`, leaves are level 0."]
        pub const PT_LEVELS: usize = #levels;
        #[doc = " Level of the root table: `PT_LEVELS - 1`."]
        pub const PT_ROOT_LEVEL: usize = #root;
        #[doc = " Entries in every page table."]
        pub const PT_ENTRIES: usize = #entries;
        #[doc = " Bits of a virtual address (39, 48 or 57)."]
        pub const VA_BITS: usize = #bits;
        #[doc = " Bits of a page offset."]
        pub const PAGE_SHIFT: usize = #shift;
        #[doc = " Bytes in a page."]
        pub const PAGE_SIZE: usize = #page;
        #[doc = " Shift of the root-table index in a virtual address."]
        pub const ROOT_SLOT_SHIFT: usize = #slot_shift;
        #[doc = " Bytes mapped by one root-table entry."]
        pub const ROOT_SLOT_SIZE: usize = #slot_size;
        #[doc = " Bytes mapped by one level-0 table (512 pages)."]
        pub const L0_TABLE_SPAN: usize = #l0;
        #[doc = " Exclusive end of the canonical low half."]
        pub const LOW_HALF_END: usize = #low;
        #[doc = " Start of the canonical high half."]
        pub const HIGH_HALF_START: usize = #high;
        #[doc = " Bits of virtual address one table level indexes (512 entries)."]
        pub const PT_LEVEL_BITS: usize = #level_bits;
        #[doc = " `PT_LEVEL_SHIFTS[level]`: shift of the virtual-address bits a level-`level` table"]
        #[doc = " indexes; level 0 holds 4 KiB leaves, level `PT_ROOT_LEVEL` is the root."]
        pub const PT_LEVEL_SHIFTS: [usize; PT_LEVELS] = [#(#level_shifts),*];
        #[doc = " Position of the `MODE` field in `satp` (bits 63:60, RV64)."]
        pub const SATP_MODE_SHIFT: usize = #satp_shift;

        #[doc = " The `satp` value that selects this plan's mode with the root table at physical"]
        #[doc = " address `root_table_pa` (page aligned) and ASID 0."]
        pub const fn satp_for_root(root_table_pa: usize) -> usize {
            (SATP_MODE << SATP_MODE_SHIFT) | (root_table_pa >> PAGE_SHIFT)
        }

        #[doc = " The first address of root slot `slot` (0 to `PT_ENTRIES - 1`), sign-extended so it"]
        #[doc = " is canonical: slots below `PT_ENTRIES / 2` are the low half. Panics (a compile-time"]
        #[doc = " error in const context) for a slot past the root table."]
        pub const fn root_slot_address(slot: usize) -> usize {
            assert!(slot < PT_ENTRIES, "root slot out of range");
            let raw = slot << ROOT_SLOT_SHIFT;
            if raw >= LOW_HALF_END { raw | HIGH_HALF_START } else { raw }
        }

        const _: () = assert!(PT_LEVEL_SHIFTS[0] == PAGE_SHIFT, "level 0 maps pages");
        const _: () = assert!(PT_LEVEL_SHIFTS[PT_ROOT_LEVEL] == ROOT_SLOT_SHIFT, "the root level indexes root slots");
    }
}

pub(super) fn platform(plan: &Plan) -> TokenStream {
    let p = &plan.platform;
    let (load, ident_size, max, sp) = (
        lit(p.load_address),
        lit(p.identity_size),
        lit(p.image_max_size),
        lit(p.boot_superpage),
    );
    let (identity_start, identity_end) = (lit(p.identity_start), lit(p.identity_end));
    let (load_first, load_last, load_align) =
        (lit(p.load_first), lit(p.load_last), lit(p.load_align));
    let max_ram = match p.max_ram {
        Some(bytes) => {
            let bytes = lit(bytes);
            quote!(Some(#bytes))
        }
        None => quote!(None),
    };
    let image = ident(&RegionConstants::of(&plan.image().name).start);
    let boot = plan.boot_tables;
    let (pool, pool_identity, pool_kernel) =
        (dec(boot.total()), dec(boot.identity), dec(boot.kernel));
    quote! {
        #[doc = " Page tables (4 KiB each, the root apart) the reference kernel's boot mappings"]
        #[doc = " take before RAM is known: the identity range at its worst load address"]
        #[doc = " (`BOOT_POOL_IDENTITY_TABLES`), and the image, the tables above the fixmap's"]
        #[doc = " level-0 tables and the whole FDT window — the `window` region with the lowest"]
        #[doc = " address — in 4 KiB pages (`BOOT_POOL_KERNEL_TABLES`). Computed by the plan;"]
        #[doc = " a kernel sizes its boot pool with it."]
        pub const BOOT_POOL_TABLES: usize = #pool;
        #[doc = " Of `BOOT_POOL_TABLES`, those for the identity range."]
        pub const BOOT_POOL_IDENTITY_TABLES: usize = #pool_identity;
        #[doc = " Of `BOOT_POOL_TABLES`, those for the image, the fixmap and the FDT window."]
        pub const BOOT_POOL_KERNEL_TABLES: usize = #pool_kernel;
        #[doc = " Physical address the firmware loads the image at."]
        pub const LOAD_ADDRESS: usize = #load;
        #[doc = " Virtual address the image is linked at (the image region's start)."]
        pub const LINK_ADDRESS: usize = #image;
        #[doc = " Largest identity-mapped boot code (`.text.entry` + `.text.ident`)."]
        pub const IDENTITY_SIZE: usize = #ident_size;
        #[doc = " Largest image the platform accepts."]
        pub const IMAGE_MAX_SIZE: usize = #max;
        #[doc = " Page size of the boot mappings: link and load address agree modulo it."]
        pub const BOOT_SUPERPAGE_SIZE: usize = #sp;
        #[doc = " Start of the physical range the boot code may identity-map while it turns the MMU"]
        #[doc = " on: the boot superpages that can hold an image of `IMAGE_MAX_SIZE` at any allowed"]
        #[doc = " load address."]
        pub const IDENTITY_START: usize = #identity_start;
        #[doc = " Exclusive end of the identity range."]
        pub const IDENTITY_END: usize = #identity_end;
        #[doc = " The most RAM the platform can have, in bytes, when the layout states it"]
        #[doc = " (`platform.max_ram`); every direct map holds it."]
        pub const MAX_RAM: Option<usize> = #max_ram;
        #[doc = " The load addresses a loader may choose: `LOAD_FIRST`, `LOAD_FIRST + LOAD_ALIGN`,"]
        #[doc = " … up to `LOAD_LAST` (inclusive); `LOAD_ADDRESS` is one of them."]
        pub const LOAD_FIRST: usize = #load_first;
        #[doc = " The highest allowed load address (inclusive)."]
        pub const LOAD_LAST: usize = #load_last;
        #[doc = " Bytes between allowed load addresses."]
        pub const LOAD_ALIGN: usize = #load_align;

        #[doc = " Whether the image may run loaded at physical address `pa`."]
        pub const fn is_load_address(pa: usize) -> bool {
            pa >= LOAD_FIRST && pa <= LOAD_LAST && (pa - LOAD_FIRST) % LOAD_ALIGN == 0
        }

        #[doc = " The physical range `[start, end)` the boot code identity-maps for an image loaded"]
        #[doc = " at `load` (an allowed load address): whole boot superpages around `IMAGE_MAX_SIZE`"]
        #[doc = " bytes from `load`. It lies inside `IDENTITY_START..IDENTITY_END`."]
        pub const fn identity_range(load: usize) -> (usize, usize) {
            let start = load / BOOT_SUPERPAGE_SIZE * BOOT_SUPERPAGE_SIZE;
            (start, (load + IMAGE_MAX_SIZE).next_multiple_of(BOOT_SUPERPAGE_SIZE))
        }

        const _: () = assert!(is_load_address(LOAD_ADDRESS), "the default load address is allowed");
        const _: () = assert!(identity_range(LOAD_FIRST).0 == IDENTITY_START, "identity ranges start in the identity range");
        const _: () = assert!(identity_range(LOAD_LAST).1 == IDENTITY_END, "identity ranges end in the identity range");
    }
}
