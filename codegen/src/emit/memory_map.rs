//! MEMORY-MAP.md: the whole address space top-down, like the comment table Xen kept
//! by hand — here generated, so it cannot drift from the numbers.

use std::fmt::Write;

use indoc::writedoc;

use super::escape::{markdown_cell, terminal};
use super::table::{Row, rows};
use crate::fmt::{hex_plain, human_size};
use crate::plan::Plan;

/// MEMORY-MAP.md for `plan`; `source` names the layout file in the preamble.
pub fn render(plan: &Plan, source: &super::Origin) -> String {
    let mut s = String::new();
    heading(&mut s, plan, source);
    for row in rows(plan) {
        s.push_str(&markdown_row(&row));
    }
    fixmap(&mut s, plan);
    s
}

fn heading(s: &mut String, plan: &Plan, source: &super::Origin) {
    let p = &plan.paging;
    let _ = writedoc!(
        s,
        "
        <!-- {preamble} -->

        # Memory map ({mode}, {levels} levels)

        Root table: level L{root}, {entries} slots of {slot_size} each. Canonical halves: `0x0`–`{low_last}` and `{high}`–`0xffffffffffffffff`.
        The image is linked at `{link}` and loaded at physical `{load}`.

        Top-down. **End is inclusive** (the last byte), so a range can reach the top of the address space.

        | Start | End (inclusive) | Size | Slots | Perms | Name | Kind | Description |
        |---|---|---|---|---|---|---|---|
        ",
        preamble = super::escape::html_comment(&super::preamble(source)),
        mode = p.mode,
        levels = p.levels,
        root = p.root_level,
        entries = p.entries_per_table,
        slot_size = human_size(p.root_slot_size),
        low_last = hex_plain(p.low_half_end - 1),
        high = hex_plain(p.high_half_start),
        link = hex_plain(plan.image().start),
        load = hex_plain(plan.platform.load_address),
    );
}

/// Text in backticks, or nothing for an empty cell.
fn code_cell(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("`{text}`")
    }
}

fn markdown_row(row: &Row) -> String {
    let name = if row.name.is_empty() {
        String::new()
    } else {
        format!("**{}**", row.name)
    };
    format!(
        "| {} | {} | {} | {} | {} | {name} | {} | {} |\n",
        code_cell(&row.start),
        code_cell(&row.last),
        row.size,
        row.slots,
        code_cell(&row.perms_columns()),
        row.kind.word(),
        markdown_cell(&row.description)
    )
}

/// The fixmap's base, top and slot groups.
fn fixmap(s: &mut String, plan: &Plan) {
    let f = &plan.fixmap;
    let _ = writedoc!(
        s,
        "

        ## Fixmap

        Region `{region}`: base `{base}` (FIXADDR_START), top `{top}` (FIXADDR_TOP, exclusive), FIX_LAST = {last}, {tables} level-0 table{plural}.

        | Group | Slots | Count | First address | Last page | Description |
        |---|---|---|---|---|---|
        ",
        region = f.region,
        base = hex_plain(f.base),
        top = hex_plain(f.top),
        last = f.last,
        tables = f.tables,
        plural = if f.tables == 1 { "" } else { "s" },
    );
    for g in &f.groups {
        let slots = if g.count > 1 {
            format!("{}–{}", g.first, g.last())
        } else {
            g.first.to_string()
        };
        let _ = writeln!(
            s,
            "| **{}** | {slots} | {} | `{}` | `{}` | {} |",
            g.name,
            g.slots_text(),
            hex_plain(f.slot_address(g.first)),
            hex_plain(f.slot_address(g.last())),
            markdown_cell(&g.description)
        );
    }
}

/// The map as an aligned plain-text table for a terminal (`vmlayout map`).
pub fn render_terminal(plan: &Plan) -> String {
    let header = [
        "start",
        "end (incl.)",
        "size",
        "slots",
        "perms",
        "name",
        "description",
    ];
    let cells: Vec<[String; 7]> = rows(plan)
        .into_iter()
        .map(|r| {
            let name = if r.name.is_empty() {
                format!("({})", r.kind.word())
            } else {
                r.name.clone()
            };
            let perms = r.perms_columns();
            let description = terminal(&r.description);
            [r.start, r.last, r.size, r.slots, perms, name, description]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String]| {
        let mut l = String::new();
        for (i, c) in cols.iter().enumerate() {
            if i + 1 == cols.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<w$}  ", w = widths[i]);
            }
        }
        l.trim_end().to_string() + "\n"
    };
    let mut s = format!(
        "{} plan, {} levels; image linked at {}, loaded at {}\n\n",
        plan.paging.mode,
        plan.paging.levels,
        hex_plain(plan.image().start),
        hex_plain(plan.platform.load_address)
    );
    s.push_str(&line(&header.map(String::from)));
    for row in &cells {
        s.push_str(&line(row));
    }
    s
}
