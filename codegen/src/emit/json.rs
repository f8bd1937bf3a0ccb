//! JSON of the resolved plan for other tools. Addresses and sizes are lower-case hex
//! strings (JSON numbers lose precision above 2^53); every `end` is exclusive.

use serde_json::{Value, json};

use crate::fmt::hex_plain;
use crate::plan::Plan;

/// The plan as a JSON value: addresses and sizes as lower-case hex strings without
/// separators, an end at 2^64 as `"0x10000000000000000"`.
pub(crate) fn value(plan: &Plan) -> Value {
    let p = &plan.paging;
    json!({
        "mode": p.mode.name(),
        "levels": p.levels,
        "paging": {
            "root_level": p.root_level,
            "va_bits": p.va_bits,
            "entries_per_table": p.entries_per_table,
            "page_size": hex_plain(p.page_size),
            "root_slot_size": hex_plain(p.root_slot_size),
            "low_half_end": hex_plain(p.low_half_end),
            "high_half_start": hex_plain(p.high_half_start),
            "satp_mode": p.satp_mode,
        },
        "platform": {
            "load_address": hex_plain(plan.platform.load_address),
            "identity_size": hex_plain(plan.platform.identity_size),
            "image_max_size": hex_plain(plan.platform.image_max_size),
            "boot_pool_tables": {
                "identity": plan.boot_tables.identity,
                "kernel": plan.boot_tables.kernel,
                "total": plan.boot_tables.total(),
            },
            "boot_superpage": hex_plain(plan.platform.boot_superpage),
            "identity": [hex_plain(plan.platform.identity_start), hex_plain(plan.platform.identity_end)],
            "max_ram": plan.platform.max_ram.map(hex_plain),
        },
        "regions": plan.regions.iter().map(|r| json!({
            "name": r.name,
            "purpose": r.purpose.name(),
            "start": hex_plain(r.start),
            "size": hex_plain(r.size),
            "last": hex_plain(r.last),
            "end": exclusive_end(r.last),
            "align": hex_plain(r.align),
            "perms": r.perms.letters(),
            "global": r.perms.global,
            "root_slots": [r.first_slot, r.last_slot],
            "within": r.within,
            "description": r.description,
        })).collect::<Vec<_>>(),
        "gaps": plan.gaps.iter().map(|g| json!({
            "name": g.name,
            "start": hex_plain(g.start),
            "size": hex_plain(g.size),
            "last": hex_plain(g.last),
            "end": exclusive_end(g.last),
            "below": g.below,
            "above": g.above,
            "within": g.within,
        })).collect::<Vec<_>>(),
        "fixmap": {
            "region": plan.fixmap.region,
            "base": hex_plain(plan.fixmap.base),
            "top": hex_plain(plan.fixmap.top),
            "tables": plan.fixmap.tables,
            "tables_start": hex_plain(plan.fixmap.tables_start),
            "order": plan.fixmap.order.name(),
            "last": plan.fixmap.last,
            "slots": plan.fixmap.groups.iter().map(|g| json!({
                "name": g.name,
                "first": g.first,
                "count": g.count,
                "role": g.role,
                "hole": g.hole,
                "description": g.description,
            })).collect::<Vec<_>>(),
        },
    })
}

/// The exclusive end after `last`: `0x10000000000000000` (2^64) for an item that
/// ends at the top of the address space (JSON strings hold it; u64 would not).
fn exclusive_end(last: u64) -> String {
    format!("{:#x}", u128::from(last) + 1)
}

/// The plan as JSON text, pretty-printed with a final newline: addresses and
/// sizes as lower-case hex strings, an end at 2^64 as `"0x10000000000000000"`.
pub fn render(plan: &Plan) -> String {
    let mut text =
        serde_json::to_string_pretty(&value(plan)).expect("a JSON value always serialises");
    text.push('\n');
    text
}
