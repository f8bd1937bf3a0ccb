//! The names the emitters define on their own, whatever the layout says — derived
//! from what they actually emit, never kept by hand: each emitter renders a
//! reference plan per paging mode, every name it defines is collected, and the
//! names the plan's own regions, gaps and slot groups contribute are taken out.
//! Validation asks for them; the reference plan is built here, so the emitters
//! depend on no stage before the plan.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::names::{
    FixGroupConstants, GapConstants, RegionConstants, fix_hart_slot_fn, fix_slot_fn,
};
use crate::paging::{L0_TABLE_SPAN, Mode, PAGE_SIZE};
use crate::plan::assemble::Parts;
use crate::plan::{FixGroup, Fixmap, Gap, Perms, Plan, Platform, Purpose, Region, SlotOrder};

/// A small plan in `mode`, built directly (it depends on no other stage): an image
/// and a fixmap region at the start of root slot 511 with a guard gap between
/// them, and two slot groups, one with a role.
/// A group of the reference plan: `unused` is a hole, `many` per-hart (on two
/// harts), so every item a group can define is defined.
fn reference_group(name: &str, first: u64, count: u64, role: Option<&str>) -> FixGroup {
    FixGroup {
        name: name.into(),
        first,
        count,
        role: role.map(String::from),
        hole: name == "unused",
        harts: if name == "many" { 2 } else { 1 },
        description: name.into(),
    }
}

fn reference_plan(mode: Mode) -> Plan {
    let two_mib = L0_TABLE_SPAN;
    let image_start = mode.slot_address(511).expect("slot 511 exists");
    let region = |name: &str, purpose, start: u64, perms| Region {
        name: name.into(),
        purpose,
        start,
        size: two_mib,
        last: start + two_mib - 1,
        align: two_mib,
        perms,
        description: name.into(),
        within: None,
        first_slot: 511,
        last_slot: 511,
    };
    let fixmap_start = image_start + 2 * two_mib;
    let rw = Perms {
        read: true,
        write: true,
        global: true,
        ..Perms::NONE
    };
    Plan::assemble(Parts {
        mode,
        platform: Platform {
            load_address: 0x8020_0000,
            identity_size: PAGE_SIZE,
            image_max_size: two_mib,
            boot_superpage: two_mib,
            identity_start: 0x8020_0000,
            identity_end: 0x8040_0000,
            max_ram: Some(1 << 30),
            max_harts: 2,
            load_first: 0x8020_0000,
            load_last: 0x8020_0000,
            load_align: two_mib,
        },
        regions: vec![
            region("image", Purpose::Image, image_start, Perms::SECTIONS),
            region("fixmap", Purpose::Fixmap, fixmap_start, rw),
        ],
        gaps: vec![Gap {
            name: "guard".into(),
            start: image_start + two_mib,
            size: two_mib,
            last: fixmap_start - 1,
            below: "image".into(),
            above: "fixmap".into(),
            within: None,
            first_slot: 511,
            last_slot: 511,
        }],
        fixmap: Fixmap {
            region: "fixmap".into(),
            order: SlotOrder::Up,
            base: fixmap_start,
            tables_start: fixmap_start,
            tables: 1,
            last: 3,
            top: fixmap_start + 4 * PAGE_SIZE,
            groups: vec![
                reference_group("one", 0, 1, Some("role")),
                reference_group("many", 1, 2, None),
                reference_group("unused", 3, 1, None),
            ],
        },
        image: "image".into(),
        boot_tables: crate::plan::boot_tables::BootTables {
            identity: 1,
            kernel: 2,
        },
        c_header: crate::plan::CHeader::default(),
    })
}

/// Whether an emitter defines `name` whatever the layout says ([`builtins`]): one
/// hash look-up.
pub fn is_builtin(name: &str) -> bool {
    static SET: OnceLock<rustc_hash::FxHashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| builtins().iter().map(String::as_str).collect())
        .contains(name)
}

/// Every name an emitter defines that no layout item contributes: Rust items at
/// module level, C macros, linker-script symbols. Computed once.
pub fn builtins() -> &'static BTreeSet<String> {
    static BUILTINS: OnceLock<BTreeSet<String>> = OnceLock::new();
    BUILTINS.get_or_init(|| {
        let mut names = BTreeSet::new();
        for mode in Mode::ALL {
            let plan = reference_plan(mode);
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
    let mut names = rust_items(&super::rust::items(plan));
    let origin = super::Origin::cli("layout.toml", "generated");
    names.extend(c_macros(&super::c_header::render(plan, &origin)).map(String::from));
    names.extend(linker_symbols(&super::linker::render(plan, &origin)));
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
        names.push(fix_hart_slot_fn(&g.name));
        names
    });
    regions.chain(gaps).chain(groups).collect()
}

/// Names of module-level Rust items: `const`, `fn`, `static`, `enum`, `struct`,
/// `type`. Module level is column 0 in the emitted source (items inside braces, such
/// as impl blocks, are indented).
fn rust_items(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in source.lines().filter(|l| !l.starts_with([' ', '/', '#'])) {
        // The item's head: `pub const NAME`, `pub const fn name`, `pub struct Name`.
        let head = line
            .split([':', '(', '{', '=', '<'])
            .next()
            .unwrap_or_default();
        let words: Vec<&str> = head
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            let introducer = matches!(
                pair[0],
                "const" | "fn" | "static" | "enum" | "struct" | "type"
            );
            if introducer && pair[1] != "fn" && pair[1] != "_" {
                names.insert(pair[1].to_string());
                break;
            }
        }
    }
    names
}

/// `#define NAME` and `#define NAME(args)`.
pub(crate) fn c_macros(header: &str) -> impl Iterator<Item = &str> + '_ {
    header.lines().filter_map(|line| {
        let rest = line.trim_start().strip_prefix("#define ")?;
        rest.split([' ', '(']).next()
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
