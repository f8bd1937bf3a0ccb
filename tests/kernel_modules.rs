//! The kernel's module graph, read from `kernel/src/**/*.rs` (the kernel is built for
//! riscv64 on its own, so this reads its sources rather than compiling them).
//!
//! A module depends on another when its code names it: `use crate::…`, `use super::…`,
//! `use self::…`, a `use` of a child module, or a `crate::…`/`super::…`/`self::…` path
//! anywhere in code (comments and literals are skipped). A `#[macro_export]` macro
//! (`crate::println!`) belongs to the module that defines it. Nodes are modules:
//! `mm::boot` is `mm/boot.rs`, `mm` is `mm/mod.rs`, and the crate root is `main.rs`.
//!
//! The rules: the graph has no cycle; the crate root may depend on anything, no module
//! depends on it; no file mentions `crate::layout` (the plan is `crate::plan`), and
//! only `plan.rs` expands `layout!`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// A module as its path from the crate root: `[]` is main.rs, `["mm", "boot"]` is mm/boot.rs.
type Module = Vec<String>;

struct Source {
    module: Module,
    /// Path relative to `kernel/src`, for messages.
    file: String,
    text: String,
}

/// Where an edge was seen first: `file:line` and the path as written.
type Evidence = BTreeMap<(Module, Module), String>;

struct Graph {
    edges: BTreeMap<Module, BTreeSet<Module>>,
    evidence: Evidence,
}

fn show(module: &[String]) -> String {
    if module.is_empty() {
        "crate root (main.rs)".into()
    } else {
        module.join("::")
    }
}

fn module_of(relative: &Path) -> Module {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "main" | "lib")
    ) {
        parts.pop();
    }
    parts
}

fn kernel_sources() -> Vec<Source> {
    let root = vmlayout_tests::repo().join("kernel/src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("kernel/src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).expect("under kernel/src");
            Source {
                module: module_of(relative),
                file: relative.display().to_string(),
                text: std::fs::read_to_string(&path).expect("a readable source file"),
            }
        })
        .collect()
}

