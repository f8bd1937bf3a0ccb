//! The fixmap: `FIX_TABLES` static level-0 tables covering the plan's fixmap slots,
//! installed once by `setup_fixmap_mappings`, then filled and cleared one slot at a
//! time by `set_fixmap`/`clear_fixmap`.
//!
//! SMP: these functions assume one hart. With several, `set_fixmap` of a shared
//! slot would need a lock (or per-hart slots), `Release` ordering on the PTE store,
//! and a remote TLB shootdown (SBI RFENCE `remote_sfence_vma` of that one page to
//! every hart that may have cached the old entry) after both set and clear.

use core::sync::atomic::AtomicU64;

use super::image;
use super::pte::{Pte, PteFlags, read_pte, write_pte};
use super::root::root_table;
use super::table::{PageTable, index};
use super::tlb::{flush_all, flush_page};
use crate::plan::{
    FIX_TABLES, FIXMAP_TABLES_START, FixSlot, L0_TABLE_SPAN, PT_ENTRIES, PT_ROOT_LEVEL,
    fix_table_entry,
};

/// The fixmap's level-0 tables, contiguous, so slot `n` is entry `n` of the array
/// seen as one run of PTEs. In `.data`: the image ships them zeroed, so boot does
/// not clear them.
#[unsafe(link_section = ".data.fixmap_tables")]
pub static FIXMAP_TABLES: [PageTable; FIX_TABLES] = [const { PageTable::new() }; FIX_TABLES];

#[inline(always)]
fn fixmap_entry(slot: FixSlot) -> &'static AtomicU64 {
    let n = fix_table_entry(slot.index());
    FIXMAP_TABLES[n / PT_ENTRIES].entry(n % PT_ENTRIES)
}

/// Install the fixmap's level-0 tables under the intermediate tables the plan's
/// boot tables hold: index the root with the fixmap base, walk down to level 1 (a clear
/// panic on an invalid or leaf entry), refuse an already-valid slot, write the
/// table entries, then `fence rw,rw` and `sfence.vma`.
///
/// Every table on the way is a boot table inside the image, so a table's physical
/// address becomes its link address by adding the image offset: no lookups.
#[inline(never)]
pub fn setup_fixmap_mappings() {
    let offset = image::offset();
    let mut level1 = walk_to_level1(FIXMAP_TABLES_START, offset);
    let mut entry_index = index(FIXMAP_TABLES_START, 1);
    for (table_index, table) in FIXMAP_TABLES.iter().enumerate() {
        if entry_index == PT_ENTRIES {
            // The fixmap runs into the next level-1 table (it straddles a 1 GiB line).
            level1 = walk_to_level1(FIXMAP_TABLES_START + table_index * L0_TABLE_SPAN, offset);
            entry_index = 0;
        }
        let entry = level1.entry(entry_index);
        let old = read_pte(entry);
        if old.is_valid() {
            already_valid(entry_index, old);
        }
        write_pte(
            entry,
            Pte::table((table as *const PageTable as usize).wrapping_sub(offset)),
        );
        entry_index += 1;
    }
    // Order the table stores before any later access, then drop stale translations.
    riscv::asm::fence();
    flush_all();
}

/// The level-1 table above `va`, walking down from the root; `offset` is the image
/// offset, which turns a boot table's physical address into its link address.
#[inline(always)]
fn walk_to_level1(va: usize, offset: usize) -> &'static PageTable {
    let mut table = root_table() as *const PageTable as usize;
    let mut level = PT_ROOT_LEVEL;
    while level > 1 {
        // SAFETY: `table` is a boot table's link address (the plan's boot tables hold
        // every table above the fixmap, inside the image).
        let pte = read_pte(unsafe { &*(table as *const PageTable) }.entry(index(va, level)));
        if !pte.is_valid() || pte.is_leaf() {
            missing_table(va, level, pte);
        }
        table = pte.pa().wrapping_add(offset);
        level -= 1;
    }
    debug_assert!(
        image::pa_to_link(table.wrapping_sub(offset)).is_some(),
        "the tables above the fixmap are boot tables"
    );
    // SAFETY: as above.
    unsafe { &*(table as *const PageTable) }
}

#[cold]
#[inline(never)]
fn missing_table(va: usize, level: usize, pte: Pte) -> ! {
    panic!(
        "setup_fixmap_mappings: no level-{} table for {va:#x} (level-{level} entry {pte:?})",
        level - 1
    );
}

#[cold]
#[inline(never)]
fn already_valid(index: usize, pte: Pte) -> ! {
    panic!(
        "setup_fixmap_mappings: level-1 entry {index} for the fixmap is already valid ({pte:?})"
    );
}

/// Map `pa` at fixmap slot `slot`. The slot type bounds-checks (a `FixSlot` only
/// exists for slots the plan has); the one-page `sfence.vma` drops any stale
/// translation of the slot.
///
/// # Safety
/// The mapping is writable: `pa` must be memory the caller may access this
/// way (a page it owns, a page table, a device's registers) — not, for instance,
/// the kernel's text through a writable alias (W^X), nor memory another owner
/// relies on not changing.
#[inline(never)]
pub unsafe fn set_fixmap(slot: FixSlot, pa: usize, flags: PteFlags) {
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
