//! [`LayoutSpec`] → resolved regions and gaps: evaluates sizes and placements (in
//! dependency order, so `after`/`before` chains work in any declaration order) with
//! checked arithmetic. Rules on the resolved addresses live in `validate`.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Diagnostics, Sp, Span, did_you_mean};
use crate::fmt::{hex, human_size};
use crate::paging::{Mode, PAGE_SIZE};
use crate::spec::{GapSpec, LayoutSpec, Placement, RegionSpec};
use crate::units::SizeExpr;

/// A region with its address computed, still tied to the spec it came from.
#[derive(Clone, Debug)]
pub struct Placed {
    /// Index into `LayoutSpec::regions`.
    pub spec: usize,
    pub name: String,
    pub start: u64,
    pub size: u64,
    /// Exclusive end; always representable (a region may not reach 2^64).
    pub end: u64,
}

/// A guard gap with its address computed.
#[derive(Clone, Debug)]
pub struct PlacedGap {
    pub name: String,
    pub name_span: Span,
    pub size_span: Span,
    pub start: u64,
    pub size: u64,
    pub end: u64,
    pub below: String,
    pub above: String,
}

pub struct Resolved {
    pub regions: Vec<Placed>,
    pub gaps: Vec<PlacedGap>,
}

/// Bytes of a size expression; root-slot counts use the mode's slot size.
pub fn size_bytes(
    size: &Sp<SizeExpr>,
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

fn overflow(diags: &mut Diagnostics, span: Span, what: String) {
    diags.push(
        Diagnostic::error(format!("{what} runs past the top of the 64-bit address space"), span, "overflows 2^64")
            .with_help(
                "every exclusive end must fit in 64 bits: leave at least the last page of the address space unused",
            ),
    );
}

pub fn resolve(spec: &LayoutSpec, mode: Mode, diags: &mut Diagnostics) -> Resolved {
    let regions = &spec.regions;
    let n = regions.len();

    // Names: unique, and the index used by `after`/`before`.
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, r) in regions.iter().enumerate() {
        let Some(name) = &r.name else { continue };
        if let Some(&first) = by_name.get(name.value.as_str()) {
            diags.push(
                Diagnostic::error(
                    format!("two regions are named `{}`", name.value),
                    name.span.clone(),
                    "second use",
                )
                .with_related(regions[first].anchor(), "first use")
                .with_help("region names become constants and must be unique; rename one"),
            );
        } else {
            by_name.insert(&name.value, i);
        }
    }

    let sizes: Vec<Option<u64>> = regions
        .iter()
        .map(|r| region_size(r, mode, diags))
        .collect();
    let gap_sizes: Vec<Option<u64>> = regions.iter().map(|r| gap_size(r, mode, diags)).collect();
    let mut starts: Vec<Option<u64>> = vec![None; n];
    // A region whose placement failed with an error already reported: dependents
    // stay unresolved silently instead of piling on knock-on errors.
    let mut failed = vec![false; n];
    for (i, r) in regions.iter().enumerate() {
        if r.placement.is_none() || r.name.is_none() {
            failed[i] = true;
        }
    }

    // Resolve in dependency order: an explicit depth-first walk along the
    // `after`/`before` chains, so a long chain costs linear time and no recursion.
    let mut waiting = vec![false; n];
    for root in 0..n {
        let mut stack = vec![root];
        while let Some(&i) = stack.last() {
            if failed[i] || starts[i].is_some() {
                waiting[i] = false;
                stack.pop();
                continue;
            }
            let r = &regions[i];
            let placement = r
                .placement
                .as_ref()
                .expect("unfailed regions have a placement");
            let outcome = place(
                r,
                &placement.value,
                placement.span.clone(),
                i,
                sizes[i],
                gap_sizes[i],
                &starts,
                &sizes,
                &failed,
                &by_name,
                mode,
                diags,
            );
            match outcome {
                Step::Placed(start) => starts[i] = Some(start),
                Step::Failed => failed[i] = true,
                Step::Waiting(target) if waiting[target] => {
                    // `target` is further down the stack: everything above it is a cycle.
                    let from = stack
                        .iter()
                        .position(|&j| j == target)
                        .expect("waiting regions are on the stack");
                    for &j in &stack[from..] {
                        cycle(j, regions, &by_name, diags);
                    }
                    for &j in &stack {
                        failed[j] = true;
                        waiting[j] = false;
                    }
                    stack.clear();
                }
                Step::Waiting(target) => {
                    waiting[i] = true;
                    stack.push(target);
                }
            }
        }
    }

    let mut placed = Vec::new();
    for i in 0..n {
        let (Some(start), Some(size), Some(name)) = (starts[i], sizes[i], &regions[i].name) else {
            continue;
        };
        match start.checked_add(size) {
            Some(end) => placed.push(Placed {
                spec: i,
                name: name.value.clone(),
                start,
                size,
                end,
            }),
            None => {
                let span = regions[i]
                    .size
                    .as_ref()
                    .map_or(name.span.clone(), |s| s.span.clone());
                overflow(
                    diags,
                    span,
                    format!(
                        "region `{}` ({} at {})",
                        name.value,
                        human_size(size),
                        hex(start)
                    ),
                );
            }
        }
    }

    let gaps = gaps(regions, &placed, &gap_sizes);
    Resolved {
        regions: placed,
        gaps,
    }
}

