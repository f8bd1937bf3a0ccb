//! The top-down map of the whole address space: regions, gaps, the unused ranges
//! between them and the non-canonical hole.

use rustc_hash::FxHashMap as HashMap;

use super::{Gap, MapEntry, Region};
use crate::paging::Mode;

/// The canonical address space top-down: regions, gaps, and what is left unused.
/// Linear in the regions and gaps (but for sorting).
pub(super) fn memory_map(mode: Mode, regions: &[Region], gaps: &[Gap]) -> Vec<MapEntry> {
    // Nested regions, and gaps between nested siblings, follow the region they lie
    // within, highest first: the entries inside each parent, by its name.
    let mut inside: HashMap<&str, Vec<(u64, MapEntry)>> = HashMap::default();
    for (i, r) in regions.iter().enumerate() {
        if let Some(parent) = r.within.as_deref() {
            inside
                .entry(parent)
                .or_default()
                .push((r.start, MapEntry::Region(i)));
        }
    }
    for (i, g) in gaps.iter().enumerate() {
        if let Some(parent) = g.within.as_deref() {
            inside
                .entry(parent)
                .or_default()
                .push((g.start, MapEntry::Gap(i)));
        }
    }
    for children in inside.values_mut() {
        children.sort_by_key(|(start, _)| std::cmp::Reverse(*start));
    }
    let mut map = Vec::with_capacity(regions.len() + 2 * gaps.len() + 3);
    // Depth first, each region followed by what lies within it; a region is entered
    // once, whatever the `within` chains say.
    let mut entered = vec![false; regions.len()];
    let mut stack: Vec<MapEntry> = top_level(mode, regions, gaps);
    stack.reverse();
    while let Some(entry) = stack.pop() {
        if let MapEntry::Region(i) = entry {
            if std::mem::replace(&mut entered[i], true) {
                continue;
            }
            if let Some(children) = inside.get(regions[i].name.as_str()) {
                stack.extend(children.iter().rev().map(|(_, e)| e.clone()));
            }
        }
        map.push(entry);
    }
    map
}

/// The top-level map: regions that lie within no other, gaps, unused ranges and
/// the non-canonical hole, top-down.
fn top_level(mode: Mode, regions: &[Region], gaps: &[Gap]) -> Vec<MapEntry> {
    let mut items: Vec<(u64, u64, MapEntry)> = regions
        .iter()
        .enumerate()
        .filter(|(_, r)| r.within.is_none())
        .map(|(i, r)| (r.start, r.last, MapEntry::Region(i)))
        .chain(
            gaps.iter()
                .enumerate()
                .filter(|(_, g)| g.within.is_none())
                .map(|(i, g)| (g.start, g.last, MapEntry::Gap(i))),
        )
        .collect();
    items.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let halves = [
        (mode.high_half_start(), u64::MAX),
        (0, mode.low_half_end() - 1),
    ];
    let mut map = Vec::new();
    for (half_index, (half_start, half_last)) in halves.into_iter().enumerate() {
        let mut cursor = Some(half_last); // highest byte not yet accounted for
        for (start, last, entry) in items
            .iter()
            .filter(|(s, _, _)| *s >= half_start && *s <= half_last)
        {
            let last = *last;
            if let Some(c) = cursor
                && last < c
            {
                map.push(unused(mode, last + 1, c));
            }
            map.push(entry.clone());
            cursor = start.checked_sub(1).filter(|c| *c >= half_start);
        }
        if let Some(c) = cursor {
            map.push(unused(mode, half_start, c));
        }
        if half_index == 0 {
            map.push(MapEntry::NonCanonical {
                start: mode.low_half_end(),
                last: mode.high_half_start() - 1,
            });
        }
    }
    map
}

fn unused(mode: Mode, start: u64, last: u64) -> MapEntry {
    MapEntry::Unused {
        start,
        last,
        first_slot: mode.slot_of(start),
        last_slot: mode.slot_of(last),
    }
}
