//! The committed `generated/` must match what the default layout produces now.

#[test]
fn committed_outputs_are_fresh() {
    let repo = vmlayout_tests::repo();
    let plan = vmlayout_tests::plan(&repo.join("layout.toml"));
    let artefacts = vmlayout::emit::all(&plan, "layout.toml");
    let stale = vmlayout::output::stale(&repo.join("generated"), &artefacts);
    assert!(
        stale.is_empty(),
        "generated/ is stale ({}); run `{}` and commit the result",
        stale
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        vmlayout::emit::REGENERATE
    );
}
