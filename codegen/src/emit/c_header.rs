//! A C header with the same constants and the memory-map table, for C kernels (a
//! Xen-style `config.h` could include it). Lower-case hex, lines of at most 80
//! columns, usable from assembly through `VMLAYOUT_UL`.

use std::fmt::Write;

use super::table::rows;
use crate::fmt::hex_plain;
use crate::names::{GapConstants, RegionConstants, fix_group_constants};
use crate::plan::Plan;

const GUARD: &str = "VMLAYOUT_LAYOUT_H";

fn define(out: &mut String, name: &str, value: &str) {
    let line = format!("#define {name:<31} {value}");
    let _ = writeln!(out, "{line}");
}

fn addr(value: u64) -> String {
    format!("VMLAYOUT_UL({})", hex_plain(value))
}

/// Split `text` into lines of at most `width` columns, each prefixed by `prefix`.
fn wrap(text: &str, prefix: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = prefix.to_string();
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > width && line.len() > prefix.len() {
            lines.push(line.trim_end().to_string());
            line = prefix.to_string();
        }
        line.push_str(word);
        line.push(' ');
    }
    if line.len() > prefix.len() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

pub fn render(plan: &Plan, source: &str) -> String {
    let mut s = String::new();
    let p = &plan.paging;
    let _ = writeln!(s, "/*");
    for line in wrap(&super::preamble(source), " * ", 80) {
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(s, " */\n#ifndef {GUARD}\n#define {GUARD}\n");
    let _ = writeln!(
        s,
        "#ifdef __ASSEMBLY__\n#define VMLAYOUT_UL(x) x\n#else\n#define VMLAYOUT_UL(x) x##UL\n#endif\n"
    );

    let _ = writeln!(
        s,
        "/*\n * Memory map ({}), top-down; ends are inclusive.\n *",
        p.mode
    );
    let _ = writeln!(
        s,
        " * {:<18} {:<18} {:<11} {:<4} name",
        "start", "end", "slots", "perm"
    );
    let _ = writeln!(s, " * {}", "=".repeat(74));
    for row in rows(plan) {
        let label = match (row.name.is_empty(), row.kind.as_str()) {
            (false, _) => row.name.clone(),
            (true, "hole") => "(non-canonical)".into(),
            _ => "(unused)".into(),
        };
        let line = format!(
            " * {:<18} {:<18} {:<11} {:<4} {label} {}",
            row.start,
            row.last,
            row.slots,
            row.perms.replace("r-x/r--/rw-", "img"),
            row.size
        );
        let line = if line.len() > 80 {
            format!(
                " * {:<18} {:<18} {:<11} {label}",
                row.start, row.last, row.slots
            )
        } else {
            line
        };
        let _ = writeln!(s, "{}", line.trim_end());
    }
    let _ = writeln!(s, " */\n");

    let _ = writeln!(s, "/* Paging */");
    define(
        &mut s,
        &format!("VMLAYOUT_MODE_{}", p.mode.name().to_ascii_uppercase()),
        "1",
    );
    define(&mut s, "VMLAYOUT_SATP_MODE", &p.satp_mode.to_string());
    define(&mut s, "VMLAYOUT_PT_LEVELS", &p.levels.to_string());
    define(&mut s, "VMLAYOUT_PT_ROOT_LEVEL", &p.root_level.to_string());
    define(
        &mut s,
        "VMLAYOUT_PT_ENTRIES",
        &p.entries_per_table.to_string(),
    );
    define(&mut s, "VMLAYOUT_VA_BITS", &p.va_bits.to_string());
    define(&mut s, "VMLAYOUT_PAGE_SHIFT", &p.page_shift.to_string());
    define(&mut s, "VMLAYOUT_PAGE_SIZE", &addr(p.page_size));
    define(
        &mut s,
        "VMLAYOUT_ROOT_SLOT_SHIFT",
        &p.root_slot_shift.to_string(),
    );
    define(&mut s, "VMLAYOUT_ROOT_SLOT_SIZE", &addr(p.root_slot_size));
    define(&mut s, "VMLAYOUT_LOW_HALF_END", &addr(p.low_half_end));
    define(&mut s, "VMLAYOUT_HIGH_HALF_START", &addr(p.high_half_start));

    let pl = &plan.platform;
    let _ = writeln!(s, "\n/* Platform */");
    define(&mut s, "VMLAYOUT_LOAD_ADDRESS", &addr(pl.load_address));
    define(&mut s, "VMLAYOUT_IDENTITY_SIZE", &addr(pl.identity_size));
    define(&mut s, "VMLAYOUT_IMAGE_MAX_SIZE", &addr(pl.image_max_size));
    define(
        &mut s,
        "VMLAYOUT_BOOT_SUPERPAGE_SIZE",
        &addr(pl.boot_superpage),
    );

    let _ = writeln!(
        s,
        "\n/* Regions: END is exclusive, ROOT_SLOT_LAST inclusive */"
    );
    for r in &plan.regions {
        let c = RegionConstants::of(&r.name);
        let _ = writeln!(s, "\n/* {} ({}) */", r.name, r.purpose.name());
        define(&mut s, &c.start, &addr(r.start));
        define(&mut s, &c.size, &addr(r.size));
        define(&mut s, &c.end, &addr(r.end));
        define(&mut s, &c.first_slot, &r.first_slot.to_string());
        define(&mut s, &c.last_slot, &r.last_slot.to_string());
    }
    if !plan.gaps.is_empty() {
        let _ = writeln!(s, "\n/* Guard gaps: never mapped; END is exclusive */");
    }
    for g in &plan.gaps {
        let c = GapConstants::of(&g.name);
        define(&mut s, &c.start, &addr(g.start));
        define(&mut s, &c.size, &addr(g.size));
        define(&mut s, &c.end, &addr(g.end));
    }

    let f = &plan.fixmap;
    let _ = writeln!(
        s,
        "\n/* Fixmap: slot END is exclusive, FIX_LAST inclusive */"
    );
    define(&mut s, "FIXADDR_START", &addr(f.base));
    define(&mut s, "FIXADDR_TOP", &addr(f.top));
    define(&mut s, "FIX_LAST", &f.last.to_string());
    define(&mut s, "FIX_COUNT", &f.slot_count().to_string());
    define(&mut s, "FIX_TABLES", &f.tables.to_string());
    define(
        &mut s,
        "FIXMAP_ADDR(n)",
        "(FIXADDR_START + (n) * VMLAYOUT_PAGE_SIZE)",
    );
    for g in &f.groups {
        let names = fix_group_constants(&g.name, g.count);
        define(&mut s, &names[0], &g.first.to_string());
        define(&mut s, &names[1], &(g.first + g.count).to_string());
        define(&mut s, &names[2], &g.count.to_string());
        if let Some(single) = names.get(3) {
            define(&mut s, single, &g.first.to_string());
        }
    }

    let _ = writeln!(s, "\n#ifndef __ASSEMBLY__");
    let _ = writeln!(
        s,
        "_Static_assert(FIXADDR_TOP == FIXMAP_ADDR(FIX_LAST + 1),\n               \"FIXADDR_TOP is one past the last slot\");"
    );
    let _ = writeln!(
        s,
        "_Static_assert(FIXADDR_START % (VMLAYOUT_PT_ENTRIES * VMLAYOUT_PAGE_SIZE) == 0,\n               \"the fixmap base is aligned to one level-0 table\");"
    );
    let _ = writeln!(
        s,
        "_Static_assert(FIX_LAST < FIX_TABLES * VMLAYOUT_PT_ENTRIES,\n               \"the fixmap slots fit the installed tables\");"
    );
    let _ = writeln!(s, "#endif\n\n#endif /* {GUARD} */");
    s
}
