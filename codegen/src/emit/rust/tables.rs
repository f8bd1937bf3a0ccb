//! Run-time tables (`REGIONS`, `GAPS`, `UNUSED`, `MAP`) with their lookups, and
//! the cross-item const assertions.

use indoc::indoc;

use super::source::{Expr, binary};
use super::{Source, dec, lit};
use crate::names::{GapConstants, RegionConstants};
use crate::plan::{MapEntry, Plan};

/// `Some("text")` or `None`.
fn optional_string(text: Option<&str>) -> Expr {
    match text {
        Some(text) => Expr::atom(format!("Some({text:?})")),
        None => Expr::atom("None"),
    }
}

pub(super) fn tables(out: &mut Source, plan: &Plan) {
    let (regions, gaps, unused) = (region_rows(plan), gap_rows(plan), unused_rows(plan));
    out.constant(
        &["Every region, by ascending address."],
        "REGIONS: &[Region]",
        &Expr::Array("&", regions),
    );
    out.constant(
        &["Every guard gap, by ascending address."],
        "GAPS: &[Gap]",
        &Expr::Array("&", gaps),
    );
    out.constant(
        &["Canonical space the plan leaves unused, top-down."],
        "UNUSED: &[Unused]",
        &Expr::Array("&", unused),
    );
    out.constant(
        &[
            "The whole address space top-down: regions, gaps, unused ranges and the",
            "non-canonical hole, each entry starting below the one before.",
        ],
        "MAP: &[MapEntry]",
        &Expr::Array("&", map(plan)),
    );
    out.blank();
    let fixmap_index = plan
        .regions
        .iter()
        .position(|r| r.name == plan.fixmap.region)
        .expect("the fixmap region exists");
    out.constant(
        &["The region the kernel image is linked in."],
        "IMAGE_REGION: Region",
        &Expr::atom(format!("REGIONS[{}]", plan.image)),
    );
    out.constant(
        &["The region that holds the fixmap slots."],
        "FIXMAP_REGION: Region",
        &Expr::atom(format!("REGIONS[{fixmap_index}]")),
    );
    out.blank();
    out.fixed(LOOKUPS);
    out.blank();
}

/// The rows of `REGIONS`.
fn region_rows(plan: &Plan) -> Vec<Expr> {
    plan.regions
        .iter()
        .map(|r| {
            let n = RegionConstants::of(&r.name);
            Expr::Struct(
                "Region".into(),
                vec![
                    ("name", Expr::string(&r.name)),
                    (
                        "purpose",
                        Expr::atom(format!("Purpose::{}", r.purpose.variant())),
                    ),
                    ("start", Expr::atom(n.start)),
                    ("size", Expr::atom(n.size)),
                    ("last", Expr::atom(n.last)),
                    ("perms", Expr::atom(n.perms)),
                    ("description", Expr::string(&r.description)),
                    ("within", optional_string(r.within.as_deref())),
                    ("depth", dec(plan.nesting_depth(r.within.as_deref()) as u64)),
                ],
            )
        })
        .collect()
}

/// The rows of `GAPS`.
fn gap_rows(plan: &Plan) -> Vec<Expr> {
    plan.gaps
        .iter()
        .map(|g| {
            let n = GapConstants::of(&g.name);
            Expr::Struct(
                "Gap".into(),
                vec![
                    ("name", Expr::string(&g.name)),
                    ("start", Expr::atom(n.start)),
                    ("size", Expr::atom(n.size)),
                    ("last", Expr::atom(n.last)),
                    ("below", Expr::string(&g.below)),
                    ("above", Expr::string(&g.above)),
                ],
            )
        })
        .collect()
}

/// The rows of `UNUSED`, top-down.
fn unused_rows(plan: &Plan) -> Vec<Expr> {
    plan.map
        .iter()
        .filter_map(|e| match e {
            MapEntry::Unused {
                start,
                last,
                first_slot,
                last_slot,
            } => Some(Expr::Struct(
                "Unused".into(),
                vec![
                    ("start", lit(*start)),
                    ("last", lit(*last)),
                    ("first_slot", dec(*first_slot)),
                    ("last_slot", dec(*last_slot)),
                ],
            )),
            _ => None,
        })
        .collect()
}

