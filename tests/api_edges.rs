//! The library's entry points at their edges: the size cap exactly, bytes that are
//! not UTF-8, the error types' Display, and the CLI definition the completions and
//! man pages are built from.

use vmlayout::{LoadError, MAX_LAYOUT_BYTES, plan_from_file, plan_from_str};

fn layout() -> String {
    std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap()
}

#[test]
fn a_layout_of_exactly_the_size_cap_is_read() {
    let mut text = layout();
    let pad = "# padding\n";
    while text.len() + pad.len() < MAX_LAYOUT_BYTES {
        text.push_str(pad);
    }
    text.push_str(&"#".repeat(MAX_LAYOUT_BYTES - text.len() - 1));
    text.push('\n');
    assert_eq!(text.len(), MAX_LAYOUT_BYTES);
    plan_from_str("cap.toml", &text).unwrap_or_else(|e| panic!("{}", e.render()));
    text.push('\n');
    let err = plan_from_str("cap.toml", &text).expect_err("one byte over");
    assert!(err.render().contains("file too large"), "{}", err.render());
}

#[test]
fn bytes_that_are_not_utf8_are_pointed_at_one_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    let mut bytes = layout().into_bytes();
    let at = bytes.len() - 5;
    bytes[at] = 0xe9; // `é` in Latin-1
    std::fs::write(&path, &bytes).unwrap();
    let Err(LoadError::Layout(err)) = plan_from_file(&path) else {
        panic!("refused as a layout error");
    };
    let span = &err.diagnostics.iter().next().expect("one diagnostic").span;
    assert_eq!(span.clone(), at..at + 1, "exactly the offending byte");
}

#[test]
fn errors_display_as_they_render() {
    let err = plan_from_str("x.toml", "[paging]\nmode = \"sv40\"\n").expect_err("refused");
    assert_eq!(err.to_string(), err.render());
    assert!(err.to_string().contains("x.toml:2:"));
    let missing =
        plan_from_file(std::path::Path::new("/nonexistent/layout.toml")).expect_err("no such file");
    assert!(
        missing
            .to_string()
            .starts_with("error: cannot read /nonexistent/layout.toml: "),
        "{missing}"
    );
    let layout_error = LoadError::Layout(err);
    assert!(layout_error.to_string().contains("x.toml:2:"));
}

#[test]
fn the_cli_definition_names_every_subcommand() {
    let command = vmlayout::cli::command();
    assert_eq!(command.get_name(), "vmlayout");
    let subcommands: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
    for wanted in [
        "check", "generate", "map", "export", "diff", "usage", "schema",
    ] {
        assert!(subcommands.contains(&wanted), "{wanted} in {subcommands:?}");
    }
}
