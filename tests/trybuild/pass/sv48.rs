// The proc-macro on a valid Sv48 layout compiles, and its constants are usable
// in const context.
mod layout {
    vmlayout_macros::layout!("${VMLAYOUT_REPO}/tests/layouts/sv48.toml");
}

const FIXMAP_END_SLOT: usize = layout::FIX_LAST;

fn main() {
    assert_eq!(layout::PT_LEVELS, 4);
    assert_eq!(FIXMAP_END_SLOT, 65);
    assert!(layout::virt_to_fix(layout::FIXADDR_START).is_some());
}
