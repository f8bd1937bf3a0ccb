//! An identity area and a load range (issue input 5): in Sv48, root slots 0-3 kept
//! for the boot identity mapping as `purpose = "identity"`; every load address a
//! loader may choose must be identity-mapped inside it, and one that is not is
//! refused pointing at the load address. The old way — a `reserved` region there —
//! is refused as a collision with the identity mapping.

fn sv48_with(platform_edit: (&str, &str), area_purpose: &str) -> String {
    let base =
        std::fs::read_to_string(vmlayout_tests::repo().join("tests/layouts/sv48.toml")).unwrap();
    assert!(base.contains(platform_edit.0));
    // An identity area takes no perms; a reserved region needs them.
    let perms = if area_purpose == "identity" {
        ""
    } else {
        "perms = \"rw\"\n"
    };
    format!(
        "{}
[[region]]
name = \"identity\"
purpose = \"{area_purpose}\"
description = \"kept for the identity mapping\"
slots = [0, 3]
{perms}",
        base.replacen(platform_edit.0, platform_edit.1, 1)
    )
}

const LOAD: &str = "load_address = \"0x8020_0000\"";

#[test]
fn an_identity_area_holds_the_identity_mapping() {
    let plan = vmlayout::plan_from_str("x.toml", &sv48_with((LOAD, LOAD), "identity"))
        .unwrap_or_else(|e| panic!("{e}"));
    let area = plan.region("identity").unwrap();
    assert_eq!((area.start, area.last), (0, (4u64 << 39) - 1));
}

#[test]
fn a_load_address_outside_the_identity_area_is_refused_at_its_span() {
    let outside = "load_address = \"0x200_0000_0000\"";
    let text = sv48_with((LOAD, outside), "identity");
    let err = vmlayout::plan_from_str("x.toml", &text).expect_err("refused");
    let d = err
        .diagnostics
        .iter()
        .find(|d| d.message.contains("outside the identity area `identity`"))
        .unwrap_or_else(|| panic!("{}", err.render()));
    assert_eq!(&text[d.span.clone()], "\"0x200_0000_0000\"");
    assert!(
        d.message.contains("load address 0x200_0000_0000"),
        "{}",
        d.message
    );
}

#[test]
fn a_load_range_escaping_the_area_names_the_address_that_escapes() {
    let range = "load_address = \"0x8020_0000\"\nload_range = { first = \"0x8020_0000\", last = \"0x1ff_ffe0_0000\" }";
    let err = vmlayout::plan_from_str("x.toml", &sv48_with((LOAD, range), "identity"))
        .expect_err("refused");
    let text = err.render();
    assert!(
        text.contains("load address 0x1ff_ffe0_0000 would be identity-mapped"),
        "{text}"
    );
    assert!(!text.contains("load address 0x8020_0000 would"), "{text}");
}

#[test]
fn a_reserved_region_there_collides_with_the_identity_mapping() {
    let err = vmlayout::plan_from_str("x.toml", &sv48_with((LOAD, LOAD), "reserved"))
        .expect_err("refused");
    assert!(
        err.render().contains("overlaps the boot identity mapping"),
        "{}",
        err.render()
    );
}

#[test]
fn load_range_rules() {
    let cases = [
        (
            "load_range = { first = \"0x8020_0000\", last = \"0x8010_0000\" }",
            "runs backwards",
        ),
        (
            "load_range = { first = \"0x8020_0000\", last = \"0x8100_0000\", align = \"4K\" }",
            "not a multiple of the 2 MiB boot superpage",
        ),
        (
            "load_range = { first = \"0x8040_0000\", last = \"0x8100_0000\" }",
            "is not one of the load addresses load_range allows",
        ),
    ];
    for (range, message) in cases {
        let text = sv48_with((LOAD, &format!("{LOAD}\n{range}")), "identity");
        let err = vmlayout::plan_from_str("x.toml", &text).expect_err(range);
        assert!(err.render().contains(message), "{range}: {}", err.render());
    }
}

#[test]
fn another_allowed_load_address_relinks_consistently() {
    let path = vmlayout_tests::repo().join("tests/layouts/sv48-identity-area.toml");
    let plan = vmlayout_tests::plan(&path);
    let moved = plan
        .loaded_at(0x8060_0000)
        .expect("an allowed load address");
    let script = vmlayout::emit::linker::render(&moved, "x.toml");
    assert!(script.contains("__vmlayout_load_address = 0x80600000;"));
    assert!(plan.loaded_at(0x8050_0000).is_err(), "not on a 2 MiB step");
    assert!(plan.loaded_at(0x8120_0000).is_err(), "past load_range");
}

#[test]
fn an_identity_area_takes_no_perms() {
    let text = sv48_with((LOAD, LOAD), "identity") + "perms = \"rw\"\n";
    let err = vmlayout::plan_from_str("x.toml", &text).expect_err("refused");
    assert!(
        err.render()
            .contains("is an identity area: it takes no `perms`"),
        "{}",
        err.render()
    );
}
