//! Fixmap conventions: slots counting up from FIXADDR_START (Xen, Arm) or down
//! from FIXADDR_TOP (Linux), and hole slots that are never mapped — the same in
//! the model, the Rust module and the C header.

fn linux() -> vmlayout::Plan {
    vmlayout_tests::plan(&vmlayout_tests::repo().join("tests/layouts/linux-riscv-sv39.toml"))
}

#[test]
fn linux_numbers_its_slots_down_from_fixaddr_top() {
    let plan = linux();
    let f = &plan.fixmap;
    assert_eq!(
        f.top, 0xffff_ffc4_ff00_0000,
        "FIXADDR_TOP is PCI I/O's start"
    );
    assert_eq!(
        f.slot_address(0),
        f.top - 4096,
        "slot 0 is the page below the top"
    );
    assert_eq!(f.slot_address(f.last), f.base);
    assert_eq!(f.tables_start, 0xffff_ffc4_fea0_0000);
    assert!(f.is_hole(0), "FIX_HOLE");
    for slot in 0..=f.last {
        assert_eq!(
            f.table_entry(slot),
            (f.slot_address(slot) - f.tables_start) / 4096
        );
    }
}

#[test]
fn every_output_agrees_on_the_down_order_and_the_hole() {
    let plan = linux();
    let out = vmlayout::emit::all(
        &plan,
        &vmlayout::emit::Origin::cli("linux.toml", "generated"),
    );
    let text = |name: &str| {
        out.iter()
            .find(|a| a.file_name == name)
            .unwrap()
            .contents
            .clone()
    };
    let rust = text("layout.rs");
    assert!(rust.contains("pub const FIX_ORDER: &str = \"down\";"));
    assert!(rust.contains("FIXADDR_TOP - (slot + 1) * PAGE_SIZE"));
    assert!(rust.contains("pub const FIX_HOLES: &[usize] = &[0];"));
    assert!(
        !rust.contains("Hole0"),
        "a hole slot has no FixSlot variant"
    );
    assert!(text("layout.h").contains("(FIXADDR_TOP - ((n) + 1) * VMLAYOUT_PAGE_SIZE)"));
    let json: serde_json::Value = serde_json::from_str(&text("layout.json")).unwrap();
    assert_eq!(json["fixmap"]["order"], "down");
    assert_eq!(json["fixmap"]["slots"][0]["hole"], true);
}

#[test]
fn a_hole_cannot_hold_a_role_and_not_every_slot_is_a_hole() {
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let role_hole = base.replace("role = \"console\"\n", "role = \"console\"\nhole = true\n");
    let err = vmlayout::plan_from_str("x.toml", &role_hole).expect_err("refused");
    assert!(
        err.render()
            .contains("fixmap group with role `console` is a hole"),
        "{}",
        err.render()
    );
    let all_holes = base
        .replace("count = 8\nper_hart = true\n", "count = 8\nhole = true\n")
        .replace("role = \"console\"\n", "");
    let all_holes = all_holes.replace("role = \"pmap\"\n", "");
    let all_holes = all_holes.replace("name = \"misc\"\n", "name = \"misc\"\nhole = true\n");
    let all_holes = all_holes.replace("role = \"shared\"\n", "hole = true\n");
    let err = vmlayout::plan_from_str("x.toml", &all_holes).expect_err("refused");
    assert!(
        err.render().contains("every fixmap slot is a hole"),
        "{}",
        err.render()
    );
}
