//! Physical page frames: a bump allocator over the RAM after the image, stepping
//! over the DTB. Enough for page tables and self-test pages; nothing is freed.

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::plan::PAGE_SIZE;

static NEXT: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);
static SKIP_START: AtomicUsize = AtomicUsize::new(0);
static SKIP_END: AtomicUsize = AtomicUsize::new(0);

/// Hand out frames from `[start, end)`, never from `[skip_start, skip_end)`.
pub fn init(start: usize, end: usize, skip_start: usize, skip_end: usize) {
    NEXT.store(start.next_multiple_of(PAGE_SIZE), Ordering::Relaxed);
    END.store(end & !(PAGE_SIZE - 1), Ordering::Relaxed);
    SKIP_START.store(skip_start & !(PAGE_SIZE - 1), Ordering::Relaxed);
    SKIP_END.store(skip_end.next_multiple_of(PAGE_SIZE), Ordering::Relaxed);
}

/// One frame's physical address, or `None` when RAM is used up (or not known yet).
pub fn alloc() -> Option<usize> {
    let mut frame = NEXT.load(Ordering::Relaxed);
    if frame >= SKIP_START.load(Ordering::Relaxed) && frame < SKIP_END.load(Ordering::Relaxed) {
        frame = SKIP_END.load(Ordering::Relaxed);
    }
    if frame + PAGE_SIZE > END.load(Ordering::Relaxed) {
        return None;
    }
    NEXT.store(frame + PAGE_SIZE, Ordering::Relaxed);
    Some(frame)
}
