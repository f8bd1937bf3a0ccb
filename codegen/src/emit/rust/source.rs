//! Rust source text laid out as rustfmt lays it out (its default configuration:
//! 100 columns, 4-space indents, call arguments and arrays on one line up to 60
//! columns, struct literals always one field per line here), written directly.
//!
//! The emitters build no syntax tree to pretty-print: `generate` stays linear in
//! the plan, in time and in memory, and needs no parser. The few shapes the
//! emitters use — constants, `const _: () = assert!(…);`, arrays, struct literals
//! — are broken over lines by rustfmt's rules for them; fixed text comes from
//! templates already in rustfmt's layout. `tests/rust_format.rs` runs `rustfmt
//! --check` over generated modules, hostile names and long ones included.

/// Columns in a line (rustfmt `max_width`).
const MAX_WIDTH: usize = 100;
/// Columns of a call's arguments on one line (rustfmt `fn_call_width`).
const CALL_WIDTH: usize = 60;
/// Columns of an array literal on one line (rustfmt `array_width`).
const ARRAY_WIDTH: usize = 60;
/// Widest array element that rustfmt packs several to a line (rustfmt
/// `short_array_element_width_threshold`).
const SHORT_ITEM: usize = 10;
/// One level of indentation.
const INDENT: usize = 4;

