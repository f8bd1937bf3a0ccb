//! The fixmap: its bounds, one set of constants per slot group, the `FixSlot` enum
//! and the slot ↔ address functions.

use indoc::{formatdoc, indoc};

use super::source::{Expr, binary};
use super::{Source, dec, lit};
use crate::emit::escape::visible;
use crate::names::{
    FixGroupConstants, RegionConstants, fix_hart_slot_fn, fix_slot_fn, fix_slot_variant,
    role_constant,
};
use crate::plan::{FixGroup, Fixmap, Plan, SlotOrder};

pub(super) fn fixmap(out: &mut Source, plan: &Plan) {
    let f = &plan.fixmap;
    out.constant(
        &["The lowest fixmap slot's address (slot 0 counting up, `FIX_LAST` counting down)."],
        "FIXADDR_START: usize",
        &lit(f.base),
    );
    out.constant(
        &["Exclusive end of the fixmap slots."],
        "FIXADDR_TOP: usize",
        &lit(f.top),
    );
    out.constant(
        &["Index of the last fixmap slot (inclusive)."],
        "FIX_LAST: usize",
        &dec(f.last),
    );
    out.constant(
        &["Number of fixmap slots, holes included."],
        "FIX_COUNT: usize",
        &dec(f.slot_count()),
    );
    out.constant(
        &["Level-0 tables the fixmap installs (one per 512 slots)."],
        "FIX_TABLES: usize",
        &dec(f.tables),
    );
    out.constant(
        &[
            "The first address the fixmap's level-0 tables map; they cover",
            "`FIXMAP_TABLES_START..FIXMAP_TABLES_START + FIX_TABLES * L0_TABLE_SPAN`.",
        ],
        "FIXMAP_TABLES_START: usize",
        &lit(f.tables_start),
    );
    out.constant(
        &[
            "Which way slot numbers run: `\"up\"` from FIXADDR_START (Xen, Arm) or `\"down\"`",
            "from FIXADDR_TOP (Linux).",
        ],
        "FIX_ORDER: &str",
        &Expr::string(f.order.name()),
    );
    out.blank();
    bounds(out, f);
    out.blank();
    slot_addresses(out, f);
    for (index, g) in f.groups.iter().enumerate() {
        group(out, g, index);
    }
    slot_enum(out, f);
    groups_by_role(out, f);
}

