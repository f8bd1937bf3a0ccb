//! The image region: exactly one, linked at the same offset in its boot superpage as
//! it is loaded, and large enough for the image the platform accepts.

use crate::diag::{Diagnostic, Diagnostics};
use crate::fmt::{hex, human_size};
use crate::plan::{Platform, Purpose};
use crate::resolve::{Extent, Resolved, ResolvedRegion};
use crate::spec::LayoutSpec;

/// The name of the one image region, when there is exactly one and it was placed.
pub(super) fn image(
    spec: &LayoutSpec,
    resolved: &Resolved,
    platform: Option<&Platform>,
    diags: &mut Diagnostics,
) -> Option<String> {
    let mut declared = resolved.regions.iter().filter(|r| r.is(Purpose::Image));
    let Some(first) = declared.next() else {
        // An invalid purpose or a malformed `region` was reported already.
        let knock_on = resolved.regions.iter().any(|r| r.purpose_invalid)
            || (resolved.regions.is_empty() && spec.regions_given);
        if !knock_on {
            diags.push(no_image());
        }
        return None;
    };
    let extra: Vec<&ResolvedRegion> = declared.collect();
    if !extra.is_empty() {
        for r in extra {
            diags.push(
                Diagnostic::error("more than one region has `purpose = \"image\"`", r.purpose_span(), "second image")
                    .with_related(first.purpose_span(), "first image")
                    .with_help("the kernel is linked at exactly one address: make the others `reserved` or `window`"),
            );
        }
        return None;
    }
    let (name, extent) = first.placed()?;
    let platform = platform?;
    check_superpage_offset(spec, first, extent, platform, diags);
    check_sizes(spec, first, name, extent, platform, diags);
    Some(name.to_string())
}

fn no_image() -> Diagnostic {
    Diagnostic::error(
        "no region has `purpose = \"image\"`",
        crate::diag::FILE_START,
        "the kernel needs a link address",
    )
    .with_help("add a [[region]] with `purpose = \"image\"`: the kernel is linked at its start")
}

/// Link and load address sit at the same offset in a boot superpage.
fn check_superpage_offset(
    spec: &LayoutSpec,
    image: &ResolvedRegion,
    extent: Extent,
    platform: &Platform,
    diags: &mut Diagnostics,
) {
    let superpage = platform.boot_superpage;
    let (link, load) = (extent.start, platform.load_address);
    if link % superpage == load % superpage {
        return;
    }
    let load_span = spec
        .platform
        .as_ref()
        .and_then(|p| p.load_address.as_ref())
        .map_or(0..0, |l| l.span.clone());
    diags.push(
        Diagnostic::error(
            format!(
                "the image is linked at {} but loaded at {}: they sit at different offsets in a {} superpage",
                hex(link),
                hex(load),
                human_size(superpage)
            ),
            image.spans.placement.clone(),
            format!("offset {:#x} in its superpage", link % superpage),
        )
        .with_related(load_span, format!("offset {:#x} in its superpage", load % superpage))
        .with_help(format!(
            "the boot mapping maps the image with {} pages, so link address and load address must be equal modulo {}",
            human_size(superpage),
            human_size(superpage)
        )),
    );
}

/// The image region holds `image_max_size`, which holds `identity_size`.
fn check_sizes(
    spec: &LayoutSpec,
    image: &ResolvedRegion,
    name: &str,
    extent: Extent,
    platform: &Platform,
    diags: &mut Diagnostics,
) {
    let platform_spec = spec.platform.as_ref();
    if platform.image_max_size > extent.size {
        let span = platform_spec
            .and_then(|p| p.image_max_size.as_ref())
            .map_or(0..0, |s| s.span.clone());
        diags.push(
            Diagnostic::error(
                format!(
                    "platform.image_max_size ({}) is larger than region `{name}` ({})",
                    human_size(platform.image_max_size),
                    human_size(extent.size)
                ),
                span,
                "image may not fit its region",
            )
            .with_related(image.spans.size_or_anchor(), "the image region's size")
            .with_help(format!("grow region `{name}` or lower image_max_size")),
        );
    }
    if platform.identity_size > platform.image_max_size {
        let span = platform_spec
            .and_then(|p| p.identity_size.as_ref())
            .map_or(0..0, |s| s.span.clone());
        diags.push(
            Diagnostic::error(
                format!(
                    "platform.identity_size ({}) is larger than the image may be ({})",
                    human_size(platform.identity_size),
                    human_size(platform.image_max_size)
                ),
                span,
                "identity area larger than the image",
            )
            .with_help(
                "the identity area is part of the image: keep it smaller than image_max_size",
            ),
        );
    }
}
