//! Page tables and one level-generic walker for Sv39, Sv48 and Sv57: the level
//! count comes from the plan (`PT_LEVELS`), nothing here knows which mode it runs.
//!
//! Tables are reached through a [`TableAccess`], because how the kernel can touch a
//! table's memory changes during boot: by physical address before the MMU is on,
//! then by link address (tables inside the image), through PMAP (tables in RAM
//! before the direct map exists) and finally through the direct map.

use core::sync::atomic::AtomicU64;

use super::pte::{Pte, PteFlags, read_pte, write_pte};
use crate::plan::{PAGE_SHIFT, PT_ENTRIES, PT_LEVELS};

/// One 4 KiB table of 512 PTEs.
#[repr(C, align(4096))]
pub struct PageTable([AtomicU64; PT_ENTRIES]);

impl PageTable {
    pub const fn new() -> PageTable {
        PageTable([const { AtomicU64::new(0) }; PT_ENTRIES])
    }

    pub fn entry(&self, index: usize) -> &AtomicU64 {
        &self.0[index]
    }

    /// Clear every entry, eight stores per step.
    pub fn zero(&self) {
        for chunk in self.0.chunks_exact(8) {
            for slot in chunk {
                write_pte(slot, Pte::INVALID);
            }
        }
    }
}

const _: () = assert!(core::mem::size_of::<PageTable>() == crate::plan::PAGE_SIZE);

/// The shift of the address bits a level-`level` table indexes.
pub const fn level_shift(level: usize) -> usize {
    PAGE_SHIFT + 9 * level
}

/// The bytes one entry maps at `level` (4 KiB at level 0, 2 MiB at level 1, …).
pub const fn level_size(level: usize) -> usize {
    1 << level_shift(level)
}

pub const fn index(va: usize, level: usize) -> usize {
    (va >> level_shift(level)) & (PT_ENTRIES - 1)
}

pub const ROOT_LEVEL: usize = PT_LEVELS - 1;

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

/// Walk from the root to the table at `level` that translates `va`, creating
/// missing intermediate tables when `create` is set. Returns that table's address.
pub fn walk<A: TableAccess>(
    a: &mut A,
    root: usize,
    va: usize,
    level: usize,
    create: bool,
) -> Result<usize, MapError> {
    let mut table = root;
    let mut l = ROOT_LEVEL;
    while l > level {
        let i = index(va, l);
        let pte = a.with_table(table, |t| read_pte(t.entry(i)));
        table = if pte.is_leaf() {
            return Err(MapError::LeafInTheWay { va, level: l });
        } else if pte.is_valid() {
            pte.pa()
        } else if create {
            let new = a.alloc_table()?;
            a.with_table(table, |t| write_pte(t.entry(i), Pte::table(new)));
            new
        } else {
            return Err(MapError::MissingTable { va, level: l });
        };
        l -= 1;
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

/// Map `[va, va + size)` to `[pa, pa + size)` with `flags`, using the largest pages
/// (up to level `max_leaf`) that alignment and size allow. Refuses to replace an
/// existing mapping.
pub fn map_range<A: TableAccess>(
    a: &mut A,
    root: usize,
    va: usize,
    pa: usize,
    size: usize,
    flags: PteFlags,
    max_leaf: usize,
) -> Result<(), MapError> {
    let mut done = 0;
    while done < size {
        let level = leaf_level(va + done, pa + done, size - done, max_leaf);
        let table = walk(a, root, va + done, level, true)?;
        // Fill consecutive entries of this table while the page size stays right.
        let step = level_size(level);
        done = a.with_table(table, |t| {
            let mut done = done;
            let mut i = index(va + done, level);
            loop {
                let slot = t.entry(i);
                if read_pte(slot).is_valid() {
                    return Err(MapError::AlreadyMapped { va: va + done });
                }
                write_pte(slot, Pte::leaf(pa + done, flags));
                done += step;
                i += 1;
                if done >= size
                    || i == PT_ENTRIES
                    || leaf_level(va + done, pa + done, size - done, max_leaf) != level
                {
                    return Ok(done);
                }
            }
        })?;
    }
    Ok(())
}

/// Remove the leaf that maps `va`; returns the size of the page it mapped.
pub fn unmap<A: TableAccess>(a: &mut A, root: usize, va: usize) -> Result<usize, MapError> {
    let mut table = root;
    let mut l = ROOT_LEVEL;
    loop {
        let i = index(va, l);
        let pte = a.with_table(table, |t| read_pte(t.entry(i)));
        if !pte.is_valid() {
            return Err(MapError::NotMapped { va });
        }
        if pte.is_leaf() {
            a.with_table(table, |t| write_pte(t.entry(i), Pte::INVALID));
            return Ok(level_size(l));
        }
        if l == 0 {
            return Err(MapError::NotMapped { va });
        }
        table = pte.pa();
        l -= 1;
    }
}

/// The leaf PTE that maps `va` and its level, if any.
pub fn lookup<A: TableAccess>(a: &mut A, root: usize, va: usize) -> Option<(Pte, usize)> {
    let mut table = root;
    let mut l = ROOT_LEVEL;
    loop {
        let pte = a.with_table(table, |t| read_pte(t.entry(index(va, l))));
        if !pte.is_valid() {
            return None;
        }
        if pte.is_leaf() {
            return Some((pte, l));
        }
        if l == 0 {
            return None;
        }
        table = pte.pa();
        l -= 1;
    }
}
