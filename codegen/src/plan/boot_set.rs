//! The boot page tables themselves, entry by entry, for the image loaded at the
//! plan's load address: what `layout-boot-tables.ld` ships as link-time data so the
//! kernel builds none of them at boot.
//!
//! The same mappings the pool counts ([`super::boot_tables`]): the identity range in
//! boot superpages (read, write, execute), the image at its link address in 4 KiB
//! pages (permissions by section, which only the linker knows), the tables down to
//! level 1 above the fixmap's level-0 tables (those are the kernel's, installed at
//! boot), the tables down to level 0 for the FDT window and down to level 1 for
//! the direct map's first 1 GiB, empty (where the DTB and RAM are is known at boot
//! only). Tables are shared wherever the ranges share them.

use std::collections::BTreeMap;

use super::boot_tables::{BootRange, KernelRanges};
use super::{Plan, Platform};
use crate::paging::{ENTRIES_PER_TABLE, PAGE_SIZE, level_shift};

/// One entry of a boot table that is not zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootEntry {
    /// A pointer to the boot table at this index of [`BootTableSet::tables`].
    Table(usize),
    /// A leaf that identity-maps the boot superpage at physical `pa`, rwx.
    Identity {
        /// The superpage's physical (and virtual) address.
        pa: u64,
    },
    /// A 4 KiB leaf for the image's page `offset` bytes past the link address,
    /// mapped to the same offset past the load address; its permissions follow the
    /// section it lies in, and a page past the image's end stays unmapped.
    ImagePage {
        /// Bytes from the link (and load) address, a multiple of 4 KiB.
        offset: u64,
    },
}

/// One 4 KiB boot table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootTable {
    /// Its level: the root's is the mode's root level, 0 for a table of 4 KiB leaves.
    pub level: u32,
    /// The first virtual address it translates (for the root, 0).
    pub first: u64,
    /// The entries that are not zero, `(index, entry)`, by index (0 to 511).
    pub entries: Vec<(u64, BootEntry)>,
}

impl BootTable {
    /// The last virtual address it translates (inclusive).
    pub fn last(&self, root_level: u32) -> u64 {
        if self.level == root_level {
            return u64::MAX;
        }
        self.first + ((1u64 << level_shift(self.level + 1)) - 1)
    }
}

/// Every boot table, the root first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootTableSet {
    /// The tables: `[0]` is the root, then by level (highest first) and address.
    pub tables: Vec<BootTable>,
    /// The load address the tables map the image and the identity range for.
    pub load_address: u64,
}

/// What a range's leaves are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaves {
    /// Identity-mapped boot superpages.
    Identity,
    /// The image's pages from the link address.
    Image { link: u64 },
    /// None: the tables only (the leaves are written at boot).
    None,
}

/// The tables for `plan` with the image loaded at `plan.platform.load_address`.
///
/// # Panics
/// When two ranges want one entry for different things (a leaf where a table must
/// go): validation refuses such plans, so this is a bug in it.
pub fn boot_table_set(plan: &Plan) -> BootTableSet {
    let p = &plan.platform;
    let load = p.load_address;
    let mode = plan.paging.mode;
    let mut builder = Builder {
        root_level: mode.root_level(),
        index: BTreeMap::new(),
        tables: vec![BootTable {
            level: mode.root_level(),
            first: 0,
            entries: Vec::new(),
        }],
        slots: vec![BTreeMap::new()],
    };
    if let Some((start, end)) = Platform::identity_range(load, p.image_max_size, p.boot_superpage) {
        let leaf_level = (0..)
            .find(|&l| 1u64 << level_shift(l) >= p.boot_superpage)
            .unwrap_or(1);
        builder.add(
            BootRange {
                first: start,
                last: end - 1,
                leaf_level,
            },
            Leaves::Identity,
        );
        let image = plan.image();
        let kernel = KernelRanges::new(image, &plan.regions, &plan.fixmap, (start, end), load);
        builder.add(kernel.image, Leaves::Image { link: image.start });
        builder.add(kernel.fixmap, Leaves::None);
        for tables_only in [kernel.window, kernel.directmap].into_iter().flatten() {
            builder.add(tables_only, Leaves::None);
        }
    }
    builder.finish(load)
}

