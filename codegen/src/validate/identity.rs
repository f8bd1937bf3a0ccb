//! The boot identity mapping: the physical range the boot code maps at its own
//! address while it turns the MMU on must be canonical and meet no region.

use crate::diag::{Diagnostic, Diagnostics};
use crate::fmt::{hex, human_size};
use crate::paging::Mode;
use crate::plan::Platform;
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
    for (r, name, p) in resolved.placed() {
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
