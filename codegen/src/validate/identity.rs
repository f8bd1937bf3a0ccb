//! The boot identity mapping: the physical range the boot code maps at its own
//! address while it turns the MMU on must be canonical and meet no region.

use crate::diag::{Diagnostic, Diagnostics};
use crate::fmt::{hex, human_size};
use crate::paging::Mode;
use crate::plan::{Platform, Purpose};
use crate::resolve::Resolved;
use crate::spec::LayoutSpec;

/// The boot code identity-maps the superpages that hold the loaded image; nothing
/// the plan maps may sit there, and the range must be canonical.
pub(super) fn identity(
    spec: &LayoutSpec,
    platform: &Platform,
    resolved: &Resolved,
    mode: Mode,
    diags: &mut Diagnostics,
) {
    let (start, end) = (platform.identity_start, platform.identity_end);
    let span = spec
        .platform
        .as_ref()
        .and_then(|p| p.load_address.as_ref())
        .map_or(0..0, |l| l.span.clone());
    if end > mode.low_half_end() {
        diags.push(
            Diagnostic::error(
                format!(
                    "the load address {} cannot be identity-mapped in {mode}",
                    hex(platform.load_address)
                ),
                span,
                format!("the identity mapping needs {}..{}", hex(start), hex(end)),
            )
            .with_help(format!(
                "the identity range must end below {}, where {mode}'s low half ends: lower `load_address` or `image_max_size`, or use a mode with more VA bits",
                hex(mode.low_half_end())
            )),
        );
        return;
    }
    inside_identity_areas(spec, platform, resolved, diags);
    for (r, name, p) in resolved.placed() {
        if r.is(Purpose::Identity) {
            continue; // kept for the identity mapping: judged above
        }
        if p.start < end && start <= p.last {
            diags.push(
                Diagnostic::error(
                    format!(
                        "region `{name}` ({} at {}) overlaps the boot identity mapping {}..{}",
                        human_size(p.size),
                        hex(p.start),
                        hex(start),
                        hex(end)
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
}

/// With regions of purpose `identity`, the identity range of every allowed load
/// address lies inside one of them. The ranges grow with the load address, so the
/// lowest and the highest allowed address are the ones that can escape: each that
/// does is named.
fn inside_identity_areas(
    spec: &LayoutSpec,
    platform: &Platform,
    resolved: &Resolved,
    diags: &mut Diagnostics,
) {
    let areas: Vec<(&str, crate::resolve::Extent)> = resolved
        .placed()
        .filter(|(r, _, _)| r.is(Purpose::Identity))
        .map(|(_, name, extent)| (name, extent))
        .collect();
    if areas.is_empty() {
        return;
    }
    let p = spec.platform.as_ref();
    let span = p
        .and_then(|p| {
            p.load_range
                .as_ref()
                .map(|r| r.span.clone())
                .or_else(|| p.load_address.as_ref().map(|l| l.span.clone()))
        })
        .unwrap_or(0..0);
    let mut loads = vec![platform.load_first];
    if platform.load_last != platform.load_first {
        loads.push(platform.load_last);
    }
    for load in loads {
        let Some((start, end)) =
            Platform::identity_range(load, platform.image_max_size, platform.boot_superpage)
        else {
            continue; // reported with the platform
        };
        let contained = areas
            .iter()
            .any(|(_, a)| a.start <= start && end - 1 <= a.last);
        if contained {
            continue;
        }
        let names = areas
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        diags.push(
            Diagnostic::error(
                format!(
                    "load address {} would be identity-mapped at {}..{}, outside the identity area {names}",
                    hex(load),
                    hex(start),
                    hex(end)
                ),
                span.clone(),
                "identity mapping outside the identity area",
            )
            .with_help("move the load address (or load_range) so its image lies inside the identity area, or grow the area"),
        );
    }
}
