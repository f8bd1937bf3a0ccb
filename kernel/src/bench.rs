//! The benchmarks the kernel reports after its self-tests, as `BENCH name value`
//! lines for `cargo xtask bench`: the fixmap's set/clear calls, and the boot phases
//! [`instret::mark`] recorded. This module depends on what it measures; nothing
//! depends on it but the crate root.

use crate::instret::{self, Phase};
use crate::mm::fixmap::{clear_fixmap, clear_fixmap_inline, set_fixmap, set_fixmap_inline};
use crate::mm::pte::PteFlags;
use crate::mm::pte::{LeafFlags, PhysPage};
use crate::mm::table::level_size;
use crate::mm::{kernel_access, pmap, shared};
use crate::plan::{DIRECTMAP, FixSlot, PMAP};

/// The constant slot the inlined calls are measured on: the boot hart's last PMAP
/// slot.
const INLINE_SLOT: FixSlot = match PMAP.hart_slot(0, PMAP.per_hart() - 1) {
    Some(slot) => slot,
    None => panic!("PMAP has a slot"),
};

/// Mean instructions per `set` and per `clear` call over `calls` pairs, in tenths
/// of an instruction, the cost of reading the counter taken off. Each pair gets
/// `arg` of its number, worked out before the count starts.
#[inline(always)]
fn time_pairs<A: Copy>(
    calls: u64,
    mut arg: impl FnMut(u64) -> A,
    mut set: impl FnMut(A),
    mut clear: impl FnMut(A),
) -> (u64, u64) {
    let overhead = instret::overhead();
    let (mut set_total, mut clear_total) = (0, 0);
    for i in 0..calls {
        let a = arg(i);
        let t0 = instret::read();
        set(a);
        let t1 = instret::read();
        clear(a);
        let t2 = instret::read();
        set_total += t1 - t0 - overhead;
        clear_total += t2 - t1 - overhead;
    }
    (set_total * 10 / calls, clear_total * 10 / calls)
}

/// Mean instructions per `set_fixmap` and per `clear_fixmap` call, in tenths of an
/// instruction, over `calls` calls that map `frame` (a physical address) through
/// the boot hart's PMAP slots in turn.
///
/// # Safety
/// `frame` is a RAM frame the caller owns: it is mapped writable (and never written).
pub unsafe fn fixmap_calls(frame: usize, calls: u64) -> (u64, u64) {
    let page = PhysPage::containing(frame);
    time_pairs(
        calls,
        |i| {
            PMAP.hart_slot(0, i as usize % PMAP.per_hart())
                .expect("in range")
        },
        // SAFETY: the caller owns `frame` (this function's contract).
        |slot| unsafe { set_fixmap(slot, page, LeafFlags::KERNEL_RW) },
        clear_fixmap,
    )
}

/// As [`fixmap_calls`], inlined at a constant slot (the last PMAP slot), as the
/// console and the exit path use them.
///
/// # Safety
/// As [`fixmap_calls`]; the last PMAP slot must be free.
pub unsafe fn fixmap_inline_calls(frame: usize, calls: u64) -> (u64, u64) {
    let page = PhysPage::containing(frame);
    time_pairs(
        calls,
        |_| INLINE_SLOT,
        // SAFETY: the caller owns `frame` and the slot (this function's contract).
        |slot| unsafe { set_fixmap_inline(slot, page, LeafFlags::KERNEL_RW) },
        clear_fixmap_inline,
    )
}

/// Mean instructions per PMAP map and unmap call (this hart's slots: the hart's
/// index from `tp`, its bitmap, then `set_fixmap`/`clear_fixmap`), in tenths,
/// over `calls` pairs of `frame`.
///
/// # Safety
/// As [`fixmap_calls`]; no PMAP slot of this hart is in use.
pub unsafe fn pmap_calls(frame: usize, calls: u64) -> (u64, u64) {
    time_pairs(
        calls,
        |_| frame,
        |pa| {
            // SAFETY: the caller owns `frame` (this function's contract).
            let va = unsafe { pmap::map(pa) };
            LAST_PMAP.store(va, core::sync::atomic::Ordering::Relaxed);
        },
        |_| pmap::unmap(LAST_PMAP.load(core::sync::atomic::Ordering::Relaxed)),
    )
}

