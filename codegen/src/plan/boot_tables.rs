//! The boot table pool: how many page tables below the root the reference kernel's
//! boot mappings need, computed from the plan instead of guessed (TF-A and OP-TEE
//! size their pools by hand).
//!
//! What the kernel maps from the pool, before it knows where RAM is:
//! - the identity range of the load address, in boot superpages (2 MiB leaves,
//!   level 1), while it turns the MMU on;
//! - the image at its link address in 4 KiB pages, up to the largest image the
//!   identity range can hold;
//! - the tables above the fixmap's level-0 tables (those are static);
//! - the DTB, in 4 KiB pages, anywhere in the FDT window: the `window` region
//!   with the lowest address;
//! - the tables down to level 1 for the first 1 GiB of the direct map (the
//!   `directmap` region with the lowest address), so RAM up to 1 GiB is mapped
//!   with 2 MiB leaves into tables the image ships zeroed.
//!
//! Tables shared between the image, the fixmap, the window and the direct map
//! are counted once;
//! the identity range is counted apart (it usually lies in another root slot),
//! at its worst over every load address `load_range` allows.

use super::{Fixmap, Purpose, Region};
use crate::paging::{L0_TABLE_SPAN, Mode, level_shift};

/// Tables the boot mappings need, by what needs them. Counts of 4 KiB tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BootTables {
    /// For the identity range, at its worst over the allowed load addresses.
    pub identity: u64,
    /// For the image, the fixmap, the FDT window and the direct map together.
    pub kernel: u64,
}

impl BootTables {
    /// Every table the pool must hold (the root table is apart).
    pub fn total(self) -> u64 {
        self.identity + self.kernel
    }
}

/// A range of virtual addresses `first..=last` mapped with leaves at table level
/// `leaf_level` (0: 4 KiB pages, 1: 2 MiB superpages).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BootRange {
    /// First byte mapped.
    pub first: u64,
    /// Last byte mapped (inclusive).
    pub last: u64,
    /// Table level of the leaves: 0 for 4 KiB pages, 1 for 2 MiB superpages.
    pub leaf_level: u32,
}

/// What the boot mappings cover, from the plan.
pub(crate) struct BootMappings {
    /// The paging mode.
    pub mode: Mode,
    /// The identity range of the lowest allowed load address, `[start, end)`.
    pub identity: (u64, u64),
    /// How many load addresses there are beyond the lowest (`k_max`), and the step
    /// between them in bytes: the identity range of load `k` is moved up by `k·step`.
    pub other_loads: u64,
    /// Bytes between one allowed load address and the next.
    pub load_step: u64,
    /// The image, the fixmap's tables (as a level-1 range: the level-0 tables are
    /// static) and the FDT window.
    pub kernel: Vec<BootRange>,
}

impl BootMappings {
    /// The tables the boot mappings need: shared tables counted once, the identity
    /// range at its worst over the load addresses.
    pub(crate) fn tables(&self) -> BootTables {
        let (start, end) = self.identity;
        let identity_at = |k: u64| {
            let shift = k * self.load_step;
            tables_for(
                self.mode,
                &[BootRange {
                    first: start + shift,
                    last: end - 1 + shift,
                    leaf_level: 1,
                }],
            )
        };
        // The count changes only where the range crosses a table boundary; past a
        // few thousand load addresses, the bound for a range of this length.
        let identity = if self.other_loads <= 4096 {
            (0..=self.other_loads).map(identity_at).max().unwrap_or(0)
        } else {
            worst_case(self.mode, end - start, 1)
        };
        BootTables {
            identity,
            kernel: tables_for(self.mode, &self.kernel),
        }
    }
}

/// The distinct tables (below the root) that map every range in `ranges`.
fn tables_for(mode: Mode, ranges: &[BootRange]) -> u64 {
    let root = mode.root_level();
    let mut total = 0;
    for level in 0..root {
        // A level-`level` table maps the addresses that share `va >> shift`.
        let shift = level_shift(level + 1);
        let mut spans: Vec<(u64, u64)> = ranges
            .iter()
            .filter(|r| r.leaf_level <= level)
            .map(|r| (r.first >> shift, r.last >> shift))
            .collect();
        spans.sort_unstable();
        let mut covered: Option<(u64, u64)> = None;
        for (lo, hi) in spans {
            match covered {
                Some((clo, chi)) if lo <= chi.saturating_add(1) => {
                    covered = Some((clo, chi.max(hi)))
                }
                Some((clo, chi)) => {
                    total += chi - clo + 1;
                    covered = Some((lo, hi));
                }
                None => covered = Some((lo, hi)),
            }
        }
        if let Some((clo, chi)) = covered {
            total += chi - clo + 1;
        }
    }
    total
}

/// The most tables a range of `bytes` bytes, anywhere, needs with leaves at
/// `leaf_level`: at each level, its length in table spans plus one straddled.
fn worst_case(mode: Mode, bytes: u64, leaf_level: u32) -> u64 {
    (leaf_level..mode.root_level())
        .map(|level| {
            let span = 1u128 << level_shift(level + 1);
            let tables = (u128::from(bytes) - 1) / span + 2;
            u64::try_from(tables).unwrap_or(u64::MAX)
        })
        .sum()
}

