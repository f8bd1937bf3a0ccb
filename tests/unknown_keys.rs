//! One name, one thing: a key written in the wrong table is answered with the
//! table it belongs to, for every key of every table written into every other.

const HOSTS: [(&str, &str); 5] = [
    ("[paging]", "[paging]\n"),
    ("[platform]", "[platform]\n"),
    ("[[region]]", "[[region]]\n"),
    ("[fixmap]", "[fixmap]\n"),
    ("[[fixmap.group]]", "[[fixmap.group]]\n"),
];

/// The keys of each table, as the README documents them.
const KEYS: [(&str, &[&str]); 6] = [
    ("[paging]", &["mode"]),
    (
        "[platform]",
        &[
            "load_address",
            "load_range",
            "identity_size",
            "image_max_size",
            "max_ram",
        ],
    ),
    ("`load_range`", &["first", "last", "align"]),
    (
        "[[region]]",
        &[
            "name",
            "purpose",
            "description",
            "size",
            "align",
            "perms",
            "allow_wx",
            "at",
            "slot",
            "slots",
            "after",
            "before",
            "gap",
            "within",
        ],
    ),
    ("[fixmap]", &["region", "order", "group"]),
    (
        "[[fixmap.group]]",
        &["name", "count", "role", "hole", "description"],
    ),
];

#[test]
fn a_key_in_the_wrong_table_is_sent_where_it_belongs() {
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let mut checked = 0;
    for (host, header) in HOSTS {
        let own = KEYS.iter().find(|(t, _)| *t == host).unwrap().1;
        for (table, keys) in KEYS {
            for key in keys.iter().filter(|k| !own.contains(k)) {
                let text = base.replacen(header, &format!("{header}{key} = \"x\"\n"), 1);
                let err = vmlayout::plan_from_str("x.toml", &text).expect_err(key);
                let d = err
                    .diagnostics
                    .iter()
                    .find(|d| d.message == format!("unknown key `{key}` in {}", in_what(host)))
                    .unwrap_or_else(|| panic!("{key} in {host}:\n{}", err.render()));
                let help = d.help.as_deref().unwrap_or("");
                assert!(
                    help.contains(&format!("`{key}` is a key of")) && help.contains(table),
                    "{key} in {host}: {help}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

/// How the parser names a table in "unknown key … in …".
fn in_what(host: &str) -> String {
    match host {
        "[[region]]" => "a [[region]]".into(),
        "[[fixmap.group]]" => "a [[fixmap.group]]".into(),
        other => other.into(),
    }
}

/// A misspelt table header beside the real one (`[[regoin]]` among `[[region]]`s)
/// is a "did you mean", not "already set": the key it means is a table.
#[test]
fn a_misspelt_table_header_is_a_did_you_mean() {
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let text = base.replacen(
        "[[region]]\nname = \"vmap\"",
        "[[regoin]]\nname = \"vmap\"",
        1,
    );
    assert_ne!(text, base);
    let err = vmlayout::plan_from_str("x.toml", &text).expect_err("refused");
    let d = err
        .diagnostics
        .iter()
        .find(|d| d.message.contains("unknown key `regoin`"))
        .unwrap_or_else(|| panic!("{}", err.render()));
    assert_eq!(d.help.as_deref(), Some("did you mean `region`?"));
}
