//! A JSON value written in order, pretty (the plan, `layout.json`) or on one line
//! (diagnostics as JSON Lines).

use std::fmt::Write as _;

/// A JSON value, built in order. (Written here rather than with serde_json: this
/// emitter is all a kernel's build script would need it for, and the build of
/// every kernel that depends on vmlayout pays for each crate.)
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(u64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

pub(crate) fn s(text: impl Into<String>) -> Json {
    Json::String(text.into())
}

pub(crate) fn n(value: impl Into<u64>) -> Json {
    Json::Number(value.into())
}

pub(crate) fn opt(text: Option<impl Into<String>>) -> Json {
    text.map_or(Json::Null, s)
}

impl Json {
    /// Pretty-printed as serde_json does: two-space indent, `"key": value`,
    /// `[]`/`{}` when empty, strings escaped per RFC 8259.
    pub(crate) fn write(&self, out: &mut String, indent: usize) {
        let pad = |out: &mut String, depth: usize| out.extend(std::iter::repeat_n("  ", depth));
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(v) => {
                let _ = write!(out, "{v}");
            }
            Json::String(text) => quote(out, text),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Object(fields) if fields.is_empty() => out.push_str("{}"),
            Json::Array(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    pad(out, indent + 1);
                    item.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                pad(out, indent);
                out.push(']');
            }
            Json::Object(fields) => {
                out.push_str("{\n");
                for (i, (key, value)) in fields.iter().enumerate() {
                    pad(out, indent + 1);
                    quote(out, key);
                    out.push_str(": ");
                    value.write(out, indent + 1);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                pad(out, indent);
                out.push('}');
            }
        }
    }
}

impl Json {
    /// On one line, no spaces (a JSON Lines record).
    pub(crate) fn write_compact(&self, out: &mut String) {
        match self {
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    quote(out, key);
                    out.push(':');
                    value.write_compact(out);
                }
                out.push('}');
            }
            scalar => scalar.write(out, 0),
        }
    }
}

/// `text` as a JSON string: `"` and `\\` escaped, control characters as their
/// short escapes or `\\u00XX` (RFC 8259, section 7).
fn quote(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::Json;

    /// Empty containers stay on one line; a non-empty one opens a block.
    #[test]
    fn empty_containers_are_written_inline() {
        let text = |value: Json| {
            let mut out = String::new();
            value.write(&mut out, 0);
            out
        };
        assert_eq!(text(Json::Object(vec![])), "{}");
        assert_eq!(text(Json::Array(vec![])), "[]");
        assert_eq!(
            text(Json::Object(vec![("a", Json::Object(vec![]))])),
            "{\n  \"a\": {}\n}"
        );
    }
}
