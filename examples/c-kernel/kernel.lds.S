/*
 * The C consumer's own linker script, run through the preprocessor
 * (cpp -P -D__ASSEMBLY__): it links at the plan's load address, because this
 * program never turns the MMU on, and keeps the image within what the
 * platform loads.
 */
#include "layout.h"

OUTPUT_ARCH(riscv)
ENTRY(_start)

SECTIONS
{
    . = VMLAYOUT_LOAD_ADDRESS;
    image_start = .;
    .text : { *(.text.entry) *(.text .text.*) }
    .rodata : { *(.rodata .rodata.*) *(.srodata .srodata.*) }
    .data : { *(.data .data.*) *(.sdata .sdata.*) }
    .bss (NOLOAD) : {
        *(.bss .bss.*) *(.sbss .sbss.*)
        . = ALIGN(VMLAYOUT_PAGE_SIZE);
        . += VMLAYOUT_PAGE_SIZE;
        boot_stack_top = .;
    }
    image_end = .;
    /DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) *(.riscv.attributes) }
}

ASSERT(image_end - image_start <= VMLAYOUT_IMAGE_MAX_SIZE,
       "the C consumer is larger than platform.image_max_size")
ASSERT(image_start % VMLAYOUT_PAGE_SIZE == 0, "the image starts on a page")
