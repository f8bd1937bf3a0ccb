//! Generated names: no two items of a layout, and no item and a built-in, may
//! produce the same constant in any output.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::names;
use crate::resolve::Resolved;
use crate::spec::LayoutSpec;

/// Every name in the layout becomes constants in Rust, C and the linker script:
/// two things (or one thing and a built-in) must never produce the same constant.
pub(super) fn constant_names(spec: &LayoutSpec, resolved: &Resolved, diags: &mut Diagnostics) {
    one_name_one_thing(resolved, diags);
    let owners = owners(spec, resolved);
    report_collisions(&owners, diags);
}

/// The item that defines a constant: its kind and name, as messages name it
/// (`region \`fdt\``), written only for a message.
#[derive(Clone, Copy, PartialEq)]
struct Owner<'a> {
    kind: &'static str,
    name: &'a str,
}

impl std::fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`", self.kind, self.name)
    }
}

/// Every generated constant with the item that defines it and that item's span.
fn owners<'a>(spec: &'a LayoutSpec, resolved: &'a Resolved) -> Vec<(String, Owner<'a>, &'a Span)> {
    let mut owners = Vec::new();
    for r in &resolved.regions {
        if let Some(n) = &r.name {
            let owner = Owner {
                kind: "region",
                name: &n.value,
            };
            let constants = names::RegionConstants::of(&n.value);
            owners.extend(constants.into_all().map(|c| (c, owner, &n.span)));
        }
    }
    for g in &resolved.gaps {
        let owner = Owner {
            kind: "gap",
            name: &g.name,
        };
        let constants = names::GapConstants::of(&g.name);
        owners.extend(constants.into_all().map(|c| (c, owner, &g.name_span)));
    }
    for g in spec.fixmap.iter().flat_map(|f| &f.groups) {
        if let (Some(n), Some(count)) = (&g.name, &g.count) {
            let owner = Owner {
                kind: "fixmap group",
                name: &n.value,
            };
            let constants = names::FixGroupConstants::of(&n.value);
            for c in constants.all().map(String::from).chain([
                names::fix_slot_fn(&n.value),
                names::fix_hart_slot_fn(&n.value),
            ]) {
                owners.push((c, owner, &n.span));
            }
            // Variants live in `FixSlot`'s own namespace: only reserved words matter.
            for i in 0..count.value.min(2) {
                let variant = names::fix_slot_variant(&n.value, i);
                if names::reserved_in(&variant).is_some() {
                    owners.push((variant, owner, &n.span));
                }
            }
        }
    }
    owners
}

/// A constant defined twice, or a built-in defined by the layout, is an error at
/// the item that defines it (once per pair of items).
fn report_collisions(owners: &[(String, Owner<'_>, &Span)], diags: &mut Diagnostics) {
    let mut first_owner: HashMap<&str, (Owner<'_>, &Span)> =
        HashMap::with_capacity_and_hasher(owners.len(), Default::default());
    let mut reported: HashSet<(usize, usize)> = HashSet::default();
    for &(ref constant, owner, span) in owners {
        if let Some(language) = names::reserved_in(constant) {
            if reported.insert((span.start, usize::MAX)) {
                diags.push(
                    Diagnostic::error(
                        format!("{owner} would define `{constant}`, a reserved word in {language}"),
                        span.clone(),
                        "reserved word",
                    )
                    .with_help("rename it: the generated code could not use that name"),
                );
            }
            continue;
        }
        if crate::emit::builtins::is_builtin(constant) {
            if reported.insert((span.start, usize::MAX)) {
                diags.push(
                    Diagnostic::error(
                        format!("{owner} would define `{constant}`, a built-in constant"),
                        span.clone(),
                        "name collision",
                    )
                    .with_help("rename it: every generated module already defines that constant"),
                );
            }
            continue;
        }
        match first_owner.get(constant.as_str()) {
            None => {
                first_owner.insert(constant, (owner, span));
            }
            Some(&(first, first_span)) if first_span != span => {
                if reported.insert((first_span.start, span.start)) {
                    let message = if first == owner {
                        format!("two things are named like {owner}: both would define `{constant}`")
                    } else {
                        format!("{owner} and {first} would both define `{constant}`")
                    };
                    diags.push(
                        Diagnostic::error(message, span.clone(), "name collision")
                            .with_related(first_span.clone(), format!("{first} is declared here"))
                            .with_help("rename one of them"),
                    );
                }
            }
            Some(_) => {}
        }
    }
}

/// A gap may not share its name with a region: maps, fault reports and the trap
/// handler name places by name, and one name must mean one place.
fn one_name_one_thing(resolved: &Resolved, diags: &mut Diagnostics) {
    let regions: HashMap<&str, Span> = resolved
        .regions
        .iter()
        .filter_map(|r| r.name.as_ref().map(|n| (n.value.as_str(), n.span.clone())))
        .collect();
    for g in &resolved.gaps {
        if let Some(region) = regions.get(g.name.as_str()) {
            diags.push(
                Diagnostic::error(
                    format!("gap `{}` has the name of a region", g.name),
                    g.name_span.clone(),
                    "also a region's name",
                )
                .with_related(region.clone(), "the region")
                .with_help("names are unique across regions and gaps: rename the gap"),
            );
        }
    }
}
