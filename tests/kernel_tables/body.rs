// The body shared by the kernel_tables_sv* tests: the kernel's own page-table
// modules (kernel/src/mm/pte.rs and table.rs, unchanged) over an in-memory table
// store, against a simple model. Each test file supplies `plan` (its mode).

// At the crate root, as siblings: table.rs reaches `super::pte` and `crate::plan`.
#[path = "../../kernel/src/mm/pte.rs"]
#[allow(dead_code)]
mod pte;
#[path = "../../kernel/src/mm/table.rs"]
#[allow(dead_code)]
mod table;

use pte::PteFlags;
use table::{MapError, Mapping, PageTable, TableAccess};
use proptest::prelude::*;

/// Tables in host memory; a table's "physical address" is its index plus one,
/// times the page size (0 is never a table).
struct Store {
    tables: Vec<Box<PageTable>>,
}

impl TableAccess for Store {
    fn with_table<R>(&mut self, pa: usize, f: impl FnOnce(&PageTable) -> R) -> R {
        f(&self.tables[pa / plan::PAGE_SIZE - 1])
    }

    fn alloc_table(&mut self) -> Result<usize, MapError> {
        if self.tables.len() >= 4096 {
            return Err(MapError::OutOfTables);
        }
        self.tables.push(Box::new(PageTable::new()));
        Ok(self.tables.len() * plan::PAGE_SIZE)
    }
}

fn store() -> (Store, usize) {
    let mut s = Store { tables: Vec::new() };
    let root = s.alloc_table().unwrap();
    (s, root)
}

/// One mapping the test asks for, in 4 KiB pages, at an offset from the region.
#[derive(Clone, Debug)]
struct Ask {
    gap_pages: usize,
    pages: usize,
    pa_page: usize,
    max_leaf: usize,
    flags: u8,
}

fn asks() -> impl Strategy<Value = Vec<Ask>> {
    // Sizes of 1 page to two 2 MiB superpages and a half, physical pages that are
    // sometimes 2 MiB aligned (or 3 pages past it, as the VA then is), leaves up to level 1 (2 MiB) or level 2 (1 GiB).
    let ask = (0usize..600, 1usize..1400, 0usize..4, 0usize..=2, 0u8..3, 0usize..8).prop_map(
        |(gap_pages, pages, pa_kind, max_leaf, flags, pa_shift)| Ask {
            gap_pages,
            pages,
            pa_page: match pa_kind {
                0 => 0x8_0000 + pa_shift * 512, // 2 MiB aligned
                1 => 0x8_0000 + pa_shift * 512 + 3,
                _ => 0x10_0000 + pa_shift * 13,
            },
            max_leaf,
            flags,
        },
    );
    prop::collection::vec(ask, 1..12)
}

