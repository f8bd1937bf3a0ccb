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
    #[cfg(test)]
    fn one_line(&self) -> String {
        let mut out = String::new();
        self.write_one_line(&mut out);
        out
    }

    /// [`Expr::one_line`], appended to `out`.
    fn write_one_line(&self, out: &mut String) {
        match self {
            Expr::Atom(text) => out.push_str(text),
            Expr::Struct(name, fields) => {
                out.push_str(name);
                out.push_str(" { ");
                for (i, (field, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(field);
                    out.push_str(": ");
                    value.write_one_line(out);
                }
                out.push_str(" }");
            }
            Expr::Array(prefix, items) => {
                out.push_str(prefix);
                out.push('[');
                write_joined(items, out);
                out.push(']');
            }
            Expr::Call(name, args) => {
                out.push_str(name);
                out.push('(');
                write_joined(args, out);
                out.push(')');
            }
            Expr::Binary(op, parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        write_operator(op, out);
                    }
                    part.write_one_line(out);
                }
            }
        }
    }

    /// The width of the expression on one line in columns, or anything past `limit` once it is
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
                // `list` counts ", " (two columns) between operands.
                let op = operator_width(op);
                list(&mut parts.iter(), 0) + (op - 2) * parts.len().saturating_sub(1)
            }
        }
    }

    /// Whether rustfmt could write the expression on one line at all, width
    /// allowing: not a struct literal (this module always breaks those), not a call
    /// whose arguments pass [`CALL_WIDTH`].
    fn may_be_one_line(&self) -> bool {
        match self {
            Expr::Struct(..) => false,
            Expr::Call(_, args) => call_args_fit(args),
            _ => true,
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

    /// The expression laid out into `l` on a line indented `indent`, with `suffix`
    /// columns (`;`, `,`) to follow it, as rustfmt breaks it.
    fn layout(&self, indent: usize, l: &mut Layout, suffix: usize) {
        // Whether it fits on one line where it starts (not needed for an atom, which
        // never breaks, or a struct literal, which always does).
        let fits = |l: &Layout| l.col() + self.width(MAX_WIDTH) + suffix <= MAX_WIDTH;
        match self {
            Expr::Atom(text) => l.push(text),
            Expr::Binary(op, parts) => {
                if parts.len() < 2 || fits(l) {
                    return self.write_one_line(&mut l.text);
                }
                // The first operand where the expression starts; each other one on a
                // line of its own, one level deeper, after its operator.
                parts[0].layout(indent, l, suffix);
                for part in &parts[1..] {
                    l.newline(indent + INDENT);
                    l.push(op);
                    if !is_range(op) {
                        l.push(" ");
                    }
                    part.layout(indent + INDENT, l, suffix);
                }
            }
            Expr::Struct(name, fields) => {
                l.push(name);
                l.push(" {");
                for (field, value) in fields {
                    l.newline(indent + INDENT);
                    l.push(field);
                    l.push(": ");
                    value.layout(indent + INDENT, l, 1);
                    l.push(",");
                }
                l.newline(indent);
                l.push("}");
            }
            Expr::Array(prefix, items) => array(prefix, items, indent, fits(l), l),
            Expr::Call(name, args) => call(name, args, indent, fits(l), l),
        }
    }
}

/// Array `prefix[items]` laid out into `l` on a line indented `indent`; `fits` says
/// whether it fits where it starts on one line.
fn array(prefix: &str, items: &[Expr], indent: usize, fits: bool, l: &mut Layout) {
    let one_line = |l: &mut Layout| {
        l.push(prefix);
        l.push("[");
        write_joined(items, &mut l.text);
        l.push("]");
    };
    if items.is_empty() {
        return one_line(l);
    }
    if fits && items.iter().all(|i| matches!(i, Expr::Atom(_))) {
        // The items and the `, ` between them, brackets not counted (rustfmt).
        let inner =
            items.iter().map(|i| i.width(ARRAY_WIDTH)).sum::<usize>() + 2 * (items.len() - 1);
        if inner <= ARRAY_WIDTH {
            return one_line(l);
        }
    }
    l.push(prefix);
    l.push("[");
    let pad = indent + INDENT;
    let packed = items
        .iter()
        .all(|i| i.simple() && i.width(SHORT_ITEM) <= SHORT_ITEM);
    if packed {
        // Several to a line. As rustfmt's mixed lists: the items of a line, each with its comma and a
        // space between them, fit in the width less the indent and one column; the
        // last item's comma counts only once the list has broken a line.
        let budget = MAX_WIDTH - pad - 1;
        let (mut line, mut broken) = (0, false);
        for (i, item) in items.iter().enumerate() {
            let width = item.width(MAX_WIDTH);
            let total = width + usize::from(i + 1 < items.len() || broken);
            if i == 0 {
                l.newline(pad);
                line = total;
            } else if line + 1 + total > budget {
                l.newline(pad);
                broken = true;
                line = total;
            } else {
                l.push(" ");
                line += 1 + total;
            }
            item.write_one_line(&mut l.text);
            l.push(",");
        }
    } else {
        for item in items {
            l.newline(pad);
            item.layout(pad, l, 1);
            l.push(",");
        }
    }
    l.newline(indent);
    l.push("]");
}

/// Whether a call's arguments and the `, ` between them take at most [`CALL_WIDTH`]
/// columns (rustfmt's `fn_call_width`).
fn call_args_fit(args: &[Expr]) -> bool {
    args.iter().map(|a| a.width(CALL_WIDTH) + 2).sum::<usize>() <= CALL_WIDTH + 2
}

/// Call `name(args)` laid out into `l`; `fits` as for [`array`].
fn call(name: &str, args: &[Expr], indent: usize, fits: bool, l: &mut Layout) {
    l.push(name);
    l.push("(");
    if fits && call_args_fit(args) {
        write_joined(args, &mut l.text);
    } else {
        for (i, arg) in args.iter().enumerate() {
            l.newline(indent + INDENT);
            arg.layout(indent + INDENT, l, 1);
            if i + 1 < args.len() {
                l.push(",");
            }
        }
        l.newline(indent);
    }
    l.push(")");
}

/// An expression's text as laid out: its first line starts at column `start` (and
/// carries no indentation), every other line carries its own. Tracks whether each
/// line fits in [`MAX_WIDTH`] and how many lines there are.
struct Layout {
    text: String,
    /// The column the first line starts at.
    start: usize,
    /// Where the current line starts in `text`.
    line: usize,
    /// Lines after the first.
    newlines: usize,
    /// Whether every finished line fitted.
    fits: bool,
}

impl Layout {
    fn new(start: usize) -> Layout {
        Layout {
            text: String::new(),
            start,
            line: 0,
            newlines: 0,
            fits: true,
        }
    }

    /// The column the next character goes to.
    fn col(&self) -> usize {
        let written = self.text[self.line..].chars().count();
        if self.newlines == 0 {
            self.start + written
        } else {
            written
        }
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Ends the current line; the next starts indented `indent`.
    fn newline(&mut self, indent: usize) {
        self.fits &= self.col() <= MAX_WIDTH;
        self.text.push('\n');
        self.line = self.text.len();
        self.newlines += 1;
        self.text.push_str(spaces(indent));
    }

    /// Ends the last line with `suffix` columns still to come.
    fn finish(&mut self, suffix: usize) {
        self.fits &= self.col() + suffix <= MAX_WIDTH;
    }

    /// Whether the first line ends with `end`.
    fn first_line_ends_with(&self, end: char) -> bool {
        self.text
            .split('\n')
            .next()
            .is_some_and(|l| l.ends_with(end))
    }
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

/// Whether `op` is a range operator (`..`, `..=`), written without spaces.
fn is_range(op: &str) -> bool {
    op.starts_with("..")
}

/// Operator `op` with the spaces around it (none for a range), appended to `out`.
fn write_operator(op: &str, out: &mut String) {
    if is_range(op) {
        out.push_str(op);
    } else {
        out.push(' ');
        out.push_str(op);
        out.push(' ');
    }
}

/// Columns of `op` with its spaces.
fn operator_width(op: &str) -> usize {
    op.len() + if is_range(op) { 0 } else { 2 }
}

/// `n` spaces (indentation), borrowed.
fn spaces(n: usize) -> &'static str {
    const SPACES: &str = "                                                                                                                                ";
    &SPACES[..n.min(SPACES.len())]
}

/// `items` on one line, comma-separated, appended to `out`.
fn write_joined(items: &[Expr], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.write_one_line(out);
    }
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
        let mut same = Layout::new(col);
        value.layout(self.indent, &mut same, 1);
        same.finish(1);
        let deeper = self.indent + INDENT;
        // On the next line the value has less room for what it breaks, so it can win
        // only by fitting where this line does not, or by fitting on one line: laid
        // out there only then.
        let may_win =
            !same.fits || (deeper + value.width(MAX_WIDTH) < MAX_WIDTH && value.may_be_one_line());
        if (same.newlines > 0 || !same.fits) && may_win {
            let mut next = Layout::new(deeper);
            value.layout(deeper, &mut next, 1);
            next.finish(1);
            // As rustfmt: the value on the next line when it does not fit on this one
            // at all, or fits there in fewer lines or without opening a bracket.
            let next_is_better = next.fits
                && (!same.fits
                    || next.newlines == 0
                    || same.newlines > next.newlines + 1
                    || ['(', '{', '['].iter().any(|&end| {
                        same.first_line_ends_with(end) && !next.first_line_ends_with(end)
                    }));
            if next_is_better {
                self.line(&format!("{head} ="));
                self.text.push_str(spaces(deeper));
                self.text.push_str(&next.text);
                self.text.push_str(";\n");
                return;
            }
        }
        self.pad();
        self.text.push_str(head);
        self.text.push_str(" = ");
        self.text.push_str(&same.text);
        self.text.push_str(";\n");
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packed array's line may reach column 100 with its last item (`112,`) while
    /// no line has broken, never with an item that a `, ` follows (rustfmt's rules,
    /// found by tests/rust_format.rs).
    #[test]
    fn packed_arrays_fill_lines_to_the_column_rustfmt_allows() {
        let numbers = |range: std::ops::RangeInclusive<u64>| {
            Expr::Array("&", range.map(|n| Expr::atom(n.to_string())).collect())
        };
        let mut out = Source::default();
        out.assign("pub const FIX_HOLES: &[usize]", &numbers(92..=112));
        let text = out.finish();
        assert!(text.contains("\n    92, 93, "), "{text}");
        assert!(
            text.lines().any(|l| l.len() == 100 && l.ends_with(" 112,")),
            "{text}"
        );
        let mut out = Source::default();
        out.assign("pub const FIX_HOLES: &[usize]", &numbers(63..=120));
        let text = out.finish();
        assert!(text.lines().all(|l| l.len() <= 100), "{text}");
        assert!(text.contains("\n    108, 109,"), "{text}");
        // After a broken line the last item's comma counts: `112,` would end at
        // column 100 and goes to a line of its own (rustfmt, checked by hand).
        let mut out = Source::default();
        out.assign("pub const FIX_HOLES: &[usize]", &numbers(68..=112));
        let text = out.finish();
        assert!(text.contains("110, 111,\n    112,\n];"), "{text}");
        // On one line while the items and their `, ` take at most 60 columns
        // (brackets not counted): 59 here, 64 with one more.
        let mut out = Source::default();
        out.assign("pub const FIX_HOLES: &[usize]", &numbers(91..=104));
        assert_eq!(out.finish().lines().count(), 1);
        let mut out = Source::default();
        out.assign("pub const FIX_HOLES: &[usize]", &numbers(91..=105));
        assert_eq!(out.finish().lines().count(), 3);
    }

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
