//! The names the emitters define on their own, whatever the layout says — derived
//! from what they actually emit, never kept by hand: each emitter renders a
//! reference plan per paging mode, every name it defines is collected, and the
//! names the plan's own regions, gaps and slot groups contribute are taken out.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::{FixGroupConstants, GapConstants, RegionConstants, fix_slot_fn};
use crate::emit;
use crate::paging::Mode;
use crate::plan::Plan;

/// A small valid layout; `{mode}` is replaced by each paging mode's name.
const REFERENCE: &str = r#"
[paging]
mode = "{mode}"

[platform]
load_address = "0x8020_0000"
identity_size = "4K"
image_max_size = "2M"

[[region]]
name = "image"
purpose = "image"
description = "image"
at = "slot(511)"
size = "2M"

[[region]]
name = "fixmap"
purpose = "fixmap"
description = "fixmap"
after = "image"
gap = { size = "2M", name = "guard" }
size = "2M"
align = "2M"
perms = "rw"

[fixmap]
region = "fixmap"

[[fixmap.group]]
name = "one"
count = 1
description = "one"

[[fixmap.group]]
name = "many"
count = 2
description = "many"
"#;

/// Every name an emitter defines that no layout item contributes: Rust items at
/// module level, C macros, linker-script symbols. Computed once.
///
/// # Panics
/// If the reference layout does not plan (a bug in vmlayout, caught by its tests).
pub fn builtins() -> &'static BTreeSet<String> {
    static BUILTINS: OnceLock<BTreeSet<String>> = OnceLock::new();
    BUILTINS.get_or_init(|| {
        let mut names = BTreeSet::new();
        for mode in Mode::ALL {
            let source = REFERENCE.replace("{mode}", mode.name());
            let plan = crate::plan_without_name_rules(&source)
                .unwrap_or_else(|e| panic!("the reference layout plans: {e}"));
            names.extend(defined_names(&plan));
            for own in item_names(&plan) {
                names.remove(&own);
            }
        }
        names
    })
}

/// Every name the emitters define for `plan`.
fn defined_names(plan: &Plan) -> BTreeSet<String> {
    let mut names = rust_items(emit::rust::tokens(plan));
    names.extend(c_macros(&emit::c_header::render(plan, "layout.toml")));
    names.extend(linker_symbols(&emit::linker::render(plan, "layout.toml")));
    names
}

/// The names `plan`'s regions, gaps and slot groups contribute.
fn item_names(plan: &Plan) -> Vec<String> {
    let regions = plan
        .regions
        .iter()
        .flat_map(|r| RegionConstants::of(&r.name).all().map(String::from));
    let gaps = plan
        .gaps
        .iter()
        .flat_map(|g| GapConstants::of(&g.name).all().map(String::from));
    let groups = plan.fixmap.groups.iter().flat_map(|g| {
        let mut names: Vec<String> = FixGroupConstants::of(&g.name)
            .all()
            .map(String::from)
            .collect();
        names.push(fix_slot_fn(&g.name));
        names
    });
    regions.chain(gaps).chain(groups).collect()
}

/// Names of module-level Rust items: `const`, `fn`, `static`, `enum`, `struct`,
/// `type` (items inside braces, such as impl blocks, are not module level).
fn rust_items(tokens: proc_macro2::TokenStream) -> BTreeSet<String> {
    use proc_macro2::TokenTree;
    let mut names = BTreeSet::new();
    let mut introducer = false;
    for tree in tokens {
        let TokenTree::Ident(ident) = tree else {
            introducer = false;
            continue;
        };
        let word = ident.to_string();
        if introducer && word != "fn" && word != "_" {
            names.insert(word.clone());
        }
        introducer = matches!(
            word.as_str(),
            "const" | "fn" | "static" | "enum" | "struct" | "type"
        );
    }
    names
}

/// `#define NAME` and `#define NAME(args)`.
fn c_macros(header: &str) -> impl Iterator<Item = String> + '_ {
    header.lines().filter_map(|line| {
        let rest = line.trim_start().strip_prefix("#define ")?;
        rest.split([' ', '(']).next().map(String::from)
    })
}

/// `NAME = value;` at the top level and `PROVIDE(NAME = value);`.
fn linker_symbols(script: &str) -> impl Iterator<Item = String> + '_ {
    script.lines().filter_map(|line| {
        let rest = line.strip_prefix("PROVIDE(").unwrap_or(line);
        let (name, _) = rest.split_once(" = ")?;
        let is_symbol =
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty();
        is_symbol.then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_come_from_every_emitter() {
        let names = builtins();
        for expected in [
            "PAGING_MODE",
            "FIXADDR_TOP",
            "fixmap_addr",
            "FixSlot",
            "MAP",
            "VMLAYOUT_PAGE_SIZE",
            "VMLAYOUT_MODE_SV57",
            "__vmlayout_link_address",
            "FIXMAP_ADDR",
        ] {
            assert!(
                names.contains(expected),
                "{expected} is a built-in: {names:?}"
            );
        }
        for item in [
            "IMAGE_VIRT_START",
            "GUARD_END",
            "FIX_ONE",
            "many_slot",
            "FIX_MANY_BEGIN",
        ] {
            assert!(!names.contains(item), "{item} belongs to a layout item");
        }
    }
}
