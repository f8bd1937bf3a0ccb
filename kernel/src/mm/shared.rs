//! Shared fixmap slots (the group with role `shared`): slots any hart may map,
//! one holder at a time, for a page several harts must reach through one fixed
//! address (Xen's and Linux's global fixmap entries are of this kind).
//!
//! Each slot has a ticket lock (waiters halt until their turn). [`map`] takes it,
//! stores the PTE and fences the page on this hart; dropping the [`SharedMapping`] clears the PTE, fences the page
//! here and on every other online hart (SBI RFENCE of exactly that page), then
//! releases the lock.
//!
//! Memory ordering, point by point:
//! - *Before the PTE is stored*: the page's contents, written through the direct
//!   map, precede the PTE store in program order, and `sfence.vma` orders the store
//!   before this hart's later translations of the slot. Only the holder uses the
//!   slot, so no other hart needs to see the new entry: no remote fence on map.
//! - *Before the slot is reused*: the clear, the local `sfence.vma` and the remote
//!   fences all happen before the unlock (`Release`); the next holder's `Acquire`
//!   lock then orders its PTE store after all of them. Another hart may have cached
//!   the old entry speculatively (any valid entry may be, privileged spec 12.2.1),
//!   so the remote fence is what makes "no hart reaches the old page through the
//!   slot" true once the mapping is dropped — the page may then be reused.
//! - *A hart coming online* while a mapping is dropped: the unmap stores the
//!   clear, then (`fence rw,rw`) reads which harts are online; the new hart records
//!   itself online, then (`fence rw,rw`) flushes its whole TLB. Either the unmap
//!   sees it online and fences it remotely, or its flush comes after the clear and
//!   drops any entry it cached speculatively since its MMU came on.
//! - *A concurrent walker* (another hart's speculative walk) reads the PTE with
//!   one 64-bit load and it is written with one 64-bit store (`write_pte`): it sees
//!   the old entry or the new one, never a mix.

use super::fixmap::{clear_fixmap, set_fixmap};
use super::pte::{LeafFlags, PhysPage};
use super::tlb::flush_page_on_other_harts;
use crate::plan::{FixSlot, SHARED};
use crate::smp::lock::{TicketGuard, TicketLock};

/// One lock per shared slot.
// Per-hart state, sized by MAX_HARTS: in `.data`, so the image ships it zeroed and
// boot does not clear it with .bss (as the fixmap's tables).
#[unsafe(link_section = ".data.per_hart")]
static LOCKS: [TicketLock; SHARED.count] =
    [const { TicketLock::new("a shared fixmap slot's lock") }; SHARED.count];

/// A shared slot mapped by this hart: the slot stays this hart's until dropped.
pub struct SharedMapping {
    slot: FixSlot,
    _lock: TicketGuard<'static>,
}

impl SharedMapping {
    /// The slot's virtual address (the page's first byte).
    pub fn addr(&self) -> usize {
        self.slot.addr()
    }
}

/// Map `page` at shared slot `i` (`0..SHARED.count`) with `flags`, waiting while
/// another hart holds it.
///
/// Panics when `i` is not a shared slot.
///
/// # Safety
/// As [`set_fixmap`]: the mapping is writable, so `page` must be memory the
/// caller may access this way.
pub unsafe fn map(i: usize, page: PhysPage, flags: LeafFlags) -> SharedMapping {
    let slot = SHARED
        .slot(i)
        .unwrap_or_else(|| panic!("shared slot {i} of {}", SHARED.count));
    let lock = LOCKS[i].lock();
    // SAFETY: the caller vouches for `page`; the lock makes the slot ours.
    unsafe { set_fixmap(slot, page, flags) };
    SharedMapping { slot, _lock: lock }
}

impl Drop for SharedMapping {
    fn drop(&mut self) {
        clear_fixmap(self.slot);
        flush_page_on_other_harts(self.slot.addr());
        // The lock guard drops after this: the unlock follows the fences.
    }
}
