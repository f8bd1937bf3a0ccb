//! Diagnostics: every problem found in a layout file, with the byte span it points
//! at, rendered as `file:line:col` plus a caret snippet and a help line.
//!
//! Every stage (parse, resolve, validate) pushes into one [`Diagnostics`] so a run
//! reports all problems of a file at once instead of stopping at the first.

use std::fmt;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::json;

/// A byte range in the layout source.
pub type Span = Range<usize>;

/// The empty span at the file's start: where a diagnostic about something missing
/// from the whole layout (a required region, say) points.
pub const FILE_START: Span = 0..0;

/// A value together with the span of the text it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value as parsed.
    pub value: T,
    /// Byte range of the value in the layout text (exclusive end).
    pub span: Span,
}

impl<T> Spanned<T> {
    /// `value` found at `span`.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// One error with its primary span, optional secondary spans and a help line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// One sentence saying what is wrong.
    pub message: String,
    /// Byte range in the layout text the caret points at (exclusive end).
    pub span: Span,
    /// The caret's short label.
    pub label: String,
    /// Other places that explain it (span, label), shown as secondary carets.
    pub related: Vec<(Span, String)>,
    /// What to change, when there is something to say; a value it names is itself valid.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span` with `message` and the caret's `label`.
    pub fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            span,
            label: label.into(),
            related: Vec::new(),
            help: None,
        }
    }

    /// Adds a secondary place, `span` with `label`.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// Drop secondary labels that sit on the primary span (e.g. a `slots` range is
    /// both where a region starts and what sets its size).
    pub fn dedup_related(mut self) -> Self {
        let primary = self.span.clone();
        self.related.retain(|(span, _)| *span != primary);
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// All diagnostics of one layout file, plus what is needed to render them.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The problems, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    /// For a stage that learns more after reporting (a suggestion that turns out
    /// to be taken): the diagnostics so far, to amend.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Diagnostic> {
        self.list.iter_mut()
    }

    /// Each diagnostic as one line of JSON (JSON Lines), for tools, as
    /// `vmlayout --message-format json` prints them: `reason` (`"diagnostic"`),
    /// `severity` (`"error"`: every diagnostic stops the plan), `message`, `file`
    /// (`path`), the primary span as 1-based `line` and `column` (in characters)
    /// with `end_line`/`end_column` (exclusive) and as byte offsets
    /// `byte_start`/`byte_end` (exclusive) into `source`, `labels` (the primary
    /// one first, `primary: true`, then each related place) and `help` (a string
    /// or `null`). Each line ends with a newline.
    pub fn to_json_lines(&self, path: &str, source: &str) -> String {
        let mut out = String::new();
        for d in &self.list {
            let mut labels = vec![json_label(source, &d.span, &d.label, true)];
            labels.extend(
                d.related
                    .iter()
                    .map(|(span, label)| json_label(source, span, label, false)),
            );
            let mut fields = vec![
                ("reason", json::s("diagnostic")),
                ("severity", json::s("error")),
                ("message", json::s(d.message.as_str())),
                ("file", json::s(path)),
            ];
            fields.extend(json_span(source, &d.span));
            fields.push(("labels", json::Json::Array(labels)));
            fields.push(("help", json::opt(d.help.as_deref())));
            json::Json::Object(fields).write_compact(&mut out);
            out.push('\n');
        }
        out
    }

    /// Render every diagnostic against `source`, in source order, without colour
    /// (stable for snapshots, readable in `compile_error!`). At most
    /// [`MAX_RENDERED`] are shown; the summary line gives the full count.
    pub fn render(&self, path: &str, source: &str) -> String {
        self.render_with(path, source, false)
    }

    /// [`Diagnostics::render`], with ANSI colours when `colour` is set (for a
    /// terminal; the CLI's `--color`).
    pub fn render_with(&self, path: &str, source: &str, colour: bool) -> String {
        let mut sorted: Vec<&Diagnostic> = self.list.iter().collect();
        sorted.sort_by_key(|d| (d.span.start, d.span.end));
        let lines = LineIndex::new(source);
        let renderer = if colour {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut out = String::new();
        for diagnostic in sorted.iter().take(MAX_RENDERED) {
            out.push_str(&render_one(&renderer, diagnostic, path, source, &lines));
            out.push_str("\n\n");
        }
        let count = sorted.len();
        if count > MAX_RENDERED {
            out.push_str(&format!(
                "note: {} more errors not shown\n\n",
                count - MAX_RENDERED
            ));
        }
        out.push_str(&format!(
            "error: {path}: {count} error{} in the layout",
            if count == 1 { "" } else { "s" }
        ));
        out
    }
}

