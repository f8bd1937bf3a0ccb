//! Hostile names and text against every output: random descriptions, layout-file
//! names and output-directory names (both reach every preamble) full of comment
//! terminators, quotes, pipes and control characters, and
//! region, gap and group names drawn from keywords and the emitters' own names.
//! Every plan `check` accepts must compile: layout.rs with rustc, layout.h with cc
//! (C11 -pedantic and as assembly), layout.ld with GNU ld and rust-lld; and
//! MEMORY-MAP.md keeps one table row per map entry.
//!
//! Needs `riscv64-linux-gnu-ld`/`-as` (`cargo xtask test` installs them).

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

/// Pieces that break one output or another when pasted in raw.
const HOSTILE: &[&str] = &[
    "*/",
    "/*",
    "-->",
    "--",
    "|",
    "\"",
    "'",
    "\\",
    "\n",
    "\r",
    "\0",
    "\t",
    "`",
    "<br>",
    "<i>",
    "${x}",
    "#define",
    "}",
    "#",
    "é",
    "∞",
    "\u{202e}",
    ")",
    "; ASSERT(0, \"x\")",
];

/// Names from Rust keywords, GNU ld built-ins and the emitters' own names.
const NAME_SEEDS: &[&str] = &[
    "self",
    "type",
    "fn",
    "static",
    "segment",
    "data_segment",
    "vmlayout_page",
    "fixaddr",
    "map",
    "regions",
    "fix",
    "image",
    "sizeof",
    "assert",
    "provide",
    "entry",
    "a",
];

fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(HOSTILE).prop_map(String::from),
            "[a-z ]{0,6}"
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(NAME_SEEDS).prop_map(String::from),
        "[a-z][a-z0-9_]{0,8}",
    ]
}

/// The repository's layout with an extra region and group named `name`, a gap named
/// `gap`, and `text` as their descriptions.
fn layout(name: &str, gap: &str, text: &str) -> String {
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let text = vmlayout_tests::toml_string(text);
    format!(
        "{base}
[[region]]
name = \"{name}\"
purpose = \"reserved\"
description = {text}
after = \"vmap\"
gap = {{ size = \"4K\", name = \"{gap}\" }}
size = \"4K\"
perms = \"r\"

[[fixmap.group]]
name = \"{name}\"
count = 1
description = {text}
"
    )
}

/// Compile or link every output in `dir`.
fn compile_all(dir: &Path) -> Result<(), String> {
    let d = |f: &str| dir.join(f);
    // As a public module of a crate that denies missing docs: every generated item
    // is documented, so a kernel can `pub mod plan { layout!(..) }` under that lint.
    std::fs::write(
        d("lib.rs"),
        "//! The plan.\n#![deny(missing_docs)]\n/// The plan.\npub mod plan {\n    include!(\"layout.rs\");\n}\n",
    )
    .unwrap();
    vmlayout_tests::run(
        Command::new("rustc")
            .args(["--edition", "2024", "--crate-type", "lib", "-o"])
            .arg(d("layout.rlib"))
            .arg(d("lib.rs")),
    )?;
    std::fs::write(
        d("use.c"),
        "#include \"layout.h\"\nunsigned long vmlayout_use = FIXADDR_START;\n",
    )
    .unwrap();
    vmlayout_tests::run(
        Command::new("cc")
            .args(["-std=c11", "-pedantic", "-Wall", "-Werror", "-fsyntax-only"])
            .arg(d("use.c")),
    )?;
    // Assembly: GCC predefines __ASSEMBLER__ for .S files; __ASSEMBLY__ is not needed.
    std::fs::write(d("use.S"), "#include \"layout.h\"\n.quad FIXADDR_START\n").unwrap();
    vmlayout_tests::run(
        Command::new("cc")
            .args(["-c", "-o"])
            .arg(d("use.o"))
            .arg(d("use.S")),
    )?;
    vmlayout_tests::link_empty(dir, "layout.ld", true)
}

/// Cells of a Markdown table row: split at pipes that are not escaped.
fn cells(line: &str) -> usize {
    let mut count = 0usize;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '|' if !escaped => count += 1,
            _ => {}
        }
        escaped = c == '\\' && !escaped;
    }
    count.saturating_sub(1)
}

