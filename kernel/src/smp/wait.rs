//! Waiting for another hart: halted in `wfi`, woken by an SBI IPI, and never for
//! ever. A wait that sees no progress for [`LIMIT_SECONDS`] ends the boot with a
//! FAIL line naming the hart and what it waited for, followed by what every other
//! hart was doing at that moment: a hang becomes a report, not a test-harness
//! timeout with nothing to read.
//!
//! Halting rather than spinning matters under QEMU's TCG: with `-icount` the
//! harts run round-robin and a spinning one keeps the others from running until
//! its time slice ends; with more vCPUs than host cores a spinning thread takes a
//! core the holder needs. A halted hart hands over at once.
//!
//! The deadline is the SBI timer (SBI v2.0, chapter 6): armed only once a wait has
//! found its condition false (the uncontended path makes no SBI call), re-armed
//! while the wait's progress counter moves, and disarmed when the wait ends. The
//! software and timer interrupts are enabled in `sie` while `sstatus.SIE` stays
//! clear: a pending one ends `wfi` (privileged spec 3.3.3, "regardless of the
//! global interrupt enable") and is never taken.

use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use riscv::register::{sie, sip, time};
use sbi_rt::HartMask;

use super::hart;
use crate::plan::MAX_HARTS;

/// Seconds a wait may see no progress before it counts as hung: build-time
/// `VMLAYOUT_WAIT_LIMIT_S` (default 60; `cargo xtask test` gives a whole SMP boot
/// 180 s, so a hang is reported by the kernel before the harness gives up).
pub const LIMIT_SECONDS: u64 = match option_env!("VMLAYOUT_WAIT_LIMIT_S") {
    Some(text) => crate::build_env::decimal(text, "VMLAYOUT_WAIT_LIMIT_S is a count of seconds"),
    None => 60,
};
const _: () = assert!(
    LIMIT_SECONDS > 0,
    "VMLAYOUT_WAIT_LIMIT_S is at least 1: a wait of 0 s is a hang the moment it starts"
);

/// `time` ticks per second, from the DTB's `timebase-frequency`; 0 while unknown
/// (then waits have no deadline).
static TIMEBASE_HZ: AtomicU64 = AtomicU64::new(0);

/// Record the platform's timebase (`time` ticks per second, the DTB's
/// `/cpus/timebase-frequency`): waits from now on have a deadline.
pub fn set_timebase(hz: u64) {
    TIMEBASE_HZ.store(hz, Ordering::Relaxed);
}

/// A wait's deadline in `time` ticks; `None` when the timebase is unknown.
fn limit_ticks() -> Option<u64> {
    match TIMEBASE_HZ.load(Ordering::Relaxed) {
        0 => None,
        hz => Some(hz.saturating_mul(LIMIT_SECONDS)),
    }
}

/// What a hart waits for, written into the hang report: `describe` is called only
/// then, so it may read the state the wait depends on at that moment.
pub struct Waiting<'a> {
    /// Writes what the hart waits for ("its turn at the shared slots' lock: …").
    pub describe: &'a dyn Fn(&mut fmt::Formatter<'_>) -> fmt::Result,
    /// A counter that moves while the wait is making progress (the ticket being
    /// served, cycles done): the deadline counts from its last move.
    pub progress: &'a dyn Fn() -> u64,
}

impl fmt::Display for Waiting<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.describe)(f)
    }
}

/// No progress counter: the deadline counts from the wait's start.
pub fn no_progress() -> u64 {
    0
}

/// Wait until `ready()` holds, halted in `wfi` between checks; a hart that makes
/// it hold wakes this one with [`wake`] or [`wake_others`]. Ends the boot with a
/// FAIL report (through the [`Reporter`]) when `waiting.progress`
/// does not move for [`LIMIT_SECONDS`] while `ready()` stays false.
pub fn wait_until(waiting: &Waiting<'_>, mut ready: impl FnMut() -> bool) {
    // SAFETY: enables only the wake-up of `wfi`; interrupts stay globally off.
    unsafe { sie::set_ssoft() };
    // The deadline and the progress seen when it was set, once armed.
    let mut armed: Option<(u64, u64)> = None;
    loop {
        // Cleared before the check, so a wake-up after it is not lost.
        // SAFETY: clears this hart's pending software interrupt, which only wakes waits.
        unsafe { sip::clear_ssoft() };
        if ready() {
            break;
        }
        if REPORTING.load(Ordering::Acquire) {
            answer(Some(waiting));
        }
        if let Some(limit) = limit_ticks() {
            let now = time::read64();
            match armed {
                None => armed = Some(arm(now, limit, (waiting.progress)())),
                Some((deadline, seen)) if now >= deadline => {
                    let progress = (waiting.progress)();
                    if progress == seen {
                        hung(waiting);
                    }
                    armed = Some(arm(now, limit, progress));
                }
                Some(_) => {}
            }
        }
        riscv::asm::wfi();
    }
    if armed.is_some() {
        // Setting a timer clears its pending interrupt (SBI v2.0, 6.1).
        let _ = sbi_rt::set_timer(u64::MAX);
        // SAFETY: disables the timer's wake-up again.
        unsafe { sie::clear_stimer() };
    }
}

