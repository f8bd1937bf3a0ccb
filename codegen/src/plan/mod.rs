//! The resolved plan: every address computed, every rule checked. Emitters read
//! only this; they never derive an address of their own.

pub(crate) mod assemble;
pub mod boot_set;
pub mod boot_tables;
mod map;

use std::fmt;

use crate::paging::{self, Mode};

/// What a region is for. Drives which extra rules apply and what the kernel does
/// with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// Where the kernel image is linked; mapped section by section.
    Image,
    /// Fixed virtual slots for temporary mappings (PMAP, devices).
    Fixmap,
    /// A window onto something the boot loader hands over (e.g. the FDT).
    Window,
    /// A linear map of physical RAM.
    Directmap,
    /// Reserved for later use (frame table, vmap, …): planned, not mapped at boot.
    Reserved,
    /// Kept for the boot identity mapping: the identity range of every load address
    /// the platform allows must lie inside it. Not mapped after boot.
    Identity,
}

impl Purpose {
    /// Every purpose, in the order the docs list them.
    pub const ALL: [Purpose; 6] = [
        Purpose::Image,
        Purpose::Fixmap,
        Purpose::Window,
        Purpose::Directmap,
        Purpose::Reserved,
        Purpose::Identity,
    ];

    /// The name layout.toml uses (`image`, `window`, …).
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Image => "image",
            Purpose::Fixmap => "fixmap",
            Purpose::Window => "window",
            Purpose::Directmap => "directmap",
            Purpose::Reserved => "reserved",
            Purpose::Identity => "identity",
        }
    }

    /// The purpose `name` names, if any.
    pub fn from_name(name: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.name() == name)
    }

    /// One line for the generated enum variant's doc comment.
    pub fn doc(self) -> &'static str {
        match self {
            Purpose::Image => "Where the kernel image is linked.",
            Purpose::Fixmap => "Fixed slots for temporary mappings.",
            Purpose::Window => "A window onto boot-time data such as the FDT.",
            Purpose::Directmap => "A linear map of physical RAM.",
            Purpose::Reserved => "Planned, not mapped at boot.",
            Purpose::Identity => "Kept for the boot identity mapping; not mapped after boot.",
        }
    }

    /// The Rust enum variant name in generated code.
    pub fn variant(self) -> &'static str {
        match self {
            Purpose::Image => "Image",
            Purpose::Fixmap => "Fixmap",
            Purpose::Window => "Window",
            Purpose::Directmap => "Directmap",
            Purpose::Reserved => "Reserved",
            Purpose::Identity => "Identity",
        }
    }
}

/// Access permissions of a region's mappings. The image region has none of its own:
/// it is mapped per section (text r-x, rodata r--, data/bss rw-), see [`Perms::SECTIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Perms {
    /// Loads are allowed.
    pub read: bool,
    /// Stores are allowed.
    pub write: bool,
    /// Instruction fetches are allowed.
    pub exec: bool,
    /// The mapping is global (the same in every address space).
    pub global: bool,
    /// Mapped section by section (the image), so no single r/w/x applies.
    pub sections: bool,
}

impl Perms {
    /// Never mapped: guard gaps and unused space.
    pub const NONE: Perms = Perms {
        read: false,
        write: false,
        exec: false,
        global: false,
        sections: false,
    };

    /// The image's permissions: its sections get their own (text r-x, rodata r--, data rw-).
    pub const SECTIONS: Perms = Perms {
        read: true,
        write: false,
        exec: false,
        global: true,
        sections: true,
    };

    /// `"rw"`, `"rx"`, `"r"`, `"rwx"`, `"-"` for none, `"sections"` for the image.
    pub fn letters(&self) -> String {
        if self.sections {
            return "sections".into();
        }
        let mut s = String::new();
        for (on, c) in [(self.read, 'r'), (self.write, 'w'), (self.exec, 'x')] {
            if on {
                s.push(c);
            }
        }
        if s.is_empty() {
            s.push('-');
        }
        s
    }

    /// `rw-`, `r-x`, … as in a memory map; `r-x/r--/rw-` for the image.
    pub fn columns(&self) -> String {
        if self.sections {
            return "r-x/r--/rw-".into();
        }
        [(self.read, 'r'), (self.write, 'w'), (self.exec, 'x')]
            .iter()
            .map(|&(on, c)| if on { c } else { '-' })
            .collect()
    }
}