enum Step {
    Placed(u64),
    /// Needs the region with this index placed first.
    Waiting(usize),
    Failed,
}

/// Report the placement cycle that region `i` is part of.
fn cycle(
    i: usize,
    regions: &[RegionSpec],
    by_name: &HashMap<&str, usize>,
    diags: &mut Diagnostics,
) {
    let chain = dependency_chain(i, regions, by_name);
    let placement = regions[i]
        .placement
        .as_ref()
        .expect("a region in a cycle has a placement");
    diags.push(
        Diagnostic::error(
            format!("the placement of region `{}` depends on itself", chain[0]),
            placement.span.clone(),
            "part of a placement cycle",
        )
        .with_help(format!(
            "{}: anchor one region of the cycle with `at`, `slot` or `slots`",
            chain.join(" → ")
        )),
    );
}

fn region_size(r: &RegionSpec, mode: Mode, diags: &mut Diagnostics) -> Option<u64> {
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
            Some((last - first + 1) * mode.root_slot_size())
        }
        Some(Placement::Slot(_)) if r.size.is_none() => Some(mode.root_slot_size()),
        _ => match &r.size {
            Some(size) => {
                let bytes = size_bytes(size, "size", mode, diags)?;
                check_size(name, bytes, size.span.clone(), diags).then_some(bytes)
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
fn gap_size(r: &RegionSpec, mode: Mode, diags: &mut Diagnostics) -> Option<u64> {
    let name = r.name.as_ref().map_or("?", |n| n.value.as_str());
    match r.placement.as_ref().map(|p| &p.value) {
        Some(Placement::After { gap: Some(g), .. } | Placement::Before { gap: Some(g), .. }) => {
            let bytes = size_bytes(&g.size, "gap", mode, diags)?;
            check_gap_size(name, bytes, g.size.span.clone(), diags).then_some(bytes)
        }
        _ => Some(0),
    }
}

/// A guard gap must be whole, non-zero pages; checked before it moves a region.
fn check_gap_size(region: &str, bytes: u64, span: Span, diags: &mut Diagnostics) -> bool {
    check_pages(
        bytes,
        span,
        diags,
        format!("the gap next to region `{region}`"),
        "remove `gap` to place the regions back to back, or give the gap a size such as \"2M\"",
    )
}

/// Sizes must be whole, non-zero pages. Checked before placement so a bad size does
/// not ripple into misplacing every region placed relative to this one.
fn check_size(name: &str, bytes: u64, span: Span, diags: &mut Diagnostics) -> bool {
    check_pages(
        bytes,
        span,
        diags,
        format!("region `{name}`"),
        "give it a size such as \"2M\", or remove the region",
    )
}

/// `what` must be a non-zero whole number of pages.
fn check_pages(
    bytes: u64,
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
            .with_help(rounding_help(bytes)),
        );
        return false;
    }
    true
}

