//! `layout-boot-tables.ld`: the boot page tables as link-time data, for a kernel's
//! script to `INCLUDE` inside one of the image's writable output sections. The
//! kernel builds none of them at boot; it writes `satp` with
//! `__vmlayout_boot_root`.
//!
//! Why the linker: a page's permissions follow the section it lies in, and a
//! table's physical address follows where the kernel's script places it; only the
//! linker knows either. Each entry is a `QUAD()` expression over symbols (rust-lld
//! and GNU ld evaluate them after placing everything, symbols defined later
//! included). Runs of zero entries are skipped with `. +=`, which fills with zeros.
//!
//! The contract with the kernel's script, beyond `layout-plan.ld`'s: the image's
//! text starts at the link address and ends at `__text_end`, read-only data ends at
//! `__rodata_end`, the image at `__image_end`, each page-aligned. Text pages are
//! mapped r-x, read-only data r--, the rest rw-; pages past `__image_end`, none.
//! The FDT window's tables (down to level 0) and the direct map's first 1 GiB
//! (down to level 1) are there too, empty: the kernel fills them at boot.
//! Leaves are global, with A (and D when writable) set: the hardware never updates
//! them (privileged spec, "Sv39": A and D may be preset).
//!
//! Symbols it defines: `__vmlayout_boot_root` (the root table),
//! `__vmlayout_boot_tables_start`/`_end` around every table, and
//! `__vmlayout_boot_load_address`, an 8-byte word after them holding the load
//! address the tables were built for (the kernel compares it with where it runs).

use std::fmt::Write;

use indoc::writedoc;

use crate::fmt::hex_plain;
use crate::paging::{ENTRIES_PER_TABLE, PAGE_SHIFT};
use crate::plan::Plan;
use crate::plan::boot_set::{BootEntry, BootTableSet, boot_table_set};

/// A text page: V, R, X, G, A.
const TEXT: u64 = 0x6b;
/// A read-only data page: V, R, G, A.
const RODATA: u64 = 0x63;
/// A data page: V, R, W, G, A, D.
const DATA: u64 = 0xe7;
/// An identity superpage: V, R, W, X, A, D (not global: dropped after the switch).
const IDENTITY: u64 = 0xcf;
/// Where the PPN starts in a PTE (privileged spec, "Sv39").
const PPN_SHIFT: u32 = 10;

/// The fragment for `plan`; `source` names the layout file in the preamble.
pub fn render(plan: &Plan, source: &super::Origin) -> String {
    with_entries(source, &entries(plan))
}

/// The fragment around `entries` (what [`entries`] gave for the plan).
pub(super) fn with_entries(source: &super::Origin, entries: &str) -> String {
    format!(
        "/* {} */\n{entries}",
        super::escape::block_comment(&super::preamble(source)),
    )
}

/// The fragment without its preamble: what the default script (`layout.ld`) holds
/// in its `.data`.
pub fn entries(plan: &Plan) -> String {
    let set = boot_table_set(plan);
    // About 120 bytes per entry: sized once instead of regrown.
    let entries: usize = set.tables.iter().map(|t| t.entries.len()).sum();
    let mut s = String::with_capacity(1024 + entries * 128);
    let _ = writedoc!(
        s,
        "
        /* Boot page tables ({mode}) for the image loaded at {load}: {count} tables,
           {bytes} bytes, in a writable output section of the image. The image's
           text ends at __text_end, its read-only data at __rodata_end, the image
           at __image_end (vmlayout's emit::boot_tables has the contract). */

        . = ALIGN({page});
        __vmlayout_boot_tables_start = .;
        ",
        mode = plan.paging.mode,
        load = hex_plain(set.load_address),
        count = set.tables.len(),
        bytes = set.bytes(),
        page = 1u64 << PAGE_SHIFT,
    );
    for (n, _) in set.tables.iter().enumerate() {
        table(&mut s, plan, &set, n);
    }
    s.push_str(indoc::indoc! {"
        __vmlayout_boot_tables_end = .;
        __vmlayout_boot_load_address = .;
    "});
    let _ = writeln!(s, "QUAD({:#x})", set.load_address);
    s
}

fn table(s: &mut String, plan: &Plan, set: &BootTableSet, n: usize) {
    let t = &set.tables[n];
    let root = plan.paging.mode.root_level();
    let level = t.level;
    if level == root {
        let _ = writeln!(s, "\n/* Table {n}: level {level}, the root */");
    } else {
        let (first, last) = (t.first, t.last(root));
        let _ = writeln!(
            s,
            "\n/* Table {n}: level {level}, {first:#x}..={last:#x} */"
        );
    }
    if n == 0 {
        s.push_str("__vmlayout_boot_root = .;\n");
    }
    let _ = writeln!(s, "__vmlayout_boot_table_{n} = .;");
    let mut at = 0;
    for &(index, entry) in &t.entries {
        skip(s, index - at);
        s.push_str("QUAD(");
        pte(s, plan, set, entry);
        let _ = writeln!(s, ") /* {index} */");
        at = index + 1;
    }
    skip(s, ENTRIES_PER_TABLE - at);
}

/// Advance past `entries` zero entries.
fn skip(s: &mut String, entries: u64) {
    if entries > 0 {
        let _ = writeln!(s, ". += {:#x};", entries * 8);
    }
}

/// Append the `QUAD()` expression of one entry (written in place: a plan's image
/// pages are thousands of entries).
fn pte(s: &mut String, plan: &Plan, set: &BootTableSet, entry: BootEntry) {
    let _ = match entry {
        BootEntry::Table(t) => write!(
            s,
            "((__vmlayout_boot_table_{t} - __vmlayout_link_address + __vmlayout_load_address) >> {PAGE_SHIFT} << {PPN_SHIFT}) | 0x1"
        ),
        BootEntry::Identity { pa } => {
            write!(s, "{:#x}", (pa >> PAGE_SHIFT << PPN_SHIFT) | IDENTITY)
        }
        BootEntry::ImagePage { offset } => {
            let va = plan.image().start + offset;
            let ppn = (set.load_address + offset) >> PAGE_SHIFT << PPN_SHIFT;
            write!(
                s,
                "{va:#x} < __image_end ? {ppn:#x} | ({va:#x} < __text_end ? {TEXT:#x} : {va:#x} < __rodata_end ? {RODATA:#x} : {DATA:#x}) : 0"
            )
        }
    };
}
