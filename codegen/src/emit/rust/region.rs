//! One region's or one gap's constants, with const assertions that they agree.

use super::source::{Expr, binary};
use super::{Source, dec, lit, perms};
use crate::emit::escape::visible;
use crate::fmt::{hex, human_size, slot_range};
use crate::names::{GapConstants, RegionConstants};
use crate::plan::{Gap, Plan, Region};

/// The constants of region `r`.
pub(super) fn region(out: &mut Source, plan: &Plan, r: &Region) {
    let n = RegionConstants::of(&r.name);
    let root = plan.paging.root_level;
    let slots = slot_range(r.first_slot, r.last_slot);
    let doc = format!(
        "`{}` ({}): {}. {} at {}, L{root} slot {slots}, {}.",
        r.name,
        r.purpose.name(),
        visible(&r.description),
        human_size(r.size),
        hex(r.start),
        r.perms.columns()
    );
    out.constant(&[&doc], &format!("{}: usize", n.start), &lit(r.start));
    out.constant(
        &["Size in bytes."],
        &format!("{}: usize", n.size),
        &lit(r.size),
    );
    out.constant(
        &["Last byte (inclusive)."],
        &format!("{}: usize", n.last),
        &lit(r.last),
    );
    out.constant(
        &["Every address of the region: `START..=LAST`."],
        &format!("{}: core::ops::RangeInclusive<usize>", n.range),
        &binary("..=", &n.start, &n.last),
    );
    out.constant(
        &["The alignment its start meets, in bytes."],
        &format!("{}: usize", n.align),
        &lit(r.align),
    );
    out.constant(
        &["First root-table slot the region touches."],
        &format!("{}: usize", n.first_slot),
        &dec(r.first_slot),
    );
    out.constant(
        &["Last root-table slot the region touches (inclusive)."],
        &format!("{}: usize", n.last_slot),
        &dec(r.last_slot),
    );
    out.constant(
        &["Its permissions."],
        &format!("{}: Perms", n.perms),
        &perms(&r.perms),
    );
    out.assert(
        binary(
            "==",
            binary("+", &n.start, format!("({} - 1)", n.size)),
            &n.last,
        ),
        "region bounds agree",
    );
    out.assert(
        binary("==", binary("%", &n.start, &n.align), "0"),
        "region start meets its alignment",
    );
    out.assert(
        binary("==", binary("%", &n.size, "PAGE_SIZE"), "0"),
        "region is whole pages",
    );
    out.assert(
        binary("==", slot_of(&n.start), &n.first_slot),
        "first root slot agrees",
    );
    out.assert(
        binary("==", slot_of(&n.last), &n.last_slot),
        "last root slot agrees",
    );
    exclusive_end(out, &n.end, &n.last, r.end());
    out.blank();
}

/// `(addr >> ROOT_SLOT_SHIFT) % PT_ENTRIES`: the root slot of constant `addr`.
fn slot_of(addr: &str) -> Expr {
    binary("%", format!("({addr} >> ROOT_SLOT_SHIFT)"), "PT_ENTRIES")
}

/// `<NAME>_END`, exclusive, where it fits in 64 bits; for an item that ends at the
/// top of the address space, a comment saying why there is none.
fn exclusive_end(out: &mut Source, end: &str, last: &str, value: Option<u64>) {
    match value {
        Some(v) => {
            out.constant(&["Exclusive end."], &format!("{end}: usize"), &lit(v));
            out.assert(
                binary("==", binary("+", last, "1"), end),
                "exclusive end follows the last byte",
            );
        }
        None => {
            out.doc(&format!(
                "Ends at the top of the address space: its exclusive end would be 2^64, so there is no `{end}`; use `{last}`."
            ));
            out.assert(
                binary("==", last, "usize::MAX"),
                "ends at the top of the address space",
            );
        }
    }
}

/// The constants of guard gap `g`.
pub(super) fn gap(out: &mut Source, g: &Gap) {
    let n = GapConstants::of(&g.name);
    let doc = format!(
        "Guard gap `{}`: {} between `{}` and `{}`; never mapped.",
        g.name,
        human_size(g.size),
        g.below,
        g.above
    );
    out.constant(&[&doc], &format!("{}: usize", n.start), &lit(g.start));
    out.constant(
        &["Size of the gap."],
        &format!("{}: usize", n.size),
        &lit(g.size),
    );
    out.constant(
        &["Last byte of the gap (inclusive)."],
        &format!("{}: usize", n.last),
        &lit(g.last),
    );
    out.assert(
        binary(
            "==",
            binary("+", &n.start, format!("({} - 1)", n.size)),
            &n.last,
        ),
        "gap bounds agree",
    );
    exclusive_end(out, &n.end, &n.last, g.end());
    out.blank();
}
