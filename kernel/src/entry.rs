//! `_start`: the first instructions after OpenSBI, at the physical load address
//! (a0 = hart id, a1 = DTB). In `.text.entry`, the identity area the linker script
//! puts first and bounds by `platform.identity_size`.
//!
//! `_start` ends by jumping to `rust_main` at its link address. It knows that
//! function by symbol and signature only ([`KernelMain`]): the crate root defines
//! it and checks it against that type, so this module does not depend on the root.

use crate::mm::boot::boot_prepare;

/// How `_start` calls the kernel's main function, `rust_main`: the hart id, the
/// DTB's physical address, and the instruction count at the first instruction.
pub type KernelMain = extern "C" fn(hart: usize, dtb_pa: usize, entry_instret: u64) -> !;

/// How `_secondary_start` calls the secondary harts' main function,
/// `secondary_main`: the hart id and the hart's index (see `smp`).
pub type SecondaryMain = extern "C" fn(hart_id: usize, index: usize) -> !;

unsafe extern "C" {
    /// The kernel's main function, defined by the crate root as a [`KernelMain`].
    fn rust_main(hart: usize, dtb_pa: usize, entry_instret: u64) -> !;
    /// The secondary harts' main function, defined by the crate root as a
    /// [`SecondaryMain`].
    fn secondary_main(hart_id: usize, index: usize) -> !;
}

/// `_secondary_start`'s link address; `smp::start` turns it into the physical
/// address SBI HSM starts a hart at.
pub fn secondary_start() -> usize {
    unsafe extern "C" {
        fn _secondary_start();
    }
    _secondary_start as *const () as usize
}

/// `_start`'s link address: where the firmware enters the kernel.
pub fn start() -> usize {
    unsafe extern "C" {
        fn _start();
    }
    _start as *const () as usize
}

/// The boot stack: not zeroed (nothing reads it before writing it).
const STACK_SIZE: usize = 64 * 1024;

#[repr(C, align(16))]
struct Stack([u8; STACK_SIZE]);

/// Written by the CPU through `sp` from the first instruction on, so a `static
/// mut`: Rust code never takes a reference to it, only the entry's `la sp`.
#[unsafe(link_section = ".bss.stack")]
static mut BOOT_STACK: Stack = Stack([0; STACK_SIZE]);

