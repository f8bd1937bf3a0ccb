//! The committed `generated/` must match what the default layout produces now.

#[test]
fn committed_outputs_are_fresh() {
    let repo = vmlayout_tests::repo();
    let plan = vmlayout_tests::plan(&repo.join("layout.toml"));
    let artefacts = vmlayout::emit::all(
        &plan,
        &vmlayout::emit::Origin::cli("layout.toml", "generated"),
    );
    let stale = vmlayout::output::stale(&repo.join("generated"), &artefacts);
    assert!(
        stale.is_empty(),
        "generated/ is stale ({}); run `{}` and commit the result",
        stale
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        vmlayout::emit::Origin::cli("layout.toml", "generated")
            .command()
            .unwrap()
    );
}

#[test]
fn readme_memory_map_matches_the_default_plan() {
    let repo = vmlayout_tests::repo();
    let map = std::fs::read_to_string(repo.join("generated/MEMORY-MAP.md")).expect("generated map");
    let start = map.find("| Start").expect("map table");
    let table = &map[start..map[start..].find("\n\n").map_or(map.len(), |e| start + e)];
    let readme = std::fs::read_to_string(repo.join("README.md")).expect("README");
    let begin = readme
        .find("<!-- memory-map:begin -->\n")
        .expect("begin marker")
        + "<!-- memory-map:begin -->\n".len();
    let end = readme
        .find("\n<!-- memory-map:end -->")
        .expect("end marker");
    assert_eq!(
        &readme[begin..end],
        table,
        "README.md's memory map is stale: replace the lines between the memory-map markers with the table in generated/MEMORY-MAP.md"
    );
}
