//! The bad-input catalogue: every file in `tests/bad-inputs/` (broken TOML, wrong
//! types, every validation rule, overflow at the top, Unicode, huge names, an empty
//! file, bytes that are not UTF-8) and a generated 10 MB file must be rejected
//! without a panic, with diagnostics that point inside the file; each rendering is
//! snapshotted.

#[test]
fn catalogue_of_bad_inputs() {
    let dir = vmlayout_tests::repo().join("tests/bad-inputs");
    let mut count = 0;
    insta::glob!(&dir, "*.toml", |path: &Path| {
        count += 1;
        // reject() also checks that every span lies inside the file.
        let err = vmlayout_tests::reject(path, "tests/bad-inputs");
        let rendered = err.render();
        assert!(
            rendered.contains(&format!("--> {}:", err.path)),
            "{}: names the file and line",
            err.path
        );
        insta::assert_snapshot!(rendered);
    });
    assert!(count >= 40, "at least 40 bad inputs, found {count}");
}

#[test]
fn ten_megabyte_file() {
    let layout = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let mut big = layout.clone();
    while big.len() < 10 << 20 {
        big.push_str("# padding: a layout file grown by a runaway script\n");
    }
    let err = vmlayout::plan_from_str("big.toml", &big).expect_err("a 10 MB layout is refused");
    insta::assert_snapshot!(err.render());
}

#[test]
fn many_overlapping_regions_stay_fast_and_bounded() {
    // 5,000 regions at one address inside the direct map: every one overlaps it, and
    // the report stays readable.
    let layout = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let mut text = layout.clone();
    for i in 0..5000 {
        text.push_str(&format!(
            "\n[[region]]\nname = \"r{i}\"\npurpose = \"reserved\"\nslot = 300\nsize = \"4K\"\nperms = \"r\"\ndescription = \"x\"\n"
        ));
    }
    let err = vmlayout::plan_from_str("many.toml", &text).expect_err("overlaps");
    assert_eq!(
        err.diagnostics.len(),
        5000,
        "each overlapping region reported once"
    );
    let rendered = err.render();
    assert!(
        rendered.contains("note: 4950 more errors not shown"),
        "{}",
        &rendered[rendered.len() - 200..]
    );
}
