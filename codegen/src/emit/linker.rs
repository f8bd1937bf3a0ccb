//! The kernel's linker script: linked at the image region, loaded at the platform's
//! physical address, sections page-aligned so each can get its own permissions, a
//! symbol for every region, and assertions that name the layout field to change.

use std::fmt::Write;

use crate::fmt::hex_plain;
use crate::names::constant_prefix;
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
    let _ = writeln!(w, "LINK_ADDRESS = {};", hex_plain(image.start));
    let _ = writeln!(w, "LOAD_ADDRESS = {};", hex_plain(p.load_address));
    let _ = writeln!(w, "IMAGE_VIRT_SIZE = {};", hex_plain(image.size));
    let _ = writeln!(w, "IMAGE_MAX_SIZE = {};", hex_plain(p.image_max_size));
    let _ = writeln!(w, "IDENTITY_SIZE = {};", hex_plain(p.identity_size));
    let _ = writeln!(w, "PAGE_SIZE = {};\n", hex_plain(plan.paging.page_size));
    let _ = writeln!(
        w,
        "/* Every region and gap of the plan; END is exclusive. */"
    );
    for r in &plan.regions {
        let c = constant_prefix(&r.name);
        let _ = writeln!(w, "PROVIDE({c}_VIRT_START = {});", hex_plain(r.start));
        let _ = writeln!(w, "PROVIDE({c}_VIRT_SIZE = {});", hex_plain(r.size));
        let _ = writeln!(w, "PROVIDE({c}_VIRT_END = {});", hex_plain(r.end));
    }
    for g in &plan.gaps {
        let c = constant_prefix(&g.name);
        let _ = writeln!(w, "PROVIDE({c}_START = {});", hex_plain(g.start));
        let _ = writeln!(w, "PROVIDE({c}_END = {});", hex_plain(g.end));
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
ASSERT(__image_end - __image_start <= IMAGE_VIRT_SIZE,
       "vmlayout: the kernel image is larger than region `{name}`: raise {region_key}")
ASSERT(__image_end - __image_start <= IMAGE_MAX_SIZE,
       "vmlayout: the kernel image is larger than platform.image_max_size in {source}")
ASSERT(__ident_end - __ident_start <= IDENTITY_SIZE,
       "vmlayout: the identity-mapped boot code is larger than platform.identity_size in {source}")
ASSERT(SIZEOF(.got) == 0,
       "vmlayout: .got is not empty: the boot code runs before relocation; build with -C relocation-model=static")
ASSERT(__image_start == LINK_ADDRESS, "vmlayout: the image must start at the image region")
"#,
        name = image.name
    );
    s
}

/// Section placement. Each output section starts on a page so text, rodata and
/// data/bss can be mapped r-x, r-- and rw- respectively. `AT()` gives each its
/// physical load address: the image is loaded contiguously from LOAD_ADDRESS.
const SECTIONS: &str = r#"SECTIONS
{
    . = LINK_ADDRESS;
    __image_start = .;

    .text : AT(ADDR(.text) - LINK_ADDRESS + LOAD_ADDRESS) {
        __text_start = .;
        /* The identity area: entry and MMU switch run at the load address. */
        __ident_start = .;
        KEEP(*(.text.entry))
        *(.text.ident .text.ident.*)
        __ident_end = .;
        *(.text .text.*)
        . = ALIGN(PAGE_SIZE);
        __text_end = .;
    }

    .rodata : AT(ADDR(.rodata) - LINK_ADDRESS + LOAD_ADDRESS) {
        __rodata_start = .;
        *(.rodata .rodata.*)
        *(.srodata .srodata.*)
        . = ALIGN(PAGE_SIZE);
        __rodata_end = .;
    }

    .data : AT(ADDR(.data) - LINK_ADDRESS + LOAD_ADDRESS) {
        __data_start = .;
        *(.data .data.*)
        *(.sdata .sdata.*)
    }

    .got : AT(ADDR(.got) - LINK_ADDRESS + LOAD_ADDRESS) {
        *(.got .got.*)
    }

    .bss (NOLOAD) : AT(ADDR(.bss) - LINK_ADDRESS + LOAD_ADDRESS) {
        . = ALIGN(8);
        __bss_start = .;
        *(.bss.stack)
        *(.bss .bss.*)
        *(.sbss .sbss.*)
        . = ALIGN(8);
        __bss_end = .;
        . = ALIGN(PAGE_SIZE);
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
