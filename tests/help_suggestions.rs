//! Help that is true: every help line in `tests/invalid/` and `tests/bad-inputs/`
//! that names a value is applied to the layout, which is checked again — that
//! problem must be gone, and no problem may appear that was not there before.
//!
//! The suggestions applied: "did you mean `x`?" and "try `x`" (the offending text
//! becomes `x`); "round it to A" and "use A or B" (the value becomes A); and every
//! help that moves a region to a start address ("move `r` to start at A", "move
//! the start to A", "start region `r` … at A"): its placement becomes `at = "A"`;
//! "grow region `r` to (at least) S": its size becomes S, its start kept.

use std::path::Path;

use vmlayout::{Diagnostic, LayoutError};

/// The first backquoted word after `marker` in `help`.
fn quoted_after<'a>(help: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &help[help.find(marker)? + marker.len()..];
    let start = rest.find('`')? + 1;
    let end = start + rest[start..].find('`')?;
    Some(&rest[start..end])
}

/// The first `0x…` address after `marker` in `help`, as written there.
fn address_after<'a>(help: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &help[help.find(marker)? + marker.len()..];
    let start = rest.find("0x")?;
    let end = start
        + rest[start..]
            .find(|c: char| !(c.is_ascii_hexdigit() || c == '_' || c == 'x'))
            .unwrap_or(rest.len() - start);
    Some(&rest[start..end])
}

/// `text` with region `region`'s placement (and any gap) replaced by `at = "addr"`.
fn move_region(text: &str, region: &str, addr: &str) -> Option<String> {
    let name_line = format!("name = \"{region}\"");
    let mut out = Vec::new();
    let mut in_region = false;
    let mut found = false;
    let mut sized = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_region = false;
        }
        if line.trim() == name_line {
            in_region = true;
            found = true;
            out.push(line.to_string());
            out.push(format!("at = \"{addr}\""));
            continue;
        }
        let key = line.split('=').next().unwrap_or("").trim();
        sized |= in_region && key == "size";
        if in_region && ["at", "slot", "slots", "after", "before", "gap"].contains(&key) {
            continue;
        }
        out.push(line.to_string());
    }
    // A region sized by its `slot`/`slots` placement cannot simply be moved.
    (found && sized).then(|| out.join("\n") + "\n")
}

/// `text` with region `region`'s `size` set to `size`, its start kept.
fn resize_region(text: &str, region: &str, size: &str) -> Option<String> {
    let name_line = format!("name = \"{region}\"");
    let mut out = Vec::new();
    let mut in_region = false;
    let mut resized = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_region = false;
        }
        in_region |= line.trim() == name_line;
        let key = line.split('=').next().unwrap_or("").trim();
        if in_region && key == "size" {
            out.push(format!("size = \"{size}\""));
            resized = true;
            continue;
        }
        out.push(line.to_string());
    }
    resized.then(|| out.join("\n") + "\n")
}

/// The region a moving help is about: the backquoted name after "region " or
/// "move ", else the region named first in the message.
fn region_of(d: &Diagnostic, help: &str) -> Option<String> {
    quoted_after(help, "start region ")
        .or_else(|| quoted_after(help, "move "))
        .or_else(|| quoted_after(&d.message, "region "))
        .map(String::from)
}

/// `text` with the suggestion of `d` applied, when it names a value.
fn apply(text: &str, d: &Diagnostic) -> Option<String> {
    let help = d.help.as_deref()?;
    let replace_span = |with: String| {
        let mut t = text.to_string();
        t.replace_range(d.span.clone(), &with);
        t
    };
    let quoted = |s: &str| {
        if text[d.span.clone()].starts_with('"') {
            format!("\"{s}\"")
        } else {
            s.to_string()
        }
    };
    if let Some(word) = quoted_after(help, "did you mean ") {
        return Some(replace_span(quoted(word)));
    }
    if let Some(word) = quoted_after(help, "try ") {
        // A rename: the name and every reference to it.
        let old = &text[d.span.clone()];
        return Some(text.replace(old, &quoted(word)));
    }
    if let Some(addr) = address_after(help, "round it to ") {
        return Some(replace_span(format!("\"{addr}\"")));
    }
    if help.starts_with("use ") && help.contains(" or ") && d.message.contains("alignment") {
        let size = help["use ".len()..help.find(" or ")?]
            .replace(" KiB", "K")
            .replace(" MiB", "M")
            .replace(" GiB", "G");
        return Some(replace_span(format!("\"{size}\"")));
    }
    if let Some(region) = quoted_after(help, "grow region ") {
        let rest = &help[help.find(" to ")? + " to ".len()..];
        let size = rest.trim_start_matches("at least ");
        let size: String = size.split(' ').take(2).collect::<Vec<_>>().join(" ");
        let size = size
            .replace(" KiB", "K")
            .replace(" MiB", "M")
            .replace(" GiB", "G");
        return resize_region(text, region, &size);
    }
    for marker in ["to start at ", "move the start to ", ", at ", "such as "] {
        if let Some(addr) = address_after(help, marker) {
            let region = region_of(d, help)?;
            return move_region(text, &region, addr);
        }
    }
    None
}

/// A message with its numbers (addresses, sizes) blanked out.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in message.chars() {
        let digit =
            c.is_ascii_digit() || (in_number && (c.is_ascii_hexdigit() || c == '_' || c == 'x'));
        if digit && !in_number {
            out.push('#');
        }
        if !digit {
            out.push(c);
        }
        in_number = digit;
    }
    out
}

fn diagnostics(path: &str, text: &str) -> Vec<Diagnostic> {
    match vmlayout::plan_from_str(path, text) {
        Ok(_) => Vec::new(),
        Err(LayoutError { diagnostics, .. }) => diagnostics.iter().cloned().collect(),
    }
}

#[test]
fn every_help_that_names_a_value_fixes_its_problem_and_adds_none() {
    let mut applied = 0;
    let mut failures = Vec::new();
    for dir in ["tests/invalid", "tests/bad-inputs"] {
        let mut files: Vec<_> = std::fs::read_dir(vmlayout_tests::repo().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            }; // not UTF-8
            check_file(&file, &text, &mut applied, &mut failures);
        }
    }
    eprintln!("{applied} help suggestions applied and re-checked");
    assert!(
        failures.is_empty(),
        "{} help(s) not true:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        applied >= 15,
        "only {applied} suggestions applied: the test lost its reach"
    );
}

fn check_file(file: &Path, text: &str, applied: &mut usize, failures: &mut Vec<String>) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let before = diagnostics(&name, text);
    for d in &before {
        let Some(fixed) = apply(text, d) else {
            continue;
        };
        *applied += 1;
        let after = diagnostics(&name, &fixed);
        let still = after.iter().any(|a| a.message == d.message);
        // A problem that was there before with other amounts is not new.
        let new: Vec<&str> = after
            .iter()
            .filter(|a| {
                !before
                    .iter()
                    .any(|b| shape(&b.message) == shape(&a.message))
            })
            .map(|a| a.message.as_str())
            .collect();
        if still || !new.is_empty() {
            failures.push(format!(
                "{name}: `{}`\n  help: {}\n  still there: {still}; new: {new:?}",
                d.message,
                d.help.as_deref().unwrap_or("")
            ));
        }
    }
}
