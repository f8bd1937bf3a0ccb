//! Traps: the entry that saves every register, a handler that names the region,
//! gap or unused range holding a faulting address, and probes — loads, stores and
//! fetches that self-tests expect to fault, which the handler turns into a return
//! value instead of a crash.

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::plan::{gap_containing, region_containing, unused_containing};

/// Registers x0..x31 and `sepc`, as `trap_entry` saves them on the stack.
#[repr(C)]
pub struct TrapFrame {
    /// `x[n]` is register xn (`x[0]` is never written; `x[2]` is the interrupted sp).
    pub x: [usize; 32],
    /// The address of the trapping instruction; where `sret` resumes.
    pub sepc: usize,
}

/// Bytes `trap_entry` reserves on the stack for a [`TrapFrame`]: its size rounded
/// up to the 16 bytes the RISC-V calling convention keeps `sp` aligned to.
const FRAME_SIZE: usize = core::mem::size_of::<TrapFrame>().next_multiple_of(16);
/// Bytes per saved register.
const REGISTER_SIZE: usize = core::mem::size_of::<usize>();

const RA: usize = 1;
const SP: usize = 2;
const A0: usize = 10;

/// `scause` of an instruction page fault.
pub const INSTRUCTION_PAGE_FAULT: usize = 12;
/// `scause` of a load page fault.
pub const LOAD_PAGE_FAULT: usize = 13;
/// `scause` of a store page fault.
pub const STORE_PAGE_FAULT: usize = 15;

core::arch::global_asm!(
    r#"
    .section .text
    .balign 4
    .globl trap_entry
trap_entry:
    addi    sp, sp, -{frame_size}
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, {x} + \n * {register_size}(sp)
    .endr
    addi    t0, sp, {frame_size}
    sd      t0, {x_sp}(sp)         # the interrupted sp
    csrr    t0, sepc
    sd      t0, {sepc}(sp)
    mv      a0, sp
    call    {handler}
    ld      t0, {sepc}(sp)
    csrw    sepc, t0
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, {x} + \n * {register_size}(sp)
    .endr
    addi    sp, sp, {frame_size}
    sret

    # Probes: a0 = address; return 0 if the access worked, else scause.
    .option push
    .option norvc
    .globl probe_load
probe_load:
    mv      t0, a0
    li      a0, 0
    .globl probe_load_insn
probe_load_insn:
    ld      t1, 0(t0)
    ret

    # Stores back the byte it read, so a store that wrongly succeeds changes nothing.
    .globl probe_store
probe_store:
    mv      t0, a0
    li      a0, 0
    lb      t1, 0(t0)
    .globl probe_store_insn
probe_store_insn:
    sb      t1, 0(t0)
    ret

    # Calls a0, which must hold a `ret`: returns 0 if it ran.
    .globl probe_fetch
probe_fetch:
    addi    sp, sp, -16
    sd      ra, 0(sp)
    mv      t0, a0
    li      a0, 0
    jalr    t0
    ld      ra, 0(sp)
    addi    sp, sp, 16
    ret
    .option pop
    "#,
    handler = sym trap_handler,
    frame_size = const FRAME_SIZE,
    register_size = const REGISTER_SIZE,
    x = const core::mem::offset_of!(TrapFrame, x),
    x_sp = const core::mem::offset_of!(TrapFrame, x) + SP * REGISTER_SIZE,
    sepc = const core::mem::offset_of!(TrapFrame, sepc),
);

unsafe extern "C" {
    fn trap_entry();
    fn probe_load_insn();
    fn probe_store_insn();
    /// Load 8 bytes from `addr`: 0 if it worked, else the fault's `scause`.
    pub fn probe_load(addr: usize) -> usize;
    /// Store back the byte at `addr`: 0 if it worked, else the fault's `scause`.
    pub fn probe_store(addr: usize) -> usize;
    /// Call `addr`, which must hold a `ret`: 0 if it ran, else the fault's `scause`.
    /// Use [`fetch`], which tells the handler where the probe goes.
    pub fn probe_fetch(addr: usize) -> usize;
}

