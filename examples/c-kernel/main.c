/*
 * A freestanding C consumer of vmlayout's layout.h: checks a few plan facts at
 * run time, prints through the SBI console, and exits QEMU through the virt
 * test device (0x5555 pass, 0x3333 | code << 16 fail). Built by
 * `cargo xtask test` with the distribution's riscv64 cross gcc.
 */
#include "layout.h"

/* QEMU virt's test device (SiFive test finisher). */
#define TEST_DEVICE 0x100000UL

extern const unsigned long asm_facts[3];
extern char image_start[], image_end[];

static void putc_sbi(char c)
{
    register unsigned long a0 __asm__("a0") = (unsigned char)c;
    register unsigned long a7 __asm__("a7") = 1; /* legacy console_putchar */
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
}

static void puts_sbi(const char *s)
{
    while (*s)
        putc_sbi(*s++);
}

static void put_hex(unsigned long v)
{
    int shift;
    puts_sbi("0x");
    for (shift = 60; shift >= 0; shift -= 4)
        putc_sbi("0123456789abcdef"[(v >> shift) & 0xf]);
}

static void exit_qemu(unsigned int code)
{
    *(volatile unsigned int *)TEST_DEVICE = code;
    for (;;)
        __asm__ volatile("wfi");
}

static unsigned int passed, failed;

static void check(int ok, const char *what, unsigned long seen)
{
    puts_sbi(ok ? "PASS " : "FAIL ");
    puts_sbi(what);
    puts_sbi(" (");
    put_hex(seen);
    puts_sbi(")\n");
    if (ok)
        passed++;
    else
        failed++;
}

void c_main(unsigned long loaded_at)
{
    unsigned long size = (unsigned long)(image_end - image_start);

    puts_sbi("c-consumer: layout.h in C, assembly and the linker script\n");
    check(loaded_at == VMLAYOUT_LOAD_ADDRESS,
          "the firmware loaded us at VMLAYOUT_LOAD_ADDRESS", loaded_at);
    check(asm_facts[0] == FIXADDR_TOP && asm_facts[1] == VMLAYOUT_LOAD_ADDRESS &&
              asm_facts[2] == FIX_COUNT,
          "assembly and C read the same constants", asm_facts[0]);
    check(FIXMAP_ADDR(FIX_LAST + 1) == FIXADDR_TOP,
          "FIXADDR_TOP is one past the last fixmap slot", FIXADDR_TOP);
    check(IMAGE_VIRT_START % VMLAYOUT_BOOT_SUPERPAGE_SIZE ==
              VMLAYOUT_LOAD_ADDRESS % VMLAYOUT_BOOT_SUPERPAGE_SIZE,
          "link and load address share their boot-superpage offset", IMAGE_VIRT_START);
    check(size <= VMLAYOUT_IMAGE_MAX_SIZE && size <= IMAGE_VIRT_SIZE,
          "this image fits image_max_size and the image region", size);
    check(FIX_PMAP_LAST - FIX_PMAP_BEGIN + 1 == FIX_PMAP_COUNT,
          "the PMAP group's inclusive LAST", FIX_PMAP_LAST);
    check(DIRECTMAP_VIRT_LAST - DIRECTMAP_VIRT_START + 1 == DIRECTMAP_VIRT_SIZE,
          "the direct map's inclusive LAST", DIRECTMAP_VIRT_LAST);
    check(VMLAYOUT_IDENTITY_RANGE_START <= loaded_at &&
              loaded_at + size - 1 <= VMLAYOUT_IDENTITY_RANGE_LAST,
          "this image lies in the plan's identity range", VMLAYOUT_IDENTITY_RANGE_LAST);

    if (failed == 0) {
        puts_sbi("c-consumer: all checks passed\n");
        exit_qemu(0x5555);
    }
    puts_sbi("c-consumer: checks FAILED\n");
    exit_qemu(0x3333 | (failed << 16));
}
