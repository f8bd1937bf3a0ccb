//! Regions inside others on purpose (`within = "<region>"`): the named region
//! exists, the chain has no cycle, and each nested region lies wholly inside its
//! parent. Overlap between a region and what it lies within is then allowed (the
//! overlap rule asks [`Nesting::related`]).

use rustc_hash::FxHashMap as HashMap;

use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::fmt::{hex, human_size};
use crate::resolve::{PlacedGap, ResolvedRegion};

/// Each region's parent (by index into the resolved regions), when it names one
/// that exists and the chain has no cycle.
pub(super) struct Nesting {
    parent: Vec<Option<usize>>,
}

impl Nesting {
    /// Whether one of regions `a` and `b` lies within the other (at any depth).
    pub(super) fn related(&self, a: usize, b: usize) -> bool {
        self.is_ancestor(a, b) || self.is_ancestor(b, a)
    }

    /// Whether `ancestor` holds `region`, directly or through others.
    pub(super) fn is_ancestor(&self, ancestor: usize, region: usize) -> bool {
        self.ancestors(region).contains(&ancestor)
    }

    /// The indices of the regions that hold `region`, innermost first.
    pub(super) fn ancestors(&self, region: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut current = self.parent[region];
        while let Some(p) = current {
            if out.contains(&p) || p == region {
                break;
            }
            out.push(p);
            current = self.parent[p];
        }
        out
    }

    /// The regions that hold both of `gap`'s neighbours through `within`, innermost
    /// first: a gap between nested siblings lies inside each of them.
    pub(super) fn gap_holders(&self, regions: &[ResolvedRegion], gap: &PlacedGap) -> Vec<usize> {
        let index = |name: &str| {
            regions
                .iter()
                .position(|r| r.name.as_ref().is_some_and(|n| n.value == name))
        };
        let (Some(below), Some(above)) = (index(&gap.below), index(&gap.above)) else {
            return Vec::new();
        };
        let above_ancestors = self.ancestors(above);
        self.ancestors(below)
            .into_iter()
            .filter(|p| above_ancestors.contains(p))
            .collect()
    }
}

/// Check every `within` and return the nesting.
pub(super) fn nesting(regions: &[ResolvedRegion], diags: &mut Diagnostics) -> Nesting {
    let by_name: HashMap<&str, usize> = regions
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.name.as_ref().map(|n| (n.value.as_str(), i)))
        .collect();
    let mut parent = vec![None; regions.len()];
    for (i, r) in regions.iter().enumerate() {
        let Some(within) = &r.within else { continue };
        match by_name.get(within.value.as_str()) {
            Some(&p) if p == i => diags.push(
                Diagnostic::error(
                    format!("region `{}` is declared within itself", r.name()),
                    within.span.clone(),
                    "self reference",
                )
                .with_help("name the region that holds it"),
            ),
            Some(&p) => parent[i] = Some(p),
            None => {
                let d = Diagnostic::error(
                    format!(
                        "region `{}` is declared within `{}`, which is not a region",
                        r.name(),
                        within.value
                    ),
                    within.span.clone(),
                    "unknown region",
                );
                // Only a region that holds this one is a sensible suggestion.
                let holders = regions.iter().filter_map(|other| {
                    let (name, outer) = other.placed()?;
                    let holds = r
                        .extent
                        .is_none_or(|e| outer.start <= e.start && e.last <= outer.last);
                    (holds && !std::ptr::eq(other, r)).then_some(name)
                });
                diags.push(match did_you_mean(&within.value, holders) {
                    Some(best) => d.with_help(format!("did you mean `{best}`?")),
                    None => d.with_help("name the region that holds it"),
                });
            }
        }
    }
    let mut nesting = Nesting { parent };
    break_cycles(&mut nesting, regions, diags);
    for (i, r) in regions.iter().enumerate() {
        if let Some(p) = nesting.parent[i] {
            check_inside(r, &regions[p], diags);
        }
    }
    nesting
}

/// A `within` chain that comes back to where it started is an error; the regions
/// on it are then treated as unnested.
fn break_cycles(nesting: &mut Nesting, regions: &[ResolvedRegion], diags: &mut Diagnostics) {
    for (i, region) in regions.iter().enumerate() {
        let mut seen = vec![i];
        let mut current = nesting.parent[i];
        while let Some(p) = current {
            if p == i {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "region `{}` is, through `within`, inside itself",
                            region.name()
                        ),
                        within_span(region),
                        "a nesting cycle",
                    )
                    .with_help("a region lies within a larger one: break the cycle"),
                );
                for &j in &seen {
                    nesting.parent[j] = None;
                }
                break;
            }
            if seen.contains(&p) {
                break; // a cycle that does not pass through `i`: found from one of its own
            }
            seen.push(p);
            current = nesting.parent[p];
        }
    }
}

/// Where `region` (a nested one) names its parent.
fn within_span(region: &ResolvedRegion) -> crate::diag::Span {
    region
        .within
        .as_ref()
        .expect("a nested region names its parent")
        .span
        .clone()
}

/// A nested region lies wholly inside its parent.
fn check_inside(child: &ResolvedRegion, parent: &ResolvedRegion, diags: &mut Diagnostics) {
    let (Some(c), Some(p)) = (child.extent, parent.extent) else {
        return; // placement failed, reported
    };
    if p.start <= c.start && c.last <= p.last {
        return;
    }
    diags.push(
        Diagnostic::error(
            format!(
                "region `{}` ({} at {}) is declared within `{}` ({} at {}) but is not inside it",
                child.name(),
                human_size(c.size),
                hex(c.start),
                parent.name(),
                human_size(p.size),
                hex(p.start)
            ),
            child.spans.placement.clone(),
            "not inside its parent",
        )
        .with_related(within_span(child), "declared within here")
        .with_help(format!(
            "place `{}` between {} and {} (its last byte), or drop `within`",
            child.name(),
            hex(p.start),
            hex(p.last)
        )),
    );
}
