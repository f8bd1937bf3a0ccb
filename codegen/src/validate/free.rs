//! Free places for help lines to suggest. A start a help names must itself be
//! valid: aligned, inside one canonical half (or inside the region the moved one
//! lies within), below 2^64, and meeting no other region or guard gap.

use super::nesting::Nesting;
use crate::paging::Mode;
use crate::resolve::Resolved;

/// The placed regions and gaps a moved region must not meet.
pub(super) struct FreeSpace<'a> {
    pub resolved: &'a Resolved,
    pub nesting: &'a Nesting,
    pub mode: Mode,
}

/// `first..=last`, an inclusive range of addresses.
#[derive(Clone, Copy)]
struct Bound {
    first: u64,
    last: u64,
}

impl FreeSpace<'_> {
    /// The lowest start at or above `from`, a multiple of `align` (a power of two,
    /// bytes), where `size` bytes (non-zero) fit for region `region` (an index into
    /// the resolved regions). `None` when no such start lies in its bound.
    pub(super) fn above(&self, region: usize, from: u64, size: u64, align: u64) -> Option<u64> {
        let bound = self.bound(region, from)?;
        let mut start = from.max(bound.first).checked_next_multiple_of(align)?;
        loop {
            let last = start.checked_add(size - 1)?;
            if last > bound.last {
                return None;
            }
            match self.blockers(region, start, last).map(|(_, l)| l).max() {
                None => return Some(start),
                Some(l) => start = l.checked_add(1)?.checked_next_multiple_of(align)?,
            }
        }
    }

    /// The highest start at or below `from`, as [`FreeSpace::above`] otherwise.
    pub(super) fn below(&self, region: usize, from: u64, size: u64, align: u64) -> Option<u64> {
        let bound = self.bound(region, from)?;
        let highest = u128::from(bound.last) + 1 - u128::from(size);
        let mut start = from.min(u64::try_from(highest).ok()?) / align * align;
        loop {
            if start < bound.first {
                return None;
            }
            let last = start + (size - 1); // ≤ bound.last: start ≤ highest
            match self.blockers(region, start, last).map(|(s, _)| s).min() {
                None => return Some(start),
                Some(s) => start = s.checked_sub(size)? / align * align,
            }
        }
    }

    /// The name of a region or gap (other than `region`'s own) that `start..=last`
    /// meets, if any.
    pub(super) fn meets(&self, region: usize, start: u64, last: u64) -> Option<&str> {
        self.obstacles(region)
            .find(|(_, s, l)| *s <= last && start <= *l)
            .map(|(name, _, _)| name)
    }

    /// The ranges of everything `start..=last` meets.
    fn blockers(&self, region: usize, start: u64, last: u64) -> impl Iterator<Item = (u64, u64)> {
        self.obstacles(region)
            .filter(move |(_, s, l)| *s <= last && start <= *l)
            .map(|(_, s, l)| (s, l))
    }

    /// Every placed region and gap that stands in the way of moving `region`:
    /// name, first and last byte.
    fn obstacles(&self, region: usize) -> impl Iterator<Item = (&str, u64, u64)> {
        let regions = self
            .resolved
            .regions
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.blocks(region, *i))
            .filter_map(|(_, r)| {
                let (name, e) = r.placed()?;
                Some((name, e.start, e.last))
            });
        let gaps = self
            .resolved
            .gaps
            .iter()
            .filter(move |g| self.gap_blocks(region, g))
            .map(|g| (g.name.as_str(), g.start, g.last));
        regions.chain(gaps)
    }

    /// Whether region `other` stands in the way of moving `region`: not itself,
    /// nor one that holds it or that it holds.
    fn blocks(&self, region: usize, other: usize) -> bool {
        other != region && !self.nesting.related(region, other)
    }

    /// Whether a gap stands in the way: not one beside `region` (it moves with it)
    /// nor one that lies inside it.
    fn gap_blocks(&self, region: usize, gap: &crate::resolve::PlacedGap) -> bool {
        let name = self.resolved.regions[region].name();
        gap.below != name
            && gap.above != name
            && !self
                .nesting
                .gap_holders(&self.resolved.regions, gap)
                .contains(&region)
    }

    /// Where `region` may lie: inside the innermost placed region that holds it, else
    /// inside the canonical half that holds `from`.
    fn bound(&self, region: usize, from: u64) -> Option<Bound> {
        if let Some(parent) = self
            .nesting
            .ancestors(region)
            .into_iter()
            .find_map(|p| self.resolved.regions[p].extent)
        {
            return Some(Bound {
                first: parent.start,
                last: parent.last,
            });
        }
        let mode = self.mode;
        if from < mode.low_half_end() {
            Some(Bound {
                first: 0,
                last: mode.low_half_end() - 1,
            })
        } else if from >= mode.high_half_start() {
            Some(Bound {
                first: mode.high_half_start(),
                last: u64::MAX,
            })
        } else {
            None
        }
    }
}