/// The image's level-0 range as the boot code maps it: from the link address, as
/// far as the identity range lets an image reach.
pub(crate) fn image_range(
    link: u64,
    image_last: u64,
    identity: (u64, u64),
    load: u64,
) -> BootRange {
    let reach = identity.1 - load; // bytes from the load address to the range's end
    BootRange {
        first: link,
        last: link.saturating_add(reach - 1).min(image_last),
        leaf_level: 0,
    }
}

/// The fixmap's `tables` level-0 tables from `tables_start`, as a level-1 range.
pub(crate) fn fixmap_range(tables_start: u64, tables: u64) -> BootRange {
    BootRange {
        first: tables_start,
        last: tables_start + (tables * L0_TABLE_SPAN - 1),
        leaf_level: 1,
    }
}

/// The window the kernel maps the DTB into: the `window` region with the lowest
/// address, if any.
pub(crate) fn fdt_window(regions: &[Region]) -> Option<&Region> {
    regions
        .iter()
        .filter(|r| r.purpose == Purpose::Window)
        .min_by_key(|r| r.start)
}

/// The boot mappings of the image loaded at `load` (its identity range
/// `identity`), the fixmap's tables and the FDT window.
pub(crate) struct KernelRanges {
    /// The image in 4 KiB pages from its link address.
    pub image: BootRange,
    /// The tables above the fixmap's level-0 tables.
    pub fixmap: BootRange,
    /// The FDT window, in 4 KiB pages (filled at boot).
    pub window: Option<BootRange>,
    /// The direct map's first 1 GiB (one level-2 entry's span), as a level-1
    /// range: its 2 MiB leaves are written at boot, once RAM is known.
    pub directmap: Option<BootRange>,
}

impl KernelRanges {
    /// The image, fixmap and window ranges of a plan's pieces.
    pub(crate) fn new(
        image: &Region,
        regions: &[Region],
        fixmap: &Fixmap,
        identity: (u64, u64),
        load: u64,
    ) -> KernelRanges {
        KernelRanges {
            image: image_range(image.start, image.last, identity, load),
            fixmap: fixmap_range(fixmap.tables_start, fixmap.tables),
            window: fdt_window(regions).map(|w| BootRange {
                first: w.start,
                last: w.last,
                leaf_level: 0,
            }),
            directmap: regions
                .iter()
                .filter(|r| r.purpose == Purpose::Directmap)
                .min_by_key(|r| r.start)
                .map(|d| BootRange {
                    first: d.start,
                    last: d
                        .start
                        .saturating_add((1 << level_shift(2)) - 1)
                        .min(d.last),
                    leaf_level: 1,
                }),
        }
    }

    /// All three, the image first.
    pub(crate) fn all(&self) -> Vec<BootRange> {
        let mut all = vec![self.image, self.fixmap];
        all.extend(self.window);
        all.extend(self.directmap);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: u64, bytes: u64, leaf_level: u32) -> BootRange {
        BootRange {
            first,
            last: first + bytes - 1,
            leaf_level,
        }
    }

    #[test]
    fn shared_tables_are_counted_once() {
        let top = 0xffff_ffff_c000_0000;
        // Sv39: one level-1 table for root slot 511; the image's and the window's
        // level-0 tables (one and two); the fixmap's level-0 tables are static.
        let ranges = [
            range(top, 2 << 20, 0),
            range(top + (4 << 20), 4 << 20, 0),
            range(top + (10 << 20), 2 << 20, 1),
        ];
        assert_eq!(tables_for(Mode::Sv39, &ranges), 1 + 1 + 2);
        // Sv48 adds one level-2 table above them all.
        assert_eq!(tables_for(Mode::Sv48, &ranges), 1 + 1 + 1 + 2);
        // Touching at a table boundary: one page either side of 2 MiB.
        let touching = [range(top + (2 << 20) - 4096, 8192, 0)];
        assert_eq!(tables_for(Mode::Sv39, &touching), 1 + 2);
    }

    #[test]
    fn the_identity_range_is_counted_at_its_worst_load_address() {
        // 2 MiB loads from just below a 1 GiB boundary: one of them straddles it.
        let below_gib = (1 << 30) - (2 << 20);
        let m = BootMappings {
            mode: Mode::Sv39,
            identity: (below_gib, below_gib + (4 << 20)),
            other_loads: 3,
            load_step: 2 << 20,
            kernel: Vec::new(),
        };
        // Load 0: [1G-2M, 1G+2M) straddles: two level-1 tables.
        assert_eq!(m.tables().identity, 2);
        let far = BootMappings {
            other_loads: 1 << 20,
            ..m
        };
        assert!(far.tables().identity >= 2);
        assert_eq!(worst_case(Mode::Sv39, 4 << 20, 1), 2);
    }
}
