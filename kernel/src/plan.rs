//! The plan: every constant, type and lookup `layout!` generates from the layout
//! (`../layout.toml`, or `$VMLAYOUT_FILE`), re-exported so the kernel names them
//! `crate::plan::…`, and the regions the kernel needs, found by purpose (their
//! names are the layout's to choose). A plan without them fails to compile.

mod generated {
    // The kernel uses part of what the plan offers.
    #![allow(dead_code)]
    vmlayout_macros::layout!("../layout.toml");
}

pub use generated::*;

/// The region the kernel image is linked in.
pub const IMAGE: Region = IMAGE_REGION;

/// Physical RAM is mapped at `DIRECTMAP.start + (pa - base)`, `base` the lowest
/// RAM bank aligned down to 1 GiB (see `main::DirectMapped`).
pub const DIRECTMAP: Region = match first_region(Purpose::Directmap) {
    Some(r) => r,
    None => panic!("the kernel needs a region with purpose = \"directmap\""),
};

/// The PMAP slots: the fixmap group with role `pmap` (1 to 64 slots per hart, and
/// per-hart when the plan runs several harts; see vmlayout-needs.toml, which the
/// build checks before this code is compiled).
pub const PMAP: FixGroup = role::PMAP;

/// The shared slots: the fixmap group with role `shared`, mapped by one hart at a
/// time under a lock, with a remote shootdown when dropped (`mm::shared`).
pub const SHARED: FixGroup = role::SHARED;

const _: () = assert!(
    PMAP.harts == MAX_HARTS,
    "every hart has PMAP slots of its own (vmlayout-needs.toml asks for per_hart)"
);

/// The early console's one slot, the fixmap group with role `console`: the UART,
/// and at the very end the test device.
pub const CONSOLE_SLOT: FixSlot = match role::CONSOLE.slot(0) {
    Some(slot) => slot,
    None => panic!("the console group has one slot"),
};

/// The boot FDT is mapped into the window region with the lowest address (the
/// plan counts its boot tables the same way: `BOOT_POOL_TABLES`).
pub const FDT_WINDOW: Region = match first_region(Purpose::Window) {
    Some(r) => r,
    None => panic!("the kernel maps the boot FDT into a region with purpose = \"window\""),
};