/// `text` with comments and string, byte-string and char literals replaced by
/// spaces (newlines kept, so line numbers stay right). Lifetimes stay.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, run: &[char]| {
        for &c in run {
            out.push(if c == '\n' { '\n' } else { ' ' });
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let end = literal_or_comment_end(&chars, i);
        if end > i {
            blank(&mut out, &chars[i..end]);
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// If a comment or literal starts at `i`, the index just past it; otherwise `i`.
fn literal_or_comment_end(chars: &[char], i: usize) -> usize {
    let at = |k: usize| chars.get(k).copied().unwrap_or('\0');
    let ident_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    match (at(i), at(i + 1)) {
        ('/', '/') => (i..chars.len())
            .find(|&k| chars[k] == '\n')
            .unwrap_or(chars.len()),
        ('/', '*') => block_comment_end(chars, i),
        ('"', _) => quoted_end(chars, i + 1, '"'),
        ('b', '"') if !ident_before => quoted_end(chars, i + 2, '"'),
        ('r', '#' | '"') | ('b', 'r') if !ident_before => raw_string_end(chars, i).unwrap_or(i),
        ('b', '\'') if !ident_before => quoted_end(chars, i + 2, '\''),
        ('\'', '\\') => quoted_end(chars, i + 1, '\''),
        ('\'', c) if c != '\0' && at(i + 2) == '\'' => i + 3,
        _ => i,
    }
}

fn block_comment_end(chars: &[char], start: usize) -> usize {
    let (mut depth, mut k) = (0, start);
    while k + 1 < chars.len() {
        match (chars[k], chars[k + 1]) {
            ('/', '*') => (depth, k) = (depth + 1, k + 2),
            ('*', '/') => {
                (depth, k) = (depth - 1, k + 2);
                if depth == 0 {
                    return k;
                }
            }
            _ => k += 1,
        }
    }
    chars.len()
}

/// Past the closing `quote` of a literal whose body starts at `body`.
fn quoted_end(chars: &[char], body: usize, quote: char) -> usize {
    let mut k = body;
    while k < chars.len() {
        match chars[k] {
            '\\' => k += 2,
            c if c == quote => return k + 1,
            _ => k += 1,
        }
    }
    chars.len()
}

/// `r"…"`, `r#"…"#`, `br#"…"#`: past the end, or `None` if this is no raw string.
fn raw_string_end(chars: &[char], start: usize) -> Option<usize> {
    let mut k = start;
    if chars[k] == 'b' {
        k += 1;
    }
    if chars.get(k) != Some(&'r') {
        return None;
    }
    k += 1;
    let hashes = chars[k..].iter().take_while(|&&c| c == '#').count();
    k += hashes;
    if chars.get(k) != Some(&'"') {
        return None;
    }
    k += 1;
    while k < chars.len() {
        if chars[k] == '"'
            && chars[k + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(chars.len())
}

#[derive(Clone, Debug, PartialEq)]
struct Token {
    text: String,
    line: usize,
}

/// Identifiers (`$crate` included), `::`, and single punctuation characters.
fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c == '\n' {
            line += 1;
            i += 1;
            continue;
        } else if c.is_whitespace() {
            i += 1;
            continue;
        } else if is_ident(c) || (c == '$' && chars.get(i + 1).is_some_and(|&n| is_ident(n))) {
            i += 1;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            i += 1;
        }
        out.push(Token {
            text: chars[start..i].iter().collect(),
            line,
        });
    }
    out
}

fn is_ident(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
}

/// The paths a `use` tree names, each as its segments; `i` is just past `use` and
/// ends just past the tree.
fn use_tree(tokens: &[Token], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    while let Some(token) = tokens.get(*i) {
        match token.text.as_str() {
            "::" => *i += 1,
            "{" => {
                *i += 1;
                while tokens.get(*i).is_some_and(|t| t.text != "}") {
                    use_tree(tokens, i, &path, out);
                    if tokens.get(*i).is_some_and(|t| t.text == ",") {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            "*" => {
                *i += 1;
                break;
            }
            "as" => *i += 2,
            "self" if !path.is_empty() => *i += 1,
            t if is_ident(t) => {
                path.push(t.to_string());
                *i += 1;
            }
            _ => break,
        }
    }
    out.push(path);
}

/// Every module path a source names, with the line it is on.
fn named_paths(source: &Source) -> Vec<(Vec<String>, usize, bool)> {
    let tokens = tokens(&code_only(&source.text));
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let after_path_sep = i > 0 && tokens[i - 1].text == "::";
        if token.text == "use"
            && !after_path_sep
            && tokens.get(i + 1).is_some_and(|t| t.text != "<")
        {
            let line = token.line;
            i += 1;
            let mut paths = Vec::new();
            use_tree(&tokens, &mut i, &[], &mut paths);
            out.extend(paths.into_iter().map(|p| (p, line, true)));
            continue;
        }
        let anchored = matches!(token.text.as_str(), "crate" | "$crate" | "super" | "self");
        if anchored && !after_path_sep && tokens.get(i + 1).is_some_and(|t| t.text == "::") {
            let mut path = vec![token.text.clone()];
            let mut k = i + 1;
            while tokens.get(k).is_some_and(|t| t.text == "::")
                && tokens.get(k + 1).is_some_and(|t| is_ident(&t.text))
            {
                path.push(tokens[k + 1].text.clone());
                k += 2;
            }
            out.push((path, token.line, false));
            i = k;
            continue;
        }
        i += 1;
    }
    out
}

/// `#[macro_export]` macros by name, with the module that defines them.
fn exported_macros(sources: &[Source]) -> BTreeMap<String, Module> {
    let mut macros = BTreeMap::new();
    for source in sources {
        let tokens = tokens(&code_only(&source.text));
        let mut exported = false;
        for (i, token) in tokens.iter().enumerate() {
            if token.text == "macro_export" {
                exported = true;
            } else if token.text == "macro_rules" && exported {
                if let Some(name) = tokens.get(i + 2) {
                    macros.insert(name.text.clone(), source.module.clone());
                }
                exported = false;
            }
        }
    }
    macros
}

/// The module a path written in `current` names, or `None` for another crate.
fn resolve(
    path: &[String],
    current: &[String],
    is_use: bool,
    modules: &BTreeSet<Module>,
    macros: &BTreeMap<String, Module>,
) -> Option<Module> {
    let (mut base, mut rest): (Module, &[String]) = match path.first()?.as_str() {
        "crate" | "$crate" => (Vec::new(), &path[1..]),
        "self" => (current.to_vec(), &path[1..]),
        "super" => (current.to_vec(), path),
        first => {
            let mut child = current.to_vec();
            child.push(first.to_string());
            if !is_use || !modules.contains(&child) {
                return None;
            }
            (current.to_vec(), path)
        }
    };
    while rest.first().is_some_and(|s| s == "super") {
        base.pop()?;
        rest = &rest[1..];
    }
    let mut full = base;
    full.extend(rest.iter().cloned());
    let named = (0..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|prefix| modules.contains(prefix))?;
    if named.is_empty()
        && let Some(owner) = rest.first().and_then(|name| macros.get(name))
    {
        return Some(owner.clone());
    }
    Some(named)
}

fn graph(sources: &[Source]) -> Graph {
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let macros = exported_macros(sources);
    let mut graph = Graph {
        edges: modules
            .iter()
            .map(|m| (m.clone(), BTreeSet::new()))
            .collect(),
        evidence: BTreeMap::new(),
    };
    for source in sources {
        for (path, line, is_use) in named_paths(source) {
            let Some(target) = resolve(&path, &source.module, is_use, &modules, &macros) else {
                continue;
            };
            if target == source.module {
                continue;
            }
            let key = (source.module.clone(), target.clone());
            graph
                .evidence
                .entry(key)
                .or_insert_with(|| format!("{}:{line} `{}`", source.file, path.join("::")));
            graph
                .edges
                .entry(source.module.clone())
                .or_default()
                .insert(target);
        }
    }
    graph
}

/// The shortest cycle through `start` as its modules in order (`start` repeated at
/// the end), if there is one: a breadth-first search back to `start`.
fn shortest_cycle_through(graph: &Graph, start: &Module) -> Option<Vec<Module>> {
    let mut parent: BTreeMap<Module, Module> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.clone()]);
    while let Some(node) = queue.pop_front() {
        for next in graph.edges.get(&node).into_iter().flatten() {
            if next == start {
                let mut cycle = vec![start.clone(), node.clone()];
                while let Some(up) = parent.get(cycle.last().expect("not empty")) {
                    cycle.push(up.clone());
                }
                if node == *start {
                    cycle.pop();
                }
                cycle.reverse();
                return Some(cycle);
            }
            if !parent.contains_key(next) {
                parent.insert(next.clone(), node.clone());
                queue.push_back(next.clone());
            }
        }
    }
    None
}

/// The shortest cycle through each module that lies on one, each cycle once
/// (rotated to start at its first module in module order), shortest first.
fn find_cycles(graph: &Graph) -> Vec<Vec<Module>> {
    let mut cycles: Vec<Vec<Module>> = Vec::new();
    for node in graph.edges.keys() {
        let Some(mut cycle) = shortest_cycle_through(graph, node) else {
            continue;
        };
        cycle.pop();
        let first = (0..cycle.len())
            .min_by_key(|&i| &cycle[i])
            .expect("not empty");
        cycle.rotate_left(first);
        cycle.push(cycle[0].clone());
        if !cycles.contains(&cycle) {
            cycles.push(cycle);
        }
    }
    cycles.sort_by_key(Vec::len);
    cycles
}

fn describe_cycle(graph: &Graph, cycle: &[Module]) -> String {
    let mut s = cycle
        .iter()
        .map(|m| show(m))
        .collect::<Vec<_>>()
        .join(" -> ");
    for pair in cycle.windows(2) {
        let seen = &graph.evidence[&(pair[0].clone(), pair[1].clone())];
        let _ = write!(s, "\n  {} -> {}: {seen}", show(&pair[0]), show(&pair[1]));
    }
    s
}

fn describe_graph(graph: &Graph) -> String {
    let mut s = String::new();
    for (from, to) in &graph.edges {
        let to: Vec<String> = to.iter().map(|m| show(m)).collect();
        let _ = writeln!(s, "{} -> {}", show(from), to.join(", "));
    }
    s
}

/// The graph between modules: the crate root and every edge to or from it left out
/// (the root may depend on anything; [`no_kernel_module_depends_on_the_crate_root`]
/// checks the other direction).
fn without_root(graph: Graph) -> Graph {
    let edges = graph
        .edges
        .into_iter()
        .filter(|(from, _)| !from.is_empty())
        .map(|(from, to)| (from, to.into_iter().filter(|m| !m.is_empty()).collect()))
        .collect();
    Graph {
        edges,
        evidence: graph.evidence,
    }
}

#[test]
fn kernel_module_graph_has_no_cycle() {
    let graph = without_root(graph(&kernel_sources()));
    println!("{}", describe_graph(&graph));
    let cycles = find_cycles(&graph);
    if !cycles.is_empty() {
        let described: Vec<String> = cycles.iter().map(|c| describe_cycle(&graph, c)).collect();
        panic!(
            "the kernel's modules depend on each other in cycles:\n{}",
            described.join("\n")
        );
    }
}

#[test]
fn no_kernel_module_depends_on_the_crate_root() {
    let graph = graph(&kernel_sources());
    let offenders: Vec<String> = graph
        .evidence
        .iter()
        .filter(|((from, to), _)| to.is_empty() && !from.is_empty())
        .map(|((from, _), seen)| format!("{} ({seen})", show(from)))
        .collect();
    assert!(
        offenders.is_empty(),
        "the crate root may depend on any module, but no module on it: {}",
        offenders.join(", ")
    );
}

#[test]
fn the_plan_is_crate_plan_and_only_plan_rs_expands_it() {
    let sources = kernel_sources();
    let mentions: Vec<&str> = sources
        .iter()
        .filter(|s| s.text.contains("crate::layout"))
        .map(|s| s.file.as_str())
        .collect();
    assert!(
        mentions.is_empty(),
        "the plan module is `crate::plan`; these files still say `crate::layout`: {mentions:?}"
    );
    let expanding: Vec<&str> = sources
        .iter()
        .filter(|s| code_only(&s.text).contains("layout!("))
        .map(|s| s.file.as_str())
        .collect();
    assert_eq!(
        expanding,
        ["plan.rs"],
        "`layout!` is expanded in plan.rs alone"
    );
}

// The reader itself, on sources made up for the purpose.

fn sources(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(file, text)| Source {
            module: module_of(Path::new(file)),
            file: file.to_string(),
            text: text.to_string(),
        })
        .collect()
}

fn edges_of(graph: &Graph, module: &str) -> Vec<String> {
    let module: Module = module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    graph.edges[&module].iter().map(|m| show(m)).collect()
}

#[test]
fn reader_finds_a_cycle_through_use_super_and_inline_paths() {
    // The shape the kernel had: boot marks phases in bench, bench measures the
    // fixmap, the fixmap reads boot's state.
    let graph = graph(&sources(&[
        ("main.rs", "mod bench; mod mm;"),
        ("mm/mod.rs", "pub mod boot; pub mod fixmap;"),
        (
            "mm/boot.rs",
            "fn f() { crate::bench::mark(crate::bench::Phase::A); }",
        ),
        (
            "bench.rs",
            "use crate::mm::fixmap::{clear_fixmap, set_fixmap};",
        ),
        ("mm/fixmap.rs", "use super::boot::{BOOT, image_va};"),
    ]));
    let cycles = find_cycles(&graph);
    assert_eq!(cycles.len(), 1, "one cycle, found from each of its modules");
    let text = describe_cycle(&graph, &cycles[0]);
    assert!(
        text.starts_with("bench -> mm::fixmap -> mm::boot -> bench"),
        "{text}"
    );
    assert!(
        text.contains("mm/fixmap.rs:1 `super::boot::BOOT`"),
        "{text}"
    );
}

#[test]
fn reader_skips_comments_literals_and_other_crates() {
    let graph = graph(&sources(&[
        ("main.rs", "mod a; mod b;"),
        (
            "a.rs",
            "// use crate::b::x;\n/* crate::b::y /* nested */ crate::b::z */\n\
             const S: &str = \"crate::b::w\"; const R: &str = r#\"crate::b::v\"#;\n\
             use core::fmt; use riscv::asm; fn f<'a>(c: char) { let _ = '\"'; }",
        ),
        ("b.rs", ""),
    ]));
    assert!(
        edges_of(&graph, "a").is_empty(),
        "{}",
        describe_graph(&graph)
    );
    assert!(find_cycles(&graph).is_empty());
}

#[test]
fn reader_resolves_groups_self_children_and_exported_macros() {
    let graph = graph(&sources(&[
        ("main.rs", "mod console; mod mm; mod trap; use mm::table;"),
        (
            "console.rs",
            "#[macro_export]\nmacro_rules! println { () => { $crate::console::print() } }",
        ),
        (
            "mm/mod.rs",
            "pub mod pte; pub mod table; use table::Walker;",
        ),
        ("mm/pte.rs", ""),
        (
            "mm/table.rs",
            "use super::{pte::{self, Pte}, *};\nuse crate::mm::pte as p;",
        ),
        ("trap.rs", "fn f() { crate::println!(); self::g(); }"),
    ]));
    assert_eq!(edges_of(&graph, "mm::table"), ["mm", "mm::pte"]);
    assert_eq!(edges_of(&graph, "mm"), ["mm::table"]);
    assert_eq!(edges_of(&graph, "trap"), ["console"]);
    assert_eq!(edges_of(&graph, ""), ["mm::table"]);
    let mm_table = |m: &str| m.split("::").map(String::from).collect::<Module>();
    assert_eq!(
        find_cycles(&graph),
        [["mm", "mm::table", "mm"].map(mm_table)],
        "mm and mm::table use each other"
    );
}