/// `first_region` and the `*_containing` lookups.
const LOOKUPS: &str = indoc! {"
    /// The first region (by address) with `purpose`, usable in const context so a
    /// kernel can require, at compile time, the regions it needs.
    pub const fn first_region(purpose: Purpose) -> Option<Region> {
        let mut i = 0;
        while i < REGIONS.len() {
            if REGIONS[i].purpose as u8 == purpose as u8 {
                return Some(REGIONS[i]);
            }
            i += 1;
        }
        None
    }

    /// The innermost region that contains `addr`, if any. A guard gap between
    /// regions nested in one parent lies inside that parent: ask
    /// `gap_containing` first to tell a guard gap from its parent.
    pub fn region_containing(addr: usize) -> Option<&'static Region> {
        // With regions nested (`within`), the innermost: the regions that hold an
        // address form one chain, and the deepest is innermost (even when a
        // nested region has its parent's very bounds).
        REGIONS
            .iter()
            .filter(|r| r.contains(addr))
            .max_by_key(|r| r.depth)
    }

    /// The guard gap that contains `addr`, if any.
    pub fn gap_containing(addr: usize) -> Option<&'static Gap> {
        GAPS.iter().find(|g| g.contains(addr))
    }

    /// The unused range that contains `addr`, if any.
    pub fn unused_containing(addr: usize) -> Option<&'static Unused> {
        UNUSED.iter().find(|u| u.contains(addr))
    }
"};

/// The entries of `MAP`, top-down, each naming its row in `REGIONS`, `GAPS` or `UNUSED`.
fn map(plan: &Plan) -> Vec<Expr> {
    let mut unused_index = 0;
    plan.map
        .iter()
        .map(|e| match e {
            MapEntry::Region(i) => Expr::atom(format!("MapEntry::Region(REGIONS[{i}])")),
            MapEntry::Gap(i) => Expr::atom(format!("MapEntry::Gap(GAPS[{i}])")),
            MapEntry::Unused { .. } => {
                unused_index += 1;
                Expr::atom(format!("MapEntry::Unused(UNUSED[{}])", unused_index - 1))
            }
            MapEntry::NonCanonical { start, last } => Expr::Struct(
                "MapEntry::NonCanonical".into(),
                vec![("start", lit(*start)), ("last", lit(*last))],
            ),
        })
        .collect()
}

/// Checks across regions: the emitted constants themselves prove that the plan's
/// regions and gaps are in order and do not overlap.
pub(super) fn checks(out: &mut Source, plan: &Plan) {
    out.assert(
        binary("==", "usize::BITS", "64"),
        "the plan describes a 64-bit address space",
    );
    let mut items: Vec<(u64, String, String)> = plan
        .regions
        .iter()
        .filter(|r| r.within.is_none())
        .map(|r| {
            let n = RegionConstants::of(&r.name);
            (r.start, n.start, n.last)
        })
        .chain(plan.gaps.iter().filter(|g| g.within.is_none()).map(|g| {
            let n = GapConstants::of(&g.name);
            (g.start, n.start, n.last)
        }))
        .collect();
    items.sort_by_key(|(start, _, _)| *start);
    for pair in items.windows(2) {
        out.assert(
            binary("<", &pair[0].2, &pair[1].1),
            "regions and gaps do not overlap",
        );
    }
    let inside = |outer: &RegionConstants, start: &str, last: &str| {
        binary(
            "&&",
            binary("<=", &outer.start, start),
            binary("<=", last, &outer.last),
        )
    };
    for r in &plan.regions {
        if let Some(parent) = r.within.as_deref().and_then(|p| plan.region(p)) {
            let (outer, inner) = (
                RegionConstants::of(&parent.name),
                RegionConstants::of(&r.name),
            );
            out.assert(
                inside(&outer, &inner.start, &inner.last),
                "a nested region lies inside its parent",
            );
        }
    }
    for g in &plan.gaps {
        if let Some(parent) = g.within.as_deref().and_then(|p| plan.region(p)) {
            let (outer, inner) = (RegionConstants::of(&parent.name), GapConstants::of(&g.name));
            out.assert(
                inside(&outer, &inner.start, &inner.last),
                "a gap between nested regions lies inside their parent",
            );
        }
    }
}
