//! Linker scripts, in two parts. The plan's part (`layout-plan.ld`, INCLUDEd by a
//! kernel's own script): the plan's numbers as `__vmlayout_*` symbols, a symbol for
//! every region and gap, and assertions that name the layout field to change. The
//! policy (`SECTIONS`, entry, architecture) belongs to the kernel; `layout.ld` is a
//! complete default script: the plan's part and a default policy — linked at the
//! image region, loaded at the platform's physical address, sections page-aligned
//! so each can get its own permissions.
//!
//! The contract between the two: the kernel's `SECTIONS` define `__image_start`
//! and `__image_end` around the whole image and `__ident_start`/`__ident_end` around
//! its identity-mapped boot code; the plan's assertions check them. The default
//! script also holds the boot page tables (see [`super::boot_tables`]) first in
//! `.data`; a kernel's own script INCLUDEs `layout-boot-tables.ld` there.

use std::fmt::Write;

use indoc::writedoc;

use crate::fmt::hex_plain;
use crate::names::{GapConstants, RegionConstants};
use crate::plan::{CEnds, Plan};

/// The complete default linker script for `plan`; `source` names the layout file
/// in the preamble and in every assertion's message.
pub fn render(plan: &Plan, source: &super::Origin) -> String {
    with_boot_tables(plan, source, &super::boot_tables::entries(plan))
}

