//! `vmlayout usage`: an image linked with the default script (`layout.ld`, GNU
//! ld) and measured against its plan: each section's size as assembled, the
//! image's extent, the fixmap's groups and the boot page tables; measured against
//! a plan with a smaller image region (same link address), the overflow and its
//! amount; against a plan linked elsewhere, a refusal.
//!
//! Needs riscv64-linux-gnu-as/ld (`cargo xtask test` installs them).

use std::path::Path;
use std::process::Command;

use vmlayout::usage::{measure, render_json, render_text};

fn run(dir: &Path, program: &str, args: &[&str]) {
    vmlayout_tests::run(Command::new(program).args(args).current_dir(dir))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// `text` bytes of code, 0x300 of rodata, 0x40 of data and 0x2000 of bss,
/// linked for the plan of `layout`; the ELF's bytes.
fn linked(layout: &str, text: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let plan = vmlayout::plan_from_str("layout.toml", layout).unwrap();
    for a in vmlayout::emit::all(&plan, &vmlayout::emit::Origin::cli("layout.toml", "out")) {
        std::fs::write(dir.path().join(a.file_name), a.contents).unwrap();
    }
    let source = format!(
        ".section .text.entry, \"ax\"\n.globl _start\n_start:\n.skip 0x10\n\
         .section .text, \"ax\"\n.skip {text:#x}\n\
         .section .rodata, \"a\"\n.skip 0x300\n\
         .section .data, \"aw\"\n.skip 0x40\n\
         .section .bss, \"aw\", @nobits\n.skip 0x2000\n"
    );
    std::fs::write(dir.path().join("image.S"), source).unwrap();
    run(
        dir.path(),
        "riscv64-linux-gnu-as",
        &["-o", "image.o", "image.S"],
    );
    run(
        dir.path(),
        "riscv64-linux-gnu-ld",
        &["-T", "layout.ld", "image.o", "-o", "image.elf"],
    );
    std::fs::read(dir.path().join("image.elf")).unwrap()
}

fn layout() -> String {
    std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap()
}

#[test]
fn sections_fixmap_and_boot_tables_are_measured() {
    let layout = layout();
    let plan = vmlayout::plan_from_str("l.toml", &layout).unwrap();
    let usage = measure(&plan, &linked(&layout, 0x1800)).expect("measured");
    let used = |what: &str| {
        usage
            .image
            .iter()
            .find(|f| f.what.trim() == what)
            .unwrap_or_else(|| panic!("no {what}: {usage:?}"))
            .used
    };
    // As linked: each output section ends on a page (the script aligns inside
    // it, so the padding is the section's). Text: the entry's 16 bytes and 0x1800;
    // rodata 0x300; bss 0x2000 and the rest of the page data ends in.
    assert_eq!(used(".text"), 0x2000);
    assert_eq!(used(".rodata"), 0x1000);
    assert!((0x2000..0x3000).contains(&used(".bss")), "{usage:?}");
    // The image: every section, from the link address to a page boundary.
    assert!(usage.image[0].used.is_multiple_of(4096));
    assert_eq!(
        usage.image[0].used,
        used(".text") + used(".rodata") + used(".data") + used(".bss")
    );
    // Data: 0x40 and the boot tables (and the load-address word after them).
    let tables = plan.boot_tables.total() + 1;
    assert!(used(".data") >= 0x40 + 4096 * 6, "{usage:?}");
    assert!(!usage.overflows());
    assert_eq!(usage.fixmap[0].used, 66);
    assert_eq!(usage.fixmap[0].capacity, 512);
    let boot = usage
        .boot_tables
        .as_ref()
        .expect("the default script has them");
    assert!(boot.used <= tables && boot.used >= 6, "{boot:?}");
    let text = render_text(&usage);
    assert!(
        text.contains("group `pmap`") && text.contains("64 slots of 512 slots"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&render_json(&usage)).unwrap();
    assert_eq!(json["overflows"], false);
    assert_eq!(json["fixmap"][1]["used"], 64);
}

#[test]
fn an_image_too_large_for_a_new_plan_overflows_by_its_excess() {
    let layout = layout();
    // 1.5 MiB of text, linked for the default plan (2 MiB), measured against the
    // same plan with a 1 MiB image region at the same address.
    let elf = linked(&layout, 0x18_0000);
    let small = layout
        .replacen("image_max_size = \"2M\"", "image_max_size = \"1M\"", 1)
        .replacen(
            "size = \"2M\"\nalign = \"2M\"\ndescription = \"kernel image",
            "size = \"1M\"\nalign = \"2M\"\ndescription = \"kernel image",
            1,
        )
        // The window after it stays 2 MiB aligned.
        .replacen(
            "gap = { size = \"2M\", name = \"image_guard\" }",
            "gap = { size = \"3M\", name = \"image_guard\" }",
            1,
        );
    let plan =
        vmlayout::plan_from_str("l.toml", &small).unwrap_or_else(|e| panic!("{}", e.render()));
    let usage = measure(&plan, &elf).unwrap();
    assert!(usage.overflows());
    let image = &usage.image[0];
    assert_eq!(image.capacity, 1 << 20);
    assert!(image.used > image.capacity);
    let text = render_text(&usage);
    assert!(text.contains("OVERFLOW by"), "{text}");
}

#[test]
fn a_kernel_linked_for_another_plan_is_refused() {
    let elf = linked(&layout(), 0x100);
    let sv48 = vmlayout_tests::plan(&vmlayout_tests::repo().join("tests/layouts/sv48.toml"));
    let err = measure(&sv48, &elf).unwrap_err();
    assert!(err.contains("link it for this plan"), "{err}");
    assert!(
        measure(&sv48, b"not an elf")
            .unwrap_err()
            .contains("not an ELF")
    );
}

/// What is no kernel linked with vmlayout's script is refused, not measured as
/// empty: an image linked without the script's symbols, a host binary.
#[test]
fn only_kernels_linked_with_the_contract_are_measured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("k.S"),
        ".globl _start\n_start:\n.skip 0x100\n",
    )
    .unwrap();
    run(dir.path(), "riscv64-linux-gnu-as", &["-o", "k.o", "k.S"]);
    run(
        dir.path(),
        "riscv64-linux-gnu-ld",
        &[
            "-Ttext=0x80200000",
            "-e",
            "_start",
            "-o",
            "plain.elf",
            "k.o",
        ],
    );
    let plan = vmlayout::plan_from_str("l.toml", &layout()).unwrap();
    let plain = std::fs::read(dir.path().join("plain.elf")).unwrap();
    assert!(
        measure(&plan, &plain)
            .unwrap_err()
            .contains("no __image_start")
    );
    let object = std::fs::read(dir.path().join("k.o")).unwrap();
    assert!(
        measure(&plan, &object)
            .unwrap_err()
            .contains("not a linked riscv64 kernel")
    );
    if let Ok(host) = std::fs::read("/bin/sh") {
        assert!(measure(&plan, &host).is_err());
    }
}