/// The target of the fetch probe in progress (0: none).
static FETCH_PROBE: AtomicUsize = AtomicUsize::new(0);
/// `stval` of the last fault a probe caught.
static LAST_FAULT_ADDR: AtomicUsize = AtomicUsize::new(0);

/// Point `stvec` at `trap_entry` (direct mode).
pub fn install() {
    // SAFETY: trap_entry is a complete trap handler at a 4-byte-aligned link address.
    unsafe { core::arch::asm!("csrw stvec, {}", in(reg) trap_entry as *const () as usize) };
}

/// Fetch from `addr` (which holds a `ret`); 0 if it executed, else scause.
pub fn fetch(addr: usize) -> usize {
    FETCH_PROBE.store(addr, Ordering::Relaxed);
    // SAFETY: probe_fetch calls `addr`, which holds a `ret`, or faults and is resumed by the handler.
    let result = unsafe { probe_fetch(addr) };
    FETCH_PROBE.store(0, Ordering::Relaxed);
    result
}

/// `stval` (the faulting address) of the last fault a probe caught.
pub fn last_fault_addr() -> usize {
    LAST_FAULT_ADDR.load(Ordering::Relaxed)
}

/// Where an address lies in the plan, as the trap handler reports it. A guard gap
/// between nested regions lies inside their parent, so gaps are asked first.
pub fn describe(addr: usize) -> Location {
    if let Some(g) = gap_containing(addr) {
        Location::Gap(g.name)
    } else if let Some(r) = region_containing(addr) {
        Location::Region(r.name)
    } else if let Some(u) = unused_containing(addr) {
        Location::Unused(u.first_slot, u.last_slot)
    } else {
        Location::NonCanonical
    }
}

/// Where an address lies in the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// Inside the region of that name.
    Region(&'static str),
    /// Inside the guard gap of that name.
    Gap(&'static str),
    /// In the unused range over root slots `first..=last`.
    Unused(usize, usize),
    /// Between the canonical halves.
    NonCanonical,
}

impl core::fmt::Display for Location {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Location::Region(name) => write!(f, "region `{name}`"),
            Location::Gap(name) => write!(f, "guard gap `{name}`"),
            Location::Unused(first, last) if first == last => write!(f, "unused root slot {first}"),
            Location::Unused(first, last) => write!(f, "unused root slots {first}-{last}"),
            Location::NonCanonical => write!(f, "the non-canonical hole"),
        }
    }
}

/// The privileged spec's name for an exception code.
pub fn cause_name(cause: usize) -> &'static str {
    match cause {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store address misaligned",
        7 => "store access fault",
        8 => "environment call from U-mode",
        9 => "environment call from S-mode",
        INSTRUCTION_PAGE_FAULT => "instruction page fault",
        LOAD_PAGE_FAULT => "load page fault",
        STORE_PAGE_FAULT => "store page fault",
        _ => "unknown",
    }
}

extern "C" fn trap_handler(frame: &mut TrapFrame) {
    // The trap CSRs, through the riscv crate's accessors (reading them has no side effect).
    let scause = riscv::register::scause::read().bits();
    let stval = riscv::register::stval::read();
    let is_fault =
        scause == INSTRUCTION_PAGE_FAULT || scause == LOAD_PAGE_FAULT || scause == STORE_PAGE_FAULT;
    if is_fault {
        let probe = frame.sepc == probe_load_insn as *const () as usize
            || frame.sepc == probe_store_insn as *const () as usize;
        let fetch = FETCH_PROBE.load(Ordering::Relaxed);
        if probe || (scause == INSTRUCTION_PAGE_FAULT && fetch != 0 && frame.sepc == fetch) {
            LAST_FAULT_ADDR.store(stval, Ordering::Relaxed);
            frame.x[A0] = scause;
            // Resume after the probing instruction, or back in probe_fetch.
            frame.sepc = if probe { frame.sepc + 4 } else { frame.x[RA] };
            return;
        }
    }
    crate::println!(
        "\nFAIL: unexpected trap in stage {}: {} (scause {scause:#x}) at sepc {:#x}, stval {stval:#x} in {}",
        crate::instret::stage_in_progress(),
        cause_name(scause),
        frame.sepc,
        describe(stval)
    );
    crate::exit::exit(crate::exit::code::UNEXPECTED_TRAP);
}
