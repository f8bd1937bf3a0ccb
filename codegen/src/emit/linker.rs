//! The kernel's linker script: linked at the image region, loaded at the platform's
//! physical address, sections page-aligned so each can get its own permissions, a
//! symbol for every region, and assertions that name the layout field to change.

use std::fmt::Write;

use indoc::writedoc;

use crate::fmt::hex_plain;
use crate::names::{GapConstants, RegionConstants};
use crate::plan::Plan;

/// The linker script for `plan`; `source` names the layout file in the preamble and
/// in every assertion's message.
pub fn render(plan: &Plan, source: &super::Origin) -> String {
    let mut s = String::new();
    header(&mut s, plan, source);
    symbols(&mut s, plan);
    s.push_str(SECTIONS);
    assertions(&mut s, plan, source);
    s
}

/// The preamble and the plan's numbers as `__vmlayout_*` symbols.
fn header(s: &mut String, plan: &Plan, source: &super::Origin) {
    let image = plan.image();
    let p = &plan.platform;
    let _ = writedoc!(
        s,
        "
        /* {preamble} */
        /* Plan: {mode}, image `{name}` linked at {link}, loaded at {load}. */

        OUTPUT_ARCH(riscv)
        ENTRY(_start)

        __vmlayout_link_address = {link};
        __vmlayout_load_address = {load};
        __vmlayout_load_first = {load_first};
        __vmlayout_load_last = {load_last};
        __vmlayout_load_align = {load_align};
        __vmlayout_image_region_size = {region_size};
        __vmlayout_image_max_size = {max_size};
        __vmlayout_identity_size = {identity_size};
        __vmlayout_page_size = {page_size};

        ",
        preamble = super::escape::block_comment(&super::preamble(source)),
        mode = plan.paging.mode,
        name = image.name,
        link = hex_plain(image.start),
        load = hex_plain(p.load_address),
        load_first = hex_plain(p.load_first),
        load_last = hex_plain(p.load_last),
        load_align = hex_plain(p.load_align),
        region_size = hex_plain(image.size),
        max_size = hex_plain(p.image_max_size),
        identity_size = hex_plain(p.identity_size),
        page_size = hex_plain(plan.paging.page_size),
    );
}

/// A `PROVIDE`d symbol for every region and gap, and the fixmap's bounds.
fn symbols(s: &mut String, plan: &Plan) {
    s.push_str(
        "/* Every region and gap of the plan; LAST is inclusive, END exclusive (none for\n   an item that ends at 2^64, the top of the address space). */\n",
    );
    let mut provide = |symbol: &str, value: u64| {
        let _ = writeln!(s, "PROVIDE({symbol} = {});", hex_plain(value));
    };
    for r in &plan.regions {
        let c = RegionConstants::of(&r.name);
        provide(&c.start, r.start);
        provide(&c.size, r.size);
        provide(&c.last, r.last);
        if let Some(end) = r.end() {
            provide(&c.end, end);
        }
    }
    for g in &plan.gaps {
        let c = GapConstants::of(&g.name);
        provide(&c.start, g.start);
        provide(&c.last, g.last);
        if let Some(end) = g.end() {
            provide(&c.end, end);
        }
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
    let _ = writedoc!(
        s,
        r#"

        /* Limits from {comment_source}: each message names the field to change. */
        ASSERT(__image_end - __image_start <= __vmlayout_image_region_size,
               "vmlayout: the kernel image is larger than region `{name}`: raise {region_key}")
        ASSERT(__image_end - __image_start <= __vmlayout_image_max_size,
               "vmlayout: the kernel image is larger than platform.image_max_size in {source}")
        ASSERT(__ident_end - __ident_start <= __vmlayout_identity_size,
               "vmlayout: the identity-mapped boot code is larger than platform.identity_size in {source}")
        ASSERT(SIZEOF(.got) == 0,
               "vmlayout: .got is not empty: the boot code runs before relocation; build with -C relocation-model=static")
        ASSERT(__image_start == __vmlayout_link_address, "vmlayout: the image must start at the image region")
        ASSERT(__vmlayout_load_address >= __vmlayout_load_first && __vmlayout_load_address <= __vmlayout_load_last
               && (__vmlayout_load_address - __vmlayout_load_first) % __vmlayout_load_align == 0,
               "vmlayout: the load address is not one platform.load_range in {source} allows")
        "#
    );
}

/// Section placement. Each output section starts on a page so text, rodata and
/// data/bss can be mapped r-x, r-- and rw- respectively. `AT()` gives each its
/// physical load address: the image is loaded contiguously from __vmlayout_load_address.
const SECTIONS: &str = r#"SECTIONS
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
    }

    .rodata : AT(ADDR(.rodata) - __vmlayout_link_address + __vmlayout_load_address) {
        __rodata_start = .;
        *(.rodata .rodata.*)
        *(.srodata .srodata.*)
        . = ALIGN(__vmlayout_page_size);
        __rodata_end = .;
    }

    .data : AT(ADDR(.data) - __vmlayout_link_address + __vmlayout_load_address) {
        __data_start = .;
        *(.data .data.*)
        *(.sdata .sdata.*)
    }

    .got : AT(ADDR(.got) - __vmlayout_link_address + __vmlayout_load_address) {
        *(.got .got.*)
    }

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
    }

    __image_end = .;

    /DISCARD/ : {
        *(.eh_frame .eh_frame_hdr)
        *(.note .note.*)
        *(.comment)
    }
}
"#;
