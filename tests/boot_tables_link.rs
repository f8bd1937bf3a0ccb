//! The boot page tables as the linkers build them (`layout-boot-tables.ld`, in the
//! default script `layout.ld`): for every layout in the repository, a small image
//! with text, rodata, data and bss is linked with GNU ld and rust-lld, and the
//! tables in the linked image are walked from `__vmlayout_boot_root`. Each page
//! of the image maps its load address with its section's permissions, the pages
//! past the image map nothing, the identity range maps itself, and the FDT window
//! and the fixmap find their tables. Both linkers build the same bytes.
//!
//! Needs riscv64-linux-gnu-as/ld/objcopy/nm (`cargo xtask test` installs them).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use vmlayout::Plan;

/// A leaf: V, R, X, G, A (text); V, R, G, A (rodata); V, R, W, G, A, D (data).
const TEXT: u64 = 0x6b;
const RODATA: u64 = 0x63;
const DATA: u64 = 0xe7;
/// An identity superpage: V, R, W, X, A, D.
const IDENTITY: u64 = 0xcf;

/// An image of 2 pages of text, 1 of rodata, data and 3 pages of bss.
const IMAGE: &str = "
    .section .text.entry, \"ax\"
    .globl _start
_start:
    .skip 0x10
    .section .text, \"ax\"
    .skip 0x1800
    .section .rodata, \"a\"
    .skip 0x800
    .section .data, \"aw\"
    .quad 1
    .section .bss, \"aw\", @nobits
    .skip 0x3000
";

fn tool(name: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(name)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A linked image: its loaded bytes from the load address and its symbols.
struct Linked {
    bytes: Vec<u8>,
    symbols: HashMap<String, u64>,
    link: u64,
    load: u64,
}

impl Linked {
    fn symbol(&self, name: &str) -> u64 {
        *self
            .symbols
            .get(name)
            .unwrap_or_else(|| panic!("no symbol {name}"))
    }

    fn word(&self, link_address: u64) -> u64 {
        let at = (link_address - self.link) as usize;
        u64::from_le_bytes(self.bytes[at..at + 8].try_into().unwrap())
    }

    /// The leaf mapping `va` and its level, walking from the root; `Err` with the
    /// level where the walk stopped at an invalid entry.
    fn walk(&self, plan: &Plan, va: u64) -> Result<(u64, u32), (u32, u64)> {
        let mut table = self.symbol("__vmlayout_boot_root");
        let mut level = plan.paging.mode.root_level();
        loop {
            let index = (va >> (12 + 9 * level)) & 511;
            let pte = self.word(table + index * 8);
            if pte & 1 == 0 {
                return Err((level, table));
            }
            if pte & 0xe != 0 {
                return Ok((pte, level));
            }
            assert!(level > 0, "a table pointer at level 0 for {va:#x}");
            // A table's physical address, inside the image: back to its link address.
            table = ((pte >> 10) << 12) - self.load + self.link;
            level -= 1;
        }
    }
}

fn link(dir: &Path, linker: &str, plan: &Plan) -> Linked {
    let elf = format!("{linker}.elf");
    match linker {
        "gnu" => tool(
            "riscv64-linux-gnu-ld",
            &["-T", "layout.ld", "image.o", "-o", &elf],
            dir,
        ),
        _ => tool(
            &vmlayout_tests::rust_lld(),
            &["-flavor", "gnu", "-T", "layout.ld", "image.o", "-o", &elf],
            dir,
        ),
    };
    let bin = format!("{linker}.bin");
    tool(
        "riscv64-linux-gnu-objcopy",
        &["-O", "binary", &elf, &bin],
        dir,
    );
    let symbols = tool("riscv64-linux-gnu-nm", &[&elf], dir)
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let value = u64::from_str_radix(parts.next()?, 16).ok()?;
            let name = parts.nth(1)?.to_string();
            Some((name, value))
        })
        .collect();
    Linked {
        bytes: std::fs::read(dir.join(bin)).unwrap(),
        symbols,
        link: plan.image().start,
        load: plan.platform.load_address,
    }
}

