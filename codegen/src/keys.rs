//! The layout language's keys: every table, its keys, what each key's value is
//! and whether it is required. The parser checks keys against these (an unknown
//! key is an error with a "did you mean"), and the JSON Schema for editors
//! (`vmlayout schema`, layout.schema.json) is generated from them, so the two
//! never disagree.

/// What a key's value is, as the parser reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// `"sv39"`, `"sv48"` or `"sv57"`.
    Mode,
    /// A size: a string such as `"2M"`, `"4K"`, `"1G"`, or a whole number of bytes.
    Size,
    /// An address: a string (`"0x8020_0000"`, `"slot(511)"`, sums and differences
    /// of those), or a whole number.
    Address,
    /// A lower-case identifier: a-z first, then a-z, 0-9 or _.
    Name,
    /// Free text.
    Text,
    /// `true` or `false`.
    Bool,
    /// A whole number, not negative.
    Count,
    /// A whole number from the first to the second (inclusive).
    Range(u64, u64),
    /// Permission letters: r, w, x (and `-`).
    Perms,
    /// One of the region purposes.
    Purpose,
    /// One of the given words.
    OneOf(&'static [&'static str]),
    /// `[first, last]`: two root slot numbers.
    Slots,
    /// A C identifier prefix (may be empty).
    Prefix,
    /// A table of `alias = "defined name"`.
    Aliases,
    /// A table with these keys.
    Table(&'static [Key]),
    /// A size (as [`Kind::Size`]) or a table with these keys.
    SizeOrTable(&'static [Key]),
    /// An array of tables with these keys (`[[region]]`).
    Tables(&'static [Key]),
}

/// One key of a table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key {
    /// As written in layout.toml.
    pub name: &'static str,
    /// What its value is.
    pub kind: Kind,
    /// Whether the table must have it.
    pub required: bool,
    /// One line for an editor's hover (the README has the full reference).
    pub doc: &'static str,
}

const fn key(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key {
        name,
        kind,
        required: false,
        doc,
    }
}

const fn required(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key {
        name,
        kind,
        required: true,
        doc,
    }
}

/// `[c_header] ends` values.
pub(crate) const C_ENDS: &[&str] = &["none", "exclusive", "inclusive"];
/// `[c_header] literals` values.
pub(crate) const C_LITERALS: &[&str] = &["ul", "plain"];
/// `[fixmap] order` values.
pub(crate) const ORDERS: &[&str] = &["up", "down"];

/// The top level.
pub(crate) const ROOT: &[Key] = &[
    required("paging", Kind::Table(PAGING), "The paging mode."),
    required(
        "platform",
        Kind::Table(PLATFORM),
        "Where the image is loaded and how large it may be.",
    ),
    required(
        "region",
        Kind::Tables(REGION),
        "The regions of the address space.",
    ),
    required(
        "fixmap",
        Kind::Table(FIXMAP),
        "The fixmap: its region and slot groups.",
    ),
    key(
        "c_header",
        Kind::Table(C_HEADER),
        "How layout.h names and writes its constants.",
    ),
];

/// `[paging]`.
pub(crate) const PAGING: &[Key] = &[required(
    "mode",
    Kind::Mode,
    "The RISC-V paging mode: sv39, sv48 or sv57.",
)];

/// `[platform]`.
pub(crate) const PLATFORM: &[Key] = &[
    required(
        "load_address",
        Kind::Address,
        "The physical address the firmware loads the image at by default.",
    ),
    key(
        "load_range",
        Kind::Table(LOAD_RANGE),
        "Every load address a loader may choose: first, last, align.",
    ),
    required(
        "identity_size",
        Kind::Size,
        "Bytes of boot code that run identity-mapped.",
    ),
    required(
        "image_max_size",
        Kind::Size,
        "The largest image the platform loads.",
    ),
    key(
        "max_ram",
        Kind::Size,
        "The most RAM the direct map must hold.",
    ),
    key(
        "max_harts",
        Kind::Range(1, crate::plan::HART_LIMIT),
        "The most harts (CPUs) the platform runs; per-hart fixmap groups have slots for each.",
    ),
];

/// `load_range = { … }`.
pub(crate) const LOAD_RANGE: &[Key] = &[
    required("first", Kind::Address, "The lowest load address."),
    required(
        "last",
        Kind::Address,
        "The highest load address (inclusive).",
    ),
    key(
        "align",
        Kind::Size,
        "Bytes between load addresses (a multiple of the boot superpage).",
    ),
];

/// `[[region]]`.
pub(crate) const REGION: &[Key] = &[
    required(
        "name",
        Kind::Name,
        "The region's name: its constants are NAME_VIRT_START and so on.",
    ),
    required(
        "purpose",
        Kind::Purpose,
        "What the region is for: image, fixmap, window, directmap, reserved or identity.",
    ),
    required("description", Kind::Text, "One line for the maps."),
    key(
        "size",
        Kind::Size,
        "The region's size (slot regions take their slots' size).",
    ),
    key("align", Kind::Size, "The alignment of its start."),
    key(
        "perms",
        Kind::Perms,
        "Permissions: r, rw, rx (rwx needs allow_wx).",
    ),
    key(
        "allow_wx",
        Kind::Bool,
        "Allow a writable and executable mapping.",
    ),
    key("at", Kind::Address, "Place it at this address."),
    key("slot", Kind::Count, "Place it in this root slot."),
    key("slots", Kind::Slots, "Give it root slots [first, last]."),
    key("after", Kind::Name, "Place it right after this region."),
    key("before", Kind::Name, "Place it right before this region."),
    key(
        "gap",
        Kind::SizeOrTable(GAP),
        "A guard gap between it and its neighbour: a size, or { size, name }.",
    ),
    key("within", Kind::Name, "The region it lies inside."),
];

/// The keys of `[[region]]` that place it; one of them is given.
pub(crate) const PLACEMENT: &[&str] = &["at", "slot", "slots", "after", "before"];

/// `gap = { … }`.
pub(crate) const GAP: &[Key] = &[
    required("size", Kind::Size, "The gap's size."),
    key(
        "name",
        Kind::Name,
        "The gap's name (its constants' prefix).",
    ),
];

/// `[fixmap]`.
pub(crate) const FIXMAP: &[Key] = &[
    required(
        "region",
        Kind::Name,
        "The region with purpose fixmap that holds the slots.",
    ),
    key(
        "order",
        Kind::OneOf(ORDERS),
        "Slot 0 at the bottom (up) or at the top (down, as Linux).",
    ),
    required("group", Kind::Tables(GROUP), "The slot groups."),
];

/// `[[fixmap.group]]`.
pub(crate) const GROUP: &[Key] = &[
    required("name", Kind::Name, "The group's name."),
    required("count", Kind::Count, "Its number of slots."),
    key(
        "role",
        Kind::Name,
        "What a kernel finds it by (pmap, console, …).",
    ),
    key(
        "hole",
        Kind::Bool,
        "Slots never mapped (a hole, as Linux's FIX_HOLE).",
    ),
    key(
        "per_hart",
        Kind::Bool,
        "count slots for each hart (platform.max_harts of them), as Linux's per-CPU kmap slots.",
    ),
    key("description", Kind::Text, "One line for the maps."),
];

/// `[c_header]`.
pub(crate) const C_HEADER: &[Key] = &[
    key(
        "ends",
        Kind::OneOf(C_ENDS),
        "Whether _END names are defined, and whether inclusive or exclusive.",
    ),
    key(
        "literals",
        Kind::OneOf(C_LITERALS),
        "Addresses as VMLAYOUT_UL(0x…) or bare 0x….",
    ),
    key(
        "prefix",
        Kind::Prefix,
        "Put before every name but the VMLAYOUT_* ones.",
    ),
    key(
        "aliases",
        Kind::Aliases,
        "More names for defined constants: alias = \"NAME\".",
    ),
];

/// Every table and its keys, as messages name them.
pub(crate) const TABLES: &[(&str, &[Key])] = &[
    ("the top level", ROOT),
    ("[paging]", PAGING),
    ("[platform]", PLATFORM),
    ("`load_range`", LOAD_RANGE),
    ("[[region]]", REGION),
    ("a `gap` table", GAP),
    ("[fixmap]", FIXMAP),
    ("[[fixmap.group]]", GROUP),
    ("[c_header]", C_HEADER),
];

/// Whether `keys` has a key `name`.
pub(crate) fn has(keys: &[Key], name: &str) -> bool {
    keys.iter().any(|k| k.name == name)
}

/// The names of `keys`, in order.
pub(crate) fn names(keys: &[Key]) -> impl Iterator<Item = &'static str> + '_ {
    keys.iter().map(|k| k.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placement_key_is_a_region_key() {
        for k in PLACEMENT {
            assert!(has(REGION, k), "{k}");
        }
    }

    #[test]
    fn each_table_is_listed_once_and_its_keys_once() {
        for (table, keys) in TABLES {
            let mut names: Vec<&str> = names(keys).collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(names.len(), before, "{table} repeats a key");
            assert!(keys.iter().all(|k| !k.doc.is_empty()), "{table}");
        }
    }
}
