//! Physical page frames: a bump allocator over the RAM after the image, stepping
//! over the DTB. Enough for page tables, stacks and self-test pages; nothing is
//! freed. Any hart may allocate: a frame is claimed with one compare-and-swap.

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::plan::PAGE_SIZE;

static NEXT: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);
static SKIP_START: AtomicUsize = AtomicUsize::new(0);
static SKIP_END: AtomicUsize = AtomicUsize::new(0);

/// Hand out frames from `[start, end)`, never from `[skip_start, skip_end)`.
/// Called once, before any other hart runs.
pub fn init(start: usize, end: usize, skip_start: usize, skip_end: usize) {
    NEXT.store(start.next_multiple_of(PAGE_SIZE), Ordering::Relaxed);
    END.store(end & !(PAGE_SIZE - 1), Ordering::Relaxed);
    SKIP_START.store(skip_start & !(PAGE_SIZE - 1), Ordering::Relaxed);
    SKIP_END.store(skip_end.next_multiple_of(PAGE_SIZE), Ordering::Relaxed);
}

/// One frame's physical address, or `None` when RAM is used up (or not known yet).
pub fn alloc() -> Option<usize> {
    alloc_run(1)
}

/// `pages` consecutive frames (a run that does not cross the DTB); the first's
/// physical address, or `None` when RAM is used up.
pub fn alloc_run(pages: usize) -> Option<usize> {
    let bytes = pages.checked_mul(PAGE_SIZE)?;
    let (skip_start, skip_end) = (
        SKIP_START.load(Ordering::Relaxed),
        SKIP_END.load(Ordering::Relaxed),
    );
    let mut next = NEXT.load(Ordering::Relaxed);
    loop {
        let mut first = next;
        if first < skip_end && first.checked_add(bytes)? > skip_start {
            first = skip_end;
        }
        let end = first.checked_add(bytes)?;
        if end > END.load(Ordering::Relaxed) {
            return None;
        }
        // Relaxed: a frame's contents are ordered by whoever hands its address on.
        match NEXT.compare_exchange_weak(next, end, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Some(first),
            Err(seen) => next = seen,
        }
    }
}
