//! The fixmap: `FIX_TABLES` static level-0 tables covering the plan's fixmap slots,
//! installed once by `setup_fixmap_mappings`, then filled and cleared one slot at a
//! time by `set_fixmap`/`clear_fixmap`.
//!
//! SMP: these functions assume one hart. With several, `set_fixmap` of a shared
//! slot would need a lock (or per-hart slots), `Release` ordering on the PTE store,
//! and a remote TLB shootdown (SBI RFENCE `remote_sfence_vma` of that one page to
//! every hart that may have cached the old entry) after both set and clear.

use core::sync::atomic::AtomicU64;

use super::boot::{ROOT_TABLE, image_pa, image_va};
use super::pte::{Pte, PteFlags, read_pte, write_pte};
use super::table::{PageTable, ROOT_LEVEL, index};
use crate::layout::{FIX_TABLES, FIXADDR_START, FixSlot, L0_TABLE_SPAN, PT_ENTRIES};
use core::sync::atomic::Ordering;

/// The fixmap's level-0 tables, contiguous, so slot `n` is entry `n` of the array
/// seen as one run of PTEs. Cleared by `boot_prepare`.
#[unsafe(link_section = ".bss.noinit")]
pub static FIXMAP_TABLES: [PageTable; FIX_TABLES] = [const { PageTable::new() }; FIX_TABLES];

/// `sfence.vma addr, zero`: drop every cached translation of `addr`, global ones
/// included. (The riscv crate's `sfence_vma(asid, addr)` passes the ASID in a
/// register, and with rs2 ≠ x0 the instruction leaves global mappings — which the
/// kernel's are — in the TLB.)
#[inline(always)]
pub fn flush_page(addr: usize) {
    // SAFETY: sfence.vma only affects address-translation caches.
    unsafe { core::arch::asm!("sfence.vma {}, zero", in(reg) addr, options(nostack)) };
}

/// `sfence.vma zero, zero`: drop every cached translation.
#[inline(always)]
pub fn flush_all() {
    riscv::asm::sfence_vma_all();
}

#[inline(always)]
fn fixmap_entry(slot: FixSlot) -> &'static AtomicU64 {
    let n = slot.index();
    FIXMAP_TABLES[n / PT_ENTRIES].entry(n % PT_ENTRIES)
}

/// Install the fixmap's level-0 tables under the intermediate tables `boot_prepare`
/// created: index the root with the fixmap base, walk down to level 1 (a clear
/// panic on an invalid or leaf entry), refuse an already-valid slot, write the
/// table entries, then `fence rw,rw` and `sfence.vma`.
#[inline(never)]
pub fn setup_fixmap_mappings() {
    let mut level1: &PageTable = table_at(ROOT_TABLE.load(Ordering::Relaxed));
    for t in 0..FIX_TABLES {
        let va = FIXADDR_START + t * L0_TABLE_SPAN;
        if t == 0 || index(va, 1) == 0 {
            level1 = walk_to_level1(va);
        }
        let slot = level1.entry(index(va, 1));
        let old = read_pte(slot);
        if old.is_valid() {
            panic!("setup_fixmap_mappings: the level-1 entry for {va:#x} is already valid ({old:?})");
        }
        write_pte(slot, Pte::table(image_pa(&FIXMAP_TABLES[t] as *const PageTable as usize)));
    }
    // Order the table stores before any later access, then drop stale translations.
    riscv::asm::fence();
    flush_all();
}

fn table_at(pa: usize) -> &'static PageTable {
    let va = image_va(pa).unwrap_or_else(|| panic!("setup_fixmap_mappings: table {pa:#x} is not a boot table"));
    // SAFETY: boot tables live in the image's pool and are mapped at their link address.
    unsafe { &*(va as *const PageTable) }
}

#[cold]
fn walk_to_level1(va: usize) -> &'static PageTable {
    let mut table = table_at(ROOT_TABLE.load(Ordering::Relaxed));
    let mut level = ROOT_LEVEL;
    while level > 1 {
        let pte = read_pte(table.entry(index(va, level)));
        if !pte.is_valid() || pte.is_leaf() {
            panic!("setup_fixmap_mappings: no level-{} table for {va:#x} (entry {pte:?})", level - 1);
        }
        table = table_at(pte.pa());
        level -= 1;
    }
    table
}

/// Map `pa` at fixmap slot `slot`. The slot type bounds-checks (a `FixSlot` only
/// exists for slots the plan has); the one-page `sfence.vma` drops any stale
/// translation of the slot.
#[inline(never)]
pub fn set_fixmap(slot: FixSlot, pa: usize, flags: PteFlags) {
    write_pte(fixmap_entry(slot), Pte::leaf(pa, flags | PteFlags::G));
    flush_page(slot.addr());
}

/// Unmap fixmap slot `slot` and drop its translation.
#[inline(never)]
pub fn clear_fixmap(slot: FixSlot) {
    write_pte(fixmap_entry(slot), Pte::INVALID);
    flush_page(slot.addr());
}

/// The PTE currently in a slot (for tests).
pub fn fixmap_pte(slot: FixSlot) -> Pte {
    read_pte(fixmap_entry(slot))
}
