//! A C header with the same constants and the memory-map table, for C kernels (a
//! Xen-style `config.h` could include it). Lower-case hex, lines of at most 80
//! columns, usable from assembly through `VMLAYOUT_UL`.

use std::fmt::Write;

use indoc::{formatdoc, writedoc};

use super::table::{RowKind, rows};
use crate::fmt::hex_plain;
use crate::names::{FixGroupConstants, GapConstants, RegionConstants};
use crate::plan::{Plan, SlotOrder};

const GUARD: &str = "VMLAYOUT_LAYOUT_H";

/// The header for `plan`; `source` names the layout file in the preamble.
pub fn render(plan: &Plan, source: &str) -> String {
    let mut s = String::new();
    opening(&mut s, source);
    memory_map(&mut s, plan);
    paging(&mut s, plan);
    platform(&mut s, plan);
    regions_and_gaps(&mut s, plan);
    fixmap(&mut s, plan);
    closing(&mut s, plan);
    s
}

fn define(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "#define {name:<31} {value}");
}

/// `#define NAME_END` where the exclusive end fits in 64 bits; a comment otherwise.
fn define_end(out: &mut String, name: &str, end: Option<u64>) {
    match end {
        Some(end) => define(out, name, &addr(end)),
        None => {
            let _ = writeln!(out, "/* {name}: none, 2^64 (see _LAST) */");
        }
    }
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

/// The preamble comment, the include guard and `VMLAYOUT_UL`.
fn opening(s: &mut String, source: &str) {
    let preamble = wrap(
        &super::preamble(&super::escape::block_comment(source)),
        " * ",
        80,
    )
    .join("\n");
    let _ = writedoc!(
        s,
        "
        /*
        {preamble}
         */
        #ifndef {GUARD}
        #define {GUARD}

        #ifdef __ASSEMBLY__
        #define VMLAYOUT_UL(x) x
        #else
        #define VMLAYOUT_UL(x) x##UL
        #endif

        "
    );
}

/// The memory map as a comment table, top-down, ends inclusive.
fn memory_map(s: &mut String, plan: &Plan) {
    let header = format!(
        " * {:<18} {:<18} {:<11} {:<4} name",
        "start", "end", "slots", "perm"
    );
    let _ = writedoc!(
        s,
        "
        /*
         * Memory map ({mode}), top-down; ends are inclusive.
         *
        {header}
         * {rule}
        ",
        mode = plan.paging.mode,
        rule = "=".repeat(74),
    );
    for row in rows(plan) {
        let label = match row.kind {
            // A nested entry is indented under the region that holds it.
            _ if !row.name.is_empty() => format!("{}{}", "  ".repeat(row.depth), row.name),
            RowKind::NonCanonical => "(non-canonical)".into(),
            _ => "(unused)".into(),
        };
        let perms = row.perms.map_or(String::new(), |p| p.short_columns());
        let line = format!(
            " * {:<18} {:<18} {:<11} {perms:<4} {label} {}",
            row.start, row.last, row.slots, row.size
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
    s.push_str(" */\n\n");
}

fn paging(s: &mut String, plan: &Plan) {
    let p = &plan.paging;
    s.push_str("/* Paging */\n");
    let mode = format!("VMLAYOUT_MODE_{}", p.mode.name().to_ascii_uppercase());
    define(s, &mode, "1");
    define(s, "VMLAYOUT_SATP_MODE", &p.satp_mode.to_string());
    define(s, "VMLAYOUT_PT_LEVELS", &p.levels.to_string());
    define(s, "VMLAYOUT_PT_ROOT_LEVEL", &p.root_level.to_string());
    define(s, "VMLAYOUT_PT_ENTRIES", &p.entries_per_table.to_string());
    define(s, "VMLAYOUT_VA_BITS", &p.va_bits.to_string());
    define(s, "VMLAYOUT_PAGE_SHIFT", &p.page_shift.to_string());
    define(s, "VMLAYOUT_PAGE_SIZE", &addr(p.page_size));
    define(
        s,
        "VMLAYOUT_ROOT_SLOT_SHIFT",
        &p.root_slot_shift.to_string(),
    );
    define(s, "VMLAYOUT_ROOT_SLOT_SIZE", &addr(p.root_slot_size));
    define(s, "VMLAYOUT_LOW_HALF_END", &addr(p.low_half_end));
    define(s, "VMLAYOUT_HIGH_HALF_START", &addr(p.high_half_start));
}

fn platform(s: &mut String, plan: &Plan) {
    let p = &plan.platform;
    s.push_str("\n/* Platform */\n");
    define(s, "VMLAYOUT_LOAD_ADDRESS", &addr(p.load_address));
    define(s, "VMLAYOUT_IDENTITY_SIZE", &addr(p.identity_size));
    define(s, "VMLAYOUT_IMAGE_MAX_SIZE", &addr(p.image_max_size));
    define(s, "VMLAYOUT_BOOT_POOL_TABLES", &plan.boot_tables.total().to_string());
    define(s, "VMLAYOUT_BOOT_SUPERPAGE_SIZE", &addr(p.boot_superpage));
    if let Some(max_ram) = p.max_ram {
        define(s, "VMLAYOUT_MAX_RAM", &addr(max_ram));
    }
}

fn regions_and_gaps(s: &mut String, plan: &Plan) {
    s.push_str("\n/* Regions: LAST and ROOT_SLOT_LAST are inclusive, END is exclusive */\n");
    for r in &plan.regions {
        let c = RegionConstants::of(&r.name);
        let _ = match &r.within {
            Some(parent) => writeln!(
                s,
                "\n/* {} ({}, inside {parent}) */",
                r.name,
                r.purpose.name()
            ),
            None => writeln!(s, "\n/* {} ({}) */", r.name, r.purpose.name()),
        };
        define(s, &c.start, &addr(r.start));
        define(s, &c.size, &addr(r.size));
        define(s, &c.last, &addr(r.last));
        define_end(s, &c.end, r.end());
        define(s, &c.first_slot, &r.first_slot.to_string());
        define(s, &c.last_slot, &r.last_slot.to_string());
    }
    if !plan.gaps.is_empty() {
        s.push_str("\n/* Guard gaps: never mapped; LAST is inclusive, END is exclusive */\n");
    }
    for g in &plan.gaps {
        let c = GapConstants::of(&g.name);
        if let Some(parent) = &g.within {
            let _ = writeln!(s, "/* {} lies inside {parent} */", g.name);
        }
        define(s, &c.start, &addr(g.start));
        define(s, &c.size, &addr(g.size));
        define(s, &c.last, &addr(g.last));
        define_end(s, &c.end, g.end());
    }
}

fn fixmap(s: &mut String, plan: &Plan) {
    let f = &plan.fixmap;
    s.push_str("\n/* Fixmap: slot END is exclusive, FIX_LAST inclusive */\n");
    define(s, "FIXADDR_START", &addr(f.base));
    define(s, "FIXADDR_TOP", &addr(f.top));
    define(s, "FIX_LAST", &f.last.to_string());
    define(s, "FIX_COUNT", &f.slot_count().to_string());
    define(s, "FIX_TABLES", &f.tables.to_string());
    define(s, "FIXMAP_TABLES_START", &addr(f.tables_start));
    let slot_address = match f.order {
        SlotOrder::Up => "(FIXADDR_START + (n) * VMLAYOUT_PAGE_SIZE)",
        SlotOrder::Down => "(FIXADDR_TOP - ((n) + 1) * VMLAYOUT_PAGE_SIZE)",
    };
    define(s, "FIXMAP_ADDR(n)", slot_address);
    for g in &f.groups {
        if g.hole {
            let _ = writeln!(s, "/* {}: a hole, never mapped */", g.name);
        }
        let c = FixGroupConstants::of(&g.name);
        define(s, &c.begin, &g.first.to_string());
        define(s, &c.end, &g.end().to_string());
        define(s, &c.count, &g.count.to_string());
    }
}

/// Compile-time checks for C, then the end of the include guard.
fn closing(s: &mut String, plan: &Plan) {
    let ends = match plan.fixmap.order {
        SlotOrder::Up => {
            "_Static_assert(FIXADDR_TOP == FIXMAP_ADDR(FIX_LAST + 1),\n               \"FIXADDR_TOP is one past the last slot\");"
        }
        SlotOrder::Down => {
            "_Static_assert(FIXADDR_START == FIXMAP_ADDR(FIX_LAST),\n               \"FIXADDR_START is the last slot's page\");"
        }
    };
    s.push_str(&formatdoc!(
        r#"

        #ifndef __ASSEMBLY__
        {ends}
        _Static_assert(FIXMAP_TABLES_START % (VMLAYOUT_PT_ENTRIES * VMLAYOUT_PAGE_SIZE) == 0,
                       "the fixmap tables start at a level-0 table boundary");
        _Static_assert(FIX_LAST < FIX_TABLES * VMLAYOUT_PT_ENTRIES,
                       "the fixmap slots fit the installed tables");
        #endif

        #endif /* {GUARD} */
        "#
    ));
}
