/*
 * Entry of the C consumer: OpenSBI jumps here in S-mode with the MMU off,
 * a0 = hart id, a1 = DTB. layout.h is included as assembly: GCC predefines
 * __ASSEMBLER__ for .S files, so its literals carry no C suffix.
 */
#include "layout.h"

    .section .text.entry, "ax"
    .globl _start
_start:
    /* A stack of one plan page below the linker script's boot_stack_top. */
    la      sp, boot_stack_top
    li      t0, VMLAYOUT_PAGE_SIZE
    addi    t0, t0, -1
    and     t1, sp, t0
    bnez    t1, 1f              /* the stack top is page aligned, as the plan's page size */
    /* Where the firmware put us: main() compares it with VMLAYOUT_LOAD_ADDRESS. */
    la      a0, _start
    call    c_main
1:
    wfi
    j       1b

    .section .rodata
    .balign 8
    .globl asm_facts
asm_facts:
    /* The same constants, as the assembler sees them: main() compares. */
    .quad   FIXADDR_TOP
    .quad   VMLAYOUT_LOAD_ADDRESS
    .quad   FIX_COUNT