impl Perms {
    /// Three columns at most, for narrow tables: `rw-`, `img` for the image.
    pub fn short_columns(&self) -> String {
        if self.sections {
            "img".into()
        } else {
            self.columns()
        }
    }
}

impl fmt::Display for Perms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.letters())
    }
}

/// Derived paging facts for the plan's mode.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Paging {
    /// The mode.
    pub mode: Mode,
    /// Page-table levels (3, 4 or 5).
    pub levels: u32,
    /// The root table's level: `levels - 1`.
    pub root_level: u32,
    /// Bits of a virtual address.
    pub va_bits: u32,
    /// Entries per table (512).
    pub entries_per_table: u64,
    /// Bytes per page (4096).
    pub page_size: u64,
    /// Bits of a page offset (12).
    pub page_shift: u32,
    /// Bits of virtual address one table level indexes (9: 512 entries).
    pub level_bits: u32,
    /// `level_shifts[level]`: shift of the bits a level-`level` table indexes, level 0
    /// (leaves) first, the root last.
    pub level_shifts: Vec<u32>,
    /// Shift of the bits the root table indexes.
    pub root_slot_shift: u32,
    /// Bytes one root-table slot maps.
    pub root_slot_size: u64,
    /// End of the canonical low half (exclusive): `2^(va_bits - 1)`.
    pub low_half_end: u64,
    /// Start of the canonical high half: `2^64 - 2^(va_bits - 1)`.
    pub high_half_start: u64,
    /// The `MODE` field of `satp` for this mode (8, 9 or 10).
    pub satp_mode: u64,
    /// Position of the `MODE` field in `satp` (bits 63:60).
    pub satp_mode_shift: u32,
    /// Bytes one level-0 table maps (2 MiB).
    pub l0_table_span: u64,
}

