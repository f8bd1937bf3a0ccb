//! The rows of the top-down memory map, shared by the Markdown map, the terminal
//! map and the C header's comment table, so they can never disagree.

use crate::fmt::{hex_plain, human_size, human_size_u128, slot_range};
use crate::plan::{MapEntry, Perms, Plan, Purpose};

/// What a row of the map shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Region(Purpose),
    Gap,
    Unused,
    /// The non-canonical hole between the halves.
    NonCanonical,
}

impl RowKind {
    /// The word the map's Kind column shows.
    pub fn word(self) -> &'static str {
        match self {
            RowKind::Region(purpose) => purpose.name(),
            RowKind::Gap => "gap",
            RowKind::Unused => "unused",
            RowKind::NonCanonical => "hole",
        }
    }
}

/// One row, formatted.
pub struct Row {
    pub kind: RowKind,
    pub start: String,
    /// Inclusive: the last byte. (An unused range may end at 2^64 - 1, where an
    /// exclusive end would not fit in 64 bits.)
    pub last: String,
    pub size: String,
    /// `L2 256-447`; empty for the non-canonical hole.
    pub slots: String,
    /// `None` for the non-canonical hole; never mapped (`---`) for gaps and unused space.
    pub perms: Option<Perms>,
    /// Empty for unused space and the hole.
    pub name: String,
    pub description: String,
    /// How many regions hold this one through `within` (0 at the top level).
    pub depth: usize,
}

impl Row {
    /// `rw-`, `r-x/r--/rw-` for the image, empty for the hole.
    pub fn perms_columns(&self) -> String {
        self.perms.map_or(String::new(), |p| p.columns())
    }
}

/// The map's rows, top-down.
pub fn rows(plan: &Plan) -> Vec<Row> {
    let root = plan.paging.root_level;
    let slots = |first, last| format!("L{root} {}", slot_range(first, last));
    plan.map
        .iter()
        .map(|entry| match entry {
            MapEntry::Region(i) => {
                let r = &plan.regions[*i];
                Row {
                    kind: RowKind::Region(r.purpose),
                    start: hex_plain(r.start),
                    last: hex_plain(r.last),
                    size: human_size(r.size),
                    slots: slots(r.first_slot, r.last_slot),
                    perms: Some(r.perms),
                    name: r.name.clone(),
                    depth: plan.nesting_depth(r.within.as_deref()),
                    description: match &r.within {
                        Some(parent) => format!("inside `{parent}`: {}", r.description),
                        None => r.description.clone(),
                    },
                }
            }
            MapEntry::Gap(i) => {
                let g = &plan.gaps[*i];
                Row {
                    kind: RowKind::Gap,
                    start: hex_plain(g.start),
                    last: hex_plain(g.last),
                    size: human_size(g.size),
                    slots: slots(g.first_slot, g.last_slot),
                    perms: Some(Perms::NONE),
                    name: g.name.clone(),
                    depth: plan.nesting_depth(g.within.as_deref()),
                    description: match &g.within {
                        Some(parent) => format!(
                            "inside `{parent}`: guard gap between `{}` and `{}`: never mapped",
                            g.below, g.above
                        ),
                        None => format!(
                            "guard gap between `{}` and `{}`: never mapped",
                            g.below, g.above
                        ),
                    },
                }
            }
            MapEntry::Unused {
                start,
                last,
                first_slot,
                last_slot,
            } => Row {
                kind: RowKind::Unused,
                start: hex_plain(*start),
                last: hex_plain(*last),
                size: human_size_u128(u128::from(*last) - u128::from(*start) + 1),
                slots: slots(*first_slot, *last_slot),
                perms: Some(Perms::NONE),
                name: String::new(),
                depth: 0,
                description: "unused".into(),
            },
            MapEntry::NonCanonical { start, last } => Row {
                kind: RowKind::NonCanonical,
                start: hex_plain(*start),
                last: hex_plain(*last),
                size: human_size_u128(u128::from(*last) - u128::from(*start) + 1),
                slots: String::new(),
                perms: None,
                name: String::new(),
                depth: 0,
                description: format!(
                    "non-canonical in {}: no address here exists",
                    plan.paging.mode
                ),
            },
        })
        .collect()
}
