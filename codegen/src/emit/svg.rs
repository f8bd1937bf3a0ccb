//! The memory map as a picture: `MEMORY-MAP.svg` (and `vmlayout map --format svg`,
//! `--format html` for one self-contained page).
//!
//! The address space top-down, one row per entry of the plan's map: regions
//! coloured by purpose (name, size, permissions inside; the first and last address
//! beside), guard gaps hatched, unused ranges pale, the canonical hole dark and
//! cross-hatched. A 64-bit space cannot be drawn to scale: a row's height grows
//! with log2 of its size, and unused ranges and the hole get a fixed small height;
//! the picture says so. A region nested in another is indented below it. Beside the
//! fixmap's row, a panel shows its groups (a bar each, in slot order) and its
//! level-0 tables.

use std::fmt::Write as _;

use crate::fmt::{hex, human_size};
use crate::plan::{MapEntry, Plan, Purpose};

/// Where a map entry is drawn: its row, in the picture's coordinates (pixels).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The entry, as in [`Plan::map`].
    pub entry: MapEntry,
    /// Top edge.
    pub y: f64,
    /// Height.
    pub height: f64,
    /// Left edge of the box (indented one step per nesting level).
    pub x: f64,
    /// The box's fill: `#rrggbb`, or `url(#…)` for a pattern.
    pub fill: &'static str,
}

/// Right edge of every box.
const BOX_RIGHT: f64 = 560.0;
/// Left edge of a top-level box; each nesting level indents by [`INDENT`].
const BOX_LEFT: f64 = 180.0;
const INDENT: f64 = 22.0;
/// Space above the first row (title and note).
const TOP: f64 = 64.0;
/// The picture's width.
const WIDTH: f64 = 1100.0;

/// A purpose's colour (colour-blind safe, Tableau 10).
pub fn purpose_colour(p: Purpose) -> &'static str {
    match p {
        Purpose::Image => "#4e79a7",
        Purpose::Fixmap => "#f28e2b",
        Purpose::Window => "#59a14f",
        Purpose::Directmap => "#e15759",
        Purpose::Identity => "#b07aa1",
        _ => "#bab0ac",
    }
}

/// The height of a row of `size` bytes: 26 px for a page (room for its first
/// and last address), 2 px more per doubling.
fn height_of(size: u64) -> f64 {
    let doublings = 63 - (size.max(4096) / 4096).leading_zeros();
    26.0 + 2.0 * f64::from(doublings)
}

/// `text` cut to what fits `width` pixels at the picture's font size (7 px a
/// character at most, for the widest common faces), with `…` where it was cut; the
/// whole text is in the tooltip.
fn fit(text: &str, width: f64) -> String {
    let room = (width / 7.0).max(1.0) as usize;
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(room.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Every row, top-down, in the order of [`Plan::map`].
pub fn rows(plan: &Plan) -> Vec<Row> {
    let mut y = TOP;
    plan.map
        .iter()
        .map(|entry| {
            let (height, depth, fill) = match entry {
                MapEntry::Region(i) => {
                    let r = &plan.regions[*i];
                    (
                        height_of(r.size),
                        plan.nesting_depth(r.within.as_deref()),
                        purpose_colour(r.purpose),
                    )
                }
                MapEntry::Gap(i) => {
                    let g = &plan.gaps[*i];
                    (
                        height_of(g.size),
                        plan.nesting_depth(g.within.as_deref()),
                        "url(#gap)",
                    )
                }
                MapEntry::Unused { .. } => (26.0, 0, "#f2f2f2"),
                MapEntry::NonCanonical { .. } => (34.0, 0, "url(#hole)"),
            };
            let row = Row {
                entry: entry.clone(),
                y,
                height,
                x: BOX_LEFT + INDENT * depth as f64,
                fill,
            };
            y += height;
            row
        })
        .collect()
}

/// `text` for XML character data or an attribute value: markup characters as
/// entities, characters XML 1.0 does not allow as U+FFFD.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// What a row says: its name (or kind), first and last address, the words inside
/// its box, and its description (the layout's, for a region).
fn describe(plan: &Plan, entry: &MapEntry) -> (String, u64, u64, String, String) {
    match entry {
        MapEntry::Region(i) => {
            let r = &plan.regions[*i];
            let inside = format!(
                "{} — {} {} {}",
                r.name,
                human_size(r.size),
                r.purpose.name(),
                r.perms.letters()
            );
            (
                r.name.clone(),
                r.start,
                r.last,
                inside,
                r.description.clone(),
            )
        }
        MapEntry::Gap(i) => {
            let g = &plan.gaps[*i];
            let inside = format!("{} — {} guard gap", g.name, human_size(g.size));
            let between = match &g.within {
                Some(parent) => format!(
                    "inside `{parent}`: never mapped, between `{}` and `{}`",
                    g.below, g.above
                ),
                None => format!("never mapped, between `{}` and `{}`", g.below, g.above),
            };
            (g.name.clone(), g.start, g.last, inside, between)
        }
        MapEntry::Unused {
            start,
            last,
            first_slot,
            last_slot,
        } => (
            "(unused)".into(),
            *start,
            *last,
            format!(
                "unused — root slots {} (not to scale)",
                crate::fmt::slot_range(*first_slot, *last_slot)
            ),
            String::new(),
        ),
        MapEntry::NonCanonical { start, last } => (
            "(hole)".into(),
            *start,
            *last,
            format!(
                "non-canonical hole in {}: no address here exists (not to scale)",
                plan.paging.mode
            ),
            String::new(),
        ),
    }
}

/// The picture alone (an `<svg>` element with an XML declaration).
pub fn render(plan: &Plan) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&svg_element(plan));
    s
}

