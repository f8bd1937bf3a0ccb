//! MEMORY-MAP.md: the whole address space top-down, like the comment table Xen kept
//! by hand — here generated, so it cannot drift from the numbers.

use std::fmt::Write;

use super::table::rows;
use crate::fmt::{hex_plain, human_size};
use crate::plan::Plan;

pub fn render(plan: &Plan, source: &str) -> String {
    let p = &plan.paging;
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "<!-- {} -->\n", super::preamble(source));
    let _ = writeln!(w, "# Memory map ({}, {} levels)\n", p.mode, p.levels);
    let _ = writeln!(
        w,
        "Root table: level L{}, {} slots of {} each. Canonical halves: `0x0`–`{}` and `{}`–`0xffffffffffffffff`.",
        p.root_level,
        p.entries_per_table,
        human_size(p.root_slot_size),
        hex_plain(p.low_half_end - 1),
        hex_plain(p.high_half_start)
    );
    let _ = writeln!(
        w,
        "The image is linked at `{}` and loaded at physical `{}`.\n",
        hex_plain(plan.image().start),
        hex_plain(plan.platform.load_address)
    );
    let _ = writeln!(
        w,
        "Top-down. **End is inclusive** (the last byte), so a range can reach the top of the address space.\n"
    );
    let _ = writeln!(
        w,
        "| Start | End (inclusive) | Size | Slots | Perms | Name | Kind | Description |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|---|");
    for row in rows(plan) {
        let cell = |t: &str| {
            if t.is_empty() {
                String::new()
            } else {
                format!("`{t}`")
            }
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&row.start),
            cell(&row.last),
            row.size,
            row.slots,
            cell(&row.perms),
            if row.name.is_empty() {
                String::new()
            } else {
                format!("**{}**", row.name)
            },
            row.kind,
            row.description.replace('|', "\\|")
        );
    }
    let f = &plan.fixmap;
    let _ = writeln!(
        w,
        "\n## Fixmap\n\nRegion `{}`: base `{}` (FIXADDR_START), top `{}` (FIXADDR_TOP, exclusive), FIX_LAST = {}, {} level-0 table{}.\n",
        f.region,
        hex_plain(f.base),
        hex_plain(f.top),
        f.last,
        f.tables,
        if f.tables == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        w,
        "| Group | Slots | Count | First address | Last page | Description |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    for g in &f.groups {
        let last = g.first + g.count - 1;
        let _ = writeln!(
            w,
            "| **{}** | {}{} | {} | `{}` | `{}` | {} |",
            g.name,
            g.first,
            if g.count > 1 {
                format!("–{last}")
            } else {
                String::new()
            },
            g.count,
            hex_plain(f.slot_address(g.first)),
            hex_plain(f.slot_address(last)),
            g.description.replace('|', "\\|")
        );
    }
    s
}

/// The map as an aligned plain-text table for a terminal (`vmlayout map`).
pub fn render_terminal(plan: &Plan) -> String {
    let rows = rows(plan);
    let header = [
        "start",
        "end (incl.)",
        "size",
        "slots",
        "perms",
        "name",
        "description",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let name = if r.name.is_empty() {
                format!("({})", r.kind)
            } else {
                r.name.clone()
            };
            [
                r.start.clone(),
                r.last.clone(),
                r.size.clone(),
                r.slots.clone(),
                r.perms.clone(),
                name,
                r.description.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = format!(
        "{} plan, {} levels; image linked at {}, loaded at {}\n\n",
        plan.paging.mode,
        plan.paging.levels,
        hex_plain(plan.image().start),
        hex_plain(plan.platform.load_address)
    );
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
    s.push_str(&line(&header.map(String::from)));
    for row in &cells {
        s.push_str(&line(row));
    }
    s
}
