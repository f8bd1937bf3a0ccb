//! A C header with the same constants and the memory-map table, for C kernels (a
//! Xen-style `config.h` includes it unchanged). Lower-case hex, lines of at most 80
//! columns. It works wherever a preprocessor reads it — C89 to C23, C++, assembly
//! (`__ASSEMBLY__` or `__ASSEMBLER__`), linker scripts — so its checks are
//! `#if … #error`, never `_Static_assert`. `[c_header]` chooses what kernels differ
//! on: `_END` names and their meaning, literal style, a prefix, aliases.

use std::fmt::Write;

use indoc::{formatdoc, writedoc};

use super::table::{RowKind, rows};
use crate::fmt::hex_plain;
use crate::names::{FixGroupConstants, GapConstants, RegionConstants};
use crate::plan::{CEnds, CHeader, CLiterals, Plan, SlotOrder};

const GUARD: &str = "VMLAYOUT_LAYOUT_H";

/// The header for `plan`; `source` names the layout file in the preamble.
pub fn render(plan: &Plan, source: &super::Origin) -> String {
    render_with(plan, source, true)
}

/// The header's definitions without the `[c_header]` aliases, and without the
/// memory-map comment (it defines nothing): the names validation checks the
/// aliases against.
pub fn render_without_aliases(plan: &Plan, source: &super::Origin) -> String {
    render_with(plan, source, false)
}

/// The header; with `full` false, without the aliases and the memory-map comment.
fn render_with(plan: &Plan, source: &super::Origin, full: bool) -> String {
    let mut h = Header {
        s: String::new(),
        opts: &plan.c_header,
    };
    h.opening(source);
    if full {
        memory_map(&mut h.s, plan);
    }
    h.paging(plan);
    h.platform(plan);
    h.regions_and_gaps(plan);
    h.fixmap(plan);
    if full {
        h.aliases();
    }
    h.closing(plan);
    h.s
}

/// The header being written, with the plan's C naming profile.
struct Header<'a> {
    s: String,
    opts: &'a CHeader,
}

