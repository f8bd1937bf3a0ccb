//! JSON of the resolved plan for other tools. Addresses and sizes are lower-case hex
//! strings (JSON numbers lose precision above 2^53); every `end` is exclusive.

use crate::fmt::hex_plain;
use crate::plan::Plan;

use crate::json::{Json, n, opt, s};

/// The plan as a JSON value: addresses and sizes as lower-case hex strings without
/// separators, an end at 2^64 as `"0x10000000000000000"`.
fn value(plan: &Plan) -> Json {
    let p = &plan.paging;
    let pf = &plan.platform;
    Json::Object(vec![
        ("mode", s(p.mode.name())),
        ("levels", n(p.levels)),
        (
            "paging",
            Json::Object(vec![
                ("root_level", n(p.root_level)),
                ("va_bits", n(p.va_bits)),
                ("entries_per_table", n(p.entries_per_table)),
                ("page_size", s(hex_plain(p.page_size))),
                ("root_slot_size", s(hex_plain(p.root_slot_size))),
                ("low_half_end", s(hex_plain(p.low_half_end))),
                ("high_half_start", s(hex_plain(p.high_half_start))),
                ("satp_mode", n(p.satp_mode)),
            ]),
        ),
        (
            "platform",
            Json::Object(vec![
                ("load_address", s(hex_plain(pf.load_address))),
                ("identity_size", s(hex_plain(pf.identity_size))),
                ("image_max_size", s(hex_plain(pf.image_max_size))),
                (
                    "boot_pool_tables",
                    Json::Object(vec![
                        ("identity", n(plan.boot_tables.identity)),
                        ("kernel", n(plan.boot_tables.kernel)),
                        ("total", n(plan.boot_tables.total())),
                    ]),
                ),
                ("boot_superpage", s(hex_plain(pf.boot_superpage))),
                (
                    "identity",
                    Json::Array(vec![
                        s(hex_plain(pf.identity_start)),
                        s(hex_plain(pf.identity_end)),
                    ]),
                ),
                ("max_ram", opt(pf.max_ram.map(hex_plain))),
                ("max_harts", n(pf.max_harts)),
            ]),
        ),
        (
            "regions",
            Json::Array(plan.regions.iter().map(region).collect()),
        ),
        ("gaps", Json::Array(plan.gaps.iter().map(gap).collect())),
        ("fixmap", fixmap(plan)),
    ])
}

fn region(r: &crate::plan::Region) -> Json {
    Json::Object(vec![
        ("name", s(&r.name)),
        ("purpose", s(r.purpose.name())),
        ("start", s(hex_plain(r.start))),
        ("size", s(hex_plain(r.size))),
        ("last", s(hex_plain(r.last))),
        ("end", s(exclusive_end(r.last))),
        ("align", s(hex_plain(r.align))),
        ("perms", s(r.perms.letters())),
        ("global", Json::Bool(r.perms.global)),
        (
            "root_slots",
            Json::Array(vec![n(r.first_slot), n(r.last_slot)]),
        ),
        ("within", opt(r.within.as_deref())),
        ("description", s(&r.description)),
    ])
}

fn gap(g: &crate::plan::Gap) -> Json {
    Json::Object(vec![
        ("name", s(&g.name)),
        ("start", s(hex_plain(g.start))),
        ("size", s(hex_plain(g.size))),
        ("last", s(hex_plain(g.last))),
        ("end", s(exclusive_end(g.last))),
        ("below", s(&g.below)),
        ("above", s(&g.above)),
        ("within", opt(g.within.as_deref())),
    ])
}

fn fixmap(plan: &Plan) -> Json {
    let f = &plan.fixmap;
    let groups = f.groups.iter().map(|g| {
        Json::Object(vec![
            ("name", s(&g.name)),
            ("first", n(g.first)),
            ("count", n(g.count)),
            ("role", opt(g.role.as_deref())),
            ("hole", Json::Bool(g.hole)),
            ("harts", n(g.harts)),
            ("per_hart", n(g.per_hart())),
            ("description", s(&g.description)),
        ])
    });
    Json::Object(vec![
        ("region", s(&f.region)),
        ("base", s(hex_plain(f.base))),
        ("top", s(hex_plain(f.top))),
        ("tables", n(f.tables)),
        ("tables_start", s(hex_plain(f.tables_start))),
        ("order", s(f.order.name())),
        ("last", n(f.last)),
        ("slots", Json::Array(groups.collect())),
    ])
}

/// The exclusive end after `last`: `0x10000000000000000` (2^64) for an item that
/// ends at the top of the address space (JSON strings hold it; u64 would not).
fn exclusive_end(last: u64) -> String {
    format!("{:#x}", u128::from(last) + 1)
}

/// The plan as JSON text, pretty-printed with a final newline: addresses and
/// sizes as lower-case hex strings, an end at 2^64 as `"0x10000000000000000"`.
pub fn render(plan: &Plan) -> String {
    let mut text = String::new();
    value(plan).write(&mut text, 0);
    text.push('\n');
    text
}