/// An expression the emitters write, in the shapes whose layout depends on width.
#[derive(Clone, Debug)]
pub(super) enum Expr {
    /// Text that stays on one line: a literal, a path, `A..=B`, `Some(0x1000)`.
    Atom(String),
    /// `Name { field: value, … }`, one field per line.
    Struct(String, Vec<(&'static str, Expr)>),
    /// `[a, b]`, after `prefix` (`&` for a slice).
    Array(&'static str, Vec<Expr>),
    /// `name!(arg, …)` or `name(arg, …)`.
    Call(&'static str, Vec<Expr>),
    /// `a op b op c`: one operator, broken before each operator when too long (an
    /// operand with another operator breaks on its own, as rustfmt flattens only a
    /// chain of one operator).
    Binary(&'static str, Vec<Expr>),
}

impl Expr {
    /// A one-line expression.
    pub(super) fn atom(text: impl Into<String>) -> Expr {
        Expr::Atom(text.into())
    }

    /// A string literal with `text` escaped as Rust escapes it (`{:?}`).
    pub(super) fn string(text: &str) -> Expr {
        Expr::Atom(format!("{text:?}"))
    }

    /// The expression on one line, as rustfmt would write it if it fits.
    fn one_line(&self) -> String {
        match self {
            Expr::Atom(text) => text.clone(),
            Expr::Struct(name, fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(f, v)| format!("{f}: {}", v.one_line()))
                    .collect();
                format!("{name} {{ {} }}", fields.join(", "))
            }
            Expr::Array(prefix, items) => format!("{prefix}[{}]", joined(items)),
            Expr::Call(name, args) => format!("{name}({})", joined(args)),
            Expr::Binary(op, parts) => parts
                .iter()
                .map(Expr::one_line)
                .collect::<Vec<_>>()
                .join(&spaced(op)),
        }
    }

    /// The width of [`Expr::one_line`] in columns, or anything past `limit` once it is
    /// known to exceed it: a long array is not written out to learn it is long.
    fn width(&self, limit: usize) -> usize {
        let list = |items: &mut dyn Iterator<Item = &Expr>, mut total: usize| {
            for (i, item) in items.enumerate() {
                if total > limit {
                    break;
                }
                total += item.width(limit) + if i > 0 { 2 } else { 0 };
            }
            total
        };
        match self {
            Expr::Atom(text) => text.chars().count(),
            Expr::Struct(name, fields) => {
                let mut total = name.chars().count() + 5;
                for (i, (field, value)) in fields.iter().enumerate() {
                    if total > limit {
                        break;
                    }
                    total += field.len() + 2 + value.width(limit) + if i > 0 { 2 } else { 0 };
                }
                total
            }
            Expr::Array(prefix, items) => list(&mut items.iter(), prefix.len() + 2),
            Expr::Call(name, args) => list(&mut args.iter(), name.len() + 2),
            Expr::Binary(op, parts) => {
                let op = spaced(op).len();
                list(&mut parts.iter(), 0) + op.saturating_sub(2) * parts.len().saturating_sub(1)
            }
        }
    }

    /// "Simple" as rustfmt's lists mean it: a literal or a path.
    fn simple(&self) -> bool {
        match self {
            Expr::Atom(text) => text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            _ => false,
        }
    }

    /// The expression laid out from column `col` on a line indented `indent`, with
    /// `suffix` columns (`;`, `,`) after it: its lines, the first without indent.
    fn layout(&self, indent: usize, col: usize, suffix: usize) -> Vec<String> {
        let fits = col + self.width(MAX_WIDTH) + suffix <= MAX_WIDTH;
        match self {
            Expr::Atom(text) => vec![text.clone()],
            Expr::Binary(op, parts) => {
                if fits || parts.len() < 2 {
                    return vec![self.one_line()];
                }
                // The first operand where the expression starts; each other one on a
                // line of its own, one level deeper, after its operator.
                let pad = " ".repeat(indent + INDENT);
                let mut lines = parts[0].layout(indent, col, suffix);
                for part in &parts[1..] {
                    let head = format!("{pad}{}", spaced(op).trim_start());
                    let mut value = part.layout(indent + INDENT, head.len(), suffix);
                    value[0] = head + &value[0];
                    lines.append(&mut value);
                }
                lines
            }
            Expr::Struct(name, fields) => {
                let pad = " ".repeat(indent + INDENT);
                let mut lines = vec![format!("{name} {{")];
                for (field, value) in fields {
                    let head = format!("{pad}{field}: ");
                    let mut value = value.layout(indent + INDENT, head.chars().count(), 1);
                    value[0] = head + &value[0];
                    push_with(&mut lines, value, ",");
                }
                lines.push(format!("{}}}", " ".repeat(indent)));
                lines
            }
            Expr::Array(prefix, items) => array(prefix, items, indent, fits),
            Expr::Call(name, args) => call(name, args, indent, fits),
        }
    }
}

/// Array `prefix[items]` laid out on a line indented `indent`; `fits` says whether it
/// fits on the line on one line.
fn array(prefix: &str, items: &[Expr], indent: usize, fits: bool) -> Vec<String> {
    let one_line = || format!("{prefix}[{}]", joined(items));
    if items.is_empty() {
        return vec![one_line()];
    }
    if fits && items.iter().all(|i| matches!(i, Expr::Atom(_))) {
        let inner = items.iter().map(|i| i.width(ARRAY_WIDTH)).sum::<usize>() + 2 * items.len();
        if inner <= ARRAY_WIDTH {
            return vec![one_line()];
        }
    }
    let mut lines = vec![format!("{prefix}[")];
    let pad = " ".repeat(indent + INDENT);
    let packed = items
        .iter()
        .all(|i| i.simple() && i.one_line().chars().count() <= SHORT_ITEM);
    if packed {
        // Several to a line, filling each to the width.
        let mut line = String::new();
        for item in items {
            let text = item.one_line();
            let width = pad.len() + line.len() + text.len() + 2;
            if !line.is_empty() && width > MAX_WIDTH {
                lines.push(format!("{pad}{}", line.trim_end()));
                line.clear();
            }
            line += &text;
            line += ", ";
        }
        lines.push(format!("{pad}{}", line.trim_end()));
    } else {
        for item in items {
            let mut value = item.layout(indent + INDENT, pad.len(), 1);
            value[0] = format!("{pad}{}", value[0]);
            push_with(&mut lines, value, ",");
        }
    }
    lines.push(format!("{}]", " ".repeat(indent)));
    lines
}

/// Call `name(args)` laid out on a line indented `indent`; `fits` as for [`array`].
fn call(name: &str, args: &[Expr], indent: usize, fits: bool) -> Vec<String> {
    if fits && args.iter().map(|a| a.width(CALL_WIDTH) + 2).sum::<usize>() <= CALL_WIDTH + 2 {
        return vec![format!("{name}({})", joined(args))];
    }
    let pad = " ".repeat(indent + INDENT);
    let mut lines = vec![format!("{name}(")];
    for (i, arg) in args.iter().enumerate() {
        let mut value = arg.layout(indent + INDENT, pad.len(), 1);
        value[0] = format!("{pad}{}", value[0]);
        push_with(&mut lines, value, if i + 1 < args.len() { "," } else { "" });
    }
    lines.push(format!("{})", " ".repeat(indent)));
    lines
}

/// `a op b`.
pub(super) fn binary(op: &'static str, a: impl Into<Expr>, b: impl Into<Expr>) -> Expr {
    Expr::Binary(op, vec![a.into(), b.into()])
}

impl From<String> for Expr {
    fn from(text: String) -> Expr {
        Expr::Atom(text)
    }
}

impl From<&str> for Expr {
    fn from(text: &str) -> Expr {
        Expr::Atom(text.to_string())
    }
}

impl From<&String> for Expr {
    fn from(text: &String) -> Expr {
        Expr::Atom(text.clone())
    }
}

/// Operator `op` with the spaces around it: none for a range.
fn spaced(op: &str) -> String {
    if op.starts_with("..") {
        op.to_string()
    } else {
        format!(" {op} ")
    }
}

/// `items` on one line, comma-separated.
fn joined(items: &[Expr]) -> String {
    items
        .iter()
        .map(Expr::one_line)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Appends `value`'s lines to `lines`, `end` after the last.
fn push_with(lines: &mut Vec<String>, mut value: Vec<String>, end: &str) {
    if let Some(last) = value.last_mut() {
        last.push_str(end);
    }
    lines.append(&mut value);
}

/// Whether every line of `lines` (the first starting at column `col`) fits.
fn fits(lines: &[String], col: usize, suffix: usize) -> bool {
    let n = lines.len();
    lines.iter().enumerate().all(|(i, l)| {
        let start = if i == 0 { col } else { 0 };
        let end = if i + 1 == n { suffix } else { 0 };
        start + l.chars().count() + end <= MAX_WIDTH
    })
}

/// Rust source under construction, at an indentation level.
#[derive(Default)]
pub(super) struct Source {
    text: String,
    indent: usize,
}

impl Source {
    /// The text written.
    pub(super) fn finish(self) -> String {
        self.text
    }

    /// One line at the current indentation.
    pub(super) fn line(&mut self, line: &str) {
        if !line.is_empty() {
            self.pad();
            self.text.push_str(line);
        }
        self.text.push('\n');
    }

    fn pad(&mut self) {
        self.text.extend(std::iter::repeat_n(' ', self.indent));
    }

    /// A blank line, unless one ends the text already or a block just opened.
    pub(super) fn blank(&mut self) {
        if !(self.text.is_empty() || self.text.ends_with("\n\n") || self.text.ends_with("{\n")) {
            self.text.push('\n');
        }
    }

    /// `line`, then the lines after it one level deeper.
    pub(super) fn open(&mut self, line: &str) {
        self.line(line);
        self.indent += INDENT;
    }

    /// Back one level, then `line`.
    pub(super) fn close(&mut self, line: &str) {
        self.indent -= INDENT;
        self.line(line);
    }

    /// Fixed text (a template already laid out as rustfmt would), each line at the
    /// current indentation.
    pub(super) fn fixed(&mut self, text: &str) {
        for line in text.lines() {
            self.line(line);
        }
    }

    /// A `///` line: `text` is one line of already escaped text.
    pub(super) fn doc(&mut self, text: &str) {
        let text = text.trim_end();
        self.pad();
        self.text.push_str("///");
        if !text.is_empty() {
            self.text.push(' ');
            self.text.push_str(text);
        }
        self.text.push('\n');
    }

    /// `head = value;` (`head` is `pub const NAME: TYPE` or `const _: ()`), laid out
    /// as rustfmt chooses between the value on the same line and on the next.
    pub(super) fn assign(&mut self, head: &str, value: &Expr) {
        let col = self.indent + head.chars().count() + 3;
        // Most values are one short atom: written at once.
        if let Expr::Atom(text) = value
            && col + text.chars().count() < MAX_WIDTH
        {
            self.pad();
            for piece in [head, " = ", text, ";\n"] {
                self.text.push_str(piece);
            }
            return;
        }
        let same = value.layout(self.indent, col, 1);
        if same.len() == 1 && fits(&same, col, 1) {
            return self.line(&format!("{head} = {};", same[0]));
        }
        let deeper = self.indent + INDENT;
        let next = value.layout(deeper, deeper, 1);
        // As rustfmt: the value on the next line when it does not fit on this one
        // at all, or fits there in fewer lines or without opening a bracket.
        let next_is_better = fits(&next, deeper, 1)
            && (!fits(&same, col, 1)
                || next.len() == 1
                || same.len() > next.len() + 1
                || ["(", "{", "["]
                    .iter()
                    .any(|end| same[0].ends_with(end) && !next[0].ends_with(end)));
        if next_is_better {
            self.line(&format!("{head} ="));
            self.indent = deeper;
            self.emit_lines(next, ";");
            self.indent -= INDENT;
        } else {
            let mut lines = same;
            lines[0] = format!("{head} = {}", lines[0]);
            self.emit_lines(lines, ";");
        }
    }

    /// `pub const {name_and_type} = value;` after its `///` lines.
    pub(super) fn constant(&mut self, docs: &[&str], name_and_type: &str, value: &Expr) {
        for line in docs {
            self.doc(line);
        }
        self.assign(&format!("pub const {name_and_type}"), value);
    }

    /// A match arm `pattern => value,`; in a block of its own when too long.
    pub(super) fn arm(&mut self, pattern: &str, value: &str) {
        let line = format!("{pattern} => {value},");
        if self.indent + line.chars().count() <= MAX_WIDTH {
            self.line(&line);
        } else {
            self.open(&format!("{pattern} => {{"));
            self.line(value);
            self.close("}");
        }
    }

    /// `const _: () = assert!(condition, "message");`.
    pub(super) fn assert(&mut self, condition: Expr, message: &str) {
        self.assign(
            "const _: ()",
            &Expr::Call("assert!", vec![condition, Expr::string(message)]),
        );
    }

    /// `lines` (the first at the current indentation, the rest already indented),
    /// `end` after the last.
    fn emit_lines(&mut self, mut lines: Vec<String>, end: &str) {
        if let Some(last) = lines.last_mut() {
            last.push_str(end);
        }
        let mut lines = lines.into_iter();
        if let Some(first) = lines.next() {
            self.line(&first);
        }
        for line in lines {
            self.text.push_str(&line);
            self.text.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `width` agrees with the text `one_line` writes, up to its limit.
    #[test]
    fn width_is_the_one_line_width() {
        let atom = |t: &str| Expr::atom(t);
        let exprs = [
            atom("0x1000"),
            Expr::string("a \"quoted\" name"),
            Expr::Struct(
                "Gap".into(),
                vec![("name", atom("\"g\"")), ("start", atom("A"))],
            ),
            Expr::Array("&", vec![atom("1"), atom("22"), atom("333")]),
            Expr::Array("", vec![]),
            Expr::Call("assert!", vec![binary("==", "A", "B"), Expr::string("m")]),
            binary("..=", "A_START", "A_LAST"),
            binary("&&", binary("<=", "A", "B"), binary("<=", "C", "D")),
        ];
        for e in &exprs {
            let text = e.one_line();
            assert_eq!(e.width(usize::MAX), text.chars().count(), "{text}");
            assert!(e.width(3) > 3 || text.chars().count() <= 3, "{text}");
        }
    }
}
