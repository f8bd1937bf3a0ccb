//! Property tests. Random valid plans (modes, region counts, placements, gaps,
//! fixmap groups) are generated with their addresses computed by the generator, so
//! vmlayout must accept every one; the outputs are then re-read independently and
//! checked. Random mutations of real layouts must give a plan or diagnostics inside
//! the file, never a panic. Case counts are bounded to keep `cargo xtask test` quick.

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::Value;

const PAGE: u64 = 4096;
const TWO_MIB: u64 = 2 << 20;

/// A mode as the test knows it, independently of vmlayout: (name, VA bits).
fn modes() -> impl Strategy<Value = (&'static str, u32)> {
    prop_oneof![
        Just(("sv39", 39u32)),
        Just(("sv48", 48)),
        Just(("sv57", 57))
    ]
}

#[derive(Debug, Clone)]
struct Chained {
    size_pages: u64,
    gap_pages: u64,
    before: bool,
}

#[derive(Debug, Clone)]
struct PlanSpec {
    mode: (&'static str, u32),
    image_slot: u64,
    image_offset_2m: u64,
    image_2m: u64,
    chain: Vec<Chained>,
    fixmap_gap_pages: u64,
    groups: Vec<u64>,
    directmap: (u64, u64),
    low_reserved: Option<u64>,
}

fn plan_specs() -> impl Strategy<Value = PlanSpec> {
    (
        modes(),
        480u64..=509,
        0u64..8,
        1u64..4,
        prop::collection::vec(
            (1u64..4096, 0u64..1024, any::<bool>()).prop_map(|(s, g, b)| Chained {
                size_pages: s,
                gap_pages: g,
                before: b,
            }),
            0..5,
        ),
        0u64..600,
        prop::collection::vec(1u64..700, 1..5),
        (256u64..400, 0u64..60),
        prop::option::of(8u64..200),
    )
        .prop_map(
            |(
                mode,
                image_slot,
                image_offset_2m,
                image_2m,
                chain,
                fixmap_gap_pages,
                groups,
                (dm_first, dm_len),
                low_reserved,
            )| PlanSpec {
                mode,
                image_slot,
                image_offset_2m,
                image_2m,
                chain,
                fixmap_gap_pages,
                groups,
                directmap: (dm_first, dm_first + dm_len),
                low_reserved,
            },
        )
}

/// The slot's start address, computed by the test itself.
fn slot_address(va_bits: u32, slot: u64) -> u64 {
    let shift = va_bits - 9;
    let raw = slot << shift;
    if raw >= 1 << (va_bits - 1) {
        raw | (u64::MAX << (va_bits - 1))
    } else {
        raw
    }
}

struct Generated {
    toml: String,
    gap_sizes: HashMap<String, u64>,
    slot_total: u64,
}

fn render(p: &PlanSpec) -> Generated {
    let (mode, _) = p.mode;
    let mut t = format!(
        "[paging]\nmode = \"{mode}\"\n\n[platform]\nload_address = \"0x8020_0000\"\nidentity_size = \"4K\"\nimage_max_size = \"2M\"\n\n"
    );
    let mut gap_sizes = HashMap::new();
    t += &format!(
        "[[region]]\nname = \"image\"\npurpose = \"image\"\nat = \"slot({}) + {}M\"\nsize = \"{}M\"\nalign = \"2M\"\ndescription = \"kernel\"\n\n",
        p.image_slot,
        p.image_offset_2m * 2,
        p.image_2m * 2
    );
    // A chain above (or below) the image; each region next to the previous one.
    let mut top = "image".to_string();
    let mut bottom = "image".to_string();
    for (i, c) in p.chain.iter().enumerate() {
        let name = format!("r{i}");
        let (anchor, word) = if c.before {
            (bottom.clone(), "before")
        } else {
            (top.clone(), "after")
        };
        let gap = if c.gap_pages > 0 {
            let gname = format!("g{i}");
            gap_sizes.insert(gname.clone(), c.gap_pages * PAGE);
            format!(
                "gap = {{ size = \"{:#x}\", name = \"{gname}\" }}\n",
                c.gap_pages * PAGE
            )
        } else {
            String::new()
        };
        t += &format!(
            "[[region]]\nname = \"{name}\"\npurpose = \"reserved\"\n{word} = \"{anchor}\"\n{gap}size = \"{:#x}\"\nperms = \"rw\"\ndescription = \"chained\"\n\n",
            c.size_pages * PAGE
        );
        if c.before { bottom = name } else { top = name }
    }
    // The fixmap goes in the next root slot, 2 MiB aligned, sized for its groups.
    let slot_total: u64 = p.groups.iter().sum::<u64>().min(4096);
    let tables = slot_total.div_ceil(512).max(1);
    t += &format!(
        "[[region]]\nname = \"fixmap\"\npurpose = \"fixmap\"\nat = \"slot({}) + {:#x}\"\nsize = \"{}M\"\nalign = \"2M\"\nperms = \"rw\"\ndescription = \"fixmap\"\n\n",
        p.image_slot + 2,
        (p.fixmap_gap_pages * PAGE).next_multiple_of(TWO_MIB),
        tables * 2
    );
    t += &format!(
        "[[region]]\nname = \"directmap\"\npurpose = \"directmap\"\nslots = [{}, {}]\nperms = \"rw\"\ndescription = \"RAM\"\n\n",
        p.directmap.0, p.directmap.1
    );
    if let Some(slot) = p.low_reserved {
        t += &format!(
            "[[region]]\nname = \"low\"\npurpose = \"reserved\"\nslot = {slot}\nperms = \"r\"\ndescription = \"low\"\n\n"
        );
    }
    t += "[fixmap]\nregion = \"fixmap\"\n\n";
    let mut remaining = slot_total;
    for (i, count) in p.groups.iter().enumerate() {
        let count = (*count).min(remaining);
        if count == 0 {
            break;
        }
        remaining -= count;
        t += &format!("[[fixmap.group]]\nname = \"grp{i}\"\ncount = {count}\n\n");
    }
    Generated {
        toml: t,
        gap_sizes,
        slot_total: slot_total - remaining,
    }
}

fn hex(v: &Value) -> u64 {
    let s = v.as_str().expect("hex string");
    u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex")
}

/// `0x1f`, `0x1_f000` or `42`.
fn number(text: &str) -> Option<u64> {
    let text = text.replace('_', "");
    match text.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => text.parse().ok(),
    }
}

