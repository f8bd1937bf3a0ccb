//! Starting the secondary harts through SBI HSM (SBI v2.0, chapter 9). A hart
//! starts at `_secondary_start` (entry.rs) at its physical address with the MMU
//! off and `a0` its hart id. It reads what it needs from [`SMP_START`] at its
//! physical address — its index too, not from the opaque value — turns the MMU on
//! with the boot hart's `satp`, and continues at `secondary_main`'s link address on
//! a stack of its own.
//!
//! One hart starts at a time, named in [`SMP_START`] (`start_hart_id`,
//! `start_index`) before `hart_start`: OpenSBI 1.1 publishes the target's
//! START_PENDING state before it stores the start address and opaque value, so a
//! target may run from the firmware's boot address (`_start`) with a stale `a1`.
//! `_start` sees a start in progress and sends that hart down the secondary path.

use core::sync::atomic::{AtomicUsize, Ordering};

use super::hart;
use super::wait::{self, Waiting};
use crate::mm::{frames, image, kernel_access};
use crate::plan::{MAX_HARTS, PAGE_SIZE};

/// A secondary hart's stack: 16 KiB from RAM, through the direct map. The hart
/// runs its self-test and stress test on it, nothing deeper.
pub const STACK_PAGES: usize = 4;

/// What `_secondary_start` reads with the MMU off. `repr(C)`: entry.rs reads the
/// fields at fixed offsets ([`SATP_OFFSET`], [`IMAGE_OFFSET_OFFSET`],
/// [`START_HART_ID_OFFSET`], [`START_INDEX_OFFSET`],
/// [`STACK_TOPS_OFFSET`]).
#[repr(C)]
pub struct StartBlock {
    /// The `satp` every hart runs with: the boot hart's.
    satp: AtomicUsize,
    /// Link address − load address: where the entry code continues.
    image_offset: AtomicUsize,
    /// The SBI hart id of the hart being started.
    start_hart_id: AtomicUsize,
    /// The index of the hart being started: 0 (the boot hart's) until the first
    /// start, which is how `_start` tells a secondary from the boot.
    start_index: AtomicUsize,
    /// Each index's stack top: the exclusive end of its stack, a direct-map address.
    stack_tops: [AtomicUsize; MAX_HARTS],
}

/// Byte offsets of [`StartBlock`]'s fields, for entry.rs.
pub const SATP_OFFSET: usize = core::mem::offset_of!(StartBlock, satp);
pub const IMAGE_OFFSET_OFFSET: usize = core::mem::offset_of!(StartBlock, image_offset);
pub const STACK_TOPS_OFFSET: usize = core::mem::offset_of!(StartBlock, stack_tops);
pub const START_HART_ID_OFFSET: usize = core::mem::offset_of!(StartBlock, start_hart_id);
pub const START_INDEX_OFFSET: usize = core::mem::offset_of!(StartBlock, start_index);

/// Written by the boot hart before each `hart_start`, read by the started hart.
// Per-hart state, sized by MAX_HARTS: in `.data`, so the image ships it zeroed and
// boot does not clear it with .bss (as the fixmap's tables).
#[unsafe(link_section = ".data.per_hart")]
pub static SMP_START: StartBlock = StartBlock {
    satp: AtomicUsize::new(0),
    image_offset: AtomicUsize::new(0),
    start_hart_id: AtomicUsize::new(0),
    start_index: AtomicUsize::new(0),
    stack_tops: [const { AtomicUsize::new(0) }; MAX_HARTS],
};

/// What [`start_secondaries`] did.
pub struct Started {
    /// Harts online now, the boot hart included.
    pub online: usize,
    /// Harts the DTB names.
    pub in_dtb: usize,
    /// The DTB's timebase (`time` ticks per second), which waits' deadlines use;
    /// `None`: waits have no deadline.
    pub timebase_hz: Option<u64>,
}

/// Start every hart the DTB names other than this one (the boot hart, index 0,
/// SBI id `boot_hart_id`), up to `MAX_HARTS` in all, one at a time: each gets the
/// next index and a stack, and is waited for until it is online. `entry_pa` is
/// `_secondary_start`'s physical address (or `_start`'s: see above), `opaque`
/// the value each hart gets in `a1` (its index when `None`). Panics when RAM for
/// a stack runs out, or when SBI refuses to start a hart the DTB names; a hart
/// that never comes up ends the boot when the wait for it passes its deadline
/// (`wait`).
pub fn start_secondaries(
    dtb: &[u8],
    boot_hart_id: usize,
    entry_pa: usize,
    opaque: Option<usize>,
) -> Started {
    let mut ids = [0usize; MAX_HARTS];
    let cpus = crate::platform::scan_cpus(dtb, &mut ids);
    if let Some(hz) = cpus.timebase_hz {
        wait::set_timebase(hz);
    }
    hart::set_online(0, boot_hart_id);
    SMP_START
        .satp
        .store(riscv::register::satp::read().bits(), Ordering::Relaxed);
    SMP_START
        .image_offset
        .store(image::offset(), Ordering::Relaxed);
    let others = ids[..cpus.listed].iter().filter(|&&id| id != boot_hart_id);
    for (index, &id) in (1..MAX_HARTS).zip(others) {
        start_one(index, id, entry_pa, opaque.unwrap_or(index));
    }
    Started {
        online: hart::online(),
        in_dtb: cpus.in_dtb,
        timebase_hz: cpus.timebase_hz,
    }
}

/// Start hart `hart_id` at index `index` and wait until it is online. `opaque`
/// goes to the hart in `a1`, which the entry code does not trust.
fn start_one(index: usize, hart_id: usize, entry_pa: usize, opaque: usize) {
    let stack = frames::alloc_run(STACK_PAGES)
        .unwrap_or_else(|| panic!("no RAM for hart {hart_id}'s stack"));
    let top = kernel_access::phys_to_virt(stack) + STACK_PAGES * PAGE_SIZE;
    SMP_START.stack_tops[index].store(top, Ordering::Relaxed);
    // Planted: name another hart than the one started, which must then refuse to
    // run and fail the boot.
    let named = if crate::plant::at("smp_wrong_hart") {
        hart_id ^ 0x40
    } else {
        hart_id
    };
    SMP_START.start_hart_id.store(named, Ordering::Relaxed);
    SMP_START.start_index.store(index, Ordering::Relaxed);
    // The block's stores before the hart can run: it reads them with the MMU off,
    // from memory (caches are coherent; the fence orders them before the ecall).
    riscv::asm::fence();
    let ret = sbi_rt::hart_start(hart_id, entry_pa, opaque);
    if let Some(error) = ret.err() {
        panic!("SBI HSM refused to start hart {hart_id}: {error:?}");
    }
    // The hart wakes this one once it is online (`secondary_main`).
    let waiting = Waiting {
        describe: &|f| {
            write!(
                f,
                "hart id {hart_id} to come online at index {index} (started at {entry_pa:#x})"
            )
        },
        progress: &wait::no_progress,
    };
    wait::wait_until(&waiting, || hart::hart_id(index).is_some());
}
