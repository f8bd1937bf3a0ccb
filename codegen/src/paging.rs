//! RISC-V paging modes with 4 KiB pages and everything the plan derives from them.
//!
//! Sv39/Sv48/Sv57 translate 39/48/57-bit virtual addresses through 3/4/5 levels of
//! 512-entry tables. Levels are numbered like the privileged spec and Xen: the root
//! is level `levels - 1`, leaves of 4 KiB pages live in level 0. A virtual address is
//! canonical when bits 63..VA_BITS all equal bit VA_BITS-1, so the space splits into a
//! low half `[0, 2^(VA_BITS-1))` and a high half `[2^64 - 2^(VA_BITS-1), 2^64)`.

use std::fmt;

/// Bits of a page offset: pages are 4 KiB in every mode.
pub const PAGE_SHIFT: u32 = 12;
/// Bytes in a page (4 KiB).
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// Bits of virtual address consumed by one table level (512 entries of 8 bytes).
pub const LEVEL_BITS: u32 = 9;
/// Entries in every page table (512 of 8 bytes).
pub const ENTRIES_PER_TABLE: u64 = 1 << LEVEL_BITS;
/// The span mapped by one level-0 (leaf) table: 512 × 4 KiB = 2 MiB, in every mode.
pub const L0_TABLE_SPAN: u64 = ENTRIES_PER_TABLE * PAGE_SIZE;
/// Position of the `MODE` field in `satp` (bits 63:60; privileged spec, "Supervisor
/// Address Translation and Protection (satp) Register", RV64 layout).
pub const SATP_MODE_SHIFT: u32 = 60;

/// Shift of the address bits a level-`level` table indexes: 12 for level 0 (leaves),
/// 21 for level 1, 9 more per level (privileged spec, "Sv39": `VPN[i]` is 9 bits).
pub fn level_shift(level: u32) -> u32 {
    PAGE_SHIFT + LEVEL_BITS * level
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
/// A RISC-V virtual-memory mode for 64-bit harts (privileged spec, "Sv39", "Sv48", "Sv57").
#[non_exhaustive]
pub enum Mode {
    /// 39-bit virtual addresses, 3 levels.
    Sv39,
    /// 48-bit virtual addresses, 4 levels.
    Sv48,
    /// 57-bit virtual addresses, 5 levels.
    Sv57,
}

impl Mode {
    /// Every mode, smallest first.
    pub const ALL: [Mode; 3] = [Mode::Sv39, Mode::Sv48, Mode::Sv57];

    /// The name layout.toml uses: `sv39`, `sv48`, `sv57`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sv39 => "sv39",
            Mode::Sv48 => "sv48",
            Mode::Sv57 => "sv57",
        }
    }

    /// The mode `name` names, if any (lower case).
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Page-table levels: 3, 4 or 5.
    pub fn levels(self) -> u32 {
        match self {
            Mode::Sv39 => 3,
            Mode::Sv48 => 4,
            Mode::Sv57 => 5,
        }
    }

    /// The level number of the root table (levels count down to 0 at the leaves).
    pub fn root_level(self) -> u32 {
        self.levels() - 1
    }

    /// Bits of a virtual address: 39, 48 or 57.
    pub fn va_bits(self) -> u32 {
        PAGE_SHIFT + LEVEL_BITS * self.levels()
    }

    /// The `MODE` field of `satp` that selects this scheme.
    pub fn satp_mode(self) -> u64 {
        match self {
            Mode::Sv39 => 8,
            Mode::Sv48 => 9,
            Mode::Sv57 => 10,
        }
    }

    /// Shift of the root-table index within a virtual address.
    pub fn root_slot_shift(self) -> u32 {
        level_shift(self.root_level())
    }

    /// Bytes mapped by one root-table entry (1 GiB in Sv39, 512 GiB in Sv48, 256 TiB in Sv57).
    pub fn root_slot_size(self) -> u64 {
        1 << self.root_slot_shift()
    }

    /// End (exclusive) of the canonical low half.
    pub fn low_half_end(self) -> u64 {
        1 << (self.va_bits() - 1)
    }

    /// Start of the canonical high half.
    pub fn high_half_start(self) -> u64 {
        0u64.wrapping_sub(self.low_half_end())
    }

    /// Whether `addr` is canonical: its bits 63 down to `va_bits() - 1` all equal.
    pub fn is_canonical(self, addr: u64) -> bool {
        addr < self.low_half_end() || addr >= self.high_half_start()
    }

    /// Whether bytes `first..=last` (`first <= last`) all lie in one canonical half:
    /// all below `low_half_end()`, or all from `high_half_start()` up. A range that
    /// touches the non-canonical hole, or runs from one half to the other across
    /// it, does not.
    pub fn in_one_half(self, first: u64, last: u64) -> bool {
        last < self.low_half_end() || first >= self.high_half_start()
    }

    /// The canonical start address of root slot `index` (0..512): slots 0..256 are the
    /// low half, 256..512 the high half (sign-extended).
    pub fn slot_address(self, index: u64) -> Option<u64> {
        if index >= ENTRIES_PER_TABLE {
            return None;
        }
        let raw = index << self.root_slot_shift();
        Some(if raw >= self.low_half_end() {
            raw | self.high_half_start()
        } else {
            raw
        })
    }

    /// The root-table index that translates `addr` (which must be canonical).
    pub fn slot_of(self, addr: u64) -> u64 {
        (addr >> self.root_slot_shift()) & (ENTRIES_PER_TABLE - 1)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sv39_slot_511_is_the_top_gigabyte() {
        assert_eq!(Mode::Sv39.slot_address(511), Some(0xffff_ffff_c000_0000));
        assert_eq!(Mode::Sv39.slot_address(256), Some(0xffff_ffc0_0000_0000));
        assert_eq!(Mode::Sv39.slot_address(255), Some(0x3f_c000_0000));
        assert_eq!(Mode::Sv39.slot_of(0xffff_ffff_c0a0_0000), 511);
        assert_eq!(Mode::Sv39.root_slot_size(), 1 << 30);
    }

    #[test]
    fn canonical_halves_per_mode() {
        for mode in Mode::ALL {
            let low = mode.low_half_end();
            assert!(mode.is_canonical(low - 1));
            assert!(!mode.is_canonical(low));
            assert!(!mode.is_canonical(mode.high_half_start() - 1));
            assert!(mode.is_canonical(mode.high_half_start()));
            assert_eq!(mode.slot_address(256), Some(mode.high_half_start()));
        }
        assert_eq!(Mode::Sv48.high_half_start(), 0xffff_8000_0000_0000);
        assert_eq!(Mode::Sv57.high_half_start(), 0xff00_0000_0000_0000);
    }

    /// Ranges at each edge of each half: ending on the low half's last byte or one
    /// past it, starting on the high half's first byte or one before it, and a range
    /// from one half to the other across the hole.
    #[test]
    fn one_half_at_its_edges() {
        for mode in Mode::ALL {
            let (low, high) = (mode.low_half_end(), mode.high_half_start());
            assert!(mode.in_one_half(0, low - 1));
            assert!(mode.in_one_half(low - 1, low - 1));
            assert!(!mode.in_one_half(low - 1, low));
            assert!(!mode.in_one_half(0, low));
            assert!(mode.in_one_half(high, u64::MAX));
            assert!(mode.in_one_half(high, high));
            assert!(!mode.in_one_half(high - 1, high));
            assert!(!mode.in_one_half(low - 0x1000, high + 0xfff));
        }
    }
}