/// "round it to A or B": the page multiples around `bytes`, without overflowing.
fn rounding_help(bytes: u64) -> String {
    let down = bytes / PAGE_SIZE * PAGE_SIZE;
    match (down, down.checked_add(PAGE_SIZE)) {
        (0, Some(up)) => format!("round it to {}", hex(up)),
        (down, Some(up)) => format!("round it to {} or {}", hex(down), hex(up)),
        (down, None) => format!("round it down to {}", hex(down)),
    }
}

fn slot_range_error(name: &str, slot: u64, span: Span, mode: Mode) -> Diagnostic {
    Diagnostic::error(
        format!("region `{name}`: root slot {slot} does not exist"),
        span,
        format!("{mode} root tables have slots 0 to 511"),
    )
    .with_help("slots 0-255 are the low half, 256-511 the high half")
}

#[allow(clippy::too_many_arguments)]
fn place(
    r: &RegionSpec,
    placement: &Placement,
    span: Span,
    index: usize,
    own_size: Option<u64>,
    own_gap: Option<u64>,
    starts: &[Option<u64>],
    sizes: &[Option<u64>],
    failed: &[bool],
    by_name: &HashMap<&str, usize>,
    mode: Mode,
    diags: &mut Diagnostics,
) -> Step {
    let name = r.name.as_ref().map_or("?", |n| n.value.as_str());
    match placement {
        Placement::At(expr) => match expr.eval(|i| mode.slot_address(i)) {
            Ok(addr) => Step::Placed(addr),
            Err(why) => {
                diags.push(
                    Diagnostic::error(format!("region `{name}`: {why}"), span, "bad address")
                        .with_help(format!("{mode} addresses run from 0 to {}", hex(u64::MAX))),
                );
                Step::Failed
            }
        },
        Placement::Slot(slot) | Placement::Slots(slot, _) => match mode.slot_address(*slot) {
            Some(addr) => Step::Placed(addr),
            None => {
                diags.push(slot_range_error(name, *slot, span, mode));
                Step::Failed
            }
        },
        Placement::After { target, gap } | Placement::Before { target, gap } => {
            let Some(&t) = by_name.get(target.value.as_str()) else {
                let mut d = Diagnostic::error(
                    format!(
                        "region `{name}` is placed relative to `{}`, which is not a region",
                        target.value
                    ),
                    target.span.clone(),
                    "unknown region",
                );
                d = match did_you_mean(&target.value, by_name.keys().copied()) {
                    Some(best) => d.with_help(format!("did you mean `{best}`?")),
                    None => d.with_help(format!("the regions are: {}", sorted_names(by_name))),
                };
                diags.push(d);
                return Step::Failed;
            };
            if t == index {
                diags.push(
                    Diagnostic::error(
                        format!("region `{name}` is placed relative to itself"),
                        target.span.clone(),
                        "self reference",
                    )
                    .with_help("name the neighbouring region here"),
                );
                return Step::Failed;
            }
            if failed[t] || sizes[t].is_none() {
                return Step::Failed;
            }
            let Some(target_start) = starts[t] else {
                return Step::Waiting(t);
            };
            let target_size = sizes[t].expect("checked above");
            let Some(gap_size) = own_gap else {
                return Step::Failed; // a bad gap, reported when it was sized
            };
            let gap_span = gap.as_ref().map_or(span.clone(), |g| g.size.span.clone());
            let what = format!(
                "region `{name}` placed {} `{}`",
                placement_word(placement),
                target.value
            );
            if matches!(placement, Placement::After { .. }) {
                let Some(target_end) = target_start.checked_add(target_size) else {
                    return Step::Failed; // reported when the target itself is checked
                };
                match target_end.checked_add(gap_size) {
                    Some(start) => Step::Placed(start),
                    None => {
                        overflow(diags, gap_span, what);
                        Step::Failed
                    }
                }
            } else {
                let Some(size) = own_size else {
                    return Step::Failed;
                };
                match target_start
                    .checked_sub(gap_size)
                    .and_then(|end| end.checked_sub(size))
                {
                    Some(start) => Step::Placed(start),
                    None => {
                        diags.push(
                            Diagnostic::error(
                                format!(
                                    "{what} would start below address 0: {} + {} of gap do not fit below {}",
                                    human_size(size),
                                    human_size(gap_size),
                                    hex(target_start)
                                ),
                                span,
                                "underflows 0",
                            )
                            .with_help(format!("place `{name}` with `after` or an absolute `at` instead")),
                        );
                        Step::Failed
                    }
                }
            }
        }
    }
}