fn flags(code: u8) -> PteFlags {
    [PteFlags::KERNEL_R, PteFlags::KERNEL_RW, PteFlags::KERNEL_RX][code as usize]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Map random ranges (page and superpage leaves), check every page's
    /// translation against the model, check gaps stay unmapped and double maps
    /// are refused, then unmap every page and check nothing is left mapped.
    #[test]
    fn map_lookup_unmap_agree_with_a_model(asks in asks()) {
        let (mut s, root) = store();
        let page = plan::PAGE_SIZE;
        // A 2 MiB-aligned start inside the high half, per mode.
        let mut va = plan::HIGH_HALF_START + (1 << 30);
        let mut model: Vec<(usize, usize, usize, PteFlags, usize)> = Vec::new();
        for a in &asks {
            va += a.gap_pages * page;
            // Superpage leaves need the VA and PA aligned alike: keep the VA's
            // offset in 2 MiB equal to the PA's half of the time.
            let pa = a.pa_page * page;
            if a.pa_page % 512 == 0 {
                va = va.next_multiple_of(2 << 20);
            } else if a.pa_page % 512 == 3 {
                // Alike but not aligned: small leaves up to the 2 MiB boundary,
                // superpages from there when the range reaches far enough.
                va = va.next_multiple_of(2 << 20) + 3 * page;
            }
            let m = Mapping { va, pa, size: a.pages * page, flags: flags(a.flags), max_leaf: a.max_leaf };
            prop_assert_eq!(table::map_range(&mut s, root, &m), Ok(()));
            model.push((va, pa, a.pages * page, flags(a.flags), a.max_leaf));
            va += a.pages * page;
        }
        for &(va, pa, size, fl, max_leaf) in &model {
            for offset in (0..size).step_by(page) {
                let (pte, level) = table::lookup(&mut s, root, va + offset)
                    .ok_or_else(|| TestCaseError::fail(format!("{:#x} not mapped", va + offset)))?;
                prop_assert!(level <= max_leaf, "leaf level {level} above {max_leaf}");
                // The largest leaf that fits: the next size up, around this page,
                // lies outside the range or maps a misaligned physical address.
                if level < max_leaf {
                    let up = table::level_size(level + 1);
                    let block = (va + offset) / up * up;
                    let fits = block >= va && block + up <= va + size && (block - va + pa).is_multiple_of(up);
                    prop_assert!(!fits, "{:#x} mapped with a level-{level} leaf where a level-{} one fits", va + offset, level + 1);
                }
                let leaf = table::level_size(level);
                prop_assert_eq!(pte.pa() + (va + offset) % leaf, pa + offset);
                prop_assert!(pte.flags().contains(fl));
            }
            // A second mapping of the same range is refused.
            let again = Mapping { va, pa, size, flags: fl, max_leaf: 0 };
            prop_assert!(table::map_range(&mut s, root, &again).is_err());
            // The page just past the range is not this range's.
            if let Some((pte, level)) = table::lookup(&mut s, root, va + size) {
                let leaf = table::level_size(level);
                prop_assert!(pte.pa() + (va + size) % leaf != pa + size
                    || model.iter().any(|&(v, _, sz, _, _)| v <= va + size && va + size < v + sz));
            }
        }
        for &(va, _, size, _, _) in &model {
            let mut offset = 0;
            while offset < size {
                let step = table::unmap(&mut s, root, va + offset)
                    .map_err(|e| TestCaseError::fail(format!("unmap {:#x}: {e:?}", va + offset)))?;
                prop_assert_eq!((va + offset) % step, 0, "unmap returns the whole leaf it removed");
                offset += step;
            }
            prop_assert!(table::lookup(&mut s, root, va).is_none());
            prop_assert!(table::lookup(&mut s, root, va + size - page).is_none());
        }
        prop_assert_eq!(table::unmap(&mut s, root, model[0].0), Err(MapError::NotMapped { va: model[0].0 }));
    }
}

/// A walk that may not create tables reports the missing one; a superpage in the
/// way of a table is reported as such.
#[test]
fn walk_reports_missing_tables_and_superpages_in_the_way() {
    let (mut s, root) = store();
    let va = plan::HIGH_HALF_START + (1 << 30);
    assert!(matches!(table::walk(&mut s, root, va, 0, false), Err(MapError::MissingTable { .. })));
    let m = Mapping { va, pa: 0x8000_0000, size: 2 << 20, flags: PteFlags::KERNEL_RW, max_leaf: 1 };
    table::map_range(&mut s, root, &m).unwrap();
    assert_eq!(table::lookup(&mut s, root, va).map(|(_, level)| level), Some(1));
    assert!(matches!(table::walk(&mut s, root, va, 0, true), Err(MapError::LeafInTheWay { level: 1, .. })));
}

/// `unmap_range` flushes every leaf it removes, right after removing it: on an
/// error part-way (a page in the range not mapped) too.
#[test]
fn unmap_range_flushes_every_removed_leaf_even_when_it_fails() {
    let (mut s, root) = store();
    let page = plan::PAGE_SIZE;
    let va = plan::HIGH_HALF_START + (1 << 30);
    // 2 MiB in one superpage, then four pages, a hole of one page, four pages.
    let maps = [
        (va, 0x8000_0000, 2 << 20, 1),
        (va + (2 << 20), 0x9000_0000, 4 * page, 0),
        (va + (2 << 20) + 5 * page, 0x9100_0000, 4 * page, 0),
    ];
    for (v, pa, size, max_leaf) in maps {
        let m = Mapping { va: v, pa, size, flags: PteFlags::KERNEL_RW, max_leaf };
        table::map_range(&mut s, root, &m).unwrap();
    }
    let mut flushed = Vec::new();
    let result = table::unmap_range(&mut s, root, va, (2 << 20) + 9 * page, |a| flushed.push(a));
    // It stops at the hole: the superpage and the four pages before it were
    // removed and each flushed.
    assert_eq!(result, Err(MapError::NotMapped { va: va + (2 << 20) + 4 * page }));
    let expected: Vec<usize> = std::iter::once(va)
        .chain((0..4).map(|i| va + (2 << 20) + i * page))
        .collect();
    assert_eq!(flushed, expected);
    for a in &expected {
        assert!(table::lookup(&mut s, root, *a).is_none(), "{a:#x} still mapped");
    }
    // The pages after the hole were not touched.
    assert!(table::lookup(&mut s, root, va + (2 << 20) + 5 * page).is_some());
}