/// `#define NAME VMLAYOUT_UL(0x…)` / `#define NAME 123` from the C header.
fn c_constants(header: &str) -> HashMap<String, u64> {
    header
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next()?;
            let value = parts.next()?;
            let value = value
                .strip_prefix("VMLAYOUT_UL(")
                .and_then(|v| v.strip_suffix(')'))
                .unwrap_or(value);
            Some((name.to_string(), number(value)?))
        })
        .collect()
}

/// `pub const NAME: usize = 0x…;` from the Rust module.
fn rust_constants(module: &str) -> HashMap<String, u64> {
    module
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|l| {
            let (name, rest) = l.split_once(": usize = ")?;
            Some((name.to_string(), number(rest.strip_suffix(';')?)?))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_plans_keep_every_invariant(spec in plan_specs()) {
        let generated = render(&spec);
        let plan = match vmlayout::plan_from_str("gen.toml", &generated.toml) {
            Ok(plan) => plan,
            Err(e) => panic!("a plan valid by construction was rejected:\n{}\n---\n{}", e.render(), generated.toml),
        };
        let artefacts = vmlayout::emit::all(&plan, &vmlayout::emit::Origin::cli("gen.toml", "generated"));
        let text = |name: &str| artefacts.iter().find(|a| a.file_name == name).expect("artefact").contents.clone();
        let json: Value = serde_json::from_str(&text("layout.json")).expect("JSON");

        // The linker-built boot tables are the ones the plan counts, the root apart,
        // at every allowed load address the range starts with.
        for load in [plan.platform.load_first, plan.platform.load_last] {
            let at = plan.loaded_at(load).expect("an allowed load address");
            let set = vmlayout::plan::boot_set::boot_table_set(&at);
            prop_assert!(set.tables.len() as u64 <= plan.boot_tables.total() + 1,
                "{} boot tables at {load:#x}, the plan counts {} and the root", set.tables.len(), plan.boot_tables.total());
        }

        // Canonical addresses, by the test's own arithmetic.
        let va_bits = spec.mode.1;
        let low_end = 1u64 << (va_bits - 1);
        let high_start = u64::MAX << (va_bits - 1);
        let canonical = |a: u64| a < low_end || a >= high_start;

        let mut spans: Vec<(u64, u64, String)> = Vec::new();
        for r in json["regions"].as_array().unwrap() {
            let (start, size, end, align) = (hex(&r["start"]), hex(&r["size"]), hex(&r["end"]), hex(&r["align"]));
            prop_assert_eq!(start + size, end);
            prop_assert!(start % align == 0, "alignment of {}", r["name"]);
            prop_assert!(canonical(start) && canonical(end - 1), "canonical {}", r["name"]);
            prop_assert!(!(start < low_end && end > low_end), "straddles the hole");
            spans.push((start, end, r["name"].as_str().unwrap().to_string()));
        }
        for g in json["gaps"].as_array().unwrap() {
            let (start, size, end) = (hex(&g["start"]), hex(&g["size"]), hex(&g["end"]));
            prop_assert_eq!(start + size, end);
            let name = g["name"].as_str().unwrap();
            prop_assert_eq!(Some(&size), generated.gap_sizes.get(name), "gap {} has its declared size", name);
            spans.push((start, end, name.to_string()));
        }
        spans.sort();
        for w in spans.windows(2) {
            prop_assert!(w[0].1 <= w[1].0, "{} and {} overlap", w[0].2, w[1].2);
        }
        // The image sits where the generator put it.
        let image = json["regions"].as_array().unwrap().iter().find(|r| r["name"] == "image").unwrap();
        prop_assert_eq!(hex(&image["start"]), slot_address(va_bits, spec.image_slot) + spec.image_offset_2m * TWO_MIB);

        let f = &json["fixmap"];
        let (base, tables, last) = (hex(&f["base"]), f["tables"].as_u64().unwrap(), f["last"].as_u64().unwrap());
        let fixmap = json["regions"].as_array().unwrap().iter().find(|r| r["name"] == "fixmap").unwrap();
        prop_assert_eq!(base % TWO_MIB, 0);
        prop_assert_eq!(last + 1, generated.slot_total, "FIX_LAST matches the slot count");
        prop_assert!(last < tables * 512, "slots fit their tables");
        prop_assert!(tables * TWO_MIB <= hex(&fixmap["size"]), "tables fit the region");
        let mut next = 0;
        for g in f["slots"].as_array().unwrap() {
            prop_assert_eq!(g["first"].as_u64().unwrap(), next);
            next += g["count"].as_u64().unwrap();
        }
        prop_assert_eq!(next, last + 1);

        // The C header and the Rust module agree on every constant they share.
        let c = c_constants(&text("layout.h"));
        let rust = rust_constants(&text("layout.rs"));
        let mut shared = 0;
        for (name, value) in &rust {
            if let Some(c_value) = c.get(name) {
                prop_assert_eq!(value, c_value, "{} differs between C and Rust", name);
                shared += 1;
            }
        }
        for required in ["FIXADDR_START", "FIXADDR_TOP", "FIX_LAST", "IMAGE_VIRT_START", "FIXMAP_VIRT_LAST", "DIRECTMAP_ROOT_SLOT_LAST"] {
            prop_assert!(c.contains_key(required) && rust.contains_key(required), "{} in both", required);
        }
        prop_assert!(shared >= 20, "only {} shared constants", shared);
    }
}

fn real_layouts() -> Vec<String> {
    vmlayout_tests::valid_layouts()
        .iter()
        .map(|(_, p)| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    ChangeNumber(usize, u64),
    SwapNames(usize, usize),
    InsertChar(usize, char),
    DeleteKey(usize),
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (
            any::<usize>(),
            prop_oneof![any::<u64>(), 0u64..1024, Just(u64::MAX), Just(1 << 63)]
        )
            .prop_map(|(i, v)| Mutation::ChangeNumber(i, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapNames(a, b)),
        (any::<usize>(), any::<char>()).prop_map(|(i, c)| Mutation::InsertChar(i, c)),
        any::<usize>().prop_map(Mutation::DeleteKey),
    ];
    prop::collection::vec(one, 1..4)
}

fn apply(text: &str, m: &Mutation) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let pick = |i: usize| i % lines.len().max(1);
    match m {
        Mutation::DeleteLine(i) => {
            let mut l = lines.clone();
            l.remove(pick(*i));
            l.join("\n")
        }
        Mutation::DuplicateLine(i) => {
            let mut l = lines.clone();
            let at = pick(*i);
            l.insert(at, lines[at]);
            l.join("\n")
        }
        Mutation::DeleteKey(i) => {
            let keys: Vec<usize> = (0..lines.len())
                .filter(|&j| lines[j].contains(" = "))
                .collect();
            let mut l = lines.clone();
            if !keys.is_empty() {
                l.remove(keys[i % keys.len()]);
            }
            l.join("\n")
        }
        Mutation::ChangeNumber(i, v) => {
            let numbers: Vec<(usize, usize)> = {
                let b = text.as_bytes();
                let mut out = Vec::new();
                let mut j = 0;
                while j < b.len() {
                    if b[j].is_ascii_digit() {
                        let s = j;
                        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                            j += 1;
                        }
                        out.push((s, j));
                    } else {
                        j += 1;
                    }
                }
                out
            };
            if numbers.is_empty() {
                return text.to_string();
            }
            let (s, e) = numbers[i % numbers.len()];
            format!("{}{}{}", &text[..s], v, &text[e..])
        }
        Mutation::SwapNames(a, b) => {
            let names: Vec<&str> = lines
                .iter()
                .filter_map(|l| l.strip_prefix("name = "))
                .collect();
            if names.len() < 2 {
                return text.to_string();
            }
            let (x, y) = (names[a % names.len()], names[b % names.len()]);
            text.replace(x, "\u{0}").replace(y, x).replace('\u{0}', y)
        }
        Mutation::InsertChar(i, c) => {
            let at = (0..=text.len())
                .filter(|&j| text.is_char_boundary(j))
                .nth(i % (text.chars().count() + 1))
                .unwrap_or(0);
            format!("{}{}{}", &text[..at], c, &text[at..])
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_layouts_never_panic(which in 0usize..4, ms in mutations()) {
        let layouts = real_layouts();
        let mut text = layouts[which % layouts.len()].clone();
        for m in &ms {
            text = apply(&text, m);
        }
        let result = std::panic::catch_unwind(|| match vmlayout::plan_from_str("mutated.toml", &text) {
            Ok(plan) => {
                let _ = vmlayout::emit::all(&plan, &vmlayout::emit::Origin::cli("mutated.toml", "generated"));
                None
            }
            Err(e) => {
                let _ = e.render();
                Some(e.diagnostics.iter().map(|d| d.span.clone()).collect::<Vec<_>>())
            }
        });
        let spans = match result {
            Ok(spans) => spans,
            Err(_) => panic!("vmlayout panicked on:\n{text}"),
        };
        for span in spans.unwrap_or_default() {
            prop_assert!(span.start <= span.end && span.end <= text.len(), "span {:?} outside the file", span);
        }
    }
}
