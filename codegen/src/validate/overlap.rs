//! Rules between regions and gaps: nothing overlaps anything else, and every gap
//! lies inside one canonical half.

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::fmt::{hex, human_size};
use crate::paging::Mode;
use crate::resolve::{PlacedGap, Resolved};

pub(super) fn check_gap(g: &PlacedGap, mode: Mode, diags: &mut Diagnostics) {
    if !mode.is_canonical(g.start)
        || !mode.is_canonical(g.end.saturating_sub(1))
        || (g.start < mode.low_half_end() && g.end > mode.low_half_end())
    {
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

struct Item<'a> {
    kind: &'static str,
    name: &'a str,
    start: u64,
    end: u64,
    span: Span,
}

pub(super) fn overlaps(resolved: &Resolved, diags: &mut Diagnostics) {
    let mut items: Vec<Item<'_>> = resolved
        .placed()
        .map(|(r, name, extent)| Item {
            kind: "region",
            name,
            start: extent.start,
            end: extent.end,
            span: r.spans.anchor.clone(),
        })
        .chain(resolved.gaps.iter().map(|g| Item {
            kind: "gap",
            name: &g.name,
            start: g.start,
            end: g.end,
            span: g.name_span.clone(),
        }))
        .filter(|i| i.end > i.start)
        .collect();
    items.sort_by_key(|i| (i.start, i.end));
    // Sweep by start address, remembering the item that reaches furthest: every
    // item that starts before that end overlaps it. Each overlapping item is
    // reported once, in O(n log n) however many regions a file has.
    let mut furthest: Option<&Item<'_>> = None;
    for b in &items {
        if let Some(a) = furthest
            && b.start < a.end
        {
            let by = a.end.min(b.end) - b.start;
            diags.push(
                Diagnostic::error(
                    format!(
                        "{} `{}` ({} at {}) overlaps {} `{}` ({} at {}) by {}",
                        b.kind,
                        b.name,
                        human_size(b.end - b.start),
                        hex(b.start),
                        a.kind,
                        a.name,
                        human_size(a.end - a.start),
                        hex(a.start),
                        human_size(by)
                    ),
                    b.span.clone(),
                    format!("overlaps `{}`", a.name),
                )
                .with_related(
                    a.span.clone(),
                    format!("`{}` ends at {}", a.name, hex(a.end)),
                )
                .with_help(format!(
                    "move `{}` to start at {} or later, or shrink `{}`",
                    b.name,
                    hex(a.end),
                    a.name
                )),
            );
        }
        if furthest.is_none_or(|a| b.end > a.end) {
            furthest = Some(b);
        }
    }
}
