//! Rules on one region at a time: its alignment, its place in a canonical half, and
//! its permissions (W^X).

use super::free::FreeSpace;
use crate::diag::{Diagnostic, Diagnostics, Span, Spanned};
use crate::fmt::{hex, human_size};
use crate::paging::{Mode, PAGE_SIZE};
use crate::plan::{Perms, Purpose, Region};
use crate::resolve::{Declared, Extent, ResolvedRegion};

/// `region `x` (2 MiB at 0x…)`, the way messages name a placed region.
pub(super) fn describe(name: &str, start: u64, size: u64) -> String {
    format!("region `{name}` ({} at {})", human_size(size), hex(start))
}

/// Every placed region that passes its own rules, as the plan will hold it.
pub(super) fn regions(free: &FreeSpace<'_>, diags: &mut Diagnostics) -> Vec<Region> {
    free.resolved
        .regions
        .iter()
        .enumerate()
        .filter_map(|(index, r)| match r.placed() {
            Some((name, extent)) => region(free, index, name, extent, diags),
            None => {
                // Its placement failed (reported): the rules that need no address
                // still run, so one run reports every problem.
                let _ = alignment(r, r.name(), diags);
                let purpose = r.purpose.as_ref().map(|p| p.value);
                let _ = purpose.and_then(|p| perms(r, r.name(), p, diags));
                None
            }
        })
        .collect()
}

fn region(
    free: &FreeSpace<'_>,
    index: usize,
    name: &str,
    extent: Extent,
    diags: &mut Diagnostics,
) -> Option<Region> {
    let (r, mode) = (&free.resolved.regions[index], free.mode);
    // Zero and non-page sizes were rejected during resolution.
    debug_assert!(extent.size > 0 && extent.size.is_multiple_of(PAGE_SIZE));
    // Every rule runs, whatever the others found, so one run reports them all.
    let align = alignment(r, name, diags);
    let aligned = align
        .as_ref()
        .is_some_and(|a| check_aligned(free, index, extent, a.as_ref(), diags));
    let canonical = check_canonical(r, name, extent, mode, diags);
    let purpose = r.purpose.as_ref().map(|p| p.value);
    let perms = purpose.and_then(|p| perms(r, name, p, diags));
    let (Some(align), Some(purpose), Some((perms, wx_ok))) = (align, purpose, perms) else {
        return None;
    };
    if !(aligned && canonical && wx_ok) || extent.refused {
        return None;
    }
    let region = Region {
        name: name.to_string(),
        purpose,
        start: extent.start,
        size: extent.size,
        last: extent.last,
        align: align.map_or(PAGE_SIZE, |a| a.value),
        perms,
        description: r.description.clone(),
        within: r.within.as_ref().map(|w| w.value.clone()),
        first_slot: mode.slot_of(extent.start),
        last_slot: mode.slot_of(extent.last),
    };
    assert!(
        region.first_slot <= region.last_slot,
        "a canonical region that does not straddle keeps slot order"
    );
    Some(region)
}

/// The alignment the region asks for: `Some(None)` for the default (one page),
/// `None` when `align` is invalid (reported).
fn alignment(
    r: &ResolvedRegion,
    name: &str,
    diags: &mut Diagnostics,
) -> Option<Option<Spanned<u64>>> {
    // The powers of two either side, keeping to those the start already meets.
    let choices = |bytes: u64| -> String {
        let below = prev_power_of_two(bytes).max(PAGE_SIZE);
        let met = |a: u64| r.extent.is_none_or(|e| e.start.is_multiple_of(a));
        let mut ok: Vec<String> = [below, below.saturating_mul(2)]
            .into_iter()
            .filter(|&a| met(a))
            .map(human_size)
            .collect();
        if ok.is_empty() {
            // The largest power of two the start is a multiple of (at least a page).
            let start = r.extent.map_or(PAGE_SIZE, |e| e.start);
            ok.push(human_size(1u64 << start.trailing_zeros().min(63)));
        }
        format!("use {}", ok.join(" or "))
    };
    let a = match &r.align {
        Declared::Absent => return Some(None),
        Declared::Invalid => return None,
        Declared::Given(a) => a,
    };
    let bytes = a.value;
    if !bytes.is_power_of_two() {
        diags.push(
            Diagnostic::error(
                format!("region `{name}`: alignment {bytes:#x} is not a power of two"),
                a.span.clone(),
                "not a power of two",
            )
            .with_help(choices(bytes)),
        );
        return None;
    }
    if bytes < PAGE_SIZE {
        diags.push(
            Diagnostic::error(
                format!(
                    "region `{name}`: alignment {} is below the 4 KiB page size",
                    human_size(bytes)
                ),
                a.span.clone(),
                "smaller than a page",
            )
            .with_help("regions are mapped in pages: use at least \"4K\""),
        );
        return None;
    }
    Some(Some(a.clone()))
}

fn prev_power_of_two(n: u64) -> u64 {
    if n == 0 {
        1
    } else {
        1 << (63 - n.leading_zeros())
    }
}

