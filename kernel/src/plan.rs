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

/// Physical RAM is mapped at `DIRECTMAP.start + pa`.
pub const DIRECTMAP: Region = match first_region(Purpose::Directmap) {
    Some(r) => r,
    None => panic!("the kernel needs a region with purpose = \"directmap\""),
};

/// The boot FDT is mapped into the first window region.
pub const FDT_WINDOW: Region = match first_region(Purpose::Window) {
    Some(r) => r,
    None => panic!("the kernel maps the boot FDT into a region with purpose = \"window\""),
};
