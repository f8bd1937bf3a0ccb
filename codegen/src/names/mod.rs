//! The identifiers generated from layout names. Validation uses the same functions
//! to reject layouts whose names would collide once turned into constants, with a
//! language's reserved words, or with what an emitter defines on its own.

mod reserved;

pub use reserved::{reserved_in, reserved_in_c};

/// `FDT` for region `fdt`: the prefix of `FDT_VIRT_START` etc.
pub fn constant_prefix(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// `Pmap` for `pmap`, `BootFdt` for `boot_fdt`.
pub fn camel(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The constants generated for one fixmap group, by every emitter that names them.
/// Every group gets the same items whatever its count (one slot or many).
pub struct FixGroupConstants {
    /// `FIX_<G>_BEGIN`: the group's first slot.
    pub begin: String,
    /// `FIX_<G>_LAST`: the group's last slot (inclusive).
    pub last: String,
    /// `FIX_<G>_END`: one past the group's last slot (exclusive), except in a C
    /// header whose `[c_header] ends` says otherwise.
    pub end: String,
    /// `FIX_<G>_COUNT`: slots in the group, every hart's together.
    pub count: String,
    /// `FIX_<G>_HARTS`: harts the group has slots for (1 for a shared group).
    pub harts: String,
    /// `FIX_<G>_PER_HART`: slots each hart has (`COUNT / HARTS`).
    pub per_hart: String,
    /// `FIX_<G>_HART_SLOT(h, i)`: the C header's macro for hart `h`'s slot `i`.
    pub hart_slot: String,
}

impl FixGroupConstants {
    pub fn of(group: &str) -> FixGroupConstants {
        let g = constant_prefix(group);
        FixGroupConstants {
            begin: format!("FIX_{g}_BEGIN"),
            last: format!("FIX_{g}_LAST"),
            end: format!("FIX_{g}_END"),
            count: format!("FIX_{g}_COUNT"),
            harts: format!("FIX_{g}_HARTS"),
            per_hart: format!("FIX_{g}_PER_HART"),
            hart_slot: format!("FIX_{g}_HART_SLOT"),
        }
    }

    pub fn all(&self) -> impl Iterator<Item = &str> {
        [
            &self.begin,
            &self.last,
            &self.end,
            &self.count,
            &self.harts,
            &self.per_hart,
            &self.hart_slot,
        ]
        .into_iter()
        .map(String::as_str)
    }
}

/// `pmap_slot`: the generated function that gives slot `i` of group `group`.
pub fn fix_slot_fn(group: &str) -> String {
    format!("{group}_slot")
}

/// `pmap_hart_slot`: the generated function that gives hart `h`'s slot `i` of
/// group `group`.
pub fn fix_hart_slot_fn(group: &str) -> String {
    format!("{group}_hart_slot")
}

/// The variant of the generated `FixSlot` enum for slot `index` of a group:
/// `Pmap0`…`Pmap7`, `Misc0` (the same form for every count).
pub fn fix_slot_variant(group: &str, index: u64) -> String {
    format!("{}{index}", camel(group))
}

/// `PMAP` for role `pmap`: the constant in the generated `role` module.
pub fn role_constant(role: &str) -> String {
    constant_prefix(role)
}

/// The constants generated for one region, by every emitter that names them.
pub struct RegionConstants {
    pub start: String,
    pub size: String,
    /// Last byte, inclusive: defined for every region.
    pub last: String,
    /// Exclusive: defined only where it is below 2^64 (not for a region that ends
    /// at the top of the address space).
    pub end: String,
    /// `start..=last` as a `RangeInclusive` (Rust only).
    pub range: String,
    pub align: String,
    pub first_slot: String,
    pub last_slot: String,
    pub perms: String,
}

impl RegionConstants {
    pub fn of(region: &str) -> RegionConstants {
        let p = constant_prefix(region);
        // Concatenated into an exact allocation, not formatted or grown: this runs
        // for every region in every emitter and in validation.
        let name = |suffix: &str| {
            let mut name = String::with_capacity(p.len() + suffix.len());
            name.push_str(&p);
            name.push_str(suffix);
            name
        };
        RegionConstants {
            start: name("_VIRT_START"),
            size: name("_VIRT_SIZE"),
            last: name("_VIRT_LAST"),
            end: name("_VIRT_END"),
            range: name("_VIRT"),
            align: name("_ALIGN"),
            first_slot: name("_ROOT_SLOT_FIRST"),
            last_slot: name("_ROOT_SLOT_LAST"),
            perms: name("_PERMS"),
        }
    }

    /// Every name, as [`RegionConstants::all`], owned.
    pub fn into_all(self) -> impl Iterator<Item = String> {
        [
            self.start,
            self.size,
            self.last,
            self.end,
            self.range,
            self.align,
            self.first_slot,
            self.last_slot,
            self.perms,
        ]
        .into_iter()
    }

    /// Every name, including `end` (reserved even where it is not defined).
    pub fn all(&self) -> [&str; 9] {
        [
            &self.start,
            &self.size,
            &self.last,
            &self.end,
            &self.range,
            &self.align,
            &self.first_slot,
            &self.last_slot,
            &self.perms,
        ]
    }
}

/// The constants generated for one guard gap.
pub struct GapConstants {
    pub start: String,
    pub size: String,
    /// Last byte, inclusive: defined for every gap.
    pub last: String,
    /// Exclusive: defined only where it is below 2^64.
    pub end: String,
}

impl GapConstants {
    pub fn of(gap: &str) -> GapConstants {
        let p = constant_prefix(gap);
        GapConstants {
            start: format!("{p}_START"),
            size: format!("{p}_SIZE"),
            last: format!("{p}_LAST"),
            end: format!("{p}_END"),
        }
    }

    /// Every name, including `end` (reserved even where it is not defined).
    pub fn all(&self) -> [&str; 4] {
        [&self.start, &self.size, &self.last, &self.end]
    }

    /// Every name, as [`GapConstants::all`], owned.
    pub fn into_all(self) -> impl Iterator<Item = String> {
        [self.start, self.size, self.last, self.end].into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names() {
        assert_eq!(camel("boot_fdt"), "BootFdt");
        assert_eq!(fix_slot_variant("pmap", 3), "Pmap3");
        assert_eq!(fix_slot_variant("misc", 0), "Misc0");
    }
}
