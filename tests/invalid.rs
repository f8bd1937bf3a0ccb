//! Every file in `tests/invalid/` must be rejected, without a panic, with at least
//! one diagnostic that points inside the file; the rendered text is snapshotted.

#[test]
fn every_invalid_layout_is_rejected_with_a_diagnostic() {
    let dir = vmlayout_tests::repo().join("tests/invalid");
    let mut count = 0;
    insta::glob!(&dir, "*.toml", |path: &Path| {
        count += 1;
        let source = std::fs::read_to_string(path).expect("readable");
        let shown = format!(
            "tests/invalid/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let result = std::panic::catch_unwind(|| vmlayout::plan_from_str(&shown, &source));
        let err = match result {
            Ok(Ok(_)) => panic!("{shown} should be invalid"),
            Ok(Err(e)) => e,
            Err(_) => panic!("{shown}: vmlayout panicked"),
        };
        for d in err.diagnostics.iter() {
            assert!(
                d.span.end <= source.len(),
                "{shown}: span {:?} outside the file",
                d.span
            );
        }
        insta::assert_snapshot!(err.render());
    });
    assert!(count >= 20, "at least 20 invalid layouts, found {count}");
}