fn placement_word(p: &Placement) -> &'static str {
    match p {
        Placement::Before { .. } => "before",
        _ => "after",
    }
}

fn sorted_names(by_name: &HashMap<&str, usize>) -> String {
    let mut names: Vec<&str> = by_name.keys().copied().collect();
    names.sort_unstable();
    let more = names.len().saturating_sub(12);
    names.truncate(12);
    let listed = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        format!("{listed} and {more} more")
    } else {
        listed
    }
}

/// `a → b → a` for a region caught in a placement cycle.
fn dependency_chain(
    start: usize,
    regions: &[RegionSpec],
    by_name: &HashMap<&str, usize>,
) -> Vec<String> {
    let mut chain = Vec::new();
    let mut seen = Vec::new();
    let mut current = start;
    loop {
        let r = &regions[current];
        chain.push(r.name.as_ref().map_or("?".into(), |n| n.value.clone()));
        if seen.contains(&current) {
            break;
        }
        seen.push(current);
        let next = match r.placement.as_ref().map(|p| &p.value) {
            Some(Placement::After { target, .. } | Placement::Before { target, .. }) => {
                by_name.get(target.value.as_str())
            }
            _ => None,
        };
        match next {
            Some(&n) => current = n,
            None => break,
        }
    }
    chain
}

/// The guard gaps of placed regions, with the sizes `gap_size` checked.
fn gaps(regions: &[RegionSpec], placed: &[Placed], gap_sizes: &[Option<u64>]) -> Vec<PlacedGap> {
    let find = |name: &str| placed.iter().find(|p| p.name == name);
    let mut out = Vec::new();
    for p in placed {
        let r = &regions[p.spec];
        let Some(Sp {
            value:
                Placement::After {
                    target,
                    gap: Some(gap),
                }
                | Placement::Before {
                    target,
                    gap: Some(gap),
                },
            ..
        }) = &r.placement
        else {
            continue;
        };
        let after = matches!(
            r.placement.as_ref().map(|p| &p.value),
            Some(Placement::After { .. })
        );
        let Some(other) = find(&target.value) else {
            continue;
        };
        let (below, above) = if after { (other, p) } else { (p, other) };
        let size = gap_sizes[p.spec].expect("a region with an invalid gap was not placed");
        let GapSpec {
            size: size_spec,
            name,
        } = gap;
        debug_assert!(size > 0 && size.is_multiple_of(PAGE_SIZE));
        let gap_name = name.as_ref().map_or_else(
            || format!("{}_{}_gap", below.name, above.name),
            |n| n.value.clone(),
        );
        let name_span = name
            .as_ref()
            .map_or(size_spec.span.clone(), |n| n.span.clone());
        out.push(PlacedGap {
            name: gap_name,
            name_span,
            size_span: size_spec.span.clone(),
            start: below.end,
            size,
            end: above.start,
            below: below.name.clone(),
            above: above.name.clone(),
        });
    }
    out
}
