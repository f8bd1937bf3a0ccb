//! SMP: every hart the DTB names, up to the plan's `MAX_HARTS`, runs the kernel.
//! A hart is known by its *index*: 0 for the boot hart, then 1, 2, … in the order
//! the boot hart started them (hart ids, SBI's numbering, may be sparse; indices are
//! dense, so per-hart arrays and per-hart fixmap slots use them). `tp` holds the
//! index from a hart's first instruction on.
//!
//! - `hart`: the current index, the online harts, SBI hart masks of the others;
//! - `lock`: a lock a hart may take again while it holds it (the console's);
//! - `wait`: waiting for another hart (halted, woken by an IPI, with a deadline
//!   that turns a hang into a report);
//! - `start`: what a secondary hart needs before its MMU is on, and starting them
//!   through SBI HSM (the entry code is `_secondary_start` in entry.rs).

pub mod hart;
pub mod lock;
pub mod start;
pub mod wait;
