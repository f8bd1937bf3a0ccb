//! The kernel's linker script: linked at the image region, loaded at the platform's
//! physical address, sections page-aligned so each can get its own permissions, a
//! symbol for every region, and assertions that name the layout field to change.

use std::fmt::Write;

use crate::fmt::hex_plain;
use crate::names::{GapConstants, RegionConstants};
use crate::plan::Plan;

pub fn render(plan: &Plan, source: &str) -> String {
    let image = plan.image();
    let p = &plan.platform;
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "/* {} */", super::preamble(source));
    let _ = writeln!(
        w,
        "/* Plan: {}, image `{}` linked at {}, loaded at {}. */\n",
        plan.paging.mode,
        image.name,
        hex_plain(image.start),
        hex_plain(p.load_address)
    );
    let _ = writeln!(w, "OUTPUT_ARCH(riscv)\nENTRY(_start)\n");
    let _ = writeln!(w, "__vmlayout_link_address = {};", hex_plain(image.start));
    let _ = writeln!(
        w,
        "__vmlayout_load_address = {};",
        hex_plain(p.load_address)
    );
    let _ = writeln!(
        w,
        "__vmlayout_image_region_size = {};",
        hex_plain(image.size)
    );
    let _ = writeln!(
        w,
        "__vmlayout_image_max_size = {};",
        hex_plain(p.image_max_size)
    );
    let _ = writeln!(
        w,
        "__vmlayout_identity_size = {};",
        hex_plain(p.identity_size)
    );
    let _ = writeln!(
        w,
        "__vmlayout_page_size = {};\n",
        hex_plain(plan.paging.page_size)
    );
    let _ = writeln!(
        w,
        "/* Every region and gap of the plan; END is exclusive. */"
    );
    let mut provide = |symbol: &str, value: u64| {
        let _ = writeln!(w, "PROVIDE({symbol} = {});", hex_plain(value));
    };
    for r in &plan.regions {
        let c = RegionConstants::of(&r.name);
        provide(&c.start, r.start);
        provide(&c.size, r.size);
        provide(&c.end, r.end);
    }
    for g in &plan.gaps {
        let c = GapConstants::of(&g.name);
        provide(&c.start, g.start);
        provide(&c.end, g.end);
    }
    let _ = writeln!(
        w,
        "PROVIDE(FIXADDR_START = {});",
        hex_plain(plan.fixmap.base)
    );
    let _ = writeln!(
        w,
        "PROVIDE(FIXADDR_TOP = {});\n",
        hex_plain(plan.fixmap.top)
    );
    s.push_str(SECTIONS);
    let region_key = format!("the size of region `{}` in {source}", image.name);
    let _ = write!(
        s,
        r#"
/* Limits from {source}: each message names the field to change. */
ASSERT(__image_end - __image_start <= __vmlayout_image_region_size,
       "vmlayout: the kernel image is larger than region `{name}`: raise {region_key}")
ASSERT(__image_end - __image_start <= __vmlayout_image_max_size,
       "vmlayout: the kernel image is larger than platform.image_max_size in {source}")
ASSERT(__ident_end - __ident_start <= __vmlayout_identity_size,
       "vmlayout: the identity-mapped boot code is larger than platform.identity_size in {source}")
ASSERT(SIZEOF(.got) == 0,
       "vmlayout: .got is not empty: the boot code runs before relocation; build with -C relocation-model=static")
ASSERT(__image_start == __vmlayout_link_address, "vmlayout: the image must start at the image region")
"#,
        name = image.name
    );
    s
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
