//! Self-tests that prove the plan in the running kernel. Each prints one PASS or
//! FAIL line; `run` returns whether all passed.

use crate::console::{self, UART_SLOT};
use crate::mm::fixmap::{clear_fixmap, fixmap_pte, set_fixmap};
use crate::mm::frames;
use crate::mm::image;
use crate::mm::kernel_access::{lookup, phys_to_virt};
use crate::mm::pmap::{self, PmapError};
use crate::mm::pte::{LeafFlags, PhysPage, Pte, PteFlags};
use crate::plan::{
    FIX_HOLES, FIX_MAPPABLE, FIXADDR_START, FIXADDR_TOP, FixSlot, GAPS, IMAGE, PAGE_SIZE, PMAP,
    Purpose, REGIONS, UNUSED, fixmap_addr, root_slot_address, virt_to_fix,
};
use crate::println;
use crate::trap::{
    self, INSTRUCTION_PAGE_FAULT, LOAD_PAGE_FAULT, Location, STORE_PAGE_FAULT, describe,
};

struct Tally {
    passed: usize,
    failed: usize,
}

impl Tally {
    fn check(&mut self, ok: bool, what: core::fmt::Arguments<'_>) {
        if ok {
            self.passed += 1;
            println!("PASS {what}");
        } else {
            self.failed += 1;
            println!("FAIL {what}");
        }
    }
}

/// Run every self-test, then `smp` (the SMP stress test, which says whether it
/// passed and on how many harts), print a PASS or FAIL line for each and a
/// summary; true if all passed.
pub fn run(smp: &mut dyn FnMut() -> (bool, usize)) -> bool {
    let mut t = Tally {
        passed: 0,
        failed: 0,
    };
    fixmap_slots(&mut t);
    guard_gaps(&mut t);
    reserved_regions(&mut t);
    unused_slots(&mut t);
    w_xor_x(&mut t);
    image_sections(&mut t);
    virt_to_fix_bounds(&mut t);
    fixmap_holes(&mut t);
    pmap_errors(&mut t);
    let (ok, harts) = smp();
    if crate::stress::CYCLES == 0 {
        t.check(
            ok,
            format_args!(
                "SMP: {harts} hart(s) online; the stress test not run (VMLAYOUT_STRESS_CYCLES=0)"
            ),
        );
    } else {
        t.check(
            ok,
            format_args!(
                "SMP stress: {harts} hart(s) × {} set/clear cycles on their own PMAP slots and {} on a shared slot, every read the page mapped",
                crate::stress::CYCLES,
                crate::stress::CYCLES
            ),
        );
    }
    println!("self-tests: {} passed, {} failed", t.passed, t.failed);
    t.failed == 0
}

/// Every slot: map a frame, write a pattern through the slot, clear the slot, read
/// the pattern back through the direct map, and check the slot now faults.
fn fixmap_slots(t: &mut Tally) {
    let frame = frames::alloc().expect("a frame for the fixmap test");
    let mut bad: Option<(FixSlot, &str)> = None;
    for slot in FixSlot::ALL {
        if slot == UART_SLOT {
            console::detach();
        }
        let pattern = 0x5a5a_0000_0000_0000 | slot.index() as u64;
        let offset = (slot.index() * 8) % PAGE_SIZE;
        // SAFETY: `frame` was allocated for this test and nothing else uses it.
        unsafe { set_fixmap(slot, PhysPage::containing(frame), LeafFlags::KERNEL_RW) };
        // SAFETY: the slot maps `frame` rw until clear_fixmap below.
        unsafe { core::ptr::write_volatile((slot.addr() + offset) as *mut u64, pattern) };
        clear_fixmap(slot);
        // SAFETY: `frame` is RAM, covered rw by the direct map.
        let back =
            unsafe { core::ptr::read_volatile((phys_to_virt(frame) + offset) as *const u64) };
        // SAFETY: probe_load turns a fault into a return value.
        let cleared_faults = unsafe { trap::probe_load(slot.addr()) } == LOAD_PAGE_FAULT;
        let still_valid = fixmap_pte(slot).is_valid();
        if slot == UART_SLOT {
            console::remap();
        }
        if back != pattern {
            bad.get_or_insert((slot, "pattern not read back"));
        } else if !cleared_faults || still_valid {
            bad.get_or_insert((slot, "still mapped after clear_fixmap"));
        }
    }
    match bad {
        None => t.check(true, format_args!("fixmap: all {FIX_MAPPABLE} mappable slots map a frame, write, read back through the direct map, and fault once cleared")),
        Some((slot, why)) => t.check(false, format_args!("fixmap: slot {} ({}): {why}", slot.index(), slot.name())),
    }
}

/// Whether a load from the first and from the last 8 bytes of `start..=last` both
/// fault, with the trap handler naming `expected` for each. An end that lies in a
/// region nested there (`within`) belongs to that region and is not probed.
fn both_ends_fault(start: usize, last: usize, expected: Location) -> bool {
    ends_fault(start, last, expected).is_none_or(|ok| ok)
}