core::arch::global_asm!(
    r#"
    .section .text.entry, "ax"
    .globl _start
_start:
    csrr    s2, instret            # instruction count at entry, for the benchmark
    # A secondary hart may arrive here rather than at _secondary_start: OpenSBI 1.1's
    # hart_start marks the target START_PENDING before it stores the start address
    # and opaque value, so a target that checks its state in between jumps to the
    # firmware's own boot address (this one) with the DTB in a1. Seen under host
    # load: the hart cleared .bss under the running kernel. Once the boot hart has
    # started a hart, SMP_START names it: such a hart joins the secondary path
    # before touching anything.
    lla     t0, {start_block}
    ld      t1, {start_index}(t0)
    bnez    t1, .Lsecondary
    # stvec before anything can fault: with the MMU off, a fault resets with failure.
    lla     t0, .Learly_trap
    csrw    stvec, t0
    csrw    sie, zero
    li      tp, 0                  # the boot hart's index (see smp)
    lla     sp, {stack}
    li      t0, {stack_size}
    add     sp, sp, t0
    mv      s0, a0                 # hart id
    mv      s1, a1                 # DTB

    # Clear .bss, 64 bytes a step (the linker script aligns it to 8 bytes).
    lla     t0, __bss_start
    lla     t1, __bss_end
    addi    t2, t1, -56
1:  bgeu    t0, t2, 3f
    sd      zero, 0(t0)
    sd      zero, 8(t0)
    sd      zero, 16(t0)
    sd      zero, 24(t0)
    sd      zero, 32(t0)
    sd      zero, 40(t0)
    sd      zero, 48(t0)
    sd      zero, 56(t0)
    addi    t0, t0, 64
    j       1b
2:  sd      zero, 0(t0)
    addi    t0, t0, 8
3:  bltu    t0, t1, 2b

    call    {boot_prepare}         # a0 = satp, a1 = link - load

    # Turn the MMU on: this code is identity-mapped, so the next fetch works.
    sfence.vma
    csrw    satp, a0
    sfence.vma

    # Continue at the link address, on the same stack seen through its link address.
    add     sp, sp, a1
    lla     t0, {rust_main}
    add     t0, t0, a1
    mv      a0, s0
    mv      a1, s1
    mv      a2, s2
    jr      t0

    # A secondary hart, started by SBI HSM with the MMU off: a0 = hart id. It reads
    # smp::start::SMP_START at its physical address, its index included: the opaque
    # value in a1 is not trusted (OpenSBI 1.1 may hand over a stale one, above).
    .balign 4
    .globl _secondary_start
_secondary_start:
    lla     t0, {start_block}
.Lsecondary:                       # t0 = SMP_START
    lla     t1, .Learly_trap
    csrw    stvec, t1
    csrw    sie, zero
    # Only the hart the boot hart is starting may run on: it starts one at a time.
    ld      t1, {start_hart_id}(t0)
    bne     a0, t1, .Lunexpected_hart
    ld      tp, {start_index}(t0)  # the hart's index
    ld      t1, {image_offset}(t0) # link - load
    slli    t2, tp, 3
    add     t2, t2, t0
    ld      sp, {stack_tops}(t2)   # its stack top, a direct-map address
    ld      t2, {satp}(t0)
    # Turn the MMU on. The identity map is gone by now, so fetching the next
    # instruction at its physical address faults: stvec sends the fault to the same
    # instruction at its link address (as Linux's relocate_enable_mmu does).
    lla     t3, 7f
    add     t3, t3, t1
    csrw    stvec, t3
    sfence.vma
    csrw    satp, t2
    .balign 4
7:  sfence.vma
    # At the link address whether or not the fetch faulted: jump through an
    # absolute address.
    lla     t0, .Lsecondary_main
    ld      t0, 0(t0)
    mv      a1, tp
    jr      t0                     # secondary_main(a0 = hart id, a1 = index)

    # A hart that nobody is starting: fail, saying so.
.Lunexpected_hart:
    lla     s3, .Lunexpected_hart_message
    j       .Learly_fail

    # A trap before the real handler is installed: report failure.
    .balign 4
.Learly_trap:
    lla     s3, .Learly_trap_message
    # Print the message at s3 through the firmware's console (legacy putchar), then
    # end the machine with a failure: through the test device when the boot hart
    # has found it (a secondary hart, MMU off: its physical address works), since
    # OpenSBI 1.1 turns an SRST "system failure" into QEMU status 0; else SRST.
.Learly_fail:
5:  lbu     a0, 0(s3)
    beqz    a0, 6f
    li      a7, 1                  # legacy console_putchar
    ecall
    addi    s3, s3, 1
    j       5b
6:  lla     t0, {test_device}
    ld      t0, 0(t0)
    beqz    t0, 7f
    li      t1, {early_failure}
    sw      t1, 0(t0)
7:  li      a7, 0x53525354         # SRST
    li      a6, 0                  # system_reset
    li      a0, 0                  # shutdown
    li      a1, 1                  # reason: system failure
    ecall
4:  wfi
    j       4b
    .section .rodata.early_trap, "a"
    .balign 8
.Lsecondary_main:
    .quad   {secondary_main}
.Learly_trap_message:
    .asciz "\nFAIL: stage boot_prepare: a trap before the kernel's trap handler\n"
.Lunexpected_hart_message:
    .asciz "\nFAIL: SMP: a hart entered the kernel that the boot hart is not starting\n"
    "#,
    stack = sym BOOT_STACK,
    stack_size = const STACK_SIZE,
    boot_prepare = sym boot_prepare,
    rust_main = sym rust_main,
    secondary_main = sym secondary_main,
    start_block = sym crate::smp::start::SMP_START,
    satp = const crate::smp::start::SATP_OFFSET,
    image_offset = const crate::smp::start::IMAGE_OFFSET_OFFSET,
    stack_tops = const crate::smp::start::STACK_TOPS_OFFSET,
    start_hart_id = const crate::smp::start::START_HART_ID_OFFSET,
    start_index = const crate::smp::start::START_INDEX_OFFSET,
    test_device = sym crate::exit::TEST_DEVICE,
    early_failure = const 0x3333 | (crate::exit::code::UNEXPECTED_TRAP as u32) << 16,
);
