//! What a consumer of the plan (a kernel) needs from it, declared once in a TOML
//! file the consumer keeps — the reference kernel's is `kernel/vmlayout-needs.toml`
//! — and checked with the layout's other rules, so a plan that does not meet it
//! fails with a diagnostic pointing into layout.toml, never with a compiler error
//! inside generated code.
//!
//! ```toml
//! [[region]]
//! purpose = "directmap"
//! why = "RAM is mapped there"
//!
//! [[fixmap_group]]
//! role = "pmap"
//! min_slots = 1
//! max_slots = 64
//! why = "PMAP maps page tables before the direct map exists"
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::plan::Purpose;
use crate::resolve::Resolved;
use crate::spec::LayoutSpec;

/// A consumer's requirements.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Needs {
    /// The file the requirements came from, named in diagnostics.
    #[serde(skip)]
    pub source: String,
    /// Regions the consumer finds by purpose.
    #[serde(default)]
    pub region: Vec<RegionNeed>,
    /// Fixmap groups the consumer finds by role.
    #[serde(default)]
    pub fixmap_group: Vec<GroupNeed>,
    /// Purposes the consumer maps at boot: one nested in another is refused.
    #[serde(default)]
    pub nesting: Option<NestingNeed>,
}

/// Regions of these purposes may not lie within one another (`within`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NestingNeed {
    /// Purpose names the consumer maps at boot.
    pub mapped_at_boot: Vec<String>,
    pub why: String,
}

/// At least one region with `purpose`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionNeed {
    /// A purpose name: `image`, `fixmap`, `window`, `directmap`, `reserved`.
    pub purpose: String,
    /// Why the consumer needs it, for the diagnostic.
    pub why: String,
}

/// A fixmap group with `role` of `min_slots..=max_slots` slots.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupNeed {
    pub role: String,
    /// Fewest slots the consumer can work with (inclusive, at least 1).
    pub min_slots: u64,
    /// Most slots the consumer can use (inclusive).
    pub max_slots: u64,
    pub why: String,
}

impl Needs {
    /// Read and check a requirements file.
    ///
    /// # Errors
    /// The file cannot be read, is not valid TOML of this shape, names an unknown
    /// purpose, or gives a slot range that is empty or starts at 0.
    pub fn from_file(path: &Path) -> Result<Needs, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
        Needs::parse(&path.display().to_string(), &text)
    }

    /// Parse requirements text; `source` names the file in messages.
    ///
    /// # Errors
    /// As [`Needs::from_file`].
    pub fn parse(source: &str, text: &str) -> Result<Needs, String> {
        let mut needs: Needs = toml::from_str(text).map_err(|e| format!("error: {source}: {e}"))?;
        needs.source = source.to_string();
        for r in &needs.region {
            if Purpose::from_name(&r.purpose).is_none() {
                return Err(format!("error: {source}: unknown purpose `{}`", r.purpose));
            }
        }
        for purpose in needs.nesting.iter().flat_map(|n| &n.mapped_at_boot) {
            if Purpose::from_name(purpose).is_none() {
                return Err(format!(
                    "error: {source}: unknown purpose `{purpose}` in [nesting]"
                ));
            }
        }
        for g in &needs.fixmap_group {
            if g.min_slots == 0 || g.min_slots > g.max_slots {
                return Err(format!(
                    "error: {source}: role `{}` asks for {} to {} slots; give 1 ≤ min_slots ≤ max_slots",
                    g.role, g.min_slots, g.max_slots
                ));
            }
        }
        Ok(needs)
    }
}

