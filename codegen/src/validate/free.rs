//! Free places for help lines to suggest. A start a help names must itself be
//! valid: aligned, inside one canonical half (or inside the region the moved one
//! lies within), below 2^64, and meeting no other region or guard gap.

use super::BOOT_SUPERPAGE;
use super::nesting::Nesting;
use crate::paging::{L0_TABLE_SPAN, Mode};
use crate::plan::{Purpose, SlotOrder};
use crate::resolve::{Declared, Resolved};
use crate::spec::{LayoutSpec, Placement};

/// The placed regions and gaps a moved region must not meet.
pub(super) struct FreeSpace<'a> {
    pub spec: &'a LayoutSpec,
    pub resolved: &'a Resolved,
    pub nesting: &'a Nesting,
    pub mode: Mode,
    /// First and last byte of the boot identity mapping (every load address),
    /// when the platform is valid: nothing but an identity area may go there.
    pub identity: Option<(u64, u64)>,
    /// The load address, when valid: the image must keep its offset in a boot
    /// superpage.
    pub load: Option<u64>,
}

/// `first..=last`, an inclusive range of addresses.
#[derive(Clone, Copy)]
struct Bound {
    first: u64,
    last: u64,
}

/// What moves when a region moves: the region and every region placed after or
/// before it (directly or through others), which keep their distance; and the
/// grid its start keeps to.
struct Move {
    /// Indices into the resolved regions.
    group: Vec<usize>,
    /// Bytes the group reaches below the region's start, and from its start up to
    /// the group's last byte.
    below: u64,
    above: u64,
    /// Starts are `phase` modulo `step` (a power of two).
    step: u64,
    phase: u64,
    /// The region's own alignment and the grid disagree (a fixmap counting down
    /// whose start and end cannot both be aligned): no start works.
    impossible: bool,
}

/// The smallest `s ≥ x` with `s ≡ phase (mod step)`.
fn grid_up(x: u64, step: u64, phase: u64) -> Option<u64> {
    let r = (i128::from(phase) - i128::from(x)).rem_euclid(i128::from(step));
    x.checked_add(u64::try_from(r).ok()?)
}

/// The largest `s ≤ x` with `s ≡ phase (mod step)`.
fn grid_down(x: u64, step: u64, phase: u64) -> Option<u64> {
    let r = (i128::from(x) - i128::from(phase)).rem_euclid(i128::from(step));
    x.checked_sub(u64::try_from(r).ok()?)
}

