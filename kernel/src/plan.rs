//! The plan's regions as the kernel needs them, found by purpose (their names are
//! the layout's to choose). A plan without them fails to compile.

use crate::layout::{IMAGE_REGION, Purpose, Region, first_region};

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
