//! Inputs the fuzzer found (tests/fuzz-regressions/) and the fuzzer's seed corpus
//! (fuzz/seeds/): each must give a plan or diagnostics inside the text, never a
//! panic.

#[test]
fn fuzz_findings_and_seeds_do_not_panic() {
    let repo = vmlayout_tests::repo();
    let mut checked = 0;
    for dir in ["tests/fuzz-regressions", "fuzz/seeds"] {
        for entry in std::fs::read_dir(repo.join(dir)).expect("directory exists") {
            let path = entry.expect("entry").path();
            if path.file_name().is_some_and(|n| n == "README.md") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("readable");
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            let result =
                std::panic::catch_unwind(|| match vmlayout::plan_from_str("input.toml", text) {
                    Ok(plan) => {
                        let _ = vmlayout::emit::all(
                            &plan,
                            &vmlayout::emit::Origin::cli("input.toml", "generated"),
                        );
                        Vec::new()
                    }
                    Err(e) => {
                        let _ = e.render();
                        e.diagnostics.iter().map(|d| d.span.clone()).collect()
                    }
                });
            let spans = result.unwrap_or_else(|_| panic!("{} panics", path.display()));
            for span in spans {
                assert!(
                    span.end <= text.len(),
                    "{}: span {span:?} outside the text",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "checked {checked} inputs");
}
