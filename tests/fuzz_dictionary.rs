//! `fuzz/layout.dict` is generated from the parser's own key lists
//! (`vmlayout::fuzz_dictionary`): it must be fresh, so a new key or purpose reaches
//! the fuzzer. `VMLAYOUT_BLESS=1` rewrites it.

#[test]
fn the_fuzz_dictionary_is_fresh() {
    let expected = vmlayout::fuzz_dictionary();
    vmlayout_tests::assert_fresh(
        "fuzz/layout.dict",
        &expected,
        "VMLAYOUT_BLESS=1 cargo test -p vmlayout-tests --test fuzz_dictionary",
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
