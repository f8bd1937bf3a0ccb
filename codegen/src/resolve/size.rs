//! Sizes before placement: a region's size, the guard gap it asks for, and the
//! page-multiple rule both must meet, checked before anything is placed so a bad
//! size does not ripple into misplacing every region placed relative to it.

use rustc_hash::FxHashMap as HashMap;

use crate::diag::{Diagnostic, Diagnostics, Span, Spanned};
use crate::fmt::{hex, human_size};
use crate::paging::{Mode, PAGE_SIZE};
use crate::spec::{Placement, RegionSpec};
use crate::units::SizeExpr;

/// Bytes of a size expression; root-slot counts use the mode's slot size.
pub fn size_bytes(
    size: &Spanned<SizeExpr>,
    key: &str,
    mode: Mode,
    diags: &mut Diagnostics,
) -> Option<u64> {
    match size.value {
        SizeExpr::Bytes(b) => Some(b),
        SizeExpr::Slots(n) => match n.checked_mul(mode.root_slot_size()) {
            Some(b) if n <= 512 => Some(b),
            _ => {
                diags.push(
                    Diagnostic::error(
                        format!("`{key}` of {n} root slots is more than a root table holds"),
                        size.span.clone(),
                        format!(
                            "{mode} has 512 root slots of {} each",
                            human_size(mode.root_slot_size())
                        ),
                    )
                    .with_help("use at most 256 slots: one canonical half"),
                );
                None
            }
        },
    }
}

/// The region's size in bytes, and whether it is valid; an invalid size that was
/// reported comes back rounded up to whole pages (a zero size gives `None`), so the
/// region still meets every other rule.
///
/// `step` is what the rounding help keeps to: the largest alignment among the
/// regions placed after this one (each moves with its size), a page at least.
pub(super) fn region_size(
    r: &RegionSpec,
    mode: Mode,
    step: u64,
    diags: &mut Diagnostics,
) -> Option<(u64, bool)> {
    let name = r.name.as_ref().map_or("?", |n| n.value.as_str());
    match r.placement.as_ref().map(|p| &p.value) {
        Some(Placement::Slots(first, last)) => {
            let span = r
                .placement
                .as_ref()
                .map(|p| p.span.clone())
                .unwrap_or_default();
            if let Some(size) = &r.size {
                diags.push(
                    Diagnostic::error(
                        format!("region `{name}` gives both `size` and `slots`"),
                        size.span.clone(),
                        "size is implied by slots",
                    )
                    .with_related(span, "slots fix the size")
                    .with_help(
                        "remove `size`, or place the region with `slot = N` and keep `size`",
                    ),
                );
                return None;
            }
            if last < first {
                diags.push(
                    Diagnostic::error(
                        format!("region `{name}`: slot range {first}-{last} is backwards"),
                        span,
                        "last slot before first",
                    )
                    .with_help(format!("write `slots = [{last}, {first}]`")),
                );
                return None;
            }
            if *last >= 512 {
                diags.push(slot_range_error(name, *last, span, mode));
                return None;
            }
            Some(((last - first + 1) * mode.root_slot_size(), true))
        }
        Some(Placement::Slot(_)) if r.size.is_none() => Some((mode.root_slot_size(), true)),
        _ => match &r.size {
            Some(size) => {
                let bytes = size_bytes(size, "size", mode, diags)?;
                if check_size(name, bytes, step, size.span.clone(), diags) {
                    Some((bytes, true))
                } else {
                    let rounded = bytes.checked_next_multiple_of(PAGE_SIZE)?;
                    (rounded > 0).then_some((rounded, false))
                }
            }
            None if r.mentions("size") || r.placement.is_none() => None,
            None => {
                diags.push(
                    Diagnostic::error(format!("region `{name}` has no `size`"), r.anchor(), "size missing")
                        .with_help("add `size = \"2M\"` (or `\"1 slot\"`), or place it with `slots = [first, last]`"),
                );
                None
            }
        },
    }
}

/// The guard gap a region asks for next to its neighbour: 0 without one, `None`
/// when the gap is invalid (reported here, once, before it can move anything).
pub(super) fn gap_size(r: &RegionSpec, mode: Mode, diags: &mut Diagnostics) -> Option<u64> {
    let name = r.name.as_ref().map_or("?", |n| n.value.as_str());
    match r.placement.as_ref().map(|p| &p.value) {
        Some(Placement::After { gap: Some(g), .. } | Placement::Before { gap: Some(g), .. }) => {
            let bytes = size_bytes(&g.size, "gap", mode, diags)?;
            let step = region_alignment(r, mode);
            check_gap_size(name, bytes, step, g.size.span.clone(), diags).then_some(bytes)
        }
        _ => Some(0),
    }
}

/// The alignment region `r` asks for, when it is a valid one (else a page): a
/// gap that moves the region keeps it aligned when it is a multiple of it.
fn region_alignment(r: &RegionSpec, mode: Mode) -> u64 {
    // Problems with `align` itself are reported when validation judges it.
    let bytes = r
        .align
        .as_ref()
        .and_then(|a| size_bytes(a, "align", mode, &mut Diagnostics::default()));
    bytes
        .filter(|b| b.is_power_of_two() && *b >= PAGE_SIZE)
        .unwrap_or(PAGE_SIZE)
}