struct Builder {
    root_level: u32,
    /// `(level, va >> level_shift(level + 1))` → index into `tables`.
    index: BTreeMap<(u32, u64), usize>,
    tables: Vec<BootTable>,
    /// Per table, its entries so far.
    slots: Vec<BTreeMap<u64, BootEntry>>,
}

impl Builder {
    /// The table at `level` that translates `va`, made when missing, with the
    /// entries above it that point to it.
    fn table_for(&mut self, va: u64, level: u32) -> usize {
        if level == self.root_level {
            return 0;
        }
        let key = va >> level_shift(level + 1);
        if let Some(&t) = self.index.get(&(level, key)) {
            return t;
        }
        let parent = self.table_for(va, level + 1);
        let t = self.tables.len();
        self.tables.push(BootTable {
            level,
            first: key << level_shift(level + 1),
            entries: Vec::new(),
        });
        self.slots.push(BTreeMap::new());
        self.index.insert((level, key), t);
        self.set(parent, key % ENTRIES_PER_TABLE, BootEntry::Table(t));
        t
    }

    fn set(&mut self, table: usize, index: u64, entry: BootEntry) {
        if let Some(old) = self.slots[table].insert(index, entry) {
            assert!(
                old == entry,
                "boot table {table} entry {index}: {old:?} and {entry:?} (validation let overlapping boot mappings through)"
            );
        }
    }

    fn add(&mut self, range: BootRange, leaves: Leaves) {
        let step = 1u64 << level_shift(range.leaf_level);
        let mut va = range.first & !(step - 1);
        loop {
            let table = self.table_for(va, range.leaf_level);
            let index = (va >> level_shift(range.leaf_level)) % ENTRIES_PER_TABLE;
            match leaves {
                Leaves::Identity => self.set(table, index, BootEntry::Identity { pa: va }),
                Leaves::Image { link } => {
                    let offset = va - link;
                    self.set(table, index, BootEntry::ImagePage { offset });
                }
                Leaves::None => {}
            }
            // The tables only: one step per table is enough.
            let next = if leaves == Leaves::None {
                (va | ((1u64 << level_shift(range.leaf_level + 1)) - 1)).checked_add(1)
            } else {
                va.checked_add(step)
            };
            match next {
                Some(n) if n <= range.last => va = n,
                _ => break,
            }
        }
    }

    fn finish(mut self, load_address: u64) -> BootTableSet {
        // Root first, then by level (highest first) and address: renumber.
        let mut order: Vec<usize> = (1..self.tables.len()).collect();
        order.sort_by_key(|&t| {
            (
                std::cmp::Reverse(self.tables[t].level),
                self.tables[t].first,
            )
        });
        order.insert(0, 0);
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let slots = std::mem::take(&mut self.slots);
        for (table, entries) in self.tables.iter_mut().zip(slots) {
            table.entries = entries
                .into_iter()
                .map(|(i, e)| match e {
                    BootEntry::Table(t) => (i, BootEntry::Table(new_index[t])),
                    other => (i, other),
                })
                .collect();
        }
        let mut tables: Vec<Option<BootTable>> = self.tables.into_iter().map(Some).collect();
        BootTableSet {
            tables: order.iter().filter_map(|&t| tables[t].take()).collect(),
            load_address,
        }
    }
}

/// Bytes the set takes in the image.
impl BootTableSet {
    /// The tables' size in bytes (4 KiB each).
    pub fn bytes(&self) -> u64 {
        self.tables.len() as u64 * PAGE_SIZE
    }
}
