//! The rows of the top-down memory map, shared by the Markdown map and the C
//! header's comment table so the two can never disagree.

use crate::fmt::{hex_plain, human_size, human_size_u128};
use crate::plan::{MapEntry, Plan};

pub struct Row {
    pub start: String,
    /// Inclusive: the last byte. (An unused range may end at 2^64 - 1, where an
    /// exclusive end would not fit in 64 bits.)
    pub last: String,
    pub size: String,
    pub slots: String,
    pub perms: String,
    pub name: String,
    pub kind: String,
    pub description: String,
}

fn slots(first: u64, last: u64) -> String {
    if first == last {
        format!("{first}")
    } else {
        format!("{first}-{last}")
    }
}

pub fn rows(plan: &Plan) -> Vec<Row> {
    let root = plan.paging.root_level;
    plan.map
        .iter()
        .map(|entry| match entry {
            MapEntry::Region(i) => {
                let r = &plan.regions[*i];
                Row {
                    start: hex_plain(r.start),
                    last: hex_plain(r.end - 1),
                    size: human_size(r.size),
                    slots: format!("L{root} {}", slots(r.first_slot, r.last_slot)),
                    perms: r.perms.columns(),
                    name: r.name.clone(),
                    kind: r.purpose.name().into(),
                    description: r.description.clone(),
                }
            }
            MapEntry::Gap(i) => {
                let g = &plan.gaps[*i];
                Row {
                    start: hex_plain(g.start),
                    last: hex_plain(g.end - 1),
                    size: human_size(g.size),
                    slots: format!("L{root} {}", slots(g.first_slot, g.last_slot)),
                    perms: "---".into(),
                    name: g.name.clone(),
                    kind: "gap".into(),
                    description: format!(
                        "guard gap between `{}` and `{}`: never mapped",
                        g.below, g.above
                    ),
                }
            }
            MapEntry::Unused {
                start,
                last,
                first_slot,
                last_slot,
            } => Row {
                start: hex_plain(*start),
                last: hex_plain(*last),
                size: human_size_u128(u128::from(*last) - u128::from(*start) + 1),
                slots: format!("L{root} {}", slots(*first_slot, *last_slot)),
                perms: "---".into(),
                name: String::new(),
                kind: "unused".into(),
                description: "unused".into(),
            },
            MapEntry::NonCanonical { start, last } => Row {
                start: hex_plain(*start),
                last: hex_plain(*last),
                size: human_size_u128(u128::from(*last) - u128::from(*start) + 1),
                slots: String::new(),
                perms: String::new(),
                name: String::new(),
                kind: "hole".into(),
                description: format!(
                    "non-canonical in {}: no address here exists",
                    plan.paging.mode
                ),
            },
        })
        .collect()
}
