//! Regions at the very top of the address space, in every mode: a region may end
//! exactly at 2^64. Each output states the end without wrapping to 0: `_LAST` is
//! the last byte everywhere; `_END` is absent from Rust, C and the linker script
//! (it would be 2^64) and `0x10000000000000000` in JSON.

use proptest::prelude::*;

/// The repository's layout in `mode`, with a `reserved` region `size` bytes long
/// ending at 2^64 (the default plan keeps the top 1012 MiB of slot 511 free).
fn layout(mode: &str, size: u64) -> String {
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let base = base.replace("mode = \"sv39\"", &format!("mode = \"{mode}\""));
    format!(
        "{base}
[[region]]
name = \"top\"
purpose = \"reserved\"
description = \"the last bytes of the address space\"
at = \"top - {size:#x}\"
size = \"{size:#x}\"
perms = \"rw\"
"
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_region_ending_at_the_top_is_stated_without_wrapping(
        mode in prop::sample::select(vec!["sv39", "sv48", "sv57"]),
        pages in 1u64..=(512 * 64),
    ) {
        let size = pages * 4096;
        let plan = vmlayout::plan_from_str("top.toml", &layout(mode, size))
            .unwrap_or_else(|e| panic!("{e}"));
        let top = plan.region("top").expect("the region is planned");
        prop_assert_eq!(top.last, u64::MAX);
        prop_assert_eq!(top.end(), None);
        prop_assert_eq!(top.start, 0u64.wrapping_sub(size));
        let outputs = vmlayout::emit::all(&plan, &vmlayout::emit::Origin::cli("top.toml", "generated"));
        let text = |name: &str| outputs.iter().find(|a| a.file_name == name).unwrap().contents.clone();
        let (rust, c, ld, json) = (text("layout.rs"), text("layout.h"), text("layout.ld"), text("layout.json"));
        prop_assert!(rust.contains("pub const TOP_VIRT_LAST: usize = 0xffff_ffff_ffff_ffff;"));
        prop_assert!(!rust.contains("TOP_VIRT_END: usize"));
        prop_assert!(c.contains("#define TOP_VIRT_LAST                   VMLAYOUT_UL(0xffffffffffffffff)"));
        prop_assert!(!c.contains("#define TOP_VIRT_END"));
        prop_assert!(ld.contains("PROVIDE(TOP_VIRT_LAST = 0xffffffffffffffff);"));
        prop_assert!(!ld.contains("TOP_VIRT_END"));
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let region = json["regions"].as_array().unwrap().iter().find(|r| r["name"] == "top").unwrap();
        prop_assert_eq!(&region["end"], "0x10000000000000000");
        prop_assert_eq!(&region["last"], "0xffffffffffffffff");
        // Nothing in the map wraps: the region is the first (highest) entry.
        prop_assert!(matches!(plan.map[0], vmlayout::plan::MapEntry::Region(i) if plan.regions[i].name == "top"));
    }
}

/// Issue input 4: a 1 GiB region at `top - 1G` meets the image, the FDT window and
/// the fixmap (and the gaps between them); one run names every one.
#[test]
fn a_region_over_the_image_names_every_overlap() {
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let layout = format!(
        "{base}
[[region]]
name = \"vmap_top\"
purpose = \"reserved\"
description = \"x\"
at = \"top - 1G\"
size = \"1G\"
perms = \"rw\"
"
    );
    let err = vmlayout::plan_from_str("x.toml", &layout).expect_err("overlaps are refused");
    let text = err.render();
    for other in ["image", "fdt", "fixmap", "image_guard", "fdt_guard"] {
        prop_assert_contains(&text, other);
    }
}

fn prop_assert_contains(text: &str, name: &str) {
    let names_it = text.lines().any(|l| {
        l.starts_with("error:") && l.contains(&format!("`{name}`")) && l.contains("vmap_top")
    });
    assert!(
        names_it,
        "no overlap of `{name}` with `vmap_top` in:\n{text}"
    );
}
