//! The linker script's limits hold at link time for any kernel, with or without
//! the reference kernel's needs: an image larger than its region fails to link
//! with GNU ld and rust-lld, the messages naming the layout field and the region's
//! size, and (rust-lld) by how many bytes the image overflows it.
//!
//! Needs riscv64-linux-gnu-as/ld (`cargo xtask test` installs them).

use std::process::Command;

#[test]
fn an_image_larger_than_its_region_fails_to_link_naming_the_field() {
    let path = vmlayout_tests::repo().join("tests/negative/image-region-too-small.toml");
    let plan = vmlayout_tests::plan(&path);
    let dir = tempfile::tempdir().unwrap();
    let origin = vmlayout::emit::Origin::cli("image-region-too-small.toml", "out");
    for a in vmlayout::emit::all(&plan, &origin) {
        std::fs::write(dir.path().join(a.file_name), a.contents).unwrap();
    }
    // 64 KiB of text against a 32 KiB image region.
    let big = dir.path().join("big.S");
    std::fs::write(
        &big,
        ".section .text.entry\n.globl _start\n_start:\n.skip 0x10000\n",
    )
    .unwrap();
    let object = dir.path().join("big.o");
    let assembled = Command::new("riscv64-linux-gnu-as")
        .arg("-o")
        .arg(&object)
        .arg(&big)
        .status()
        .unwrap();
    assert!(assembled.success());
    let gnu = Command::new("riscv64-linux-gnu-ld");
    let mut lld = Command::new(vmlayout_tests::rust_lld());
    lld.arg("-flavor").arg("gnu");
    for mut linker in [gnu, lld] {
        let out = linker
            .arg("-T")
            .arg(dir.path().join("layout.ld"))
            .arg(&object)
            .arg("-o")
            .arg(dir.path().join("big.elf"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{linker:?} linked a too-large image");
        assert!(
            stderr.contains("larger than region `image`, which holds 32 KiB: raise the size of region `image` in image-region-too-small.toml"),
            "{linker:?}: {stderr}"
        );
        // And where, through the memory region the plan's part defines: rust-lld
        // says by how much (64 KiB of text in 32 KiB), GNU ld which section.
        let lld = linker.get_program() != "riscv64-linux-gnu-ld";
        let amount = if lld {
            "will not fit in region 'VMLAYOUT_IMAGE': overflowed by 32768 bytes"
        } else {
            "section `.text' will not fit in region `VMLAYOUT_IMAGE'"
        };
        assert!(stderr.contains(amount), "{linker:?}: {stderr}");
    }
}
