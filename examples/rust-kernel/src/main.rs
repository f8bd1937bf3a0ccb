//! A minimal riscv64 kernel on a vmlayout plan (Sv39): its entry turns the MMU on
//! with two tables — the load GiB identity-mapped, the image region mapped onto
//! the loaded image in 2 MiB pages, GiB 0 for QEMU virt's test device — jumps to
//! the link address, checks a few plan facts and exits QEMU through the test
//! device (0x5555 pass, 0x3333 | n << 16 fail).
//!
//! Every number comes from the plan (`layout!`); the entry code reaches memory
//! PC-relatively only, as code must before the MMU is on.

#![no_std]
#![no_main]
// Unsafe that says so: every unsafe block states why it is sound, one operation at
// a time (`.ci/run` lints with -D warnings).
#![deny(
    clippy::undocumented_unsafe_blocks,
    clippy::multiple_unsafe_ops_per_block
)]

mod plan {
    #![allow(dead_code)]
    vmlayout_macros::layout!("../../layout.toml");
}

use core::arch::global_asm;

/// This example maps the image with one level-1 table: Sv39 only.
const _: () = assert!(
    plan::PT_LEVELS == 3,
    "the example kernel is written for Sv39"
);
/// Two 2 MiB leaves cover an image of at most 2 MiB from any offset.
const _: () = assert!(
    plan::IMAGE_MAX_SIZE <= 2 << 20,
    "image_max_size is at most 2 MiB"
);

const GIB: usize = 1 << 30;
const TWO_MIB: usize = 2 << 20;
/// V, R, W, X, A, D: a kernel leaf. Without X: device memory.
const LEAF_RWX: usize = 0xcf;
const LEAF_RW: usize = 0xc7;
const fn leaf(pa: usize, flags: usize) -> usize {
    (pa >> 12) << 10 | flags
}
/// Byte offset of the entry that maps `va` in a table of the level whose pages
/// are `page` bytes.
const fn entry(va: usize, page: usize) -> usize {
    (va / page % 512) * 8
}
const LOAD_GIB: usize = plan::LOAD_ADDRESS & !(GIB - 1);
const LINK_2M: usize = plan::LINK_ADDRESS & !(TWO_MIB - 1);
const LOAD_2M: usize = plan::LOAD_ADDRESS & !(TWO_MIB - 1);
const _: () = assert!(
    entry(LINK_2M, TWO_MIB) < 511 * 8,
    "two leaves fit the level-1 table"
);
const _: () = assert!(
    !(LOAD_GIB / GIB).is_multiple_of(512) && LOAD_GIB / GIB % 512 != plan::LINK_ADDRESS / GIB % 512,
    "the load GiB, GiB 0 and the image's root slot are three different slots"
);

#[repr(C, align(4096))]
struct Table([usize; 512]);
static mut ROOT: Table = Table([0; 512]);
static mut LEVEL1: Table = Table([0; 512]);
#[repr(C, align(16))]
struct Stack([u8; 16384]);
static mut STACK: Stack = Stack([0; 16384]);

global_asm!(
    r#"
    .section .text.entry, "ax"
    .globl _start
_start:
    la      t0, {root}
    la      t1, {level1}
    li      t2, {load_gib_leaf}
    li      t3, {load_slot}
    add     t3, t3, t0
    sd      t2, 0(t3)
    li      t2, {device_leaf}
    sd      t2, 0(t0)
    srli    t2, t1, 12
    slli    t2, t2, 10
    ori     t2, t2, 1
    li      t3, {image_slot}
    add     t3, t3, t0
    sd      t2, 0(t3)
    li      t2, {image_leaf}
    li      t3, {image_entry}
    add     t3, t3, t1
    sd      t2, 0(t3)
    li      t4, {leaf_step}
    add     t2, t2, t4
    sd      t2, 8(t3)
    srli    t0, t0, 12
    li      t2, {satp_mode}
    or      t0, t0, t2
    sfence.vma
    csrw    satp, t0
    sfence.vma
    li      t0, {link_minus_load}
    lla     t1, 1f
    add     t1, t1, t0
    jr      t1
1:
    lla     sp, {stack}
    li      t0, {stack_size}
    add     sp, sp, t0
    call    {main}
"#,
    root = sym ROOT,
    level1 = sym LEVEL1,
    stack = sym STACK,
    main = sym main,
    load_gib_leaf = const leaf(LOAD_GIB, LEAF_RWX),
    load_slot = const entry(LOAD_GIB, GIB),
    device_leaf = const leaf(0, LEAF_RW),
    image_slot = const entry(plan::LINK_ADDRESS, GIB),
    image_leaf = const leaf(LOAD_2M, LEAF_RWX),
    image_entry = const entry(LINK_2M, TWO_MIB),
    leaf_step = const leaf(TWO_MIB, 0),
    satp_mode = const plan::SATP_MODE << plan::SATP_MODE_SHIFT,
    link_minus_load = const plan::LINK_ADDRESS.wrapping_sub(plan::LOAD_ADDRESS),
    stack_size = const 16384,
);

fn putc(c: u8) {
    // SAFETY: the SBI legacy console_putchar call clobbers only a0.
    unsafe {
        core::arch::asm!("ecall", inlateout("a0") c as usize => _, in("a7") 1usize);
    }
}

fn print(s: &str) {
    s.bytes().for_each(putc);
}

fn exit(code: u32) -> ! {
    // SAFETY: GiB 0 is mapped to itself as device memory; QEMU virt's test device
    // sits at 0x100000 there.
    unsafe { core::ptr::write_volatile(0x10_0000 as *mut u32, code) };
    loop {
        core::hint::spin_loop();
    }
}

/// A check, printed as PASS or FAIL; whether it passed.
fn check(ok: bool, what: &str) -> bool {
    print(if ok { "PASS " } else { "FAIL " });
    print(what);
    print("\n");
    ok
}

extern "C" fn main() -> ! {
    let pc = main as *const () as usize;
    let sp: usize;
    // SAFETY: reads the stack pointer.
    unsafe { core::arch::asm!("mv {}, sp", out(reg) sp) };
    let image = plan::IMAGE_REGION;
    let results = [
        check(
            image.contains(pc),
            "the code runs at its link address, in the image region",
        ),
        check(image.contains(sp), "the stack lies in the image region"),
        check(
            plan::region_containing(pc).is_some_and(|r| r.name == image.name),
            "region_containing names the image region",
        ),
        check(
            plan::LINK_ADDRESS == image.start,
            "LINK_ADDRESS is the image region's start",
        ),
        check(
            plan::FIXADDR_TOP - plan::FIXADDR_START == plan::FIX_COUNT * plan::PAGE_SIZE,
            "the fixmap's slots fill FIXADDR_START..FIXADDR_TOP",
        ),
    ];
    let failed = results.iter().filter(|ok| !**ok).count() as u32;
    if failed == 0 {
        print("example kernel: all checks passed\n");
        exit(0x5555);
    }
    exit(0x3333 | failed << 16)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    print("FAIL panic\n");
    exit(0x3333 | 0xff << 16)
}
