//! The top-down map of the whole address space: regions, gaps, the unused ranges
//! between them and the non-canonical hole.

use super::{Gap, MapEntry, Region};
use crate::paging::Mode;

/// The canonical address space top-down: regions, gaps, and what is left unused.
pub(super) fn memory_map(mode: Mode, regions: &[Region], gaps: &[Gap]) -> Vec<MapEntry> {
    let mut map = top_level(mode, regions, gaps);
    // Nested regions, and gaps between nested siblings, follow the region they
    // lie within, highest first.
    let mut i = 0;
    while i < map.len() {
        if let MapEntry::Region(parent) = map[i] {
            let inside = |within: &Option<String>| within.as_deref() == Some(&regions[parent].name);
            let mut children: Vec<(u64, MapEntry)> = (0..regions.len())
                .filter(|&c| inside(&regions[c].within))
                .map(|c| (regions[c].start, MapEntry::Region(c)))
                .chain(
                    (0..gaps.len())
                        .filter(|&g| inside(&gaps[g].within))
                        .map(|g| (gaps[g].start, MapEntry::Gap(g))),
                )
                .collect();
            children.sort_by_key(|(start, _)| std::cmp::Reverse(*start));
            for (k, (_, entry)) in children.into_iter().enumerate() {
                map.insert(i + 1 + k, entry);
            }
        }
        i += 1;
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
