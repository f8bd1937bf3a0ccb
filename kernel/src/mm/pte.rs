//! Page-table entries: one type, one machine word, explicit conversions both ways
//! (the review's request), and accessors that read or write a PTE with a single
//! 64-bit access.

use core::sync::atomic::{AtomicU64, Ordering};

use bitflags::bitflags;

use crate::plan::PAGE_SHIFT;

bitflags! {
    /// The flag bits of a Sv39/Sv48/Sv57 PTE (privileged spec, "Sv39").
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct PteFlags: u64 {
        const V = 1 << 0;
        const R = 1 << 1;
        const W = 1 << 2;
        const X = 1 << 3;
        const U = 1 << 4;
        const G = 1 << 5;
        const A = 1 << 6;
        const D = 1 << 7;
    }
}

impl PteFlags {
    /// Kernel read-only data.
    pub const KERNEL_R: PteFlags = PteFlags::R.union(PteFlags::G);
    /// Kernel text.
    pub const KERNEL_RX: PteFlags = PteFlags::R.union(PteFlags::X).union(PteFlags::G);
    /// Kernel data.
    pub const KERNEL_RW: PteFlags = PteFlags::R.union(PteFlags::W).union(PteFlags::G);
}

/// A page-aligned physical address: the precondition of a leaf in a type, so a
/// leaf PTE's PPN field is the address shifted right by 2, with no masking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhysPage(usize);

impl PhysPage {
    /// The page that holds physical address `pa`.
    #[inline(always)]
    pub const fn containing(pa: usize) -> PhysPage {
        PhysPage(pa & !((1 << PAGE_SHIFT) - 1))
    }

    /// The page's physical address (page-aligned).
    #[inline(always)]
    pub const fn addr(self) -> usize {
        self.0
    }
}

/// The bits below the PPN of a leaf, worked out once (at compile time for a
/// constant): the permissions, V, A, and D when writable. A and D are set up
/// front, so the hardware need not update them and a rewrite keeps them
/// (privileged spec, "Sv39": an implementation may fault rather than set them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafFlags(u64);

impl LeafFlags {
    /// The leaf bits for `flags` (which must include R or X).
    pub const fn new(flags: PteFlags) -> LeafFlags {
        let mut bits = flags.bits() | PteFlags::V.bits() | PteFlags::A.bits();
        if flags.contains(PteFlags::W) {
            bits |= PteFlags::D.bits();
        }
        LeafFlags(bits)
    }

    /// Kernel data: [`PteFlags::KERNEL_RW`] as a leaf.
    pub const KERNEL_RW: LeafFlags = LeafFlags::new(PteFlags::KERNEL_RW);
}

/// The PTE bits below the PPN: the flags above and two RSW bits.
const FLAG_MASK: u64 = 0x3ff;
/// Where the physical page number starts in a PTE.
pub const PPN_SHIFT: u32 = 10;
/// The PPN field: 44 bits in Sv39, Sv48 and Sv57 alike.
const PPN_MASK: u64 = (1 << 44) - 1;

/// A page-table entry as the machine word it is.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct Pte(u64);

impl Pte {
    /// An entry that maps nothing (V clear).
    pub const INVALID: Pte = Pte(0);

    /// The PTE as stored in memory.
    pub const fn to_word(self) -> u64 {
        self.0
    }

    /// The PTE a memory word holds.
    pub const fn from_word(word: u64) -> Pte {
        Pte(word)
    }

    /// A leaf mapping `pa` with `flags`. A and D are set up front (D only when
    /// writable): hardware need not update them, and a rewrite keeps them.
    pub fn leaf(pa: usize, flags: PteFlags) -> Pte {
        debug_assert!(
            pa.is_multiple_of(1 << PAGE_SHIFT),
            "leaf PTEs map page-aligned addresses"
        );
        debug_assert!(
            flags.intersects(PteFlags::R | PteFlags::X),
            "a leaf is readable or executable"
        );
        Pte::leaf_page(PhysPage::containing(pa), LeafFlags::new(flags))
    }

    /// A leaf mapping `page` with the ready-made bits `flags`: one shift and one
    /// OR (the PPN starts at bit 10, the address's page number at bit 12).
    #[inline(always)]
    pub const fn leaf_page(page: PhysPage, flags: LeafFlags) -> Pte {
        Pte(((page.0 as u64) >> (PAGE_SHIFT as u32 - PPN_SHIFT)) | flags.0)
    }

    /// A pointer to the next-level table at `table_pa`: V set, R/W/X clear.
    pub fn table(table_pa: usize) -> Pte {
        Pte(((table_pa as u64 >> PAGE_SHIFT) << PPN_SHIFT) | PteFlags::V.bits())
    }

    /// The entry's flag bits.
    pub fn flags(self) -> PteFlags {
        PteFlags::from_bits_truncate(self.0 & FLAG_MASK)
    }

    /// The physical address the entry points at (a page or a table).
    pub fn pa(self) -> usize {
        (((self.0 >> PPN_SHIFT) & PPN_MASK) << PAGE_SHIFT) as usize
    }

    /// Whether V is set.
    pub fn is_valid(self) -> bool {
        self.flags().contains(PteFlags::V)
    }

    /// A valid entry with any of R/W/X is a leaf; with none it points to a table.
    pub fn is_leaf(self) -> bool {
        self.is_valid()
            && self
                .flags()
                .intersects(PteFlags::R | PteFlags::W | PteFlags::X)
    }
}

impl core::fmt::Debug for Pte {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Pte({:#x} -> {:#x}, {:?})",
            self.0,
            self.pa(),
            self.flags()
        )
    }
}

/// Read a PTE with one 64-bit load: it can never observe half of a concurrent write.
///
/// Ordering: `Relaxed`. The page-table walker is not ordered by Rust atomics at all;
/// what orders a PTE store before the translations that use it is `sfence.vma`,
/// which every writer issues after its stores. On one hart that is sufficient. With
/// SMP, a writer publishing a new table to other harts would need `Release` (a
/// `fence rw,w` before the store) and a remote `sfence.vma` (SBI RFENCE) before
/// relying on the change there.
#[inline(always)]
pub fn read_pte(slot: &AtomicU64) -> Pte {
    Pte::from_word(slot.load(Ordering::Relaxed))
}

/// Write a PTE with one 64-bit store: a concurrent walker sees the old entry or
/// the new one, never a torn mix. See [`read_pte`] for the ordering argument.
#[inline(always)]
pub fn write_pte(slot: &AtomicU64, pte: Pte) {
    slot.store(pte.to_word(), Ordering::Relaxed);
}