/// Like [`both_ends_fault`]; `None` when both ends lie in nested regions, so
/// nothing was probed for `expected` itself.
fn ends_fault(start: usize, last: usize, expected: Location) -> Option<bool> {
    let ours = |addr: usize| match expected {
        Location::Region(_) => describe(addr) == expected,
        _ => true,
    };
    let mut probed = false;
    let ok = [start, last - 7]
        .into_iter()
        .filter(|&a| ours(a))
        .all(|addr| {
            probed = true;
            // SAFETY: probe_load turns a fault into a return value.
            let cause = unsafe { trap::probe_load(addr) };
            cause == LOAD_PAGE_FAULT && describe(trap::last_fault_addr()) == expected
        });
    probed.then_some(ok)
}

/// Regions planned but not mapped at boot (`purpose = "reserved"` or `"identity"`):
/// a load from the first and the last 8 bytes of each faults — for a region that
/// ends at 2^64, the very last doubleword of the address space — and the handler
/// names the region.
fn reserved_regions(t: &mut Tally) {
    for r in REGIONS
        .iter()
        .filter(|r| matches!(r.purpose, Purpose::Reserved | Purpose::Identity))
    {
        match ends_fault(r.start, r.last, Location::Region(r.name)) {
            Some(ok) => t.check(
                ok,
                format_args!(
                    "reserved region `{}` ({:#x}..={:#x}): loads at both ends fault; trap handler: {}",
                    r.name,
                    r.start,
                    r.last,
                    describe(r.last)
                ),
            ),
            None => println!(
                "NOTE reserved region `{}` ({:#x}..={:#x}): both ends lie in regions nested in it, probed as theirs",
                r.name, r.start, r.last
            ),
        }
    }
}

/// A load from each end of every guard gap faults, and the handler names the gap.
fn guard_gaps(t: &mut Tally) {
    for g in GAPS {
        t.check(
            both_ends_fault(g.start, g.last, Location::Gap(g.name)),
            format_args!(
                "guard gap `{}` ({:#x}..={:#x}): loads at both ends fault; trap handler: {}",
                g.name,
                g.start,
                g.last,
                describe(g.start)
            ),
        );
    }
}

/// A load from every unused root slot (its first address inside the unused range)
/// faults, and the handler names the unused range.
fn unused_slots(t: &mut Tally) {
    for u in UNUSED {
        let mut probes = 0;
        let mut ok = true;
        for slot in u.first_slot..=u.last_slot {
            let addr = root_slot_address(slot).max(u.start);
            // SAFETY: probe_load turns a fault into a return value.
            let cause = unsafe { trap::probe_load(addr) };
            ok &=
                cause == LOAD_PAGE_FAULT && describe(trap::last_fault_addr()) == describe(u.start);
            probes += 1;
        }
        t.check(
            ok,
            format_args!(
                "{} ({:#x}..={:#x}): {probes} load(s) fault; trap handler: {}",
                describe(u.start),
                u.start,
                u.last,
                describe(u.start)
            ),
        );
    }
}

/// A `ret` in writable data: fetching it must fault.
static mut WRITABLE_RET: [u32; 1] = [0x0000_8067];
static RODATA_WORD: u64 = 0x1234_5678;

fn w_xor_x(t: &mut Tally) {
    // The direct map's alias of the image must not be a way to write the text.
    let text_alias = phys_to_virt(image::link_to_pa(run as *const () as usize));
    // SAFETY: probe_store stores back the byte it read, or faults harmlessly.
    let store_alias = unsafe { trap::probe_store(text_alias) };
    t.check(
        store_alias == STORE_PAGE_FAULT,
        format_args!(
            "W^X: a store to the text's direct-map alias at {text_alias:#x} faults ({})",
            trap::cause_name(store_alias)
        ),
    );
    let text = run as *const () as usize;
    // SAFETY: probe_store stores back the byte it read, or faults harmlessly.
    let store_text = unsafe { trap::probe_store(text) };
    let expect_store = if cfg!(feature = "inject-selftest-failure") {
        0
    } else {
        STORE_PAGE_FAULT
    };
    t.check(
        store_text == expect_store,
        format_args!(
            "W^X: a store to text at {text:#x} ({}) gives {} (expected {})",
            describe(text),
            trap::cause_name(store_text),
            trap::cause_name(expect_store)
        ),
    );
    let rodata = &raw const RODATA_WORD as usize;
    // SAFETY: as above.
    let store_rodata = unsafe { trap::probe_store(rodata) };
    t.check(
        store_rodata == STORE_PAGE_FAULT,
        format_args!(
            "W^X: a store to rodata at {rodata:#x} faults ({})",
            trap::cause_name(store_rodata)
        ),
    );
    let data = &raw mut WRITABLE_RET as usize;
    let fetch_data = trap::fetch(data);
    t.check(
        fetch_data == INSTRUCTION_PAGE_FAULT,
        format_args!(
            "W^X: a fetch from data at {data:#x} faults ({})",
            trap::cause_name(fetch_data)
        ),
    );
}

