//! User text (descriptions, names of files) made safe for each output it reaches.
//! Every function keeps the text readable and ends what it escapes inside the
//! construct it is written into: a comment stays one comment, a table row one row,
//! a string one string.

/// The Unicode bidirectional controls that reorder how text displays (UAX #9):
/// rustc refuses them in comments and literals (`text_direction_codepoint_in_*`),
/// and in any output they can make code read differently from what it is.
const BIDI_CONTROLS: &[char] = &[
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}',
];

/// Control characters (newline, CR, NUL, …) and bidirectional controls as `\n`,
/// `\r`, `\u{0}`, `\u{202e}`; the rest as is.
pub fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || BIDI_CONTROLS.contains(&c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Text inside a C or linker-script `/* … */` comment: no `*/` to end it, no `/*`
/// to nest (GCC's -Wcomment), one line.
pub fn block_comment(text: &str) -> String {
    visible(text).replace("*/", "*\\/").replace("/*", "/\\*")
}

/// Text inside a `//` comment: one line.
pub fn line_comment(text: &str) -> String {
    visible(text)
}

/// Text inside a linker-script string. GNU ld's strings have no escapes at all (a
/// string runs to the next `"`), so a double quote becomes a single one.
pub fn linker_string(text: &str) -> String {
    visible(text).replace('"', "'")
}

/// Text inside an HTML comment (`<!-- … -->`): no `--`, which ends or breaks it.
pub fn html_comment(text: &str) -> String {
    let mut out = visible(text);
    while out.contains("--") {
        out = out.replace("--", "-\u{2010}");
    }
    out
}

/// Text in a Markdown table cell: one line (a newline is `<br>`), pipes escaped,
/// HTML tags shown rather than rendered.
pub fn markdown_cell(text: &str) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| visible(l.trim_end_matches('\r')))
        .collect();
    lines
        .join("<br>")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace("&lt;br>", "<br>")
}

/// Text in a terminal table: one line, no control characters.
pub fn terminal(text: &str) -> String {
    visible(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_output_keeps_its_construct_closed() {
        assert_eq!(block_comment("a */ b /* c\nd"), "a *\\/ b /\\* c\\nd");
        assert_eq!(linker_string("say \"hi\"\0"), "say 'hi'\\u{0}");
        assert_eq!(html_comment("a --> b ---"), "a -\u{2010}> b -\u{2010}-");
        assert!(!html_comment("----").contains("--"));
        assert_eq!(markdown_cell("a | b\r\nc <i>"), "a \\| b<br>c &lt;i>");
        assert_eq!(markdown_cell("back\\|slash"), "back\\\\\\|slash");
        assert_eq!(line_comment("x\ny"), "x\\ny");
        assert_eq!(line_comment("a\u{202e}b"), "a\\u{202e}b");
    }
}