/// `fix_to_virt`, and assertions that the slots and their tables lie in the region.
fn bounds(out: &mut Source, f: &Fixmap) {
    let region = RegionConstants::of(&f.region);
    out.fixed(indoc! {r#"
        /// The virtual address a fixmap slot maps.
        pub const fn fix_to_virt(slot: FixSlot) -> usize {
            fixmap_addr(slot as usize)
        }

        const _: () = assert!(
            FIXMAP_TABLES_START % L0_TABLE_SPAN == 0,
            "the fixmap tables start at a level-0 table boundary"
        );
    "#});
    out.assert(
        binary(">=", "FIXMAP_TABLES_START", &region.start),
        "the fixmap tables start inside the fixmap region",
    );
    out.assert(
        binary(
            "<=",
            binary(
                "+",
                "FIXMAP_TABLES_START",
                "(FIX_TABLES * L0_TABLE_SPAN - 1)",
            ),
            &region.last,
        ),
        "the fixmap tables end inside the fixmap region",
    );
    out.assert(
        binary("<=", binary("-", "FIXADDR_TOP", "1"), &region.last),
        "fixmap slots fit the fixmap region",
    );
    out.fixed(indoc! {r#"
        const _: () = assert!(
            FIX_LAST < FIX_TABLES * PT_ENTRIES,
            "fixmap slots fit the installed tables"
        );
        const _: () = assert!(FIX_COUNT == FIX_LAST + 1, "slot count agrees with FIX_LAST");
    "#});
}

/// `fixmap_addr`, `virt_to_fix` and `fix_table_entry` for the plan's slot order.
fn slot_addresses(out: &mut Source, f: &Fixmap) {
    out.fixed(match f.order {
        SlotOrder::Up => indoc! {r#"
            /// The virtual address of fixmap slot `slot`, counting up from FIXADDR_START;
            /// `FIX_LAST + 1` gives FIXADDR_TOP. A slot past that is a compile-time error in
            /// const context and a panic otherwise.
            pub const fn fixmap_addr(slot: usize) -> usize {
                assert!(slot <= FIX_LAST + 1, "fixmap slot out of range");
                FIXADDR_START + slot * PAGE_SIZE
            }

            /// The fixmap slot whose page holds `vaddr`, or `None` outside the mapped slots.
            pub const fn virt_to_fix(vaddr: usize) -> Option<FixSlot> {
                if vaddr < FIXADDR_START || vaddr >= FIXADDR_TOP {
                    return None;
                }
                FixSlot::from_index((vaddr - FIXADDR_START) >> PAGE_SHIFT)
            }

            /// The index of slot `slot`'s entry in the level-0 tables, seen as one run of
            /// `FIX_TABLES * PT_ENTRIES` entries from `FIXMAP_TABLES_START` (`slot` at most
            /// `FIX_LAST`; no check, for the fixmap's fast path).
            pub const fn fix_table_entry(slot: usize) -> usize {
                slot + ((FIXADDR_START - FIXMAP_TABLES_START) >> PAGE_SHIFT)
            }

            const _: () = assert!(
                FIXADDR_START % L0_TABLE_SPAN == 0,
                "fixmap base is aligned to one level-0 table"
            );
            const _: () = assert!(
                FIXADDR_TOP == fixmap_addr(FIX_LAST + 1),
                "FIXADDR_TOP is one past the last slot"
            );
        "#},
        SlotOrder::Down => indoc! {r#"
            /// The virtual address of fixmap slot `slot`, counting down from FIXADDR_TOP (slot 0
            /// is the page just below it). A slot past `FIX_LAST` is a compile-time error in
            /// const context and a panic otherwise.
            pub const fn fixmap_addr(slot: usize) -> usize {
                assert!(slot <= FIX_LAST, "fixmap slot out of range");
                FIXADDR_TOP - (slot + 1) * PAGE_SIZE
            }

            /// The fixmap slot whose page holds `vaddr`, or `None` outside the mapped slots.
            pub const fn virt_to_fix(vaddr: usize) -> Option<FixSlot> {
                if vaddr < FIXADDR_START || vaddr >= FIXADDR_TOP {
                    return None;
                }
                FixSlot::from_index((FIXADDR_TOP - 1 - vaddr) >> PAGE_SHIFT)
            }

            /// The index of slot `slot`'s entry in the level-0 tables, seen as one run of
            /// `FIX_TABLES * PT_ENTRIES` entries from `FIXMAP_TABLES_START` (`slot` at most
            /// `FIX_LAST`; no check, for the fixmap's fast path).
            pub const fn fix_table_entry(slot: usize) -> usize {
                ((FIXADDR_TOP - FIXMAP_TABLES_START) >> PAGE_SHIFT) - 1 - slot
            }

            const _: () = assert!(
                FIXADDR_TOP % L0_TABLE_SPAN == 0,
                "FIXADDR_TOP is aligned to one level-0 table"
            );
            const _: () = assert!(
                FIXADDR_START == fixmap_addr(FIX_LAST),
                "FIXADDR_START is the last slot's page"
            );
        "#},
    });
    out.blank();
}

/// One group's `FIX_<G>_BEGIN/_LAST/_END/_COUNT` and `<g>_slot(i)`: the same items for
/// every count.
fn group(out: &mut Source, g: &FixGroup, index: usize) {
    let c = FixGroupConstants::of(&g.name);
    let doc = format!(
        "Fixmap group `{}`: {}. Slots {}..{} (LAST inclusive, END exclusive).",
        g.name,
        visible(&g.description),
        g.first,
        g.end()
    );
    out.constant(&[&doc], &format!("{}: usize", c.begin), &dec(g.first));
    out.constant(
        &["The group's last slot (inclusive)."],
        &format!("{}: usize", c.last),
        &dec(g.end() - 1),
    );
    out.constant(
        &["One past the group's last slot."],
        &format!("{}: usize", c.end),
        &dec(g.end()),
    );
    out.constant(
        &["Slots in the group, every hart's together."],
        &format!("{}: usize", c.count),
        &dec(g.count),
    );
    out.constant(
        &["Harts the group has slots for: 1 when every hart shares its slots."],
        &format!("{}: usize", c.harts),
        &dec(g.harts),
    );
    out.constant(
        &["Slots each hart has: hart `h`'s are `BEGIN + h * PER_HART ..` (exclusive end `+ PER_HART`)."],
        &format!("{}: usize", c.per_hart),
        &dec(g.per_hart()),
    );
    out.doc(&format!(
        "Slot `i` of group `{}`, or `None` past its {} slot(s).",
        g.name, g.count
    ));
    out.fixed(&formatdoc! {"
        pub const fn {accessor}(i: usize) -> Option<FixSlot> {{
            if i < {count} {{
                FixSlot::from_index({begin} + i)
            }} else {{
                None
            }}
        }}
        ",
        accessor = fix_slot_fn(&g.name),
        count = c.count,
        begin = c.begin,
    });
    out.doc(&format!(
        "Slot `i` of hart `hart`'s share of group `{}`, or `None` past hart {} or slot {}{}.",
        g.name,
        g.harts - 1,
        g.per_hart() - 1,
        if g.is_per_hart() {
            ""
        } else {
            " (the group is shared: hart 0's share is every hart's)"
        }
    ));
    // The signature as rustfmt lays it out: on one line when it fits.
    let accessor = fix_hart_slot_fn(&g.name);
    let signature = format!("pub const fn {accessor}(hart: usize, i: usize) -> Option<FixSlot> {{");
    if signature.len() <= 100 {
        out.line(&signature);
    } else {
        out.fixed(&formatdoc! {"
            pub const fn {accessor}(
                hart: usize,
                i: usize,
            ) -> Option<FixSlot> {{"
        });
    }
    out.fixed(&formatdoc! {"
            FIX_GROUPS[{index}].hart_slot(hart, i)
        }}
    "});
    out.blank();
}

/// `FIX_GROUPS`, one `FixGroup` per group in slot order, and the `role` module: a
/// constant per role, so a consumer finds a group by what it is for.
fn groups_by_role(out: &mut Source, f: &Fixmap) {
    out.fixed(indoc! {"
        /// A named run of fixmap slots, `first..first + count`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct FixGroup {
            /// Its name in layout.toml.
            pub name: &'static str,
            /// What the group is for, as consumers name it.
            pub role: Option<&'static str>,
            /// Index of the first slot.
            pub first: usize,
            /// Slots in the group, at least one: every hart's together.
            pub count: usize,
            /// Harts the group has slots for: 1 when every hart shares its slots,
            /// `MAX_HARTS` for a per-hart group. Hart `h` has
            /// `first + h * per_hart() ..` (exclusive end `+ per_hart()`).
            pub harts: usize,
        }

        impl FixGroup {
            /// Slots each hart has: `count / harts`.
            pub const fn per_hart(&self) -> usize {
                self.count / self.harts
            }

            /// Slot `i` of hart `hart`'s share, or `None` past the last hart or the
            /// hart's last slot. A shared group (`harts == 1`) has hart 0 only.
            pub const fn hart_slot(&self, hart: usize, i: usize) -> Option<FixSlot> {
                if hart < self.harts && i < self.per_hart() {
                    FixSlot::from_index(self.first + hart * self.per_hart() + i)
                } else {
                    None
                }
            }

            /// Slot `i` of the group, or `None` past its end.
            pub const fn slot(&self, i: usize) -> Option<FixSlot> {
                if i < self.count {
                    FixSlot::from_index(self.first + i)
                } else {
                    None
                }
            }

            /// The position of `slot` in the group, or `None` if it is not the group's.
            pub const fn position(&self, slot: FixSlot) -> Option<usize> {
                let i = slot.index().wrapping_sub(self.first);
                if i < self.count { Some(i) } else { None }
            }
        }
    "});
    out.blank();
    let rows = f
        .groups
        .iter()
        .map(|g| {
            let role = match &g.role {
                Some(r) => Expr::atom(format!("Some({r:?})")),
                None => Expr::atom("None"),
            };
            Expr::Struct(
                "FixGroup".into(),
                vec![
                    ("name", Expr::string(&g.name)),
                    ("role", role),
                    ("first", dec(g.first)),
                    ("count", dec(g.count)),
                    ("harts", dec(g.harts)),
                ],
            )
        })
        .collect();
    out.constant(
        &["Every fixmap group, in slot order."],
        "FIX_GROUPS: &[FixGroup]",
        &Expr::Array("&", rows),
    );
    out.blank();
    out.doc("The fixmap groups by role (`role = \"…\"` in the layout).");
    out.open("pub mod role {");
    for (i, g) in f.groups.iter().enumerate() {
        if let Some(role) = &g.role {
            out.constant(
                &[&format!("The group with role `{role}`: `{}`.", g.name)],
                &format!("{}: super::FixGroup", role_constant(role)),
                &Expr::atom(format!("super::FIX_GROUPS[{i}]")),
            );
        }
    }
    out.close("}");
    out.blank();
}

/// The `FixSlot` enum: one variant per slot, in slot order.
fn slot_enum(out: &mut Source, f: &Fixmap) {
    let mut slots = Vec::new();
    let mut by_index = Vec::new();
    let mut holes = Vec::new();
    let mut docs = Vec::new();
    for g in &f.groups {
        for i in 0..g.count {
            if g.hole {
                holes.push(dec(g.first + i));
                by_index.push(Expr::atom("None"));
            } else {
                let variant = fix_slot_variant(&g.name, i);
                by_index.push(Expr::atom(format!("Some(FixSlot::{variant})")));
                slots.push((variant, g.first + i, format!("{}[{i}]", g.name)));
                docs.push(if g.is_per_hart() {
                    let (hart, slot) = (i / g.per_hart(), i % g.per_hart());
                    format!("Slot `{}[{i}]`: hart {hart}'s slot {slot}.", g.name)
                } else {
                    format!("Slot `{}[{i}]`.", g.name)
                });
            }
        }
    }
    out.constant(
        &["Fixmap slots that can be mapped (`FIX_COUNT` less the holes)."],
        "FIX_MAPPABLE: usize",
        &dec(slots.len() as u64),
    );
    out.constant(
        &["The slots of hole groups: never mapped, so a load from one faults."],
        "FIX_HOLES: &[usize]",
        &Expr::Array("&", holes),
    );
    out.blank();
    let groups: Vec<String> = f
        .groups
        .iter()
        .map(|g| {
            format!(
                "{} × {}{}",
                g.name,
                g.count,
                if g.hole { " (hole)" } else { "" }
            )
        })
        .collect();
    out.doc(&format!(
        "Every fixmap slot that can be mapped, by group: {}.",
        groups.join(", ")
    ));
    out.line("#[repr(u16)]");
    out.line("#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]");
    out.open("pub enum FixSlot {");
    for ((variant, index, _), doc) in slots.iter().zip(&docs) {
        out.doc(doc);
        out.line(&format!("{variant} = {index},"));
    }
    out.close("}");
    out.blank();
    slot_impl(out, &slots, by_index);
}

/// `impl FixSlot`: `ALL`, `from_index`, `index`, `addr`, `name`. `slots` holds each
/// mappable slot's variant, index and name; `by_index` the slot at every index.
fn slot_impl(out: &mut Source, slots: &[(String, u64, String)], by_index: Vec<Expr>) {
    out.open("impl FixSlot {");
    let all = slots
        .iter()
        .map(|(v, _, _)| Expr::atom(format!("FixSlot::{v}")))
        .collect();
    out.constant(
        &["Every slot that can be mapped, in index order."],
        "ALL: [FixSlot; FIX_MAPPABLE]",
        &Expr::Array("", all),
    );
    out.blank();
    out.doc("Slot `index`, or `None` for a hole or past `FIX_LAST`.");
    out.open("pub const fn from_index(index: usize) -> Option<FixSlot> {");
    out.assign(
        "const BY_INDEX: [Option<FixSlot>; FIX_COUNT]",
        &Expr::Array("", by_index),
    );
    out.fixed(indoc! {"
        if index < FIX_COUNT {
            BY_INDEX[index]
        } else {
            None
        }
    "});
    out.close("}");
    out.blank();
    out.fixed(indoc! {"
        /// The slot's number.
        pub const fn index(self) -> usize {
            self as usize
        }

        /// The slot's virtual address.
        pub const fn addr(self) -> usize {
            fix_to_virt(self)
        }
    "});
    out.blank();
    out.doc("`pmap[3]`, `misc[0]`: the group and the slot's position in it.");
    out.open("pub const fn name(self) -> &'static str {");
    out.open("match self {");
    for (variant, _, name) in slots {
        out.arm(&format!("FixSlot::{variant}"), &format!("{name:?}"));
    }
    out.close("}");
    out.close("}");
    out.close("}");
    out.blank();
}
