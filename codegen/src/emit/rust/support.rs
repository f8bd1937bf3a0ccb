//! The types every generated module defines whatever the plan: `Perms`, `Purpose`
//! (from the model's own list of purposes), `Region`, `Gap`, `Unused`, `MapEntry`.

use indoc::indoc;

use super::Source;
use crate::plan::Purpose;

/// Every type the generated module defines.
pub(super) fn support_types(out: &mut Source) {
    out.fixed(PERMS);
    out.blank();
    out.doc("What a region is for.");
    out.line("#[derive(Clone, Copy, Debug, PartialEq, Eq)]");
    out.open("pub enum Purpose {");
    // The variants come from the model's own list, so a new purpose cannot be missed.
    for p in Purpose::ALL {
        out.doc(p.doc());
        out.line(&format!("{},", p.variant()));
    }
    out.close("}");
    out.blank();
    out.fixed(REGION_TYPES);
    out.blank();
    out.fixed(MAP_TYPES);
}

const PERMS: &str = indoc! {"
    /// Access permissions of a region's mappings.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Perms {
        /// Loads are allowed.
        pub read: bool,
        /// Stores are allowed.
        pub write: bool,
        /// Instruction fetches are allowed.
        pub exec: bool,
        /// Mapped in every address space (the PTE G bit).
        pub global: bool,
        /// Mapped section by section (the image: text r-x, rodata r--, data rw-).
        pub sections: bool,
        /// As a memory map shows them: `rw-`, `r-x`, `r-x/r--/rw-` for the image.
        pub text: &'static str,
    }
"};

/// `Region` and `Gap`, the rows of `REGIONS` and `GAPS`.
const REGION_TYPES: &str = indoc! {"
    /// One region of the plan, for run-time use (maps, fault reports). Bytes
    /// `start..=last`: a region may end at the top of the address space.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Region {
        /// Its name in layout.toml.
        pub name: &'static str,
        /// What it is for.
        pub purpose: Purpose,
        /// First byte.
        pub start: usize,
        /// Bytes.
        pub size: usize,
        /// Last byte (inclusive).
        pub last: usize,
        /// Its permissions.
        pub perms: Perms,
        /// Its description in layout.toml.
        pub description: &'static str,
        /// The region it lies within (`within` in the layout), if any.
        pub within: Option<&'static str>,
        /// How many regions hold it: 0 at the top level.
        pub depth: usize,
    }

    impl Region {
        /// `start..=last`.
        pub const fn range(&self) -> core::ops::RangeInclusive<usize> {
            self.start..=self.last
        }
        /// The exclusive end, `None` when it would be 2^64 (the region ends at the top).
        pub const fn end(&self) -> Option<usize> {
            self.last.checked_add(1)
        }
        /// Whether `addr` lies in it.
        pub const fn contains(&self, addr: usize) -> bool {
            self.start <= addr && addr <= self.last
        }
    }

    /// A guard gap: nothing is ever mapped in it. Bytes `start..=last`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Gap {
        /// Its name (given, or `<below>_<above>_gap`).
        pub name: &'static str,
        /// First byte.
        pub start: usize,
        /// Bytes.
        pub size: usize,
        /// Last byte (inclusive).
        pub last: usize,
        /// The region directly below the gap.
        pub below: &'static str,
        /// The region directly above the gap.
        pub above: &'static str,
    }

    impl Gap {
        /// The exclusive end, `None` when it would be 2^64.
        pub const fn end(&self) -> Option<usize> {
            self.last.checked_add(1)
        }
        /// Whether `addr` lies in it.
        pub const fn contains(&self, addr: usize) -> bool {
            self.start <= addr && addr <= self.last
        }
    }
"};

/// `Unused` and `MapEntry`, the rows of `UNUSED` and `MAP`.
const MAP_TYPES: &str = indoc! {"
    /// Canonical address space that the plan leaves unused.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Unused {
        /// First byte.
        pub start: usize,
        /// Inclusive: the range may end at the very top of the address space.
        pub last: usize,
        /// First root-table slot it touches.
        pub first_slot: usize,
        /// Last root-table slot it touches (inclusive).
        pub last_slot: usize,
    }

    impl Unused {
        /// Whether `addr` lies in it.
        pub const fn contains(&self, addr: usize) -> bool {
            self.start <= addr && addr <= self.last
        }
    }

    /// One entry of the top-down memory map [`MAP`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum MapEntry {
        /// A region (a nested one follows the region that holds it).
        Region(Region),
        /// A guard gap.
        Gap(Gap),
        /// Canonical space nothing uses.
        Unused(Unused),
        /// The non-canonical hole between the two halves, `start..=last`.
        NonCanonical {
            /// First byte.
            start: usize,
            /// Last byte (inclusive).
            last: usize,
        },
    }

    impl MapEntry {
        /// The entry's first address.
        pub const fn start(&self) -> usize {
            match self {
                MapEntry::Region(r) => r.start,
                MapEntry::Gap(g) => g.start,
                MapEntry::Unused(u) => u.start,
                MapEntry::NonCanonical { start, .. } => *start,
            }
        }

        /// The entry's last address (inclusive: an entry may end at the top of the space).
        pub const fn last(&self) -> usize {
            match self {
                MapEntry::Region(r) => r.last,
                MapEntry::Gap(g) => g.last,
                MapEntry::Unused(u) => u.last,
                MapEntry::NonCanonical { last, .. } => *last,
            }
        }
    }
"};