/// [`render`] with the plan's boot-table entries given (what
/// [`super::boot_tables::entries`] gave for `plan`), so `emit::all` builds them once.
pub(super) fn with_boot_tables(plan: &Plan, source: &super::Origin, boot_tables: &str) -> String {
    let mut s = String::with_capacity(boot_tables.len() * 9 / 8 + 16 * 1024);
    header(&mut s, plan, source);
    s.push_str("OUTPUT_ARCH(riscv)\nENTRY(_start)\n\n");
    numbers(&mut s, plan);
    symbols(&mut s, plan);
    s.push_str(SECTIONS_TO_DATA);
    // The boot page tables, first in .data (page-aligned), as layout-boot-tables.ld.
    for line in boot_tables.lines() {
        if line.is_empty() {
            s.push('\n');
        } else {
            s.push_str("        ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s.push_str(SECTIONS_FROM_DATA);
    assertions(&mut s, plan, source);
    s.push_str(GOT_ASSERT);
    s
}

/// The plan's part alone, for a kernel's own script to `INCLUDE layout-plan.ld`
/// (with the output directory on the search path, `-L`): symbols and assertions,
/// no `SECTIONS`.
pub fn render_fragment(plan: &Plan, source: &super::Origin) -> String {
    let mut s = String::new();
    header(&mut s, plan, source);
    numbers(&mut s, plan);
    symbols(&mut s, plan);
    assertions(&mut s, plan, source);
    s
}

/// The preamble and a line about the plan.
fn header(s: &mut String, plan: &Plan, source: &super::Origin) {
    let image = plan.image();
    let _ = writedoc!(
        s,
        "
        /* {preamble} */
        /* Plan: {mode}, image `{name}` linked at {link}, loaded at {load}. */

        ",
        preamble = super::escape::block_comment(&super::preamble(source)),
        mode = plan.paging.mode,
        name = image.name,
        link = hex_plain(image.start),
        load = hex_plain(plan.platform.load_address),
    );
}

/// The plan's numbers as `__vmlayout_*` symbols, and the image region as the
/// memory region `VMLAYOUT_IMAGE`: a kernel's sections placed `> VMLAYOUT_IMAGE`
/// that do not fit make the linker say by how many bytes.
fn numbers(s: &mut String, plan: &Plan) {
    let image = plan.image();
    let p = &plan.platform;
    let _ = writedoc!(
        s,
        "
        MEMORY
        {{
            VMLAYOUT_IMAGE (rwx) : ORIGIN = {link}, LENGTH = {memory_length}
        }}

        __vmlayout_link_address = {link};
        __vmlayout_load_address = {load};
        __vmlayout_load_first = {load_first};
        __vmlayout_load_last = {load_last};
        __vmlayout_load_align = {load_align};
        __vmlayout_image_region_size = {region_size};
        __vmlayout_image_max_size = {max_size};
        __vmlayout_identity_size = {identity_size};
        __vmlayout_page_size = {page_size};
        __vmlayout_paging_levels = {levels};

        ",
        link = hex_plain(image.start),
        load = hex_plain(p.load_address),
        load_first = hex_plain(p.load_first),
        load_last = hex_plain(p.load_last),
        load_align = hex_plain(p.load_align),
        region_size = hex_plain(image.size),
        // Linkers compute ORIGIN + LENGTH in 64 bits: for an image region that
        // ends at 2^64, one byte less (no image fills its very last byte).
        memory_length = hex_plain(image.last - image.start + u64::from(image.end().is_some())),
        max_size = hex_plain(p.image_max_size),
        identity_size = hex_plain(p.identity_size),
        page_size = hex_plain(plan.paging.page_size),
        levels = plan.paging.mode.levels(),
    );
}

/// A `PROVIDE`d symbol for every region and gap, and the fixmap's bounds.
fn symbols(s: &mut String, plan: &Plan) {
    // The symbols are C-visible names: they follow the C naming profile as the
    // header does, so one name means one thing in layout.h and the linker script.
    let profile = &plan.c_header;
    let note = match profile.ends {
        CEnds::None => "LAST is inclusive; no END ([c_header] ends)",
        CEnds::Exclusive => {
            "LAST is inclusive, END exclusive (none for an item that\n   ends at 2^64, the top of the address space)"
        }
        CEnds::Inclusive => "LAST and END are inclusive",
    };
    let _ = writeln!(
        s,
        "/* Every region and gap of the plan, named as in layout.h: {note}. */"
    );
    let mut provide = |symbol: &str, value: u64| {
        let _ = writeln!(
            s,
            "PROVIDE({}{symbol} = {});",
            profile.prefix,
            hex_plain(value)
        );
    };
    let item =
        |provide: &mut dyn FnMut(&str, u64), names: [&str; 4], start: u64, size: u64, last: u64| {
            let [start_name, size_name, last_name, end_name] = names;
            provide(start_name, start);
            provide(size_name, size);
            provide(last_name, last);
            match profile.ends {
                CEnds::None => {}
                CEnds::Inclusive => provide(end_name, last),
                CEnds::Exclusive => {
                    if let Some(end) = last.checked_add(1) {
                        provide(end_name, end);
                    }
                }
            }
        };
    for r in &plan.regions {
        let c = RegionConstants::of(&r.name);
        item(
            &mut provide,
            [&c.start, &c.size, &c.last, &c.end],
            r.start,
            r.size,
            r.last,
        );
    }
    for g in &plan.gaps {
        let c = GapConstants::of(&g.name);
        item(
            &mut provide,
            [&c.start, &c.size, &c.last, &c.end],
            g.start,
            g.size,
            g.last,
        );
    }
    provide("FIXADDR_START", plan.fixmap.base);
    provide("FIXADDR_TOP", plan.fixmap.top);
    s.push('\n');
}

/// Link-time limits, each naming the layout field to change.
fn assertions(s: &mut String, plan: &Plan, source: &super::Origin) {
    let name = &plan.image().name;
    // The file name reaches a comment and strings: each gets its own escaping.
    let (source, comment_source) = (
        super::escape::linker_string(source.layout()),
        super::escape::block_comment(source.layout()),
    );
    let region_key = format!("the size of region `{name}` in {source}");
    let (region_size, max_size, identity_size) = (
        crate::fmt::human_size(plan.image().size),
        crate::fmt::human_size(plan.platform.image_max_size),
        crate::fmt::human_size(plan.platform.identity_size),
    );
    let _ = writedoc!(
        s,
        r#"

        /* Limits from {comment_source}: each message names the field to change. */
        ASSERT(__image_end - __image_start <= __vmlayout_image_region_size,
               "vmlayout: the kernel image is larger than region `{name}`, which holds {region_size}: raise {region_key}")
        ASSERT(__image_end - __image_start <= __vmlayout_image_max_size,
               "vmlayout: the kernel image is larger than platform.image_max_size ({max_size}) in {source}")
        ASSERT(__ident_end - __ident_start <= __vmlayout_identity_size,
               "vmlayout: the identity-mapped boot code is larger than platform.identity_size ({identity_size}) in {source}")
        ASSERT(__image_start == __vmlayout_link_address, "vmlayout: the image must start at the image region")
        ASSERT(__vmlayout_load_address >= __vmlayout_load_first && __vmlayout_load_address <= __vmlayout_load_last
               && (__vmlayout_load_address - __vmlayout_load_first) % __vmlayout_load_align == 0,
               "vmlayout: the load address is not one platform.load_range in {source} allows")
        "#
    );
}

/// The default policy's relocation rule: its boot code runs before anything could
/// relocate it.
const GOT_ASSERT: &str = r#"ASSERT(SIZEOF(.got) == 0,
       "vmlayout: .got is not empty: the boot code runs before relocation; build with -C relocation-model=static")
"#;

/// Section placement. Each output section starts on a page so text, rodata and
/// data/bss can be mapped r-x, r-- and rw- respectively. `AT()` gives each its
/// physical load address: the image is loaded contiguously from __vmlayout_load_address.
const SECTIONS_TO_DATA: &str = r#"SECTIONS
{
    . = __vmlayout_link_address;
    __image_start = .;

    .text : AT(ADDR(.text) - __vmlayout_link_address + __vmlayout_load_address) {
        __text_start = .;
        /* The identity area: entry and MMU switch run at the load address. */
        __ident_start = .;
        KEEP(*(.text.entry))
        *(.text.ident .text.ident.*)
        __ident_end = .;
        *(.text .text.*)
        . = ALIGN(__vmlayout_page_size);
        __text_end = .;
    } > VMLAYOUT_IMAGE

    .rodata : AT(ADDR(.rodata) - __vmlayout_link_address + __vmlayout_load_address) {
        __rodata_start = .;
        *(.rodata .rodata.*)
        *(.srodata .srodata.*)
        . = ALIGN(__vmlayout_page_size);
        __rodata_end = .;
    } > VMLAYOUT_IMAGE

    .data : AT(ADDR(.data) - __vmlayout_link_address + __vmlayout_load_address) {
        __data_start = .;
"#;

/// The rest of the default `SECTIONS`, after the boot page tables.
const SECTIONS_FROM_DATA: &str = r#"        *(.data .data.*)
        *(.sdata .sdata.*)
    } > VMLAYOUT_IMAGE

    .got : AT(ADDR(.got) - __vmlayout_link_address + __vmlayout_load_address) {
        *(.got .got.*)
    } > VMLAYOUT_IMAGE

    .bss (NOLOAD) : AT(ADDR(.bss) - __vmlayout_link_address + __vmlayout_load_address) {
        /* Not zeroed at boot: the stack, and memory the kernel clears itself when it
           uses it (page-table pools), so boot does not pay to clear what it never
           uses. Outside __bss_start..__bss_end on purpose. */
        *(.bss.stack .bss.noinit .bss.noinit.*)
        . = ALIGN(8);
        __bss_start = .;
        *(.bss .bss.*)
        *(.sbss .sbss.*)
        . = ALIGN(8);
        __bss_end = .;
        . = ALIGN(__vmlayout_page_size);
        __data_end = .;
    } > VMLAYOUT_IMAGE

    __image_end = .;

    /DISCARD/ : {
        *(.eh_frame .eh_frame_hdr)
        *(.note .note.*)
        *(.comment)
    }
}
"#;