impl Paging {
    /// Everything the plan derives from `mode`.
    pub fn new(mode: Mode) -> Paging {
        let paging = Paging {
            mode,
            levels: mode.levels(),
            root_level: mode.root_level(),
            va_bits: mode.va_bits(),
            entries_per_table: paging::ENTRIES_PER_TABLE,
            page_size: paging::PAGE_SIZE,
            page_shift: paging::PAGE_SHIFT,
            level_bits: paging::LEVEL_BITS,
            level_shifts: (0..mode.levels()).map(paging::level_shift).collect(),
            root_slot_shift: mode.root_slot_shift(),
            root_slot_size: mode.root_slot_size(),
            low_half_end: mode.low_half_end(),
            high_half_start: mode.high_half_start(),
            satp_mode: mode.satp_mode(),
            satp_mode_shift: paging::SATP_MODE_SHIFT,
            l0_table_span: paging::L0_TABLE_SPAN,
        };
        assert_eq!(
            paging.root_slot_size * paging.entries_per_table / 2,
            paging.low_half_end
        );
        paging
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// `[platform]`, checked: where the image is loaded and how large it may be.
#[non_exhaustive]
pub struct Platform {
    /// The physical load address the firmware uses by default.
    pub load_address: u64,
    /// Bytes of boot code that run identity-mapped.
    pub identity_size: u64,
    /// The largest image the platform loads, in bytes.
    pub image_max_size: u64,
    /// The page size the boot mapping of the image uses: link and load address must
    /// have the same offset inside it (one level-1 leaf, 2 MiB).
    pub boot_superpage: u64,
    /// The physical range the boot code identity-maps while it turns the MMU on:
    /// the boot superpages that can hold an image of `image_max_size` loaded at
    /// `load_address`. `identity_start` is inclusive, `identity_end` exclusive.
    pub identity_start: u64,
    /// End of the identity range (exclusive).
    pub identity_end: u64,
    /// The most RAM the platform can have, in bytes, when the layout says.
    pub max_ram: Option<u64>,
    /// The most harts the platform runs (`max_harts`; 1 when the layout does not
    /// say), at least 1 and at most 4096.
    pub max_harts: u64,
    /// The load addresses a loader may choose: `load_first`, `load_first +
    /// load_align`, … up to `load_last` (inclusive). Without `load_range` in the
    /// layout, `load_address` alone (and `load_align` the boot superpage).
    pub load_first: u64,
    /// The highest allowed load address (inclusive).
    pub load_last: u64,
    /// Bytes between allowed load addresses (a multiple of the boot superpage).
    pub load_align: u64,
}

/// The most harts a plan may state (`platform.max_harts`): a bound of vmlayout's
/// own, far above today's RISC-V platforms (QEMU virt has at most 512), that keeps
/// per-hart fixmap groups (count × harts slots) and a kernel's per-hart state
/// small.
pub const HART_LIMIT: u64 = 4096;

/// Whether `load` is `first + k·align` for some k, at most `last`: one of the load
/// addresses `[platform] load_range` allows.
pub fn is_load_address(load: u64, first: u64, last: u64, align: u64) -> bool {
    load >= first && load <= last && (load - first).is_multiple_of(align)
}

impl Platform {
    /// The identity range `[start, end)` for an image of `image_max_size` bytes loaded
    /// at `load_address`, in whole superpages of `boot_superpage` bytes; `None` when
    /// it would run past 2^64.
    pub fn identity_range(
        load_address: u64,
        image_max_size: u64,
        boot_superpage: u64,
    ) -> Option<(u64, u64)> {
        let start = load_address / boot_superpage * boot_superpage;
        let end = load_address
            .checked_add(image_max_size)?
            .checked_next_multiple_of(boot_superpage)?;
        Some((start, end))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// A region of the plan, placed and checked.
#[non_exhaustive]
pub struct Region {
    /// Its name (a lower-case identifier).
    pub name: String,
    /// What it is for.
    pub purpose: Purpose,
    /// First byte.
    pub start: u64,
    /// Bytes.
    pub size: u64,
    /// Last byte (inclusive): a region may end at the top of the address space,
    /// where an exclusive end would be 2^64. See [`Region::end`].
    pub last: u64,
    /// The alignment its start meets, in bytes (a power of two, a page at least).
    pub align: u64,
    /// Its permissions.
    pub perms: Perms,
    /// Its description, as written.
    pub description: String,
    /// The region it lies inside on purpose (`within`), if any.
    pub within: Option<String>,
    /// Root-table slots the region touches, inclusive.
    pub first_slot: u64,
    /// The last root-table slot it touches (inclusive).
    pub last_slot: u64,
}

impl Region {
    /// The exclusive end, `None` for a region that ends at the top of the address
    /// space (2^64 does not fit in 64 bits).
    pub fn end(&self) -> Option<u64> {
        self.last.checked_add(1)
    }
}

/// A named guard gap between two regions; nothing may be mapped in it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gap {
    /// Its name.
    pub name: String,
    /// First byte.
    pub start: u64,
    /// Bytes.
    pub size: u64,
    /// Last byte (inclusive).
    pub last: u64,
    /// The region directly below and directly above the gap.
    pub below: String,
    /// The region directly above the gap.
    pub above: String,
    /// The innermost region that holds both neighbours (through `within`), when the
    /// gap lies between nested siblings; `None` at the top level.
    pub within: Option<String>,
    /// Root-table slots the gap touches, inclusive.
    pub first_slot: u64,
    /// The last root-table slot it touches (inclusive).
    pub last_slot: u64,
}

impl Gap {
    /// The exclusive end, `None` for a gap that ends at the top of the address space.
    pub fn end(&self) -> Option<u64> {
        self.last.checked_add(1)
    }
}

/// A named run of consecutive fixmap slots.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FixGroup {
    /// Its name.
    pub name: String,
    /// Index of the group's first slot.
    pub first: u64,
    /// Slots in the group, at least one.
    pub count: u64,
    /// What the group is for, as consumers name it; unique in a plan.
    pub role: Option<String>,
    /// Slots that are never mapped (a hole, as Linux's FIX_HOLE).
    pub hole: bool,
    /// Harts the group has slots for: 1 for a group every hart shares, the
    /// platform's `max_harts` for a per-hart group (`per_hart = true`). Hart `h`'s
    /// slots are `first + h × per_hart() ..` (`per_hart()` of them); `count` is
    /// `per_hart() × harts`.
    pub harts: u64,
    /// Its description, as written.
    pub description: String,
}

impl FixGroup {
    /// Slots each hart has (`count` as written in the layout): all of them for a
    /// shared group.
    pub fn per_hart(&self) -> u64 {
        self.count / self.harts
    }

    /// The group's slot count as the maps show it: `8`, or `8 × 4 harts` for a
    /// per-hart group.
    pub fn slots_text(&self) -> String {
        if self.is_per_hart() {
            format!("{} × {} harts", self.per_hart(), self.harts)
        } else {
            self.count.to_string()
        }
    }

    /// Whether harts have slots of their own: `per_hart = true` with `max_harts`
    /// above 1 (with one hart, a per-hart group is a shared one).
    pub fn is_per_hart(&self) -> bool {
        self.harts > 1
    }

    /// Index one past the group's last slot (exclusive).
    pub fn end(&self) -> u64 {
        self.first + self.count
    }

    /// Index of the group's last slot (inclusive).
    pub fn last(&self) -> u64 {
        self.end() - 1
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// The fixmap: its region, slot numbering, level-0 tables and slot groups.
#[non_exhaustive]
pub struct Fixmap {
    /// The fixmap region's name.
    pub region: String,
    /// Which way slot numbers run.
    pub order: SlotOrder,
    /// FIXADDR_START: the lowest slot's address (slot 0 counting up, the last slot
    /// counting down).
    pub base: u64,
    /// The first address the fixmap's level-0 tables map: they cover
    /// `tables_start..tables_start + tables × 2 MiB`, inside the fixmap region.
    pub tables_start: u64,
    /// Number of level-0 tables needed to map every slot.
    pub tables: u64,
    /// FIX_LAST: the index of the last slot (inclusive).
    pub last: u64,
    /// FIXADDR_TOP: one past the last slot's page (exclusive).
    pub top: u64,
    /// The slot groups, in slot order.
    pub groups: Vec<FixGroup>,
}

/// Which way fixmap slot numbers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotOrder {
    /// Slot 0 at FIXADDR_START, numbers growing upwards (Xen, Arm).
    Up,
    /// Slot 0 just below FIXADDR_TOP, numbers growing downwards (Linux).
    Down,
}

impl SlotOrder {
    /// The name layout.toml uses: `up` or `down`.
    pub fn name(self) -> &'static str {
        match self {
            SlotOrder::Up => "up",
            SlotOrder::Down => "down",
        }
    }
}

impl Fixmap {
    /// Slots the groups hold, holes included: `FIX_LAST + 1`.
    pub fn slot_count(&self) -> u64 {
        self.last + 1
    }

    /// The address slot `slot` maps (0 to FIX_LAST; FIX_LAST + 1 gives the end the
    /// order runs to: FIXADDR_TOP counting up, FIXADDR_START - 4 KiB counting down).
    pub fn slot_address(&self, slot: u64) -> u64 {
        match self.order {
            SlotOrder::Up => self.base + slot * paging::PAGE_SIZE,
            SlotOrder::Down => self.top.wrapping_sub((slot + 1) * paging::PAGE_SIZE),
        }
    }

    /// The index of slot `slot`'s entry in the level-0 tables, seen as one run of
    /// `tables × 512` entries from `tables_start`.
    pub fn table_entry(&self, slot: u64) -> u64 {
        (self.slot_address(slot) - self.tables_start) / paging::PAGE_SIZE
    }

    /// Whether slot `slot` is in a hole group (never mapped).
    pub fn is_hole(&self, slot: u64) -> bool {
        self.groups
            .iter()
            .any(|g| g.hole && slot >= g.first && slot < g.end())
    }
}

/// One item of the top-down map: a region, a gap, or a run of unused root slots.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapEntry {
    /// A region, by index into [`Plan::regions`].
    Region(usize),
    /// A guard gap, by index into [`Plan::gaps`].
    Gap(usize),
    /// Unused canonical space from `start` to `last` (inclusive: the range may end at
    /// the very top of the address space) inside root slots `first_slot..=last_slot`.
    Unused {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        last: u64,
        /// First root-table slot.
        first_slot: u64,
        /// Last root-table slot (inclusive).
        last_slot: u64,
    },
    /// The non-canonical hole between the two halves, `start..=last`.
    NonCanonical {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        last: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// A checked plan: what every emitter reads. Built only by validation, so every
/// rule holds. Its fields are public to read; a plan changed by hand is no longer
/// a checked one, and the emitters will write whatever it says.
#[non_exhaustive]
pub struct Plan {
    /// The paging mode and what it implies.
    pub paging: Paging,
    /// The platform.
    pub platform: Platform,
    /// Sorted by start address, ascending.
    pub regions: Vec<Region>,
    /// Sorted by start address, ascending.
    pub gaps: Vec<Gap>,
    /// The fixmap.
    pub fixmap: Fixmap,
    /// Index of the image region in `regions`.
    pub image: usize,
    /// The whole canonical address space top-down: regions, gaps and unused ranges.
    pub map: Vec<MapEntry>,
    /// Tables the reference kernel's boot mappings take from its boot pool.
    pub boot_tables: boot_tables::BootTables,
    /// How the C header names and writes its constants (`[c_header]`).
    pub c_header: CHeader,
}

/// Whether the C header defines `*_END` names, and what they mean. Kernels differ:
/// Xen's `FIX_PMAP_END` and `XEN_VIRT_END` are inclusive, many of Linux's `*_END`
/// exclusive; without a choice the header defines only the unambiguous `_LAST`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CEnds {
    /// No `_END` names (`_START`, `_SIZE`, inclusive `_LAST`).
    #[default]
    None,
    /// `_END` is one past the last byte or slot; omitted where that is 2^64.
    Exclusive,
    /// `_END` is the last byte or slot, like `_LAST`.
    Inclusive,
}

/// How the C header writes addresses and sizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CLiterals {
    /// `VMLAYOUT_UL(0x…)`: `0x…UL` in C, `0x…` in assembly.
    #[default]
    Ul,
    /// A bare `0x…`, for kernels that paste their own suffix (`_AC(X, UL)`).
    Plain,
}

/// `[c_header]`, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CHeader {
    /// Whether and how `_END` names are defined.
    pub ends: CEnds,
    /// How addresses and sizes are written.
    pub literals: CLiterals,
    /// Prepended to every name but the `VMLAYOUT_*` built-ins; empty for none.
    pub prefix: String,
    /// `(alias, defined name)`: `#define alias defined`, in order.
    pub aliases: Vec<(String, String)>,
}

