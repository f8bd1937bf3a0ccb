//! Rules on resolved addresses, one file per family of checks. Every rule is an
//! error with a span; the plan is only assembled when there are none.

mod boot;
mod c_header;
mod fixmap;
mod free;
mod identity;
mod image;
mod names;
mod nesting;
mod overlap;
mod platform;
mod region;

use crate::diag::Diagnostics;
use crate::needs::Needs;
use crate::paging::Mode;
use crate::plan::assemble::Parts;
use crate::plan::{Gap, Plan};
use crate::resolve::Resolved;
use crate::spec::LayoutSpec;

/// Boot mappings of the image use level-1 leaves (2 MiB superpages).
pub const BOOT_SUPERPAGE: u64 = 2 << 20;

/// Check every rule, and `needs` (a consumer's requirements) when given; the plan
/// when all pass, else `None` with the problems in `diags`.
pub fn validate(
    spec: &LayoutSpec,
    mode: Mode,
    resolved: Resolved,
    needs: Option<&Needs>,
    diags: &mut Diagnostics,
) -> Option<Plan> {
    let platform = platform::platform(spec, mode, diags);
    let nesting = nesting::nesting(&resolved.regions, diags);
    let free = free::FreeSpace {
        spec,
        identity: platform
            .as_ref()
            .map(|p| (p.identity_start, p.identity_end - 1)),
        load: platform.as_ref().map(|p| p.load_address),
        resolved: &resolved,
        nesting: &nesting,
        mode,
    };
    let regions = region::regions(&free, diags);
    for gap in &resolved.gaps {
        overlap::check_gap(gap, mode, diags);
    }
    overlap::overlaps(&free, diags);
    let image = image::image(spec, &resolved, platform.as_ref(), diags);
    if let Some(platform) = &platform {
        identity::identity(spec, platform, &resolved, mode, diags);
        platform::direct_maps_hold_ram(spec, platform, &free, diags);
    }
    let fixmap = fixmap::fixmap(spec, &free, diags);
    names::constant_names(spec, &resolved, diags);
    let c_header = c_header::options(spec, diags);
    let boot_tables = match (&platform, &image, &fixmap) {
        (Some(p), Some(image), Some(fixmap)) => {
            let pieces = boot::Pieces {
                mode,
                platform: p,
                regions: &regions,
                image,
                fixmap,
            };
            boot::boot_tables(spec, &pieces, diags)
        }
        _ => None,
    };
    if let (Some(needs), Some(platform), Some(tables)) = (needs, &platform, boot_tables) {
        let pieces = crate::needs::PlanPieces {
            platform,
            regions: &regions,
            pool_tables: tables.total(),
        };
        crate::needs::check_pieces(needs, spec, &pieces, diags);
    }
    if let Some(needs) = needs {
        let ancestors: Vec<Vec<usize>> = (0..resolved.regions.len())
            .map(|i| nesting.ancestors(i))
            .collect();
        crate::needs::check(needs, spec, &resolved, &ancestors, diags);
    }
    if !diags.is_empty() {
        return None;
    }
    let gaps = plan_gaps(&resolved, &nesting, mode);
    let plan = Plan::assemble(Parts {
        mode,
        platform: platform?,
        regions,
        gaps,
        fixmap: fixmap?,
        image: image?,
        boot_tables: boot_tables?,
        c_header,
    });
    c_header::names(&plan, spec, diags);
    diags.is_empty().then_some(plan)
}

/// The plan's gaps: each with its root slots and the region it lies within, if any.
fn plan_gaps(resolved: &Resolved, nesting: &nesting::Nesting, mode: Mode) -> Vec<Gap> {
    resolved
        .gaps
        .iter()
        .map(|g| Gap {
            first_slot: mode.slot_of(g.start),
            last_slot: mode.slot_of(g.last),
            name: g.name.clone(),
            start: g.start,
            size: g.size,
            last: g.last,
            below: g.below.clone(),
            above: g.above.clone(),
            within: nesting
                .gap_holders(&resolved.regions, g)
                .first()
                .map(|&holder| resolved.regions[holder].name().to_string()),
        })
        .collect()
}