/// Diagnostics shown per run; a file with more errors has bigger problems first.
pub const MAX_RENDERED: usize = 50;

/// Byte offsets of line starts, so each diagnostic renders only the lines it
/// points at instead of rescanning the whole file.
struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            source
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            starts,
            len: source.len(),
        }
    }

    /// 0-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte range of lines `first..=last`, without the final newline.
    fn range(&self, first: usize, last: usize) -> Span {
        let end = self
            .starts
            .get(last + 1)
            .map_or(self.len, |&s| s.saturating_sub(1).max(self.starts[last]));
        self.starts[first]..end
    }
}

fn clamp(span: &Span, source: &str) -> Span {
    // A span may point one past the end (an empty file, a missing key at EOF);
    // annotate-snippets needs it inside the text and on char boundaries.
    let mut start = span.start.min(source.len());
    let mut end = span.end.clamp(start, source.len());
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    while !source.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// An annotation: its span, label, and whether it is the primary one.
type Annotated<'a> = (Span, &'a str, bool);

/// Consecutive lines `first..=last` and the annotations on them.
type Block<'a> = (usize, usize, Vec<Annotated<'a>>);

fn render_one(
    renderer: &Renderer,
    d: &Diagnostic,
    path: &str,
    source: &str,
    lines: &LineIndex,
) -> String {
    // Annotations grouped into blocks of nearby lines; each block becomes a snippet
    // of just those lines. The primary's block comes first so the `-->` location is
    // the primary's.
    let mut sorted: Vec<Annotated<'_>> = vec![(clamp(&d.span, source), d.label.as_str(), true)];
    sorted.extend(
        d.related
            .iter()
            .map(|(span, label)| (clamp(span, source), label.as_str(), false)),
    );
    sorted.sort_by_key(|(span, _, _)| span.start);
    let mut blocks: Vec<Block<'_>> = Vec::new();
    for (span, label, primary) in sorted {
        let first = lines.line(span.start);
        let last = lines.line(span.end.saturating_sub(1).max(span.start));
        match blocks.last_mut() {
            Some(block) if first <= block.1 + 8 => {
                block.1 = block.1.max(last);
                block.2.push((span, label, primary));
            }
            _ => blocks.push((first, last, vec![(span, label, primary)])),
        }
    }
    blocks.sort_by_key(|(_, _, anns)| !anns.iter().any(|(_, _, primary)| *primary));
    let mut group = Group::with_title(Level::ERROR.primary_title(d.message.clone()));
    for (first, last, anns) in blocks {
        let range = lines.range(first, last);
        let mut snippet = Snippet::source(&source[range.clone()])
            .line_start(first + 1)
            .path(path.to_owned())
            .fold(true);
        for (span, label, primary) in anns {
            let local = span.start.clamp(range.start, range.end) - range.start
                ..span.end.clamp(range.start, range.end) - range.start;
            let kind = if primary {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            snippet = snippet.annotation(kind.span(local).label(label.to_owned()));
        }
        group = group.element(snippet);
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.clone()));
    }
    renderer.render(&[group])
}

/// A span's place: `line`, `column`, `end_line`, `end_column` (1-based, columns in
/// characters, the end exclusive) and `byte_start`, `byte_end`.
fn json_span(source: &str, span: &Span) -> Vec<(&'static str, json::Json)> {
    let (line, column) = line_col(source, span.start);
    let (end_line, end_column) = line_col(source, span.end);
    let to_u64 = |v: usize| json::n(u64::try_from(v).unwrap_or(u64::MAX));
    vec![
        ("line", to_u64(line)),
        ("column", to_u64(column)),
        ("end_line", to_u64(end_line)),
        ("end_column", to_u64(end_column)),
        ("byte_start", to_u64(span.start)),
        ("byte_end", to_u64(span.end)),
    ]
}

/// A diagnostic about a file as a whole (it could not be read, say) as one line of
/// JSON, in the shape of [`Diagnostics::to_json_lines`] with every place `null`
/// and no labels.
pub fn json_unplaced(path: &str, message: &str) -> String {
    let mut fields = vec![
        ("reason", json::s("diagnostic")),
        ("severity", json::s("error")),
        ("message", json::s(message)),
        ("file", json::s(path)),
    ];
    for key in [
        "line",
        "column",
        "end_line",
        "end_column",
        "byte_start",
        "byte_end",
    ] {
        fields.push((key, json::Json::Null));
    }
    fields.push(("labels", json::Json::Array(Vec::new())));
    fields.push(("help", json::Json::Null));
    let mut out = String::new();
    json::Json::Object(fields).write_compact(&mut out);
    out.push('\n');
    out
}

