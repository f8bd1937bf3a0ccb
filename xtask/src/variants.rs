//! Plans derived from the repository's `layout.toml` by one edit each — the small
//! inputs of the "real kernels' layouts" issue — booted by `cargo xtask test` like
//! the plans in `tests/layouts/`, some with more RAM, each with a line its output
//! must contain.

use std::path::PathBuf;

use crate::repo;

/// One derived plan.
pub struct Variant {
    pub name: &'static str,
    /// Text of layout.toml to replace; empty to append `to` instead.
    pub from: &'static str,
    pub to: &'static str,
    /// QEMU's `-m`.
    pub memory: &'static str,
    /// A line the boot's output must contain.
    pub expect: &'static str,
    /// Link the image to load at this address (`VMLAYOUT_LOAD_AT`), if set.
    pub load_at: Option<&'static str>,
    /// The plan to derive from, relative to the repository.
    pub base: &'static str,
}

/// A `reserved` region in the last 2 MiB: it ends exactly at 2^64.
const LOG_AT_THE_TOP: &str = r#"
[[region]]
name = "log"
purpose = "reserved"
description = "a log buffer in the last 2 MiB: it ends at 2^64"
at = "top - 2M"
size = "2M"
perms = "rw"
"#;

pub const VARIANTS: [Variant; 7] = [
    Variant {
        name: "a direct map of one root slot (RAM mapped relative to its base)",
        from: "slots = [256, 447]",
        to: "slots = [256, 256]",
        memory: "128M",
        expect: "RAM mapped from 0x80000000",
        load_at: None,
        base: "layout.toml",
    },
    Variant {
        name: "a direct map of one root slot with 2 GiB of RAM",
        from: "slots = [256, 447]",
        to: "slots = [256, 256]",
        memory: "2G",
        expect: "warning: RAM 0xc0000000..0x100000000 lies beyond the direct map",
        load_at: None,
        base: "layout.toml",
    },
    Variant {
        name: "a PMAP group of one slot",
        from: "role = \"pmap\"\ncount = 8",
        to: "role = \"pmap\"\ncount = 1",
        memory: "128M",
        expect: "PASS PMAP exhaustion: 1 maps succeed",
        load_at: None,
        base: "layout.toml",
    },
    Variant {
        name: "a reserved region ending at 2^64",
        from: "",
        to: LOG_AT_THE_TOP,
        memory: "128M",
        expect: "PASS reserved region `log` (0xffffffffffe00000..=0xffffffffffffffff)",
        load_at: None,
        base: "layout.toml",
    },
    Variant {
        name: "sv48 with a reserved region ending at 2^64",
        from: "",
        to: LOG_AT_THE_TOP,
        memory: "128M",
        expect: "PASS reserved region `log` (0xffffffffffe00000..=0xffffffffffffffff)",
        load_at: None,
        base: "tests/layouts/sv48.toml",
    },
    Variant {
        name: "sv57 with a reserved region ending at 2^64",
        from: "",
        to: LOG_AT_THE_TOP,
        memory: "128M",
        expect: "PASS reserved region `log` (0xffffffffffe00000..=0xffffffffffffffff)",
        load_at: None,
        base: "tests/layouts/sv57.toml",
    },
    Variant {
        name: "sv48 with an identity area, loaded at 0x8060_0000 of its load_range",
        from: "",
        to: "",
        memory: "128M",
        expect: "image loaded at 0x80600000",
        load_at: Some("0x80600000"),
        base: "tests/layouts/sv48-identity-area.toml",
    },
];

impl Variant {
    /// Write the derived layout under target/xtask/variants and return its path.
    pub fn write(&self, index: usize) -> Result<PathBuf, String> {
        let base = std::fs::read_to_string(repo().join(self.base))
            .map_err(|e| format!("cannot read {}: {e}", self.base))?;
        let text = if self.from.is_empty() {
            format!("{base}{}", self.to)
        } else if base.contains(self.from) {
            base.replacen(self.from, self.to, 1)
        } else {
            return Err(format!("{} no longer contains {:?}", self.base, self.from));
        };
        let dir = repo().join("target/xtask/variants");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("variant-{index}.toml"));
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }
}
