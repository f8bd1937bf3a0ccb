//! Rules between regions and gaps: nothing overlaps anything else, and every gap
//! lies inside one canonical half. An overlap's help names a start that is itself
//! free: it meets no other item, stays in its canonical half and below 2^64.

use super::free::FreeSpace;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::fmt::{hex, human_size, human_size_u128};
use crate::paging::{Mode, PAGE_SIZE};
use crate::resolve::{Declared, PlacedGap};

pub(super) fn check_gap(g: &PlacedGap, mode: Mode, diags: &mut Diagnostics) {
    if !mode.in_one_half(g.start, g.last) {
        diags.push(
            Diagnostic::error(
                format!(
                    "gap `{}` ({} at {}) is not inside one canonical half of {mode}",
                    g.name,
                    human_size(g.size),
                    hex(g.start)
                ),
                g.size_span.clone(),
                "leaves the canonical range",
            )
            .with_help("make the gap smaller or move the regions around it"),
        );
    }
}

/// A region or a gap, `start..=last`.
struct Item<'a> {
    kind: &'static str,
    name: &'a str,
    start: u64,
    last: u64,
    /// The alignment a new start must keep (one page for a gap).
    align: u64,
    span: Span,
    /// Index into the resolved regions; `None` for a gap.
    region: Option<usize>,
    /// For a gap, the regions that hold both its neighbours (their common
    /// ancestors through `within`): a gap between nested siblings lies inside them.
    holders: Vec<usize>,
}

impl Item<'_> {
    fn size(&self) -> u128 {
        u128::from(self.last) - u128::from(self.start) + 1
    }
}

/// Every overlap between two items, except a region and one it lies within.
pub(super) fn overlaps(free: &FreeSpace<'_>, diags: &mut Diagnostics) {
    let (resolved, nesting) = (free.resolved, free.nesting);
    let mut items: Vec<Item<'_>> = resolved
        .regions
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let (name, extent) = r.placed()?;
            Some(Item {
                kind: "region",
                name,
                start: extent.start,
                last: extent.last,
                align: match &r.align {
                    Declared::Given(a) if a.value.is_power_of_two() => a.value.max(PAGE_SIZE),
                    _ => PAGE_SIZE,
                },
                span: r.spans.anchor.clone(),
                region: Some(i),
                holders: Vec::new(),
            })
        })
        .chain(resolved.gaps.iter().map(|g| Item {
            kind: "gap",
            name: &g.name,
            start: g.start,
            last: g.last,
            align: PAGE_SIZE,
            span: g.name_span.clone(),
            region: None,
            holders: nesting.gap_holders(&resolved.regions, g),
        }))
        .collect();
    items.sort_by_key(|i| (i.start, i.last));
    let related = |a: &Item<'_>, b: &Item<'_>| match (a.region, b.region) {
        (Some(x), Some(y)) => nesting.related(x, y),
        (Some(r), None) => b.holders.contains(&r),
        (None, Some(r)) => a.holders.contains(&r),
        (None, None) => false,
    };
    // Sweep by start address over the items still open: an item that starts at or
    // before an open item's last byte overlaps it. Each overlapping item is
    // reported once, against the open item that reaches furthest.
    let mut open: Vec<&Item<'_>> = Vec::new();
    for b in &items {
        open.retain(|a| a.last >= b.start);
        let mut furthest: Option<&Item<'_>> = None;
        for a in open.iter().copied().filter(|a| !related(a, b)) {
            if furthest.is_none_or(|f| a.last > f.last) {
                furthest = Some(a);
            }
        }
        if let Some(a) = furthest {
            diags.push(overlap(a, b, free));
        }
        open.push(b);
    }
}

fn overlap(a: &Item<'_>, b: &Item<'_>, free: &FreeSpace<'_>) -> Diagnostic {
    let by = u128::from(a.last.min(b.last)) - u128::from(b.start) + 1;
    let a_end = a.last.checked_add(1).map_or("the top (2^64)".into(), hex);
    Diagnostic::error(
        format!(
            "{} `{}` ({} at {}) overlaps {} `{}` ({} at {}) by {}",
            b.kind,
            b.name,
            human_size_u128(b.size()),
            hex(b.start),
            a.kind,
            a.name,
            human_size_u128(a.size()),
            hex(a.start),
            human_size_u128(by)
        ),
        b.span.clone(),
        format!("overlaps `{}`", a.name),
    )
    .with_related(a.span.clone(), format!("`{}` ends at {a_end}", a.name))
    .with_help(match b.region.and_then(|r| {
        let size = u64::try_from(b.size()).ok()?;
        free.above(r, a.last.checked_add(1)?, size, b.align)
    }) {
        // A gap follows from the placement of the region beside it: no address to give.
        _ if b.kind == "gap" => format!(
            "gap `{}` lies where its neighbours' placement puts it: move `{}`, or place the regions beside the gap elsewhere",
            b.name, a.name
        ),
        Some(start) => format!(
            "move `{}` to start at {}, the first free place above `{}` that holds it, or shrink `{}`",
            b.name,
            hex(start),
            a.name,
            a.name
        ),
        None => format!(
            "no free place above `{}` holds `{}`: move `{}` below it, or shrink one of them",
            a.name, b.name, b.name
        ),
    })
}