/// The last line of `--message-format json`: `reason` `"finished"`, `success`, and
/// the number of `errors`.
pub fn json_finished(success: bool, errors: usize) -> String {
    let mut out = String::new();
    json::Json::Object(vec![
        ("reason", json::s("finished")),
        ("success", json::Json::Bool(success)),
        ("errors", json::n(u64::try_from(errors).unwrap_or(u64::MAX))),
    ])
    .write_compact(&mut out);
    out.push('\n');
    out
}

/// One entry of `labels`.
fn json_label(source: &str, span: &Span, label: &str, primary: bool) -> json::Json {
    let mut fields = vec![("primary", json::Json::Bool(primary))];
    fields.extend(json_span(source, span));
    fields.push(("label", json::s(label)));
    json::Json::Object(fields)
}

/// `line:col` (1-based) of a byte offset, for one-line summaries.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The candidate closest to `word`, if one is close enough to be a likely typo:
/// within a third of its length in optimal-string-alignment distance (strsim's
/// `osa_distance`: a swap of neighbouring letters is one edit, so `szie` finds
/// `size`), or a candidate of 3+ letters that `word` starts with (a stray suffix:
/// `perms_x`, `sizes`).
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|c| {
            let distance = strsim::osa_distance(word, c);
            let stray_suffix = c.len() >= 3 && word.starts_with(c);
            (distance <= limit || stray_suffix).then_some((distance, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_allows_a_third_of_the_word_and_stray_suffixes() {
        // `directmap` (9 letters) allows 3 edits: `drctmp` is 3 away.
        assert_eq!(did_you_mean("directmap", ["drctmp"]), Some("drctmp"));
        assert_eq!(did_you_mean("directmap", ["drctm"]), None, "4 edits");
        // A word that starts with a candidate of 3+ letters, however far.
        assert_eq!(did_you_mean("size_of_it_all", ["size"]), Some("size"));
        // Not with a shorter one: `at` is no stray suffix of `atlantis`.
        assert_eq!(did_you_mean("atlantis", ["at"]), None);
    }

    #[test]
    fn spans_are_clamped_to_char_boundaries_outward() {
        // `é` is bytes 1..3: a span inside it widens to the whole character.
        assert_eq!(clamp(&(2..2), "aé"), 1..3);
        assert_eq!(clamp(&(0..2), "aé"), 0..3);
        assert_eq!(clamp(&(7..9), "aé"), 3..3, "past the end: the end");
        assert_eq!(floor_char_boundary("aé", 2), 1);
        assert_eq!(floor_char_boundary("aé", 3), 3);
    }

    #[test]
    fn json_spans_give_one_based_lines_and_columns() {
        let span = json_span("ab\ncdé", &(3..6));
        let get = |key: &str| {
            span.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| {
                    let mut text = String::new();
                    v.write_compact(&mut text);
                    text
                })
                .unwrap_or_else(|| panic!("no {key}"))
        };
        assert_eq!(get("line"), "2");
        assert_eq!(get("column"), "1");
        assert_eq!(get("end_line"), "2");
        assert_eq!(get("end_column"), "3");
        assert_eq!(get("byte_start"), "3");
        assert_eq!(get("byte_end"), "6");
    }

    #[test]
    fn exactly_max_rendered_diagnostics_need_no_note() {
        let source = "x = 1\n";
        let mut diags = Diagnostics::default();
        for _ in 0..MAX_RENDERED {
            diags.push(Diagnostic::error("bad", 0..1, "here"));
        }
        assert!(
            !diags
                .render("l.toml", source)
                .contains("more errors not shown")
        );
        diags.push(Diagnostic::error("bad", 0..1, "here"));
        assert!(
            diags
                .render("l.toml", source)
                .contains("note: 1 more errors not shown")
        );
        assert_eq!(
            Diagnostic::error("the message", 0..1, "x").to_string(),
            "the message"
        );
    }

    #[test]
    fn suggestions_are_close_matches_only() {
        assert_eq!(
            did_you_mean("szie", ["size", "name", "align"]),
            Some("size")
        );
        assert_eq!(
            did_you_mean("purpsoe", ["purpose", "perms"]),
            Some("purpose")
        );
        assert_eq!(did_you_mean("colour", ["size", "name"]), None);
        let keys = ["size", "perms", "description"];
        assert_eq!(did_you_mean("descrption", keys), Some("description")); // missing letter
        assert_eq!(did_you_mean("perms_x", keys), Some("perms")); // stray suffix
        assert_eq!(did_you_mean("sizes", keys), Some("size"));
    }

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let src = "a = 1\nné = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 9), (2, 3));
    }
}