/// The `<svg>` element: shared by the SVG file and the HTML page.
fn svg_element(plan: &Plan) -> String {
    let rows = rows(plan);
    let fixmap_row = rows.iter().find(
        |r| matches!(&r.entry, MapEntry::Region(i) if plan.regions[*i].purpose == Purpose::Fixmap),
    );
    // Below the last row, or the fixmap's panel if that reaches further.
    let bottom = rows
        .last()
        .map_or(TOP, |r| r.y + r.height)
        .max(fixmap_row.map_or(0.0, |r| r.y + panel_height(plan)));
    let height = bottom + 60.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">"
    );
    s.push_str(DEFS);
    let image = plan.image();
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>\n<text x=\"12\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{} address space, top-down: image `{}` linked at {}</text>\n<text x=\"12\" y=\"42\" fill=\"#555555\">Not to scale: a row's height grows with log2 of its size; unused ranges and the canonical hole are drawn small.</text>",
        plan.paging.mode,
        xml(&image.name),
        hex(image.start)
    );
    for row in &rows {
        draw_row(&mut s, plan, row);
    }
    if let Some(row) = rows.iter().find(
        |r| matches!(&r.entry, MapEntry::Region(i) if plan.regions[*i].purpose == Purpose::Fixmap),
    ) {
        fixmap_panel(&mut s, plan, row.y);
    }
    legend(&mut s, bottom + 24.0);
    s.push_str("</svg>\n");
    s
}

fn draw_row(s: &mut String, plan: &Plan, row: &Row) {
    let (name, start, last, inside, description) = describe(plan, &row.entry);
    let Row {
        y, height, x, fill, ..
    } = row;
    let width = BOX_RIGHT - x;
    let kind = match &row.entry {
        MapEntry::Region(_) => "region",
        MapEntry::Gap(_) => "gap",
        MapEntry::Unused { .. } => "unused",
        MapEntry::NonCanonical { .. } => "hole",
    };
    let text_colour = if matches!(row.entry, MapEntry::NonCanonical { .. }) {
        "#ffffff"
    } else {
        "#111111"
    };
    let _ = writeln!(
        s,
        "<g class=\"{kind}\" data-name=\"{name}\" data-start=\"{start:#x}\" data-last=\"{last:#x}\"><title>{name}: {} ..= {} {}</title>\n<rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{height}\" fill=\"{fill}\" stroke=\"#333333\" stroke-width=\"0.5\"/>\n<text x=\"{}\" y=\"{}\" fill=\"{text_colour}\">{}</text>\n<text x=\"12\" y=\"{}\" font-family=\"DejaVu Sans Mono, Menlo, monospace\" font-size=\"10\">{}</text>\n<text x=\"12\" y=\"{}\" font-family=\"DejaVu Sans Mono, Menlo, monospace\" font-size=\"10\" fill=\"#777777\">{}</text></g>",
        hex(start),
        hex(last),
        xml(&description),
        x + 8.0,
        y + height / 2.0 + 4.0,
        xml(&fit(&inside, width - 12.0)),
        y + 10.0,
        hex(last),
        y + height - 2.0,
        hex(start),
        name = xml(&name),
    );
}

/// The fixmap panel's height: a title, a line for the tables, one per group.
fn panel_height(plan: &Plan) -> f64 {
    52.0 + 18.0 * plan.fixmap.groups.len() as f64
}

