//! The fixmap: `FIX_TABLES` static level-0 tables covering the plan's fixmap slots,
//! installed once by `setup_fixmap_mappings`, then filled and cleared one slot at a
//! time by `set_fixmap`/`clear_fixmap`.
//!
//! SMP: `set_fixmap` and `clear_fixmap` fence the slot's page on this hart only.
//! That is all a slot only one hart uses needs (each hart's PMAP slots,
//! `mm::pmap`); a slot several harts use takes a lock and a remote shootdown on
//! unmap (`mm::shared`, which explains the ordering). The tables are installed by
//! the boot hart before any other hart starts.

use core::sync::atomic::AtomicU64;

use super::image;
use super::pte::{LeafFlags, PhysPage, Pte, read_pte, write_pte};
use super::root::root_table;
use super::table::{PageTable, index};
use super::tlb::{flush_all, flush_page};
use crate::plan::{
    FIX_LAST, FIX_TABLES, FIXMAP_TABLES_START, FixSlot, L0_TABLE_SPAN, PT_ENTRIES, PT_ROOT_LEVEL,
    fix_table_entry, fixmap_addr,
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

/// Map `page` at fixmap slot `slot` with `flags`: one PTE store and a one-page
/// `sfence.vma`, out of line. The slot type bounds-checks (a `FixSlot` only exists
/// for slots the plan has); the page type says the address is aligned; the flags
/// are a ready-made [`LeafFlags`]. For a constant slot, [`set_fixmap_inline`] is
/// the same without the call.
///
/// # Safety
/// The mapping is writable: `page` must be memory the caller may access this
/// way (a page it owns, a page table, a device's registers) — not, for instance,
/// the kernel's text through a writable alias (W^X), nor memory another owner
/// relies on not changing.
#[inline(always)]
pub unsafe fn set_fixmap(slot: FixSlot, page: PhysPage, flags: LeafFlags) {
    // SAFETY: the index is a `FixSlot`'s; the rest is the caller's contract.
    unsafe { set_fixmap_slot(slot.index(), page, flags) }
}

/// The out-of-line body of [`set_fixmap`], which `cargo xtask bench` counts.
///
/// # Safety
/// `index` is a [`FixSlot`]'s index; otherwise as [`set_fixmap`].
#[inline(never)]
unsafe fn set_fixmap_slot(index: usize, page: PhysPage, flags: LeafFlags) {
    // SAFETY: the caller passes a slot's index (this function's contract).
    unsafe { store_slot_pte(index, Pte::leaf_page(page, flags)) };
    // SAFETY: as above.
    unsafe { flush_slot(index) };
}

/// [`set_fixmap`], inlined: with a constant slot, the entry's and the slot's
/// addresses are constants too.
///
/// # Safety
/// As [`set_fixmap`].
#[inline(always)]
pub unsafe fn set_fixmap_inline(slot: FixSlot, page: PhysPage, flags: LeafFlags) {
    write_pte(fixmap_entry(slot), Pte::leaf_page(page, flags));
    flush_page(slot.addr());
}

/// Unmap fixmap slot `slot` and drop its translation, out of line. For a constant
/// slot, [`clear_fixmap_inline`] is the same without the call.
#[inline(always)]
pub fn clear_fixmap(slot: FixSlot) {
    // SAFETY: a `FixSlot`'s index.
    unsafe { clear_fixmap_slot(slot.index()) };
}

/// The out-of-line body of [`clear_fixmap`], which `cargo xtask bench` counts.
///
/// # Safety
/// `index` is a [`FixSlot`]'s index.
#[inline(never)]
unsafe fn clear_fixmap_slot(index: usize) {
    // SAFETY: the caller passes a slot's index (this function's contract).
    unsafe { clear_slot_pte(index) };
    // SAFETY: as above.
    unsafe { flush_slot(index) };
}

/// [`clear_fixmap`], inlined.
#[inline(always)]
pub fn clear_fixmap_inline(slot: FixSlot) {
    write_pte(fixmap_entry(slot), Pte::INVALID);
    flush_page(slot.addr());
}

/// Whether slot `n + 1`'s entry follows slot `n`'s (the plan's slots count up) or
/// precedes it (they count down from the top, as Linux's do). Either way the entry
/// is slot 0's plus or minus `n` (checked below for every slot).
const ENTRIES_COUNT_UP: bool = fix_table_entry(FIX_LAST) >= fix_table_entry(0);

const _: () = {
    let mut slot = 0;
    while slot <= FIX_LAST {
        let entry = if ENTRIES_COUNT_UP {
            fix_table_entry(0) + slot
        } else {
            fix_table_entry(0) - slot
        };
        assert!(
            fix_table_entry(slot) == entry,
            "fixmap entries are slot 0's plus or minus the slot"
        );
        slot += 1;
    }
};

/// One 64-bit store of the register `$value` (`"zero"` or an operand) into the
/// fixmap entry of slot `$index`: the entry's address is slot 0's (PC-relative)
/// plus or minus `index * 8` (`$step`: `add` or `sub`), and the low part of the
/// PC-relative offset goes into the store itself (three instructions where the
/// compiler writes four). Relaxation is off for these instructions: a linker that
/// rewrote the `auipc` pair (gp-relative) would drop the index.
macro_rules! store_slot_entry {
    ($index:expr, $step:literal, $value:literal $(, $operand:ident = $word:expr)?) => {
        core::arch::asm!(
            ".option push",
            ".option norelax",
            "slli {at}, {index}, 3",
            "1: auipc {base}, %pcrel_hi({tables} + {first})",
            concat!($step, " {at}, {base}, {at}"),
            concat!("sd ", $value, ", %pcrel_lo(1b)({at})"),
            ".option pop",
            index = in(reg) $index,
            $($operand = in(reg) $word,)?
            at = out(reg) _,
            base = out(reg) _,
            tables = sym FIXMAP_TABLES,
            first = const fix_table_entry(0) * 8,
            options(nostack, preserves_flags),
        )
    };
}

/// Store `pte` into the fixmap entry of slot `index`, as `write_pte` would (one
/// aligned 64-bit store; the same ordering argument applies).
///
/// # Safety
/// `index` is a [`FixSlot`]'s index (at most `FIX_LAST`).
#[inline(always)]
unsafe fn store_slot_pte(index: usize, pte: Pte) {
    if ENTRIES_COUNT_UP {
        // SAFETY: `fix_table_entry(index)` is inside FIXMAP_TABLES for every slot
        // (the plan's tables hold every slot), so the store hits that entry.
        unsafe { store_slot_entry!(index, "add", "{pte}", pte = pte.to_word()) }
    } else {
        // SAFETY: as above.
        unsafe { store_slot_entry!(index, "sub", "{pte}", pte = pte.to_word()) }
    }
}

/// Clear the fixmap entry of slot `index` (a store of `zero`).
///
/// # Safety
/// As [`store_slot_pte`].
#[inline(always)]
unsafe fn clear_slot_pte(index: usize) {
    if ENTRIES_COUNT_UP {
        // SAFETY: as in `store_slot_pte`.
        unsafe { store_slot_entry!(index, "add", "zero") }
    } else {
        // SAFETY: as in `store_slot_pte`.
        unsafe { store_slot_entry!(index, "sub", "zero") }
    }
}

/// `sfence.vma` of slot `index`'s page.
///
/// # Safety
/// `index` is a [`FixSlot`]'s index (at most `FIX_LAST`): the compiler is told
/// so, and drops `fixmap_addr`'s range check.
#[inline(always)]
unsafe fn flush_slot(index: usize) {
    // SAFETY: the caller's contract.
    unsafe { core::hint::assert_unchecked(index <= FIX_LAST) };
    flush_page(fixmap_addr(index));
}

/// The PTE currently in a slot (for tests).
pub fn fixmap_pte(slot: FixSlot) -> Pte {
    read_pte(fixmap_entry(slot))
}
