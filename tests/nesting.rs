//! Regions inside others on purpose (`within`): containment is checked instead of
//! overlap, the map shows nested regions under their parent, and the reference
//! kernel's requirements refuse a region it maps inside another it maps (an image
//! inside the direct map) with a diagnostic naming the requirement.

fn nested() -> String {
    std::fs::read_to_string(vmlayout_tests::repo().join("tests/layouts/sv39-nested.toml")).unwrap()
}

fn refusal(text: &str) -> String {
    vmlayout::plan_from_str("x.toml", text)
        .expect_err("refused")
        .render()
}

#[test]
fn nested_regions_plan_and_follow_their_parent_in_the_map() {
    let plan = vmlayout::plan_from_str("x.toml", &nested()).unwrap_or_else(|e| panic!("{e}"));
    let order: Vec<&str> = plan
        .map
        .iter()
        .filter_map(|e| match e {
            vmlayout::plan::MapEntry::Region(i) => Some(plan.regions[*i].name.as_str()),
            _ => None,
        })
        .collect();
    let vmap = order.iter().position(|n| *n == "vmap").unwrap();
    assert_eq!(
        &order[vmap..vmap + 4],
        ["vmap", "jit_data", "jit", "jit_scratch"]
    );
    let rust =
        vmlayout::emit::rust::render(&plan, &vmlayout::emit::Origin::cli("x.toml", "generated"));
    assert!(rust.contains("a nested region lies inside its parent"));
}

#[test]
fn a_nested_region_outside_its_parent_is_refused() {
    let text = nested().replacen(
        "at = \"slot(496) + 256M\"\nsize = \"64M\"",
        "at = \"slot(496) + 1000M\"\nsize = \"64M\"",
        1,
    );
    let text = text.replace("within = \"jit\"", "within = \"vmap\"");
    assert!(
        refusal(&text).contains("is declared within `vmap`"),
        "{}",
        refusal(&text)
    );
}

#[test]
fn siblings_inside_one_parent_may_not_overlap() {
    let text = nested().replace("within = \"jit\"", "within = \"vmap\"");
    // jit_scratch now lies within vmap but still overlaps its sibling jit.
    let text = refusal(&text);
    assert!(
        text.contains("overlaps region `jit`") || text.contains("overlaps region `jit_scratch`"),
        "{text}"
    );
}

#[test]
fn unknown_parents_and_cycles_are_refused() {
    let unknown = nested().replace("within = \"vmap\"", "within = \"vmpa\"");
    assert!(refusal(&unknown).contains("did you mean `vmap`?"));
    let cycle = nested().replace("within = \"vmap\"", "within = \"jit_scratch\"");
    assert!(
        refusal(&cycle).contains("inside itself"),
        "{}",
        refusal(&cycle)
    );
}

#[test]
fn the_kernel_refuses_an_image_inside_the_direct_map() {
    let needs_text =
        std::fs::read_to_string(vmlayout_tests::repo().join("kernel/vmlayout-needs.toml")).unwrap();
    let needs = vmlayout::Needs::parse("kernel/vmlayout-needs.toml", &needs_text).unwrap();
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    // The image linked inside the direct map, as Linux RISC-V did before 5.12.
    let text = base.replacen(
        "at = \"slot(511)\"",
        "at = \"slot(300)\"\nwithin = \"directmap\"",
        1,
    );
    let err = vmlayout::plan_from_str_for("x.toml", &text, Some(&needs)).expect_err("refused");
    let rendered = err.render();
    assert!(
        rendered
            .contains("kernel/vmlayout-needs.toml maps `directmap` regions at boot: region `image` (image) within `directmap` would be mapped twice"),
        "{rendered}"
    );
}

#[test]
fn the_kernel_refuses_an_unmapped_region_inside_one_it_maps() {
    let needs_text =
        std::fs::read_to_string(vmlayout_tests::repo().join("kernel/vmlayout-needs.toml")).unwrap();
    let needs = vmlayout::Needs::parse("kernel/vmlayout-needs.toml", &needs_text).unwrap();
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    // A reserved region inside the direct map would be mapped with it, not fault.
    let text = format!(
        "{base}\n[[region]]\nname = \"inner\"\npurpose = \"reserved\"\ndescription = \"x\"\nwithin = \"directmap\"\nat = \"slot(256)\"\nsize = \"2M\"\nperms = \"rw\"\n"
    );
    vmlayout::plan_from_str("x.toml", &text).unwrap_or_else(|e| panic!("{e}"));
    let err = vmlayout::plan_from_str_for("x.toml", &text, Some(&needs)).expect_err("refused");
    assert!(
        err.render()
            .contains("region `inner` (reserved) within `directmap` would be mapped through it"),
        "{}",
        err.render()
    );
}

/// A guard gap between two regions nested in one parent (`jit_guard`, between
/// `jit` and `jit_data` in vmap) lies inside that parent too: it is not an
/// overlap with the parent, and it still must not meet anything else (here a
/// third region placed where the gap is).
#[test]
fn a_gap_between_nested_siblings_lies_inside_their_parent() {
    let plan = vmlayout::plan_from_str("x.toml", &nested()).unwrap_or_else(|e| panic!("{e}"));
    let gap = plan.gaps.iter().find(|g| g.name == "jit_guard").unwrap();
    let vmap = plan.region("vmap").unwrap();
    assert!(vmap.start <= gap.start && gap.last <= vmap.last);
    assert_eq!(gap.within.as_deref(), Some("vmap"));

    let squatter = "
[[region]]
name = \"squatter\"
purpose = \"reserved\"
within = \"vmap\"
at = \"slot(496) + 320M\"
size = \"4K\"
perms = \"rw\"
";
    let text = refusal(&(nested() + squatter));
    assert!(
        text.contains("overlaps gap `jit_guard`") || text.contains("gap `jit_guard`"),
        "{text}"
    );
    assert!(!text.contains("overlaps region `vmap`"), "{text}");
}
