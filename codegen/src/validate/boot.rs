//! The boot table pool: the plan computes how many tables the reference kernel's
//! boot mappings take (see [`crate::plan::boot_tables`]); the pool lives in the
//! image's bss, so a plan whose pool alone would not fit the largest image the
//! platform loads is refused.

use crate::diag::{Diagnostic, Diagnostics};
use crate::fmt::human_size;
use crate::paging::{Mode, PAGE_SIZE};
use crate::plan::boot_tables::{BootMappings, BootTables, KernelRanges, fdt_window};
use crate::plan::{Fixmap, Platform, Region};
use crate::spec::LayoutSpec;

/// The checked pieces the boot mappings follow from.
pub(super) struct Pieces<'a> {
    pub mode: Mode,
    pub platform: &'a Platform,
    pub regions: &'a [Region],
    /// The image region's name.
    pub image: &'a str,
    pub fixmap: &'a Fixmap,
}

/// The boot tables of a plan whose other rules passed.
pub(super) fn boot_tables(
    spec: &LayoutSpec,
    pieces: &Pieces<'_>,
    diags: &mut Diagnostics,
) -> Option<BootTables> {
    let Pieces {
        mode,
        platform,
        regions,
        image,
        fixmap,
    } = *pieces;
    let image = regions.iter().find(|r| r.name == image)?;
    let identity = Platform::identity_range(
        platform.load_first,
        platform.image_max_size,
        platform.boot_superpage,
    )?;
    // The DTB goes into the window with the lowest address.
    let window = fdt_window(regions);
    let kernel = KernelRanges::new(image, regions, fixmap, identity, platform.load_first).all();
    let tables = BootMappings {
        mode,
        identity,
        other_loads: (platform.load_last - platform.load_first) / platform.load_align,
        load_step: platform.load_align,
        kernel,
    }
    .tables();
    let bytes = u128::from(tables.total()) * u128::from(PAGE_SIZE);
    if bytes >= u128::from(platform.image_max_size) {
        let span = spec
            .platform
            .as_ref()
            .and_then(|p| p.image_max_size.as_ref())
            .map_or(0..0, |s| s.span.clone());
        let mut d = Diagnostic::error(
            format!(
                "the boot page tables alone ({} tables: {} for the identity range, {} for the image, fixmap, FDT window and direct map; {}) do not fit an image of image_max_size ({})",
                tables.total(),
                tables.identity,
                tables.kernel,
                human_size(u64::try_from(bytes).unwrap_or(u64::MAX)),
                human_size(platform.image_max_size)
            ),
            span,
            "the boot table pool lives in the image",
        );
        if let Some(w) = window {
            d = d.with_help(format!(
                "the kernel maps the DTB anywhere in window `{}` ({}) at boot, one level-0 table per 2 MiB: make that window smaller, or raise image_max_size",
                w.name,
                human_size(w.size)
            ));
        }
        diags.push(d);
    }
    Some(tables)
}
