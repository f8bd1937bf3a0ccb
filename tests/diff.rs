//! `vmlayout diff`: what changed between two plans, in text and JSON, and
//! `--exit-code`. Each kind of change is made to layout.toml in one place and
//! must be reported as such; the constants it reports are exactly those whose
//! `#define` changed in layout.h, worked out here from the two headers.

use std::collections::BTreeMap;

use vmlayout::diff::{Change, diff, render_json, render_text};

fn layout() -> String {
    std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap()
}

fn plan(text: &str) -> vmlayout::Plan {
    vmlayout::plan_from_str("l.toml", text).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The header's object-like `#define`s, by name, as the test reads them.
fn defines(plan: &vmlayout::Plan) -> BTreeMap<String, String> {
    let header = vmlayout::emit::c_header::render(
        plan,
        &vmlayout::emit::Origin::cli("layout.toml", "generated"),
    );
    header
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("#define "))
        .filter_map(|rest| {
            let (name, value) = rest.split_once(' ')?;
            (!name.contains('(') && !value.trim().is_empty())
                .then(|| (name.to_string(), value.trim().to_string()))
        })
        .collect()
}

fn change<'a>(list: &'a [(String, Change)], name: &str) -> &'a Change {
    &list
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no change for {name}: {list:?}"))
        .1
}

#[test]
fn a_plan_against_itself_has_no_differences() {
    for (_, path) in vmlayout_tests::valid_layouts() {
        let p = vmlayout_tests::plan(&path);
        let d = diff(&p, &p);
        assert!(d.is_empty(), "{}: {d:?}", path.display());
        assert_eq!(render_text(&d), "no differences\n");
        let json: serde_json::Value = serde_json::from_str(&render_json(&d)).unwrap();
        assert_eq!(json["same"], true);
    }
}

#[test]
fn each_kind_of_change_is_reported() {
    let old = layout();
    let old_plan = plan(&old);
    // The FDT window grows from 4 MiB to 6 MiB: it is resized, the fixmap after
    // it moves, and so do their constants.
    let grown = old.replacen(
        "size = \"4M\"\nalign = \"2M\"\nperms = \"r\"",
        "size = \"6M\"\nalign = \"2M\"\nperms = \"r\"",
        1,
    );
    let d = diff(&old_plan, &plan(&grown));
    assert!(
        matches!(change(&d.regions, "fdt"), Change::Changed(w) if w == &["resized from 4 MiB to 6 MiB"]),
        "{d:?}"
    );
    assert!(
        matches!(change(&d.regions, "fixmap"), Change::Changed(w) if w[0].starts_with("moved from 0xffff_ffff_c0a0_0000 to 0xffff_ffff_c0c0_0000")),
        "{d:?}"
    );
    assert!(matches!(change(&d.fixmap, "(fixmap)"), Change::Changed(_)));
    assert!(
        matches!(change(&d.gaps, "fdt_guard"), Change::Changed(w) if w[0].starts_with("moved"))
    );
    // A region removed and one added (renamed), a permission changed.
    let renamed = old
        .replacen("name = \"vmap\"", "name = \"vmalloc\"", 1)
        .replacen("slot = 496\nperms = \"rw\"", "slot = 496\nperms = \"r\"", 1);
    let d = diff(&old_plan, &plan(&renamed));
    assert!(matches!(change(&d.regions, "vmap"), Change::Removed(_)));
    assert!(
        matches!(change(&d.regions, "vmalloc"), Change::Added(w) if w.contains("perms r,") || w.contains("perms r ")),
        "{d:?}"
    );
    // A fixmap group resized: its slots, the next group's first slot.
    let pmap = old.replacen("count = 8", "count = 12", 1);
    let d = diff(&old_plan, &plan(&pmap));
    assert!(
        matches!(change(&d.fixmap, "pmap"), Change::Changed(w) if w == &["slots 8 × 8 harts → 12 × 8 harts"]),
        "{d:?}"
    );
    assert!(
        matches!(change(&d.fixmap, "misc"), Change::Changed(w) if w == &["first slot 64 → 96"]),
        "{d:?}"
    );
    assert!(d.regions.is_empty(), "{d:?}");
    // A group's description and the fixmap's order; a region's description.
    let described = old
        .replacen(
            "description = \"PMAP: temporary mappings before the direct map exists\"",
            "description = \"PMAP\"",
            1,
        )
        .replacen(
            "[fixmap]\nregion = \"fixmap\"",
            "[fixmap]\nregion = \"fixmap\"\norder = \"down\"",
            1,
        )
        .replacen(
            "description = \"boot FDT, mapped read-only\"",
            "description = \"the DTB\"",
            1,
        );
    let d = diff(&old_plan, &plan(&described));
    assert!(
        matches!(change(&d.fixmap, "pmap"), Change::Changed(w) if w.iter().any(|c| c.starts_with("description"))),
        "{d:?}"
    );
    assert!(
        matches!(change(&d.fixmap, "(fixmap)"), Change::Changed(w) if w.iter().any(|c| c == "order up → down")),
        "{d:?}"
    );
    assert!(
        matches!(change(&d.regions, "fdt"), Change::Changed(w) if w.iter().any(|c| c.starts_with("description"))),
        "{d:?}"
    );
    // How layout.h spells its literals changes no value: an option, not constants.
    let plain = format!("{old}\n[c_header]\nliterals = \"plain\"\n");
    let d = diff(&old_plan, &plan(&plain));
    assert!(d.constants.is_empty(), "{d:?}");
    assert!(
        matches!(change(&d.c_header, "[c_header]"), Change::Changed(w) if w == &["literals ul → plain"]),
        "{d:?}"
    );
    // The paging mode.
    let sv48 =
        std::fs::read_to_string(vmlayout_tests::repo().join("tests/layouts/sv48.toml")).unwrap();
    let d = diff(&old_plan, &plan(&sv48));
    assert_eq!(d.mode, Some(("sv39".into(), "sv48".into())));
}

/// Between any two layouts of the repository, the constants reported are exactly
/// the `#define`s that changed, were added or were removed.
#[test]
fn constants_reported_are_exactly_those_that_changed() {
    let plans: Vec<_> = vmlayout_tests::valid_layouts()
        .into_iter()
        .map(|(name, path)| (name, vmlayout_tests::plan(&path)))
        .collect();
    for (a_name, a) in &plans {
        for (b_name, b) in &plans {
            let (da, db) = (defines(a), defines(b));
            let mut expected: Vec<(String, Option<String>, Option<String>)> = da
                .keys()
                .chain(db.keys())
                .filter(|k| da.get(*k) != db.get(*k))
                .map(|k| (k.clone(), da.get(k).cloned(), db.get(k).cloned()))
                .collect();
            expected.sort();
            expected.dedup();
            assert_eq!(diff(a, b).constants, expected, "{a_name} → {b_name}");
        }
    }
}

#[test]
fn the_json_says_what_the_text_says() {
    let old = layout();
    let grown = old.replacen("count = 8", "count = 9", 1);
    let d = diff(&plan(&old), &plan(&grown));
    let json: serde_json::Value = serde_json::from_str(&render_json(&d)).unwrap();
    assert_eq!(json["same"], false);
    let text = render_text(&d);
    for c in json["constants"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        assert!(text.contains(&format!(" {name}: ")), "{name} in\n{text}");
    }
    for g in json["fixmap"].as_array().unwrap() {
        assert!(text.contains(&format!("~ {}: ", g["name"].as_str().unwrap())));
        assert_eq!(g["change"], "changed");
    }
}
