//! `fuzz/layout.dict` is generated from the parser's own key lists
//! (`vmlayout::fuzz_dictionary`): it must be fresh, so a new key or purpose reaches
//! the fuzzer. `VMLAYOUT_BLESS=1` rewrites it.

#[test]
fn the_fuzz_dictionary_is_fresh() {
    let path = vmlayout_tests::repo().join("fuzz/layout.dict");
    let expected = vmlayout::fuzz_dictionary();
    if std::env::var_os("VMLAYOUT_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "fuzz/layout.dict is stale: run `VMLAYOUT_BLESS=1 cargo test -p vmlayout-tests --test fuzz_dictionary` and commit it"
    );
    for key in [
        "within = ",
        "load_range = ",
        "hole = ",
        "aliases = ",
        "directmap",
    ] {
        assert!(expected.contains(key), "{key} is in the dictionary");
    }
}