impl FreeSpace<'_> {
    /// The lowest start at or above `from` where region `region` (an index into
    /// the resolved regions), `size` bytes (non-zero) on a multiple of `align` (a
    /// power of two), fits with everything that moves with it. `None` when no such
    /// start lies in its bound.
    pub(super) fn above(&self, region: usize, from: u64, size: u64, align: u64) -> Option<u64> {
        let m = self.plan_move(region, size, align);
        if m.impossible {
            return None;
        }
        let bound = self.bound(region, from)?;
        let lowest = bound.first.checked_add(m.below)?;
        let mut start = grid_up(from.max(lowest), m.step, m.phase)?;
        loop {
            let (first, last) = (start - m.below, start.checked_add(m.above)?);
            if last > bound.last {
                return None;
            }
            match self.blockers(&m, first, last).map(|(_, l)| l).max() {
                None => return Some(start),
                Some(l) => {
                    start = grid_up(l.checked_add(1)?.checked_add(m.below)?, m.step, m.phase)?
                }
            }
        }
    }

    /// The highest start at or below `from`, as [`FreeSpace::above`] otherwise.
    pub(super) fn below(&self, region: usize, from: u64, size: u64, align: u64) -> Option<u64> {
        let m = self.plan_move(region, size, align);
        if m.impossible {
            return None;
        }
        let bound = self.bound(region, from)?;
        let highest = bound.last.checked_sub(m.above)?;
        let mut start = grid_down(from.min(highest), m.step, m.phase)?;
        loop {
            let first = start.checked_sub(m.below)?;
            if first < bound.first {
                return None;
            }
            let last = start + m.above; // ≤ bound.last: start ≤ highest
            match self.blockers(&m, first, last).map(|(s, _)| s).min() {
                None => return Some(start),
                Some(s) => {
                    start = grid_down(s.checked_sub(1)?.checked_sub(m.above)?, m.step, m.phase)?;
                }
            }
        }
    }

    /// The group that moves with `region`, its reach and its grid.
    fn plan_move(&self, region: usize, size: u64, align: u64) -> Move {
        let regions = &self.resolved.regions;
        let mut group = vec![region];
        let mut next = 0;
        while next < group.len() {
            let name = regions[group[next]].name().to_string();
            next += 1;
            for (i, r) in self.spec.regions.iter().enumerate() {
                let target = match r.placement.as_ref().map(|p| &p.value) {
                    Some(Placement::After { target, .. } | Placement::Before { target, .. }) => {
                        &target.value
                    }
                    _ => continue,
                };
                if *target == name && !group.contains(&i) && regions[i].extent.is_some() {
                    group.push(i);
                }
            }
        }
        let own = regions[region].extent;
        let start = own.map_or(0, |e| e.start);
        let (mut below, mut above, mut step) = (0, size - 1, align);
        for &i in &group[1..] {
            let e = regions[i].extent.expect("only placed regions join");
            if own.is_some() {
                below = below.max(start.saturating_sub(e.start));
                above = above.max(e.last.saturating_sub(start));
            }
            if let Declared::Given(a) = &regions[i].align
                && a.value.is_power_of_two()
            {
                step = step.max(a.value);
            }
        }
        let mut phase = 0;
        if regions[region].is(Purpose::Image)
            && let Some(load) = self.load
        {
            // Link and load address share their offset in a boot superpage.
            step = step.max(BOOT_SUPERPAGE);
            phase = load % BOOT_SUPERPAGE;
        }
        let down = self
            .spec
            .fixmap
            .as_ref()
            .is_some_and(|f| f.order.as_ref().is_some_and(|o| o.value == SlotOrder::Down));
        let is_fixmap = self
            .spec
            .fixmap
            .as_ref()
            .and_then(|f| f.region.as_ref())
            .is_some_and(|n| n.value == regions[region].name());
        if down && is_fixmap {
            // Counting down, FIXADDR_TOP (the region's end) is on a table boundary.
            step = step.max(L0_TABLE_SPAN);
            phase = (L0_TABLE_SPAN - size % L0_TABLE_SPAN) % L0_TABLE_SPAN;
        }
        Move {
            group,
            below,
            above,
            step,
            phase: phase % step,
            impossible: !phase.is_multiple_of(align),
        }
    }

    /// The name of a region or gap (other than `region`'s own) that `start..=last`
    /// meets, if any.
    pub(super) fn meets(&self, region: usize, start: u64, last: u64) -> Option<String> {
        let group = [region];
        self.obstacles(&group)
            .find(|(_, s, l)| *s <= last && start <= *l)
            .map(|(name, _, _)| name.to_string())
    }

    /// The ranges of everything `first..=last` meets when `m` moves there.
    fn blockers<'m>(
        &'m self,
        m: &'m Move,
        first: u64,
        last: u64,
    ) -> impl Iterator<Item = (u64, u64)> + 'm {
        self.obstacles(&m.group)
            .filter(move |(_, s, l)| *s <= last && first <= *l)
            .map(|(_, s, l)| (s, l))
    }

    /// Every placed region and gap that stands in the way of moving `group`, and
    /// the identity mapping unless an identity area moves: name, first and last byte.
    fn obstacles<'g>(
        &'g self,
        group: &'g [usize],
    ) -> impl Iterator<Item = (&'g str, u64, u64)> + 'g {
        let regions = self
            .resolved
            .regions
            .iter()
            .enumerate()
            .filter(move |(i, _)| group.iter().all(|&g| self.blocks(g, *i)))
            .filter_map(|(_, r)| {
                let (name, e) = r.placed()?;
                Some((name, e.start, e.last))
            });
        let gaps = self
            .resolved
            .gaps
            .iter()
            .filter(move |g| group.iter().all(|&m| self.gap_blocks(m, g)))
            .map(|g| (g.name.as_str(), g.start, g.last));
        let identity = self
            .identity
            .filter(|_| !self.resolved.regions[group[0]].is(Purpose::Identity))
            .map(|(s, l)| ("the boot identity mapping", s, l));
        regions.chain(gaps).chain(identity)
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
