//! Page tables and one level-generic walker for Sv39, Sv48 and Sv57: the level
//! count and each level's shift come from the plan (`PT_LEVELS`,
//! `PT_LEVEL_SHIFTS`); nothing here knows which mode it runs.
//!
//! Tables are reached through a [`TableAccess`], because how the kernel can touch a
//! table's memory changes during boot: by physical address before the MMU is on,
//! then by link address (tables inside the image), through PMAP (tables in RAM
//! before the direct map exists) and finally through the direct map.

use core::sync::atomic::AtomicU64;

use super::pte::{PPN_SHIFT, Pte, PteFlags, read_pte, write_pte};
use crate::plan::{
    PAGE_SHIFT, PAGE_SIZE, PT_ENTRIES, PT_LEVEL_BITS, PT_LEVEL_SHIFTS, PT_LEVELS, PT_ROOT_LEVEL,
};

/// One page-sized table of `PT_ENTRIES` PTEs (4 KiB, 512 entries).
#[repr(C, align(4096))]
pub struct PageTable([AtomicU64; PT_ENTRIES]);

const _: () = assert!(core::mem::size_of::<PageTable>() == PAGE_SIZE);
const _: () = assert!(core::mem::align_of::<PageTable>() == PAGE_SIZE);
const _: () = assert!(PT_ENTRIES == 1 << PT_LEVEL_BITS);

impl PageTable {
    /// A table of invalid entries.
    pub const fn new() -> PageTable {
        PageTable([const { AtomicU64::new(0) }; PT_ENTRIES])
    }

    /// Entry `index` (0 to `PT_ENTRIES - 1`).
    pub fn entry(&self, index: usize) -> &AtomicU64 {
        &self.0[index]
    }

    /// Every entry, by index.
    pub fn entries(&self) -> &[AtomicU64; PT_ENTRIES] {
        &self.0
    }

    /// Clear every entry, eight stores per step.
    pub fn zero(&self) {
        for chunk in self.0.chunks_exact(8) {
            for entry in chunk {
                write_pte(entry, Pte::INVALID);
            }
        }
    }
}

/// The shift of the virtual-address bits a level-`level` table indexes: the plan's
/// `PT_LEVEL_SHIFTS[level]` (12 at level 0, then `PT_LEVEL_BITS` more per level).
///
/// Computed rather than looked up: the walkers call this with a run-time level in
/// their inner loops, where indexing the array costs a bounds check and a load
/// (about 2% of the boot, 4% in Sv57). The assertion below keeps the two equal.
pub const fn level_shift(level: usize) -> usize {
    PT_LEVEL_SHIFTS[0] + PT_LEVEL_BITS * level
}

const _: () = {
    let mut level = 0;
    while level < PT_LEVELS {
        assert!(
            level_shift(level) == PT_LEVEL_SHIFTS[level],
            "level shifts agree with the plan"
        );
        level += 1;
    }
};

/// The bytes one entry maps at `level` (4 KiB at level 0, 2 MiB at level 1, …).
pub const fn level_size(level: usize) -> usize {
    1 << level_shift(level)
}

/// The index of `va`'s entry in a level-`level` table.
pub const fn index(va: usize, level: usize) -> usize {
    (va >> level_shift(level)) & (PT_ENTRIES - 1)
}

/// Why a walk or a mapping failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// No memory left for a new table.
    OutOfTables,
    /// A superpage already maps `va` at `level`, where a table was needed.
    LeafInTheWay { va: usize, level: usize },
    /// An intermediate table is missing and the walk may not create one.
    MissingTable { va: usize, level: usize },
    /// `va` is already mapped.
    AlreadyMapped { va: usize },
    /// `va` is not mapped.
    NotMapped { va: usize },
}

/// How the walker reaches table memory and gets new tables.
pub trait TableAccess {
    /// Run `f` on the table at physical address `pa`.
    fn with_table<R>(&mut self, pa: usize, f: impl FnOnce(&PageTable) -> R) -> R;
    /// The physical address of a new, zeroed table.
    fn alloc_table(&mut self) -> Result<usize, MapError>;
}

/// Walk from the root table (physical address `root`) to the table at `level` that
/// translates `va`, creating missing intermediate tables when `create` is set.
/// Returns that table's physical address.
pub fn walk<T: TableAccess>(
    tables: &mut T,
    root: usize,
    va: usize,
    level: usize,
    create: bool,
) -> Result<usize, MapError> {
    let mut table = root;
    let mut current = PT_ROOT_LEVEL;
    while current > level {
        let i = index(va, current);
        let pte = tables.with_table(table, |t| read_pte(t.entry(i)));
        table = if pte.is_leaf() {
            return Err(MapError::LeafInTheWay { va, level: current });
        } else if pte.is_valid() {
            pte.pa()
        } else if create {
            let new = tables.alloc_table()?;
            tables.with_table(table, |t| write_pte(t.entry(i), Pte::table(new)));
            new
        } else {
            return Err(MapError::MissingTable { va, level: current });
        };
        current -= 1;
    }
    Ok(table)
}

