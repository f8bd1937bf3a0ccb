//! Every file in `tests/invalid/` must be rejected, without a panic, with at least
//! one diagnostic that points inside the file; the rendered text is snapshotted.

#[test]
fn every_invalid_layout_is_rejected_with_a_diagnostic() {
    let dir = vmlayout_tests::repo().join("tests/invalid");
    let mut count = 0;
    insta::glob!(&dir, "*.toml", |path: &Path| {
        count += 1;
        let err = vmlayout_tests::reject(path, "tests/invalid");
        insta::assert_snapshot!(err.render());
    });
    assert!(count >= 20, "at least 20 invalid layouts, found {count}");
}