impl Plan {
    /// How many regions hold an entry that lies within `parent` (through
    /// `within`): 0 for `None`, 1 for a region directly inside a top-level one.
    pub fn nesting_depth<'a>(&'a self, mut parent: Option<&'a str>) -> usize {
        let mut depth = 0;
        while let Some(p) = parent.and_then(|name| self.region(name)) {
            depth += 1;
            parent = p.within.as_deref();
            if depth > self.regions.len() {
                break; // a cycle is refused by validation; never loop on one
            }
        }
        depth
    }

    /// The same plan with the image loaded at `load`, another load address the
    /// platform allows (`load_range`): what a loader that chose it links with.
    ///
    /// # Errors
    /// `load` is not one of the allowed load addresses.
    pub fn loaded_at(&self, load: u64) -> Result<Plan, String> {
        let p = &self.platform;
        if !is_load_address(load, p.load_first, p.load_last, p.load_align) {
            return Err(if p.load_first == p.load_last {
                format!(
                    "{load:#x} is not a load address the plan allows (only {:#x}; a `load_range` in [platform] allows more)",
                    p.load_first
                )
            } else {
                format!(
                    "{load:#x} is not a load address the plan allows ({:#x}, {:#x} + {:#x}, … up to {:#x})",
                    p.load_first, p.load_first, p.load_align, p.load_last
                )
            });
        }
        let mut plan = self.clone();
        plan.platform.load_address = load;
        Ok(plan)
    }

    /// The image region.
    pub fn image(&self) -> &Region {
        &self.regions[self.image]
    }

    /// The region named `name`, if any.
    pub fn region(&self, name: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_addresses_are_the_first_plus_whole_steps() {
        // A 6 MiB step from 2 MiB: 2, 8, 14 MiB, up to the last.
        let (first, last, align) = (2 << 20, 14 << 20, 6 << 20);
        let allowed: Vec<u64> = (0..=16u64)
            .map(|mib| mib << 20)
            .filter(|&load| is_load_address(load, first, last, align))
            .collect();
        assert_eq!(allowed, [2 << 20, 8 << 20, 14 << 20]);
        assert!(
            !is_load_address(20 << 20, first, last, align),
            "past the last"
        );
    }

    #[test]
    fn permissions_print_as_their_letters() {
        let rw = Perms {
            read: true,
            write: true,
            ..Perms::default()
        };
        assert_eq!(rw.to_string(), rw.letters());
        assert_eq!(rw.to_string(), "rw");
    }
}
