//! The boot identity mapping: the physical range the boot code maps at its own
//! address while it turns the MMU on must be canonical and meet no region, for
//! every load address the plan allows.

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::fmt::{hex, human_size};
use crate::paging::Mode;
use crate::plan::{Platform, Purpose};
use crate::resolve::{Extent, Resolved};
use crate::spec::LayoutSpec;

/// The load addresses `[platform]` allows, `first + k·align` for `k` in
/// `0..=k_max`, and the identity range each implies. `align` is a multiple of
/// the boot superpage (checked with the platform), so the identity range of
/// load `k` is that of load 0 moved up by `k·align`.
struct Loads {
    first: u64,
    align: u64,
    k_max: u64,
    /// The identity range `[start, end)` of the lowest load address.
    start0: u64,
    end0: u64,
}

impl Loads {
    fn of(p: &Platform) -> Option<Self> {
        let (start0, end0) =
            Platform::identity_range(p.load_first, p.image_max_size, p.boot_superpage)?;
        Some(Loads {
            first: p.load_first,
            align: p.load_align,
            k_max: (p.load_last - p.load_first) / p.load_align,
            start0,
            end0,
        })
    }

    /// Load address `k` and its identity range `[start, end)`.
    fn at(&self, k: u64) -> (u64, u64, u64) {
        let shift = k * self.align; // ≤ load_last - load_first: no overflow
        (self.first + shift, self.start0 + shift, self.end0 + shift)
    }

    /// The lowest `k` whose identity range meets `extent`.
    fn first_meeting(&self, first: u64, last: u64) -> Option<u64> {
        // The range's end grows with k: the first k whose end passes `first`,
        // unless by then the range starts above `last`.
        let need = u128::from(first) + 1;
        let k = need
            .saturating_sub(u128::from(self.end0))
            .div_ceil(u128::from(self.align));
        let k = u64::try_from(k).ok().filter(|&k| k <= self.k_max)?;
        (self.at(k).1 <= last).then_some(k)
    }

    /// What to call load address `k` in a message.
    fn name(&self, k: u64) -> String {
        let (load, ..) = self.at(k);
        match (k, self.k_max) {
            (_, 0) => format!("the load address {}", hex(load)),
            (0, _) => format!("load address {} (the lowest load_range allows)", hex(load)),
            _ => format!(
                "load address {} (the lowest in load_range that fails)",
                hex(load)
            ),
        }
    }
}

/// The boot code identity-maps the superpages that hold the loaded image; nothing
/// the plan maps may sit there, and the range must be canonical.
pub(super) fn identity(
    spec: &LayoutSpec,
    platform: &Platform,
    resolved: &Resolved,
    mode: Mode,
    diags: &mut Diagnostics,
) {
    let Some(loads) = Loads::of(platform) else {
        return; // reported with the platform
    };
    let span = load_span(spec);
    if platform.identity_end > mode.low_half_end() {
        // The end grows with the load address: the first that escapes.
        let k = loads
            .first_meeting(mode.low_half_end(), u64::MAX)
            .unwrap_or(loads.k_max);
        let (_, start, end) = loads.at(k);
        diags.push(
            Diagnostic::error(
                format!("{} cannot be identity-mapped in {mode}", loads.name(k)),
                span,
                format!("the identity mapping needs {}..{}", hex(start), hex(end)),
            )
            .with_help(format!(
                "the identity range must end at or below {}, where {mode}'s low half ends: lower `load_address` (or load_range) or `image_max_size`, or use a mode with more VA bits",
                hex(mode.low_half_end())
            )),
        );
        return;
    }
    inside_identity_areas(&loads, resolved, load_range_span(spec), diags);
    for (r, name, p) in resolved.placed() {
        if r.is(Purpose::Identity) {
            continue; // kept for the identity mapping: judged above
        }
        let Some(k) = loads.first_meeting(p.start, p.last) else {
            continue;
        };
        let (_, start, end) = loads.at(k);
        diags.push(
            Diagnostic::error(
                format!(
                    "region `{name}` ({} at {}) overlaps the boot identity mapping {}..{} of {}",
                    human_size(p.size),
                    hex(p.start),
                    hex(start),
                    hex(end),
                    loads.name(k)
                ),
                r.spans.anchor.clone(),
                "collides with the identity mapping",
            )
            .with_related(
                span.clone(),
                "the image is loaded here and identity-mapped while the MMU is switched on",
            )
            .with_help("move the region, or the load address, so the two do not meet"),
        );
    }
}

fn load_span(spec: &LayoutSpec) -> Span {
    spec.platform
        .as_ref()
        .and_then(|p| p.load_address.as_ref())
        .map_or(0..0, |l| l.span.clone())
}

fn load_range_span(spec: &LayoutSpec) -> Span {
    spec.platform
        .as_ref()
        .and_then(|p| p.load_range.as_ref().map(|r| r.span.clone()))
        .unwrap_or_else(|| load_span(spec))
}

/// With regions of purpose `identity`, the identity range of every allowed load
/// address lies inside one of them. Walking up from the lowest load address, each
/// area that holds a range holds the following ones until their end passes its
/// last byte: the first load address no area holds is named.
fn inside_identity_areas(loads: &Loads, resolved: &Resolved, span: Span, diags: &mut Diagnostics) {
    let areas: Vec<(&str, Extent)> = resolved
        .placed()
        .filter(|(r, _, _)| r.is(Purpose::Identity))
        .map(|(_, name, extent)| (name, extent))
        .collect();
    if areas.is_empty() {
        return;
    }
    let mut k = 0;
    loop {
        let (_, start, end) = loads.at(k);
        let holder = areas
            .iter()
            .find(|(_, a)| a.start <= start && end - 1 <= a.last);
        let Some((_, area)) = holder else {
            break;
        };
        // The last k whose range still ends inside `area`; then the next.
        let fits = (u128::from(area.last) + 1 - u128::from(loads.end0)) / u128::from(loads.align);
        match u64::try_from(fits).ok().filter(|&f| f < loads.k_max) {
            Some(f) => k = f + 1,
            None => return, // every load address is held
        }
    }
    let (_, start, end) = loads.at(k);
    let names = areas
        .iter()
        .map(|(n, a)| format!("`{n}` ({}..={})", hex(a.start), hex(a.last)))
        .collect::<Vec<_>>()
        .join(", ");
    diags.push(
        Diagnostic::error(
            format!(
                "{} would be identity-mapped at {}..{}, outside the identity area {names}",
                loads.name(k),
                hex(start),
                hex(end)
            ),
            span,
            "identity mapping outside the identity area",
        )
        .with_help("move the load address (or load_range) so its image lies inside the identity area, or grow the area"),
    );
}