/// Report every requirement the layout does not meet. `ancestors[i]` lists the
/// regions resolved region `i` lies within.
pub(crate) fn check(
    needs: &Needs,
    spec: &LayoutSpec,
    resolved: &Resolved,
    ancestors: &[Vec<usize>],
    diags: &mut Diagnostics,
) {
    if let Some(nesting) = &needs.nesting {
        check_nesting(needs, nesting, resolved, ancestors, diags);
    }
    for need in &needs.region {
        let purpose = Purpose::from_name(&need.purpose).expect("checked when parsed");
        let knock_on = resolved.regions.iter().any(|r| r.purpose_invalid);
        if !knock_on && !resolved.regions.iter().any(|r| r.is(purpose)) {
            diags.push(
                Diagnostic::error(
                    format!(
                        "{} needs a region with `purpose = \"{}\"`",
                        needs.source, need.purpose
                    ),
                    spec.document.start..spec.document.start,
                    "no such region",
                )
                .with_help(format!(
                    "add a [[region]] with `purpose = \"{}\"`: {}",
                    need.purpose, need.why
                )),
            );
        }
    }
    for need in &needs.fixmap_group {
        check_group(needs, need, spec, diags);
    }
}

fn check_group(needs: &Needs, need: &GroupNeed, spec: &LayoutSpec, diags: &mut Diagnostics) {
    let Some(fixmap) = &spec.fixmap else {
        return; // no [fixmap] at all: reported as a missing table
    };
    let slots = if need.min_slots == need.max_slots {
        format!(
            "{} slot{}",
            need.min_slots,
            if need.min_slots == 1 { "" } else { "s" }
        )
    } else {
        format!("{} to {} slots", need.min_slots, need.max_slots)
    };
    let group = fixmap
        .groups
        .iter()
        .find(|g| g.role.as_ref().is_some_and(|r| r.value == need.role));
    let Some(group) = group else {
        diags.push(
            Diagnostic::error(
                format!("{} needs a fixmap group with `role = \"{}\"`", needs.source, need.role),
                fixmap.groups_span.clone(),
                "no group has this role",
            )
            .with_help(format!(
                "add `role = \"{}\"` to the group meant for it, or a [[fixmap.group]] with that role and {slots}: {}",
                need.role, need.why
            )),
        );
        return;
    };
    let Some(count) = &group.count else { return };
    if count.value < need.min_slots || count.value > need.max_slots {
        let span: Span = count.span.clone();
        diags.push(
            Diagnostic::error(
                format!(
                    "{} needs the `{}` group to have {slots}, not {}",
                    needs.source, need.role, count.value
                ),
                span,
                "slot count out of range",
            )
            .with_help(format!("set `count` to {slots}: {}", need.why)),
        );
    }
}

/// No region the consumer maps at boot lies within another it maps at boot.
fn check_nesting(
    needs: &Needs,
    nesting: &NestingNeed,
    resolved: &Resolved,
    ancestors: &[Vec<usize>],
    diags: &mut Diagnostics,
) {
    let mapped = |r: &crate::resolve::ResolvedRegion| {
        r.purpose
            .as_ref()
            .is_some_and(|p| nesting.mapped_at_boot.iter().any(|m| m == p.value.name()))
    };
    // Inside a region the kernel maps, a mapped region would be mapped twice, and
    // one the kernel leaves unmapped (reserved, identity) would not fault.
    for (i, r) in resolved.regions.iter().enumerate() {
        let Some(&outer) = ancestors[i].iter().find(|&&a| mapped(&resolved.regions[a])) else {
            continue;
        };
        let within = r
            .within
            .as_ref()
            .map_or(r.spans.anchor.clone(), |w| w.span.clone());
        let outer_region = &resolved.regions[outer];
        let purpose_of =
            |x: &crate::resolve::ResolvedRegion| x.purpose.as_ref().map_or("?", |p| p.value.name());
        diags.push(
            Diagnostic::error(
                format!(
                    "{} maps `{}` regions at boot: region `{}` ({}) within `{}` would {}",
                    needs.source,
                    purpose_of(outer_region),
                    r.name(),
                    purpose_of(r),
                    outer_region.name(),
                    if mapped(r) {
                        "be mapped twice"
                    } else {
                        "be mapped through it, not left unmapped"
                    }
                ),
                within,
                "nested in a region the kernel maps",
            )
            .with_help(format!(
                "place `{}` outside `{}`: {}",
                r.name(),
                outer_region.name(),
                nesting.why
            )),
        );
    }
}