/// One line of eight cells per map entry between the header and the fixmap section.
fn map_rows_intact(plan: &vmlayout::Plan, markdown: &str) -> bool {
    let rows: Vec<&str> = markdown
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    rows.len() == plan.map.len() && rows.iter().all(|r| cells(r) == 8)
}

/// Compile every output of one plan; `Ok(false)` when `check` refused the layout.
fn check_one(name: &str, gap: &str, text: &str, file: &str) -> Result<bool, TestCaseError> {
    let file = format!("{}.toml", file.replace(['/', '\0'], "_"));
    let Ok(plan) = vmlayout::plan_from_str(&file, &layout(name, gap, text)) else {
        return Ok(false); // refused with a diagnostic: nothing reaches an output
    };
    let dir = tempfile::tempdir().unwrap();
    for artefact in vmlayout::emit::all(&plan, &vmlayout::emit::Origin::cli(&file, &file)) {
        std::fs::write(dir.path().join(artefact.file_name), &artefact.contents).unwrap();
    }
    if let Err(e) = compile_all(dir.path()) {
        return Err(TestCaseError::fail(format!(
            "name {name:?}, gap {gap:?}, text {text:?}, file {file:?}:\n{e}"
        )));
    }
    // layout.h keeps to 80 columns, but for a word that alone is wider (a long
    // file name in the first comment), which is not broken.
    let header = std::fs::read_to_string(dir.path().join("layout.h")).unwrap();
    let too_wide = header
        .lines()
        .find(|l| l.chars().count() > 80 && !l.split_whitespace().any(|w| w.chars().count() > 60));
    prop_assert!(
        too_wide.is_none(),
        "layout.h line over 80 columns: {:?}",
        too_wide
    );
    // layout.json parses, and every description comes back as it was written.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("layout.json")).unwrap())
            .map_err(|e| TestCaseError::fail(format!("layout.json does not parse: {e}")))?;
    for (r, j) in plan.regions.iter().zip(json["regions"].as_array().unwrap()) {
        prop_assert_eq!(j["description"].as_str(), Some(r.description.as_str()));
    }
    let markdown = std::fs::read_to_string(dir.path().join("MEMORY-MAP.md")).unwrap();
    prop_assert!(
        map_rows_intact(&plan, &markdown),
        "MEMORY-MAP.md rows broken:\n{}",
        markdown
    );
    Ok(true)
}

#[test]
fn every_accepted_plan_compiles_in_every_output() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let accepted = AtomicUsize::new(0);
    let cases = 24;
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let inputs = (name(), name(), hostile_text(), hostile_text());
    let result = runner.run(&inputs, |(name, gap, text, file)| {
        if check_one(&name, &gap, &text, &file)? {
            accepted.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let accepted = accepted.load(Ordering::Relaxed);
    // About half the random plans are accepted; fewer than 3 of 24 (odds below 1 in
    // 10,000) means the generator no longer reaches the outputs.
    assert!(
        accepted >= 3,
        "only {accepted} of {cases} plans were accepted"
    );
}

#[test]
fn keywords_and_builtins_are_refused_with_a_diagnostic() {
    for (name, gap, defines) in [
        ("ok", "data_segment", "`DATA_SEGMENT_END`"),
        ("ok", "segment", "`SEGMENT_START`"),
        ("ok", "vmlayout_page", "`VMLAYOUT_PAGE_SIZE`"),
    ] {
        let err = vmlayout::plan_from_str("x.toml", &layout(name, gap, "x"))
            .expect_err("a name the outputs cannot use is refused");
        assert!(err.render().contains(defines), "{}", err.render());
    }
}
