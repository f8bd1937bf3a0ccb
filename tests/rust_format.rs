//! layout.rs is written in rustfmt's layout directly (no pretty-printer): `rustfmt
//! --check` must leave every generated module as it is — the repository's layouts,
//! and generated plans whose names run from one character to fifty (so constants,
//! assertions and arrays break over lines at every width), with many slots, hole
//! groups and hostile descriptions.
//!
//! Needs `rustfmt` (a rustup component, as `cargo fmt` is).

use std::process::Command;

use proptest::prelude::*;

/// `rustfmt --check` of `source`; the diff it prints when it would change it. On a
/// file: given the text on stdin, rustfmt prints the diff but exits 0.
fn rustfmt_check(source: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("layout.rs");
    std::fs::write(&file, source).unwrap();
    vmlayout_tests::run(
        Command::new("rustfmt")
            .args(["--edition", "2024", "--check"])
            .arg(&file),
    )
    .map_err(|e| format!("rustfmt would change layout.rs (or is missing):\n{e}"))
}

fn render(plan: &vmlayout::Plan) -> String {
    vmlayout::emit::rust::render(
        plan,
        &vmlayout::emit::Origin::cli("layout.toml", "generated"),
    )
}

#[test]
fn every_layout_in_the_repository_is_rustfmt_clean() {
    for (name, path) in vmlayout_tests::valid_layouts() {
        let plan = vmlayout_tests::plan(&path);
        if let Err(e) = rustfmt_check(&render(&plan)) {
            panic!("{name}: {e}");
        }
    }
}

/// The repository's layout with `names.len()` more regions chained after `vmap`
/// (each behind a guard gap), one fixmap group per name with `counts[i]` slots, and
/// a hole group of `hole` slots.
fn layout(names: &[String], counts: &[u64], hole: u64, text: &str) -> String {
    let mut layout = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let text = vmlayout_tests::toml_string(text);
    let mut after = "vmap".to_string();
    for (i, name) in names.iter().enumerate() {
        layout += &format!(
            "\n[[region]]\nname = \"{name}\"\npurpose = \"reserved\"\ndescription = {text}\n\
             after = \"{after}\"\ngap = {{ size = \"4K\", name = \"{name}_g{i}\" }}\n\
             size = \"4K\"\nperms = \"r\"\n"
        );
        after = name.clone();
    }
    for (name, count) in names.iter().zip(counts) {
        layout += &format!(
            "\n[[fixmap.group]]\nname = \"{name}\"\ncount = {count}\ndescription = {text}\n"
        );
    }
    if hole > 0 {
        layout += &format!(
            "\n[[fixmap.group]]\nname = \"gap_slots\"\ncount = {hole}\nhole = true\n\
             description = \"never mapped\"\n"
        );
    }
    layout
}

#[test]
fn generated_plans_are_rustfmt_clean() {
    let strategy = (
        prop::collection::btree_set("[a-z][a-z0-9]{0,49}", 1..4),
        prop::collection::vec(1u64..120, 4),
        prop_oneof![Just(0u64), 1u64..200],
        "[ -~]{0,120}",
    );
    // 128 cases, or PROPTEST_CASES for a longer run.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let accepted = std::cell::Cell::new(0);
    let result = runner.run(&strategy, |(names, counts, hole, text)| {
        let names: Vec<String> = names.into_iter().collect();
        let Ok(plan) = vmlayout::plan_from_str("fmt.toml", &layout(&names, &counts, hole, &text))
        else {
            return Ok(()); // refused (a name taken, slots past the tables): no layout.rs
        };
        accepted.set(accepted.get() + 1);
        rustfmt_check(&render(&plan)).map_err(|e| {
            TestCaseError::fail(format!(
                "names {names:?}, counts {counts:?}, hole {hole}: {e}"
            ))
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The plans must mostly be accepted, or the test checks little.
    assert!(
        accepted.get() >= 24,
        "only {} of 48 plans accepted",
        accepted.get()
    );
}
