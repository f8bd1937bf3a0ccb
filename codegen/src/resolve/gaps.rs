//! The guard gaps between placed regions: each `after`/`before` with a `gap` names
//! the space between the two regions, never mapped.

use super::{PlacedGap, ResolvedRegion};
use crate::paging::PAGE_SIZE;
use crate::spec::{GapSpec, Placement, RegionSpec};

/// The guard gaps of placed regions. `specs`, `regions` and `gap_sizes` are in
/// declaration order; a gap's size was checked when it was sized.
pub(super) fn gaps(
    specs: &[RegionSpec],
    regions: &[ResolvedRegion],
    gap_sizes: &[Option<u64>],
) -> Vec<PlacedGap> {
    let find = |name: &str| {
        regions
            .iter()
            .find_map(|r| r.placed().filter(|(n, _)| *n == name))
    };
    let mut out = Vec::new();
    for ((spec, region), gap_size) in specs.iter().zip(regions).zip(gap_sizes) {
        let Some(placement) = &spec.placement else {
            continue;
        };
        let (after, target, gap) = match &placement.value {
            Placement::After {
                target,
                gap: Some(gap),
            } => (true, target, gap),
            Placement::Before {
                target,
                gap: Some(gap),
            } => (false, target, gap),
            _ => continue,
        };
        let (Some(own), Some(other)) = (region.placed(), find(&target.value)) else {
            continue;
        };
        let ((below, below_extent), (above, above_extent)) =
            if after { (other, own) } else { (own, other) };
        let size = gap_size.expect("a region with an invalid gap was not placed");
        debug_assert!(size > 0 && size.is_multiple_of(PAGE_SIZE));
        let GapSpec {
            size: size_spec,
            name,
        } = gap;
        out.push(PlacedGap {
            name: name
                .as_ref()
                .map_or_else(|| format!("{below}_{above}_gap"), |n| n.value.clone()),
            name_span: name
                .as_ref()
                .map_or(size_spec.span.clone(), |n| n.span.clone()),
            size_span: size_spec.span.clone(),
            start: below_extent.last + 1,
            size,
            last: above_extent.start - 1,
            below: below.to_string(),
            above: above.to_string(),
        });
    }
    out
}