/// The fixmap's groups (a bar each, in slot order, width by slot count) and its
/// level-0 tables, beside its row.
fn fixmap_panel(s: &mut String, plan: &Plan, y: f64) {
    let f = &plan.fixmap;
    let x = BOX_RIGHT + 30.0;
    let width = WIDTH - x - 12.0;
    let total = f.slot_count().max(1) as f64;
    let _ = writeln!(
        s,
        "<g class=\"fixmap-panel\"><rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{}\" fill=\"#fff8f0\" stroke=\"#f28e2b\"/>\n<text x=\"{}\" y=\"{}\" font-weight=\"bold\">fixmap `{}`: {} slots, counting {}</text>\n<text x=\"{}\" y=\"{}\">{} level-0 table(s) from {}</text>",
        panel_height(plan),
        x + 8.0,
        y + 16.0,
        xml(&f.region),
        f.slot_count(),
        f.order.name(),
        x + 8.0,
        y + 32.0,
        f.tables,
        hex(f.tables_start),
    );
    for (i, g) in f.groups.iter().enumerate() {
        let gy = y + 42.0 + 18.0 * i as f64;
        // Bars take what the labels (up to about 45 characters) leave.
        let bars = width - 270.0;
        let bar = (bars * g.count as f64 / total).max(2.0);
        let fill = if g.hole { "url(#gap)" } else { "#f28e2b" };
        let role = g
            .role
            .as_deref()
            .map_or(String::new(), |r| format!(", role {r}"));
        let _ = writeln!(
            s,
            "<rect x=\"{}\" y=\"{gy}\" width=\"{bar}\" height=\"12\" fill=\"{fill}\" stroke=\"#333333\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{}: slots {}-{} ({}){}</text>",
            x + 8.0,
            x + 16.0 + bars,
            gy + 10.0,
            xml(&g.name),
            g.first,
            g.first + g.count - 1,
            g.slots_text(),
            xml(&role),
        );
    }
    s.push_str("</g>\n");
}

fn legend(s: &mut String, y: f64) {
    let items: Vec<(&str, &str)> = Purpose::ALL
        .iter()
        .map(|p| (purpose_colour(*p), p.name()))
        .chain([
            ("url(#gap)", "guard gap"),
            ("#f2f2f2", "unused"),
            ("url(#hole)", "non-canonical"),
        ])
        .collect();
    s.push_str("<g class=\"legend\">");
    for (i, (fill, label)) in items.iter().enumerate() {
        let x = 12.0 + 110.0 * i as f64;
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{fill}\" stroke=\"#333333\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{label}</text>",
            x + 20.0,
            y + 11.0
        );
    }
    s.push_str("</g>\n");
}

/// The hatch patterns: guard gaps (light diagonal lines), the hole (dark, crossed).
const DEFS: &str = "<defs>\n<pattern id=\"gap\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#999999\" stroke-width=\"3\"/></pattern>\n<pattern id=\"hole\" width=\"10\" height=\"10\" patternUnits=\"userSpaceOnUse\"><rect width=\"10\" height=\"10\" fill=\"#444444\"/><path d=\"M0,0 L10,10 M10,0 L0,10\" stroke=\"#666666\" stroke-width=\"1\"/></pattern>\n</defs>\n";

/// One self-contained HTML page: the picture, and the map as a table.
pub fn render_html(plan: &Plan) -> String {
    let mut rows_html = String::new();
    for row in rows(plan) {
        let (name, start, last, inside, description) = describe(plan, &row.entry);
        let _ = writeln!(
            rows_html,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            hex(start),
            hex(last),
            xml(&name),
            xml(&inside),
            xml(&description)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{mode} memory map</title>\n<style>\nbody {{ font-family: sans-serif; margin: 24px; color: #111; }}\ntable {{ border-collapse: collapse; margin-top: 24px; }}\ntd, th {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; }}\nsvg g:hover rect {{ stroke-width: 2; }}
svg {{ max-width: 100%; height: auto; }}
td {{ overflow-wrap: anywhere; }}
td code {{ white-space: nowrap; }}\n</style>\n</head>\n<body>\n<h1>{mode} memory map</h1>\n<p>Hover a row for its first and last address. The picture is not to scale; the table below gives every range exactly.</p>\n{svg}<table>\n<tr><th>start</th><th>last (inclusive)</th><th>name</th><th>what</th><th>description</th></tr>\n{rows_html}</table>\n</body>\n</html>\n",
        mode = plan.paging.mode,
        svg = svg_element(plan),
    )
}