/// The image's pages carry the section permissions, exactly as the kernel writes
/// a leaf (`Pte::leaf`): the linker-built boot tables agree bit for bit.
fn image_sections(t: &mut Tally) {
    let text = lookup(run as *const () as usize).map(|(p, _)| p.flags());
    let rodata = lookup(&raw const RODATA_WORD as usize).map(|(p, _)| p.flags());
    let data = lookup(&raw mut WRITABLE_RET as usize).map(|(p, _)| p.flags());
    let leaf = |flags: PteFlags| Some(Pte::leaf(0, flags).flags());
    let ok = text == leaf(PteFlags::KERNEL_RX)
        && rodata == leaf(PteFlags::KERNEL_R)
        && data == leaf(PteFlags::KERNEL_RW);
    t.check(
        ok,
        format_args!(
            "image `{}` sections: text r-x, rodata r--, data rw- ({:?} / {:?} / {:?})",
            IMAGE.name, text, rodata, data
        ),
    );
}

/// Hole slots are never mapped: a load from each faults.
fn fixmap_holes(t: &mut Tally) {
    if FIX_HOLES.is_empty() {
        return;
    }
    let all_fault = FIX_HOLES.iter().all(|&hole| {
        // SAFETY: probe_load turns a fault into a return value.
        unsafe { trap::probe_load(fixmap_addr(hole)) == LOAD_PAGE_FAULT }
    });
    t.check(
        all_fault,
        format_args!(
            "fixmap holes: a load from each of the {} hole slot(s) faults",
            FIX_HOLES.len()
        ),
    );
}

fn virt_to_fix_bounds(t: &mut Tally) {
    // Addresses just outside the slots, where they exist (a fixmap may start at 0
    // or end on the last page of the address space).
    let outside = [
        Some(0),
        FIXADDR_START.checked_sub(1),
        Some(FIXADDR_TOP),
        FIXADDR_TOP.checked_add(PAGE_SIZE),
        Some(IMAGE.start),
        Some(usize::MAX),
    ];
    let rejects = outside
        .iter()
        .flatten()
        .filter(|&&a| !(FIXADDR_START..FIXADDR_TOP).contains(&a))
        .all(|&a| virt_to_fix(a).is_none());
    // Both ends of the slots hold slots (holes excepted): the lowest and highest
    // addresses of mappable slots give them back.
    let by_address = |pick: fn(usize, usize) -> bool| {
        FixSlot::ALL
            .iter()
            .copied()
            .reduce(|a, b| if pick(b.addr(), a.addr()) { b } else { a })
    };
    let (lowest, highest) = (by_address(|x, y| x < y), by_address(|x, y| x > y));
    let accepts = lowest.is_some_and(|s| virt_to_fix(s.addr()) == Some(s))
        && highest.is_some_and(|s| virt_to_fix(s.addr() + PAGE_SIZE - 1) == Some(s))
        && FIX_HOLES
            .iter()
            .all(|&h| virt_to_fix(fixmap_addr(h)).is_none());
    t.check(rejects && accepts, format_args!(
        "virt_to_fix: rejects {} addresses outside {FIXADDR_START:#x}..{FIXADDR_TOP:#x}, accepts both ends inside",
        outside.len()
    ));
}

fn pmap_errors(t: &mut Tally) {
    let frame = frames::alloc().expect("a frame for the PMAP test");
    let mut mapped = [0usize; 64];
    let mut all_mapped = true;
    for m in mapped.iter_mut().take(PMAP.per_hart()) {
        // SAFETY: `frame` was allocated for this test and nothing else uses it.
        match unsafe { pmap::try_map(frame) } {
            Ok(va) => *m = va,
            Err(_) => all_mapped = false,
        }
    }
    // SAFETY: as above.
    let exhausted = unsafe { pmap::try_map(frame) };
    for &va in mapped.iter().take(PMAP.per_hart()) {
        let _ = pmap::try_unmap(va);
    }
    t.check(
        all_mapped && exhausted == Err(PmapError::Exhausted),
        format_args!(
            "PMAP exhaustion: {} maps succeed, the next is refused ({:?})",
            PMAP.per_hart(),
            exhausted.err()
        ),
    );
    // SAFETY: as above.
    let va = unsafe { pmap::map(frame) };
    pmap::unmap(va);
    let double = pmap::try_unmap(va);
    let foreign = pmap::try_unmap(IMAGE.start);
    t.check(
        matches!(double, Err(PmapError::NotInUse(_)))
            && matches!(foreign, Err(PmapError::NotPmap(_)))
            && pmap::in_use() == 0,
        format_args!(
            "PMAP double use: a second unmap is refused ({:?}), so is a non-PMAP address",
            double.err()
        ),
    );
}