/// The address the timed `pmap::map` returned, for the timed unmap.
static LAST_PMAP: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Mean instructions per shared-slot map (lock, PTE store, local fence) and per
/// drop (clear, local fence, SBI remote fence of the page to every other online
/// hart, unlock), in tenths, over `calls` pairs on this hart with shared slot 0.
/// `rdinstret` counts this hart's instructions, the firmware's M-mode work for the
/// call included, not what the other harts do to fence.
///
/// # Safety
/// As [`fixmap_calls`]; no other hart uses the shared slots meanwhile.
pub unsafe fn shared_calls(frame: usize, calls: u64) -> (u64, u64) {
    // SAFETY: the caller's contract.
    unsafe { shared_pairs(frame, calls, instret::read, instret::overhead()) }
}

/// Mean `clock` ticks per shared-slot map and per drop over `calls` pairs, in
/// tenths, `overhead` (the cost of reading `clock`) taken off each.
///
/// # Safety
/// As [`shared_calls`].
#[inline(always)]
unsafe fn shared_pairs(
    frame: usize,
    calls: u64,
    clock: impl Fn() -> u64,
    overhead: u64,
) -> (u64, u64) {
    let page = PhysPage::containing(frame);
    let (mut map_total, mut drop_total) = (0, 0);
    for _ in 0..calls {
        let t0 = clock();
        // SAFETY: the caller owns `frame` (this function's contract).
        let mapping = unsafe { shared::map(0, page, LeafFlags::KERNEL_RW) };
        let t1 = clock();
        drop(mapping);
        let t2 = clock();
        map_total += (t1 - t0).saturating_sub(overhead);
        drop_total += (t2 - t1).saturating_sub(overhead);
    }
    (map_total * 10 / calls, drop_total * 10 / calls)
}

/// Whether this kernel times the shared slots' remote shootdown with several harts
/// online (built with `VMLAYOUT_BENCH_SHOOTDOWN=1`, booted multi-threaded).
pub const SHOOTDOWN_TIMED: bool = match option_env!("VMLAYOUT_BENCH_SHOOTDOWN") {
    Some(value) => matches!(value.as_bytes(), b"1"),
    None => false,
};

/// As [`shared_calls`], in `time` ticks (the platform's timebase; 10 MHz on QEMU
/// virt, so a tick is 0.1 µs) rather than instructions, in tenths of a tick:
/// wall-clock time, which the targets' response sets, on whatever host runs QEMU.
///
/// # Safety
/// As [`shared_calls`].
pub unsafe fn shared_ticks(frame: usize, calls: u64) -> (u64, u64) {
    // SAFETY: the caller's contract.
    unsafe { shared_pairs(frame, calls, riscv::register::time::read64, 0) }
}

/// Print a figure given in tenths (of an instruction, or of a count) the way
/// `cargo xtask bench` reads it.
pub fn report(name: &str, tenths: u64) {
    crate::println!("BENCH {name} {}.{}", tenths / 10, tenths % 10);
}

/// Report the instructions spent in each boot phase since the previous mark (the
/// first since `entry`, the instruction count `_start` read).
pub fn report_phases(entry: u64) {
    let mut previous = entry;
    for phase in Phase::ALL {
        let at = instret::marked_at(phase);
        report(phase.name(), (at - previous) * 10);
        previous = at;
    }
}

/// The marginal instructions per leaf of the direct map's loop, in tenths: two
/// runs of 2 MiB leaves (8 and 72) mapped read-only into the direct map's first
/// 1 GiB past RAM, the difference over 64 leaves (the walk and the call cancel
/// out). The ranges are never accessed and are unmapped again. `None` when the
/// direct map is too small to hold them past `ram_end` (bytes from its start).
pub fn directmap_leaf_cost(ram_end: usize) -> Option<u64> {
    let leaf = level_size(1);
    let start = (ram_end.next_multiple_of(leaf)).max(512 << 20);
    let gib = level_size(2);
    if start + 80 * leaf > gib.min(DIRECTMAP.size) {
        return None;
    }
    let run = |va: usize, leaves: usize| {
        let t0 = instret::read();
        // SAFETY: read-only, at addresses nothing uses, never accessed, and unmapped
        // right after; the physical range is whatever lies there, only named.
        unsafe { kernel_access::map(va, 0, leaves * leaf, PteFlags::KERNEL_R, 1) }
            .expect("a free range of the direct map");
        let t1 = instret::read();
        kernel_access::unmap(va, leaves * leaf).expect("just mapped");
        t1 - t0
    };
    let few = run(DIRECTMAP.start + start, 8);
    let many = run(DIRECTMAP.start + start, 72);
    Some((many - few) * 10 / 64)
}
