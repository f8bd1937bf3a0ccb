//! Snapshots of every emitter for every valid plan (the default Sv39, Sv48, Sv57 and
//! a re-planned Sv39 with 600 fixmap slots).

use vmlayout_tests::{plan, relative, valid_layouts};

#[test]
fn every_emitter_for_every_plan() {
    for (name, path) in valid_layouts() {
        let plan = plan(&path);
        for artefact in vmlayout::emit::all(
            &plan,
            &vmlayout::emit::Origin::cli(relative(&path), "generated"),
        ) {
            let snapshot = format!("{name}__{}", artefact.file_name.replace('.', "_"));
            insta::assert_snapshot!(snapshot, artefact.contents);
        }
    }
}

#[test]
fn default_plan_reproduces_the_seed_addresses() {
    let plan = plan(&vmlayout_tests::repo().join("layout.toml"));
    let at = |name: &str| plan.region(name).unwrap_or_else(|| panic!("region {name}"));
    assert_eq!(at("image").start, 0xffff_ffff_c000_0000);
    assert_eq!(at("image").size, 2 << 20);
    assert_eq!(at("fdt").start, 0xffff_ffff_c040_0000);
    assert_eq!(at("fdt").size, 4 << 20);
    assert_eq!(at("fixmap").start, 0xffff_ffff_c0a0_0000);
    assert_eq!(at("fixmap").size, 2 << 20);
    assert_eq!(plan.fixmap.base, 0xffff_ffff_c0a0_0000);
    assert_eq!(
        plan.fixmap.last, 65,
        "FIX_LAST = 65: pmap 0-63 (8 per hart × 8 harts), misc 64, shared 65"
    );
    assert_eq!(plan.platform.max_harts, 8);
    let pmap = &plan.fixmap.groups[0];
    assert_eq!((pmap.count, pmap.harts, pmap.per_hart()), (64, 8, 8));
    assert_eq!(
        plan.fixmap.top,
        0xffff_ffff_c0a0_0000 + 66 * 4096,
        "FIXADDR_TOP = FIXMAP_ADDR(FIX_LAST + 1)"
    );
    let gaps: Vec<(u64, u64)> = plan.gaps.iter().map(|g| (g.start, g.size)).collect();
    assert_eq!(
        gaps,
        vec![
            (0xffff_ffff_c020_0000, 2 << 20),
            (0xffff_ffff_c080_0000, 2 << 20)
        ]
    );
    assert_eq!(plan.platform.load_address, 0x8020_0000);
    for r in &plan.regions {
        assert!(
            plan.paging.mode.is_canonical(r.start) && plan.paging.mode.is_canonical(r.last),
            "{} canonical",
            r.name
        );
    }
}

#[test]
fn large_fixmap_spans_several_tables() {
    let plan = plan(&vmlayout_tests::repo().join("tests/layouts/sv39-replanned.toml"));
    // pmap 16 per hart × 8 harts, console 1, fdt 583, shared 1.
    assert_eq!(plan.fixmap.slot_count(), 713);
    assert_eq!(plan.fixmap.tables, 2);
    assert_eq!(plan.fixmap.last, 712);
}