/// The start meets the alignment (one page unless `align` says more).
fn check_aligned(
    free: &FreeSpace<'_>,
    index: usize,
    extent: Extent,
    align: Option<&Spanned<u64>>,
    diags: &mut Diagnostics,
) -> bool {
    let r = &free.resolved.regions[index];
    let name = r.name();
    let bytes = align.map_or(PAGE_SIZE, |a| a.value);
    let start = extent.start;
    if start.is_multiple_of(bytes) {
        return true;
    }
    let below = start / bytes * bytes;
    let mut d = Diagnostic::error(
        format!(
            "{} is not aligned to {}",
            describe(name, start, extent.size),
            human_size(bytes)
        ),
        r.spans.placement.clone(),
        format!(
            "{} is {} past a {} boundary",
            hex(start),
            human_size(start - below),
            human_size(bytes)
        ),
    );
    if let Some(a) = align {
        d = d.with_related(a.span.clone(), "alignment required here");
    }
    // The nearest aligned starts below and above where the region meets nothing.
    let starts: Vec<String> = [
        free.below(index, start, extent.size, bytes),
        free.above(index, start, extent.size, bytes),
    ]
    .into_iter()
    .flatten()
    .map(hex)
    .collect();
    let mut starts = starts;
    starts.dedup();
    diags.push(d.with_help(if starts.is_empty() {
        "no aligned start nearby leaves the region clear of the others: move it elsewhere, or lower `align`".to_string()
    } else {
        format!(
            "move the start to {} (adjust the placement or the gap), or lower `align`",
            starts.join(" or ")
        )
    }));
    false
}

/// The region starts at a canonical address and stays inside one half.
fn check_canonical(
    r: &ResolvedRegion,
    name: &str,
    extent: Extent,
    mode: Mode,
    diags: &mut Diagnostics,
) -> bool {
    let what = describe(name, extent.start, extent.size);
    let (low_end, high_start) = (mode.low_half_end(), mode.high_half_start());
    if !mode.is_canonical(extent.start) {
        diags.push(
            Diagnostic::error(format!("{what} starts at a non-canonical address in {mode}"), r.spans.placement.clone(), "not canonical")
                .with_help(format!(
                    "{mode} addresses are canonical below {} or from {} up (root slots 0-255 and 256-511)",
                    hex(low_end),
                    hex(high_start)
                )),
        );
        return false;
    }
    if !mode.in_one_half(extent.start, extent.last) {
        diags.push(
            Diagnostic::error(
                format!("{what} straddles the canonical hole of {mode}"),
                r.spans.size.clone().unwrap_or_else(|| r.spans.placement.clone()),
                format!("crosses {}, the end of the low half", hex(low_end)),
            )
            .with_related(r.spans.placement.clone(), "starts in the low half")
            .dedup_related()
            .with_help(format!(
                "{mode} has no addresses from {} to {}: keep the region inside root slots 0-255 or 256-511",
                hex(low_end),
                hex(high_start - 1)
            )),
        );
        return false;
    }
    true
}

/// The region's permissions and whether they pass W^X; `None` when they are
/// missing or invalid in a way that leaves nothing to check.
fn perms(
    r: &ResolvedRegion,
    name: &str,
    purpose: Purpose,
    diags: &mut Diagnostics,
) -> Option<(Perms, bool)> {
    match (&r.perms, purpose) {
        (Declared::Given(perms), Purpose::Image) => {
            diags.push(image_has_perms(name, perms.span.clone()));
            None
        }
        (_, Purpose::Image) => Some((Perms::SECTIONS, true)),
        // Mapped only by the boot code, for the switch; nothing after boot.
        (Declared::Absent, Purpose::Identity) => Some((Perms::NONE, true)),
        (Declared::Given(perms), Purpose::Identity) => {
            diags.push(
                Diagnostic::error(format!("region `{name}` is an identity area: it takes no `perms`"), perms.span.clone(), "remove this")
                    .with_help("the boot code maps the identity range itself while it turns the MMU on; nothing is mapped there after boot"),
            );
            None
        }
        (Declared::Given(perms), _) => {
            let wx = perms.value.write && perms.value.exec && !r.allow_wx;
            if wx {
                diags.push(
                    Diagnostic::error(format!("region `{name}` is both writable and executable"), perms.span.clone(), "W and X together")
                        .with_help("drop `w` or `x`; if the region really must be W+X, add `allow_wx = true` to say so"),
                );
            }
            Some((perms.value, !wx))
        }
        (Declared::Invalid, _) => None,
        (Declared::Absent, _) => {
            diags.push(
                Diagnostic::error(
                    format!("region `{name}` has no `perms`"),
                    r.spans.anchor.clone(),
                    "permissions missing",
                )
                .with_help("add `perms = \"rw\"` (letters r, w, x)"),
            );
            None
        }
    }
}

fn image_has_perms(name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        format!("region `{name}` is the image: it has no `perms` of its own"),
        span,
        "remove this",
    )
    .with_help("the image is mapped section by section: text r-x, rodata r--, data and bss rw-")
}
