//! Locks whose waiters halt (`wfi`) instead of spinning, woken by an SBI IPI:
//! - [`TicketLock`], first come first served (the shared fixmap slots');
//! - [`HartLock`], which the hart holding it may take again (the console's: a
//!   panic while printing must still print, on the hart that holds it).
//!
//! Why not the `spin` crate: its locks spin. Under QEMU's round-robin TCG
//! (`-icount`, as the benchmarks run) a spinning hart keeps the holder from running
//! for a whole time slice (10^8 instructions), and with more harts than host cores
//! a spinning vCPU thread takes a core the holder needs; the SMP stress test took
//! minutes that way. A halted hart hands over at once.

use core::sync::atomic::{AtomicUsize, Ordering};

use super::hart;
use super::wait::{self, Waiting};
use crate::plan::MAX_HARTS;

/// A ticket lock: harts take it in the order they asked. A waiter halts until its
/// turn; the unlock wakes the next ticket's hart.
pub struct TicketLock {
    /// What the lock guards, for a hang report.
    name: &'static str,
    /// The next ticket to hand out.
    next: AtomicUsize,
    /// The ticket that holds the lock.
    serving: AtomicUsize,
    /// The hart index waiting with ticket `t`, at `t % MAX_HARTS` (a hart waits for
    /// one ticket at a time, so at most `MAX_HARTS` are outstanding).
    waiters: [AtomicUsize; MAX_HARTS],
    /// The holder's hart index, for a hang report only (written after the lock
    /// is taken, read without ordering).
    holder: AtomicUsize,
}

/// Holds a [`TicketLock`] until dropped.
pub struct TicketGuard<'a> {
    lock: &'a TicketLock,
}

impl TicketLock {
    /// A free lock guarding what `name` says (for a hang report).
    pub const fn new(name: &'static str) -> TicketLock {
        TicketLock {
            name,
            next: AtomicUsize::new(0),
            serving: AtomicUsize::new(0),
            waiters: [const { AtomicUsize::new(0) }; MAX_HARTS],
            holder: AtomicUsize::new(0),
        }
    }

    /// Take the lock, halting until this hart's turn. The hart's record and the
    /// check of `serving` are `SeqCst`, as are the unlock's store and read (a
    /// store-then-load on each side): either the unlock sees this hart's record and
    /// wakes it, or this hart sees its turn before it halts. `SeqCst` includes
    /// `Acquire`: the previous holder's work happens before this one's.
    pub fn lock(&self) -> TicketGuard<'_> {
        // SeqCst, so the unlock's read of `next` (SeqCst) is ordered with it: an
        // unlock that does not see this ticket is one this hart sees served.
        let ticket = self.next.fetch_add(1, Ordering::SeqCst);
        self.waiters[ticket % MAX_HARTS].store(hart::current(), Ordering::SeqCst);
        // The uncontended path checks once and builds no wait.
        if self.serving.load(Ordering::SeqCst) != ticket {
            self.wait_for_turn(ticket);
        }
        self.holder.store(hart::current(), Ordering::Relaxed);
        TicketGuard { lock: self }
    }

    /// Halt until `ticket` is served (its progress: the ticket being served).
    #[cold]
    #[inline(never)]
    fn wait_for_turn(&self, ticket: usize) {
        let waiting = Waiting {
            describe: &|f| {
                write!(
                    f,
                    "its turn at {} ({:p}): its ticket {ticket}; hart index {} holds it with ticket {}; {} tickets handed out",
                    self.name,
                    self,
                    self.holder.load(Ordering::Relaxed),
                    self.serving.load(Ordering::Relaxed),
                    self.next.load(Ordering::Relaxed)
                )
            },
            progress: &|| self.serving.load(Ordering::Relaxed) as u64,
        };
        wait::wait_until(&waiting, || self.serving.load(Ordering::SeqCst) == ticket);
    }
}

impl Drop for TicketGuard<'_> {
    /// Serve the next ticket (`SeqCst`, so `Release`: this holder's work happens
    /// before the next one's) and wake its hart, if one has asked.
    fn drop(&mut self) {
        let lock = self.lock;
        let next = lock.serving.load(Ordering::Relaxed).wrapping_add(1);
        lock.serving.store(next, Ordering::SeqCst);
        if lock.next.load(Ordering::SeqCst) != next {
            wait::wake(lock.waiters[next % MAX_HARTS].load(Ordering::SeqCst));
        }
    }
}

/// A lock the hart holding it may take again.
pub struct HartLock {
    /// What the lock guards, for a hang report.
    name: &'static str,
    /// Free (0), or the holder's index + 1.
    holder: AtomicUsize,
    /// Harts waiting for it: the unlock wakes them when there are any.
    waiting: AtomicUsize,
}

/// Held until dropped; a no-op guard when the hart held the lock already.
pub struct HartLockGuard<'a> {
    lock: &'a HartLock,
    taken: bool,
}

impl HartLock {
    /// A free lock guarding what `name` says (for a hang report).
    pub const fn new(name: &'static str) -> HartLock {
        HartLock {
            name,
            holder: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Take the lock, halting while another hart holds it. `Acquire`: what the
    /// previous holder did under the lock happens before what this one does. The
    /// waiter count and the holder are `SeqCst` on both sides, so an unlock either
    /// sees the waiter and wakes it or the waiter sees the lock free.
    pub fn lock(&self) -> HartLockGuard<'_> {
        let me = hart::current() + 1;
        if self.holder.load(Ordering::Relaxed) == me {
            return HartLockGuard {
                lock: self,
                taken: false,
            };
        }
        let take = || {
            self.holder
                .compare_exchange(0, me, Ordering::SeqCst, Ordering::Relaxed)
                .is_ok()
        };
        if !take() {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let waiting = Waiting {
                describe: &|f| {
                    let holder = self.holder.load(Ordering::Relaxed);
                    write!(f, "{}: ", self.name)?;
                    match holder.checked_sub(1) {
                        Some(index) => write!(f, "held by hart index {index}"),
                        None => f.write_str("free"),
                    }
                },
                progress: &wait::no_progress,
            };
            wait::wait_until(&waiting, take);
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
        HartLockGuard {
            lock: self,
            taken: true,
        }
    }
}

impl Drop for HartLockGuard<'_> {
    /// `Release` (in `SeqCst`): what this hart did under the lock happens before
    /// the next holder's. Waiting harts are woken to try again.
    fn drop(&mut self) {
        if self.taken {
            self.lock.holder.store(0, Ordering::SeqCst);
            if self.lock.waiting.load(Ordering::SeqCst) != 0 {
                wait::wake_others();
            }
        }
    }
}
