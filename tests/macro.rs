//! The proc-macro expands a valid layout into usable constants and turns an invalid
//! one into `compile_error!` with the rendered diagnostics.

mod default_layout {
    vmlayout_macros::layout!("../layout.toml");
}

#[test]
fn expansion_matches_the_plan() {
    use default_layout::*;
    assert_eq!(IMAGE_VIRT_START, 0xffff_ffff_c000_0000);
    assert_eq!(FDT_VIRT_START, 0xffff_ffff_c040_0000);
    assert_eq!(FIXMAP_VIRT_START, 0xffff_ffff_c0a0_0000);
    assert_eq!(FIXADDR_START, FIXMAP_VIRT_START);
    assert_eq!(FIX_LAST, 65);
    assert_eq!(FIX_PMAP_BEGIN..FIX_PMAP_END, 0..64);
    assert_eq!((FIX_PMAP_HARTS, FIX_PMAP_PER_HART, MAX_HARTS), (8, 8, 8));
    assert_eq!(pmap_hart_slot(3, 2), Some(FixSlot::Pmap26));
    assert_eq!(pmap_hart_slot(8, 0), None);
    assert_eq!(pmap_hart_slot(0, 8), None);
    assert_eq!(role::PMAP.hart_slot(7, 7), Some(FixSlot::Pmap63));
    assert_eq!(role::SHARED.hart_slot(0, 0), Some(FixSlot::Shared0));
    assert_eq!(role::SHARED.hart_slot(1, 0), None);
    assert_eq!(FIX_MISC_BEGIN, 64);
    assert_eq!(FIXADDR_TOP, fixmap_addr(FIX_LAST + 1));
    assert_eq!(fix_to_virt(FixSlot::Misc0), FIXADDR_START + 64 * PAGE_SIZE);
    assert_eq!(
        virt_to_fix(FIXADDR_START + 3 * PAGE_SIZE + 17),
        Some(FixSlot::Pmap3)
    );
    assert_eq!(virt_to_fix(FIXADDR_START - 1), None);
    assert_eq!(virt_to_fix(FIXADDR_TOP), None);
    assert_eq!(pmap_slot(63), Some(FixSlot::Pmap63));
    assert_eq!(pmap_slot(64), None);
    assert_eq!(FixSlot::Pmap2.name(), "pmap[2]");
    assert_eq!(REGIONS.len(), 6);
    assert_eq!(
        GAPS.iter().map(|g| g.name).collect::<Vec<_>>(),
        ["image_guard", "fdt_guard"]
    );
    assert_eq!(
        region_containing(FDT_VIRT_START + 5).map(|r| r.name),
        Some("fdt")
    );
    assert_eq!(
        gap_containing(IMAGE_GUARD_START).map(|g| g.below),
        Some("image")
    );
    assert!(unused_containing(0).is_some());
    assert_eq!((FDT_PERMS.read, FDT_PERMS.write), (true, false));
    assert_eq!(PT_LEVELS, 3);
    assert_eq!(DIRECTMAP_VIRT, DIRECTMAP_VIRT_START..=DIRECTMAP_VIRT_LAST);
}

/// The cases name their layouts from `${VMLAYOUT_REPO}`, which the cargo that
/// trybuild runs inherits: they hold wherever the target directory is
/// (`CARGO_TARGET_DIR`, `build.target-dir`), and their expected output shows the
/// path as written.
#[test]
fn trybuild() {
    // SAFETY: set before trybuild starts its cargo; no other test in this binary
    // reads or writes the environment.
    unsafe { std::env::set_var("VMLAYOUT_REPO", vmlayout_tests::repo()) };
    let t = trybuild::TestCases::new();
    t.pass("trybuild/pass/*.rs");
    t.compile_fail("trybuild/fail/*.rs");
}