/// The largest leaf level (at most `max_leaf`) that can map `va` → `pa` with at
/// least `remaining` bytes left.
fn leaf_level(va: usize, pa: usize, remaining: usize, max_leaf: usize) -> usize {
    let mut level = max_leaf;
    while level > 0
        && !((va | pa).is_multiple_of(level_size(level)) && remaining >= level_size(level))
    {
        level -= 1;
    }
    level
}

/// One range to map: `[va, va + size)` to `[pa, pa + size)` (`size` in bytes) with
/// `flags`, in leaves no larger than level `max_leaf` (0: 4 KiB pages only).
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    pub va: usize,
    pub pa: usize,
    pub size: usize,
    pub flags: PteFlags,
    pub max_leaf: usize,
}

/// Map `m` using the largest pages (up to level `m.max_leaf`) that alignment and
/// size allow. Refuses to replace an existing mapping.
///
/// Leaves of one size into one table are written in a run: the run's length is
/// worked out once (to the table's end or the range's), then each leaf costs a
/// check, a store and an add.
pub fn map_range<T: TableAccess>(tables: &mut T, root: usize, m: &Mapping) -> Result<(), MapError> {
    let Mapping {
        va,
        pa,
        size,
        flags,
        max_leaf,
    } = *m;
    let mut done = 0;
    while done < size {
        let (va_at, pa_at) = (va + done, pa + done);
        let level = leaf_level(va_at, pa_at, size - done, max_leaf);
        let table = walk(tables, root, va_at, level, true)?;
        let step = level_size(level);
        let first = index(va_at, level);
        // To the range's end or the table's: a level-`level` table spans one
        // level-`level + 1` leaf, so a larger leaf can only start past its end.
        let run = ((size - done) / step).min(PT_ENTRIES - first);
        let pte = Pte::leaf(pa_at, flags).to_word();
        // The PTE of the next leaf: the next `step` bytes of physical memory.
        let next = (step as u64 >> PAGE_SHIFT) << PPN_SHIFT;
        tables.with_table(table, |t| {
            let entries = &t.entries()[first..first + run];
            let mut pte = pte;
            for entry in entries {
                if read_pte(entry).is_valid() {
                    // Which one, from its address: no counter in the loop.
                    let i = (entry.as_ptr() as usize - entries.as_ptr() as usize) / 8;
                    return Err(MapError::AlreadyMapped {
                        va: va_at + i * step,
                    });
                }
                write_pte(entry, Pte::from_word(pte));
                pte += next;
            }
            Ok(())
        })?;
        done += run * step;
    }
    Ok(())
}

/// Remove the leaf that maps `va`; returns the size in bytes of the page it mapped.
pub fn unmap<T: TableAccess>(tables: &mut T, root: usize, va: usize) -> Result<usize, MapError> {
    let mut table = root;
    let mut level = PT_ROOT_LEVEL;
    loop {
        let i = index(va, level);
        let pte = tables.with_table(table, |t| read_pte(t.entry(i)));
        if !pte.is_valid() {
            return Err(MapError::NotMapped { va });
        }
        if pte.is_leaf() {
            tables.with_table(table, |t| write_pte(t.entry(i), Pte::INVALID));
            return Ok(level_size(level));
        }
        if level == 0 {
            return Err(MapError::NotMapped { va });
        }
        table = pte.pa();
        level -= 1;
    }
}

/// Remove every leaf in `[va, va + size)` (`size` in bytes), calling `flush` with
/// each removed leaf's address right after removing it: a failure part-way (a page
/// that is not mapped) leaves every page already removed flushed.
pub fn unmap_range<T: TableAccess>(
    tables: &mut T,
    root: usize,
    va: usize,
    size: usize,
    mut flush: impl FnMut(usize),
) -> Result<(), MapError> {
    let mut done = 0;
    while done < size {
        let leaf = unmap(tables, root, va + done)?;
        flush(va + done);
        done += leaf;
    }
    Ok(())
}

/// The leaf PTE that maps `va` and its level (0 for a 4 KiB page), if any.
pub fn lookup<T: TableAccess>(tables: &mut T, root: usize, va: usize) -> Option<(Pte, usize)> {
    let mut table = root;
    let mut level = PT_ROOT_LEVEL;
    loop {
        let pte = tables.with_table(table, |t| read_pte(t.entry(index(va, level))));
        if !pte.is_valid() {
            return None;
        }
        if pte.is_leaf() {
            return Some((pte, level));
        }
        if level == 0 {
            return None;
        }
        table = pte.pa();
        level -= 1;
    }
}