impl Header<'_> {
    /// `name` as the header defines it: with the prefix, unless a `VMLAYOUT_*` built-in.
    fn name(&self, name: &str) -> String {
        if name.starts_with("VMLAYOUT_") {
            name.to_string()
        } else {
            format!("{}{name}", self.opts.prefix)
        }
    }

    /// `#define NAME value`, the value on a continuation line when the two do not
    /// fit 80 columns.
    fn define(&mut self, name: &str, value: &str) {
        let name = self.name(name);
        self.define_as_is(&name, value);
    }

    /// `#define name value` with `name` as given (no prefix), wrapped as
    /// [`Header::define`] wraps.
    fn define_as_is(&mut self, name: &str, value: &str) {
        // `#define NAME` with the name padded to 31 columns, then the value.
        let padded = name.len().max(31);
        self.s.push_str("#define ");
        self.s.push_str(name);
        if 8 + padded + 1 + value.len() <= 80 {
            self.s
                .extend(std::iter::repeat_n(' ', padded - name.len() + 1));
        } else {
            self.s.push_str(" \\\n        ");
        }
        self.s.push_str(value);
        self.s.push('\n');
    }

    /// An address or size in the profile's literal style.
    fn addr(&self, value: u64) -> String {
        match self.opts.literals {
            CLiterals::Ul => format!("VMLAYOUT_UL({})", hex_plain(value)),
            CLiterals::Plain => hex_plain(value),
        }
    }

    /// `NAME_END` as the profile says, for a range whose last byte (or slot) is
    /// `last`: none, exclusive (a comment where that is 2^64) or inclusive.
    fn define_end(&mut self, name: &str, last: u64, as_value: impl Fn(&Self, u64) -> String) {
        match self.opts.ends {
            CEnds::None => {}
            CEnds::Inclusive => {
                let value = as_value(self, last);
                self.define(name, &value);
            }
            CEnds::Exclusive => match last.checked_add(1) {
                Some(end) => {
                    let value = as_value(self, end);
                    self.define(name, &value);
                }
                None => {
                    let name = self.name(name);
                    let _ = writeln!(self.s, "/* {name}: none, 2^64 (see _LAST) */");
                }
            },
        }
    }

    /// What the section comments say about the ends.
    fn ends_note(&self) -> &'static str {
        match self.opts.ends {
            CEnds::None => "_LAST is inclusive",
            CEnds::Exclusive => "_LAST is inclusive, _END exclusive",
            CEnds::Inclusive => "_LAST and _END are inclusive",
        }
    }

    /// The preamble comment, the include guard and `VMLAYOUT_UL`.
    fn opening(&mut self, source: &super::Origin) {
        let preamble = wrap(
            &super::escape::block_comment(&super::preamble(source)),
            " * ",
            80,
        )
        .join("\n");
        let _ = writedoc!(
            self.s,
            "
            /*
            {preamble}
             */
            #ifndef {GUARD}
            #define {GUARD}

            #if defined(__ASSEMBLY__) || defined(__ASSEMBLER__)
            #define VMLAYOUT_UL(x) x
            #else
            #define VMLAYOUT_UL(x) x##UL
            #endif

            "
        );
    }

    fn paging(&mut self, plan: &Plan) {
        let p = &plan.paging;
        self.s.push_str("/* Paging */\n");
        let mode = format!("VMLAYOUT_MODE_{}", p.mode.name().to_ascii_uppercase());
        self.define(&mode, "1");
        self.define("VMLAYOUT_SATP_MODE", &p.satp_mode.to_string());
        self.define("VMLAYOUT_PT_LEVELS", &p.levels.to_string());
        self.define("VMLAYOUT_PT_ROOT_LEVEL", &p.root_level.to_string());
        self.define("VMLAYOUT_PT_ENTRIES", &p.entries_per_table.to_string());
        self.define("VMLAYOUT_VA_BITS", &p.va_bits.to_string());
        self.define("VMLAYOUT_PAGE_SHIFT", &p.page_shift.to_string());
        let page = self.addr(p.page_size);
        self.define("VMLAYOUT_PAGE_SIZE", &page);
        self.define("VMLAYOUT_ROOT_SLOT_SHIFT", &p.root_slot_shift.to_string());
        for (name, value) in [
            ("VMLAYOUT_ROOT_SLOT_SIZE", p.root_slot_size),
            ("VMLAYOUT_LOW_HALF_END", p.low_half_end),
            ("VMLAYOUT_HIGH_HALF_START", p.high_half_start),
        ] {
            let value = self.addr(value);
            self.define(name, &value);
        }
    }

    fn platform(&mut self, plan: &Plan) {
        let p = &plan.platform;
        self.s
            .push_str("\n/* Platform: LOAD_LAST and IDENTITY_RANGE_LAST are inclusive */\n");
        let addresses = [
            ("VMLAYOUT_LOAD_ADDRESS", Some(p.load_address)),
            ("VMLAYOUT_LOAD_FIRST", Some(p.load_first)),
            ("VMLAYOUT_LOAD_LAST", Some(p.load_last)),
            ("VMLAYOUT_LOAD_ALIGN", Some(p.load_align)),
            ("VMLAYOUT_IDENTITY_RANGE_START", Some(p.identity_start)),
            ("VMLAYOUT_IDENTITY_RANGE_LAST", Some(p.identity_end - 1)),
            ("VMLAYOUT_IDENTITY_SIZE", Some(p.identity_size)),
            ("VMLAYOUT_IMAGE_MAX_SIZE", Some(p.image_max_size)),
            ("VMLAYOUT_BOOT_SUPERPAGE_SIZE", Some(p.boot_superpage)),
            ("VMLAYOUT_MAX_RAM", p.max_ram),
        ];
        for (name, value) in addresses {
            if let Some(value) = value {
                let value = self.addr(value);
                self.define(name, &value);
            }
        }
        self.define("VMLAYOUT_MAX_HARTS", &p.max_harts.to_string());
        self.define(
            "VMLAYOUT_BOOT_POOL_TABLES",
            &plan.boot_tables.total().to_string(),
        );
    }

    fn regions_and_gaps(&mut self, plan: &Plan) {
        let note = self.ends_note();
        let _ = writeln!(self.s, "\n/* Regions: {note} (so is _ROOT_SLOT_LAST) */");
        for r in &plan.regions {
            let c = RegionConstants::of(&r.name);
            let _ = match &r.within {
                Some(parent) => writeln!(
                    self.s,
                    "\n/* {} ({}, inside {parent}) */",
                    r.name,
                    r.purpose.name()
                ),
                None => writeln!(self.s, "\n/* {} ({}) */", r.name, r.purpose.name()),
            };
            for (name, value) in [(&c.start, r.start), (&c.size, r.size), (&c.last, r.last)] {
                let value = self.addr(value);
                self.define(name, &value);
            }
            self.define_end(&c.end, r.last, Self::addr);
            let align = self.addr(r.align);
            self.define(&c.align, &align);
            self.define(&c.first_slot, &r.first_slot.to_string());
            self.define(&c.last_slot, &r.last_slot.to_string());
        }
        if !plan.gaps.is_empty() {
            let _ = writeln!(self.s, "\n/* Guard gaps: never mapped; {note} */");
        }
        for g in &plan.gaps {
            let c = GapConstants::of(&g.name);
            if let Some(parent) = &g.within {
                let _ = writeln!(self.s, "/* {} lies inside {parent} */", g.name);
            }
            for (name, value) in [(&c.start, g.start), (&c.size, g.size), (&c.last, g.last)] {
                let value = self.addr(value);
                self.define(name, &value);
            }
            self.define_end(&c.end, g.last, Self::addr);
        }
    }

    fn fixmap(&mut self, plan: &Plan) {
        let f = &plan.fixmap;
        let note = self.ends_note();
        let _ = writeln!(
            self.s,
            "\n/* Fixmap: FIX_LAST is inclusive, FIXADDR_TOP exclusive */\n/* Slot groups: {note} */\n/* FIX_<G>_HART_SLOT(h, i): hart h's slot i of a group, unchecked:\n   h < FIX_<G>_HARTS and i < FIX_<G>_PER_HART are the caller's to keep\n   (the Rust module's <g>_hart_slot checks them) */"
        );
        for (name, value) in [
            ("FIXADDR_START", f.base),
            ("FIXADDR_TOP", f.top),
            ("FIXMAP_TABLES_START", f.tables_start),
        ] {
            let value = self.addr(value);
            self.define(name, &value);
        }
        self.define("FIX_LAST", &f.last.to_string());
        self.define("FIX_COUNT", &f.slot_count().to_string());
        self.define("FIX_TABLES", &f.tables.to_string());
        let slot_address = match f.order {
            SlotOrder::Up => format!(
                "({} + (n) * VMLAYOUT_PAGE_SIZE)",
                self.name("FIXADDR_START")
            ),
            SlotOrder::Down => format!(
                "({} - ((n) + 1) * VMLAYOUT_PAGE_SIZE)",
                self.name("FIXADDR_TOP")
            ),
        };
        self.define("FIXMAP_ADDR(n)", &slot_address);
        for g in &f.groups {
            if g.hole {
                let _ = writeln!(self.s, "/* {}: a hole, never mapped */", g.name);
            }
            let c = FixGroupConstants::of(&g.name);
            self.define(&c.begin, &g.first.to_string());
            self.define(&c.last, &(g.end() - 1).to_string());
            self.define_end(&c.end, g.end() - 1, |_, slot| slot.to_string());
            self.define(&c.count, &g.count.to_string());
            self.define(&c.harts, &g.harts.to_string());
            self.define(&c.per_hart, &g.per_hart().to_string());
            let hart_slot = format!(
                "({} + (h) * {} + (i))",
                self.name(&c.begin),
                self.name(&c.per_hart)
            );
            self.define(&format!("{}(h, i)", c.hart_slot), &hart_slot);
        }
    }

    /// `#define ALIAS NAME` for each `[c_header]` alias.
    fn aliases(&mut self) {
        if self.opts.aliases.is_empty() {
            return;
        }
        self.s.push_str("\n/* Aliases ([c_header] aliases) */\n");
        let opts = self.opts;
        for (alias, target) in &opts.aliases {
            self.define_as_is(alias, target);
        }
    }

    /// Checks the preprocessor evaluates (so C89, C++, assembly and linker scripts
    /// run them alike), then the end of the include guard.
    fn closing(&mut self, plan: &Plan) {
        let n = |name: &str| self.name(name);
        let (top, start, last, tables_start, tables) = (
            n("FIXADDR_TOP"),
            n("FIXADDR_START"),
            n("FIX_LAST"),
            n("FIXMAP_TABLES_START"),
            n("FIX_TABLES"),
        );
        let addr = n("FIXMAP_ADDR");
        let ends = match plan.fixmap.order {
            SlotOrder::Up => formatdoc!(
                r#"
                #if {top} != {addr}({last} + 1)
                #error "layout.h: FIXADDR_TOP is not one past the last slot"
                #endif"#
            ),
            SlotOrder::Down => formatdoc!(
                r#"
                #if {start} != {addr}({last})
                #error "layout.h: FIXADDR_START is not the last slot's page"
                #endif"#
            ),
        };
        let checks = formatdoc!(
            r#"

            /* Checks, evaluated by the preprocessor wherever this header is included */
            {ends}
            #if {tables_start} % (VMLAYOUT_PT_ENTRIES * VMLAYOUT_PAGE_SIZE) != 0
            #error "layout.h: the fixmap tables do not start at a level-0 table boundary"
            #endif
            #if {last} >= {tables} * VMLAYOUT_PT_ENTRIES
            #error "layout.h: the fixmap slots do not fit the installed tables"
            #endif

            #endif /* {GUARD} */
            "#
        );
        self.s.push_str(&checks);
    }
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
        // Too wide for 80 columns: the name and size go on a line of their own.
        let line = if line.len() > 80 {
            format!(
                " * {:<18} {:<18} {:<11} {perms}\n *     {label} {}",
                row.start, row.last, row.slots, row.size
            )
        } else {
            line
        };
        // ASCII only ("≈" in an approximate size), no trailing blanks.
        for part in line.replace('≈', "~").lines() {
            let _ = writeln!(s, "{}", part.trim_end());
        }
    }
    s.push_str(" */\n\n");
}