/// A guard gap must be whole, non-zero pages; checked before it moves a region.
/// The rounding help keeps to `step`, the moved region's alignment.
fn check_gap_size(
    region: &str,
    bytes: u64,
    step: u64,
    span: Span,
    diags: &mut Diagnostics,
) -> bool {
    let what = format!("the gap next to region `{region}`");
    let zero_help =
        "remove `gap` to place the regions back to back, or give the gap a size such as \"2M\"";
    check_pages(bytes, step, span, diags, what, zero_help)
}

/// Sizes must be whole, non-zero pages. Checked before placement so a bad size does
/// not ripple into misplacing every region placed relative to this one.
fn check_size(name: &str, bytes: u64, step: u64, span: Span, diags: &mut Diagnostics) -> bool {
    check_pages(
        bytes,
        step,
        span,
        diags,
        format!("region `{name}`"),
        "give it a size such as \"4K\" (one page), or remove the region",
    )
}

/// For each region, the largest alignment (a power of two, bytes) among the
/// regions placed after it, directly or through others: a change of its size
/// moves them, so a suggested size keeps to it. A page when there are none.
///
/// Linear in the regions and placements: one depth-first pass over the `after`
/// edges, each region's step computed once from its dependents' (a region in a
/// placement cycle, which resolve reports, gets the steps seen before the cycle).
pub(super) fn rounding_steps(regions: &[RegionSpec]) -> Vec<u64> {
    let align = |r: &RegionSpec| match r.align.as_ref().map(|a| &a.value) {
        Some(SizeExpr::Bytes(b)) if b.is_power_of_two() => (*b).max(PAGE_SIZE),
        _ => PAGE_SIZE,
    };
    // The regions placed directly after each name.
    let mut after: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, r) in regions.iter().enumerate() {
        if let Some(Placement::After { target, .. }) = r.placement.as_ref().map(|p| &p.value) {
            after.entry(target.value.as_str()).or_default().push(i);
        }
    }
    let dependents = |i: usize| -> &[usize] {
        regions[i]
            .name
            .as_ref()
            .and_then(|n| after.get(n.value.as_str()))
            .map_or(&[], Vec::as_slice)
    };
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done(u64),
    }
    let mut state = vec![State::New; regions.len()];
    for root in 0..regions.len() {
        if state[root] != State::New {
            continue;
        }
        // Iterative post-order: a chain of thousands of `after`s needs no deep stack.
        state[root] = State::Open;
        let mut stack = vec![(root, 0usize)];
        while let Some((i, next)) = stack.last_mut() {
            let i = *i;
            if let Some(&d) = dependents(i).get(*next) {
                *next += 1;
                if state[d] == State::New {
                    state[d] = State::Open;
                    stack.push((d, 0));
                }
                continue;
            }
            let step = dependents(i)
                .iter()
                .map(|&d| match state[d] {
                    State::Done(step) => step.max(align(&regions[d])),
                    _ => align(&regions[d]),
                })
                .fold(PAGE_SIZE, u64::max);
            state[i] = State::Done(step);
            stack.pop();
        }
    }
    state
        .into_iter()
        .map(|s| match s {
            State::Done(step) => step,
            _ => PAGE_SIZE,
        })
        .collect()
}

/// `what` must be a non-zero whole number of pages.
fn check_pages(
    bytes: u64,
    step: u64,
    span: Span,
    diags: &mut Diagnostics,
    what: String,
    zero_help: &str,
) -> bool {
    if bytes == 0 {
        diags.push(
            Diagnostic::error(format!("{what} has size zero"), span, "zero size")
                .with_help(zero_help),
        );
        return false;
    }
    if !bytes.is_multiple_of(PAGE_SIZE) {
        diags.push(
            Diagnostic::error(
                format!(
                    "{what} is {} bytes, not a whole number of 4 KiB pages",
                    hex(bytes)
                ),
                span,
                "not a page multiple",
            )
            .with_help(rounding_help(bytes, step)),
        );
        return false;
    }
    true
}

/// "round it to A or B": the multiples of `step` (a power of two, at least a page)
/// around `bytes`, without overflowing.
fn rounding_help(bytes: u64, step: u64) -> String {
    let down = bytes / step * step;
    match (down, down.checked_add(step)) {
        (0, Some(up)) => format!("round it to {}", hex(up)),
        (down, Some(up)) => format!("round it to {} or {}", hex(down), hex(up)),
        (down, None) => format!("round it down to {}", hex(down)),
    }
}

pub(super) fn slot_range_error(name: &str, slot: u64, span: Span, mode: Mode) -> Diagnostic {
    Diagnostic::error(
        format!("region `{name}`: root slot {slot} does not exist"),
        span,
        format!("{mode} root tables have slots 0 to 511"),
    )
    .with_help("slots 0-255 are the low half, 256-511 the high half")
}
