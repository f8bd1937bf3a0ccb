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
        text.contains("load address 0x1ff_ffe0_0000 (the lowest in load_range that fails) would be identity-mapped"),
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
    let script =
        vmlayout::emit::linker::render(&moved, &vmlayout::emit::Origin::cli("x.toml", "generated"));
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

/// Two identity areas with a hole between them: the load addresses at both ends
/// of the range are held, one in the middle is not — and it is the one named.
#[test]
fn a_load_address_between_two_identity_areas_is_named() {
    let text = sv48_with((LOAD, LOAD), "identity")
        .replace("slots = [0, 3]", "at = \"0\"\nsize = \"0x8060_0000\"")
        + "
[[region]]
name = \"identity_high\"
purpose = \"identity\"
at = \"0x80a0_0000\"
size = \"0x1000_0000\"
";
    let text = text.replace(
        LOAD,
        &format!("{LOAD}\nload_range = {{ first = \"0x8020_0000\", last = \"0x80c0_0000\" }}"),
    );
    let err = vmlayout::plan_from_str("x.toml", &text).expect_err("refused");
    let rendered = err.render();
    let escapes: Vec<_> = err
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("outside the identity area"))
        .collect();
    assert_eq!(escapes.len(), 1, "{rendered}");
    // Held: 0x8020_0000 (in `identity`, ending at 0x8060_0000) and 0x80a0_0000 up
    // (in `identity_high`); 0x8040_0000 ends past the first area: the first to fail.
    assert!(
        escapes[0]
            .message
            .contains("load address 0x8040_0000 (the lowest in load_range that fails)"),
        "{rendered}"
    );
}

/// A region that only the higher load addresses' identity ranges reach: the
/// lowest load address that meets it is named, with its own identity range.
#[test]
fn a_region_met_by_part_of_the_load_range_names_the_first_load_address_that_meets_it() {
    let base =
        std::fs::read_to_string(vmlayout_tests::repo().join("tests/layouts/sv48.toml")).unwrap();
    let text = base.replacen(
        LOAD,
        &format!("{LOAD}\nload_range = {{ first = \"0x8020_0000\", last = \"0x8100_0000\" }}"),
        1,
    ) + "
[[region]]
name = \"mmio\"
purpose = \"reserved\"
at = \"0x80c0_0000\"
size = \"2M\"
perms = \"rw\"
";
    let err = vmlayout::plan_from_str("x.toml", &text).expect_err("refused");
    let rendered = err.render();
    let d = err
        .diagnostics
        .iter()
        .find(|d| d.message.contains("overlaps the boot identity mapping"))
        .unwrap_or_else(|| panic!("{rendered}"));
    let platform = vmlayout::plan_from_str("x.toml", &base).unwrap().platform;
    let max = platform.image_max_size;
    // The lowest 2 MiB step whose identity range (rounded to 2 MiB) reaches 0x80c0_0000.
    let first = (0x8020_0000u64..=0x8100_0000)
        .step_by(2 << 20)
        .find(|l| (l + max).next_multiple_of(2 << 20) > 0x80c0_0000)
        .unwrap();
    assert!(
        d.message
            .contains(&format!("load address {}", vmlayout::fmt::hex(first))),
        "{rendered}"
    );
}