fn check(name: &str, plan: &Plan, l: &Linked) {
    let page = |va: u64| l.walk(plan, va);
    let pa = |va: u64| l.load + (va - l.link);
    let leaf = |va: u64, flags: u64| ((pa(va) >> 12) << 10) | flags;
    let (text_end, rodata_end, image_end) = (
        l.symbol("__text_end"),
        l.symbol("__rodata_end"),
        l.symbol("__image_end"),
    );
    let mut va = l.link;
    while va < image_end {
        let flags = if va < text_end {
            TEXT
        } else if va < rodata_end {
            RODATA
        } else {
            DATA
        };
        assert_eq!(page(va), Ok((leaf(va, flags), 0)), "{name}: page {va:#x}");
        va += 4096;
    }
    assert!(
        page(image_end).is_err(),
        "{name}: the page past the image is mapped"
    );
    // The identity range: boot superpages mapping themselves.
    let p = &plan.platform;
    let start = p.load_address / p.boot_superpage * p.boot_superpage;
    let end = (p.load_address + p.image_max_size).next_multiple_of(p.boot_superpage);
    let mut at = start;
    while at < end {
        let (pte, level) = page(at).unwrap_or_else(|e| panic!("{name}: identity {at:#x}: {e:?}"));
        assert_eq!(
            pte,
            ((at >> 12) << 10) | IDENTITY,
            "{name}: identity {at:#x}"
        );
        assert_eq!(1u64 << (12 + 9 * level), p.boot_superpage, "{name}");
        at += p.boot_superpage;
    }
    // The fixmap's tables: the walk reaches a level-1 table, its entry empty.
    assert!(
        matches!(page(plan.fixmap.tables_start), Err((1, _))),
        "{name}: fixmap"
    );
    // The FDT window: every level-0 table there, empty.
    if let Some(w) = plan
        .regions
        .iter()
        .filter(|r| r.purpose == vmlayout::plan::Purpose::Window)
        .min_by_key(|r| r.start)
    {
        let mut at = w.start;
        while at <= w.last {
            assert!(
                matches!(page(at), Err((0, _))),
                "{name}: window {at:#x}: {:?}",
                page(at)
            );
            at = at.saturating_add(2 << 20);
            if at == u64::MAX {
                break;
            }
        }
    }
    assert_eq!(
        l.word(l.symbol("__vmlayout_boot_load_address")),
        p.load_address,
        "{name}"
    );
}

#[test]
fn every_layout_s_boot_tables_map_the_linked_image() {
    let mut plans: Vec<(String, Plan)> = vmlayout_tests::valid_layouts()
        .into_iter()
        .map(|(name, path)| (name, vmlayout_tests::plan(&path)))
        .collect();
    // Another allowed load address of a plan with a load range.
    let ranged = plans
        .iter()
        .find(|(_, p)| p.platform.load_last > p.platform.load_first)
        .cloned();
    if let Some((name, plan)) = ranged {
        let load = plan.platform.load_first + plan.platform.load_align;
        plans.push((
            format!("{name} loaded at {load:#x}"),
            plan.loaded_at(load).unwrap(),
        ));
    }
    assert!(plans.len() >= 7);
    for (name, plan) in &plans {
        let dir = tempfile::tempdir().unwrap();
        let origin = vmlayout::emit::Origin::cli("layout.toml", "out");
        for a in vmlayout::emit::all(plan, &origin) {
            std::fs::write(dir.path().join(a.file_name), a.contents).unwrap();
        }
        std::fs::write(dir.path().join("image.S"), IMAGE).unwrap();
        tool(
            "riscv64-linux-gnu-as",
            &["-o", "image.o", "image.S"],
            dir.path(),
        );
        let gnu = link(dir.path(), "gnu", plan);
        let lld = link(dir.path(), "lld", plan);
        check(&format!("{name} (GNU ld)"), plan, &gnu);
        check(&format!("{name} (rust-lld)"), plan, &lld);
        let tables = |l: &Linked| {
            let (s, e) = (
                l.symbol("__vmlayout_boot_tables_start"),
                l.symbol("__vmlayout_boot_tables_end"),
            );
            l.bytes[(s - l.link) as usize..(e - l.link) as usize].to_vec()
        };
        assert!(
            tables(&gnu) == tables(&lld),
            "{name}: GNU ld and rust-lld build different tables"
        );
        let count = (tables(&gnu).len() / 4096) as u64;
        assert!(
            count <= plan.boot_tables.total() + 1,
            "{name}: {count} tables, the plan counts {} and the root",
            plan.boot_tables.total()
        );
    }
}