/// Arm the SBI timer `limit` ticks from `now`; the deadline and `progress`.
fn arm(now: u64, limit: u64, progress: u64) -> (u64, u64) {
    let deadline = now.saturating_add(limit);
    let _ = sbi_rt::set_timer(deadline);
    // SAFETY: enables only the wake-up of `wfi` by the timer; interrupts stay off.
    unsafe { sie::set_stimer() };
    (deadline, progress)
}

/// Halt for good, answering hang reports ("idle") until the machine stops.
pub fn idle() -> ! {
    // SAFETY: enables only the wake-up of `wfi`; interrupts stay globally off.
    unsafe { sie::set_ssoft() };
    loop {
        // SAFETY: clears this hart's pending software interrupt, which only wakes waits.
        unsafe { sip::clear_ssoft() };
        if REPORTING.load(Ordering::Acquire) {
            answer(None);
        }
        riscv::asm::wfi();
    }
}

/// Wake the hart at `index` (if online) from [`wait_until`].
pub fn wake(index: usize) {
    if let Some(id) = hart::hart_id(index) {
        let _ = sbi_rt::send_ipi(HartMask::from_mask_base(1, id));
    }
}

/// Wake every other online hart from [`wait_until`].
pub fn wake_others() {
    hart::for_other_harts(|mask| {
        let _ = sbi_rt::send_ipi(mask);
    });
}

/// How a hang report is printed and the boot ended. The console and the exit
/// take locks whose waiters wait here, so this module cannot call them: the crate
/// root hands them over with [`set_reporter`] before any hart waits.
pub struct Reporter {
    /// Print one line.
    pub print: fn(fmt::Arguments<'_>),
    /// End the boot as failed.
    pub fail: fn() -> !,
}

static REPORTER: AtomicPtr<Reporter> = AtomicPtr::new(core::ptr::null_mut());

/// Print hang reports and end the boot through `reporter`. Until it is set, a
/// hung wait only keeps waiting.
pub fn set_reporter(reporter: &'static Reporter) {
    REPORTER.store(core::ptr::from_ref(reporter).cast_mut(), Ordering::Release);
}

fn reporter() -> Option<&'static Reporter> {
    // SAFETY: only `set_reporter` stores here, from a `&'static Reporter`.
    unsafe { REPORTER.load(Ordering::Acquire).as_ref() }
}

/// Set by the hart that found a wait hung: every other hart, when it next checks
/// its wait (the reporter wakes them all), prints what it waits for.
static REPORTING: AtomicBool = AtomicBool::new(false);
/// Whether each hart has answered the report.
static ANSWERED: [AtomicBool; MAX_HARTS] = [const { AtomicBool::new(false) }; MAX_HARTS];
/// Harts that have answered.
static ANSWERS: AtomicUsize = AtomicUsize::new(0);

/// Print what this hart waits for (`None`: it is idle), once per report.
fn answer(waiting: Option<&Waiting<'_>>) {
    let me = hart::current();
    if ANSWERED[me].swap(true, Ordering::Relaxed) {
        return;
    }
    if let Some(r) = reporter() {
        match waiting {
            Some(waiting) => (r.print)(format_args!("  hart index {me} waits for {waiting}")),
            None => (r.print)(format_args!("  hart index {me} is idle (in no wait)")),
        }
    }
    ANSWERS.fetch_add(1, Ordering::Release);
}

/// Report the hang of `waiting` on this hart and what the other harts do, then
/// end the boot. The other harts answer from their own waits; one that does not
/// answer within a second is running, or stuck outside a wait (in the firmware).
/// A hart whose wait passes its deadline while another hart reports only answers.
/// Returns (the wait goes on) when no [`Reporter`] is set.
fn hung(waiting: &Waiting<'_>) {
    let Some(r) = reporter() else {
        return;
    };
    if REPORTING.swap(true, Ordering::AcqRel) {
        answer(Some(waiting));
        idle();
    }
    let me = hart::current();
    ANSWERED[me].store(true, Ordering::Relaxed);
    (r.print)(format_args!(
        "\nFAIL: SMP: hart index {me} waited {LIMIT_SECONDS} s without progress for {waiting}"
    ));
    wake_others();
    let others = hart::online().saturating_sub(1);
    if let Some(limit) = limit_ticks() {
        let until = time::read64().saturating_add(limit / LIMIT_SECONDS.max(1));
        while ANSWERS.load(Ordering::Acquire) < others && time::read64() < until {
            core::hint::spin_loop();
        }
    }
    for index in (0..MAX_HARTS).filter(|&i| i != me && hart::hart_id(i).is_some()) {
        if !ANSWERED[index].load(Ordering::Acquire) {
            (r.print)(format_args!(
                "  hart index {index} did not answer: running, or stuck outside a wait"
            ));
        }
    }
    (r.fail)()
}
