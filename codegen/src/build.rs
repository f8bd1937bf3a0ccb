//! The build-script API: one call from a kernel's `build.rs` plans the layout,
//! writes every artefact into `OUT_DIR`, links with the generated linker script and
//! tells cargo when to run again.
//!
//! In the kernel's `build.rs`, `fn main` makes one call:
//!
//! ```no_run
//! vmlayout::build::kernel("../layout.toml");
//! ```

use std::path::{Path, PathBuf};

use crate::plan::Plan;

/// Environment variable that overrides the layout file (used by `cargo xtask run
/// --layout`); a relative path is taken from the crate's manifest directory.
pub const LAYOUT_ENV: &str = "VMLAYOUT_FILE";

/// Environment variable that links the image to load at another address the
/// plan's `load_range` allows (hex with `0x`, or decimal), as a loader that
/// chose it would.
pub const LOAD_AT_ENV: &str = "VMLAYOUT_LOAD_AT";

/// The layout file to use: `$VMLAYOUT_FILE` if set, else `default`, either one
/// relative to `manifest_dir`.
pub fn layout_path(manifest_dir: &Path, default: &Path, env_value: Option<&str>) -> PathBuf {
    let chosen = env_value
        .filter(|v| !v.is_empty())
        .map_or_else(|| default.to_path_buf(), PathBuf::from);
    if chosen.is_absolute() {
        chosen
    } else {
        manifest_dir.join(chosen)
    }
}

/// `path` with every `${NAME}` replaced by environment variable `NAME`, as `lookup`
/// gives it (the `layout!` macro looks up the compile-time environment, so a path
/// can start at `${OUT_DIR}` or a directory the build sets). Returns the expanded
/// path and the names used, in order.
///
/// # Errors
/// A `${` without a closing `}`, an empty or non-identifier name, or a variable
/// `lookup` does not know, described in one sentence.
pub fn expand_env_vars(
    path: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(String, Vec<String>), String> {
    let mut out = String::new();
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find("${") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("`${{` without a closing `}}` in `{path}`"))?;
        let name = &after[..close];
        let identifier = name
            .chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !identifier {
            return Err(format!(
                "`${{{name}}}` in `{path}` is not an environment variable name"
            ));
        }
        let value = lookup(name).ok_or_else(|| {
            format!("environment variable `{name}` (used in `{path}`) is not set when the crate is compiled")
        })?;
        out.push_str(&value);
        names.push(name.to_string());
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok((out, names))
}

/// Plan `default_layout` (or `$VMLAYOUT_FILE`), write the artefacts to `OUT_DIR`,
/// pass the linker script with `-T`, and print the `rerun-if-*` lines. An invalid
/// layout prints its diagnostics and fails the build.
pub fn kernel(default_layout: impl AsRef<Path>) -> Plan {
    build(default_layout.as_ref(), None)
}

/// Like [`kernel`], and the plan must also meet the kernel's requirements in
/// `needs` (a TOML file, relative to the crate's manifest directory; see
/// [`crate::needs`]): a plan that does not fails the build with diagnostics
/// pointing into the layout, before the kernel's own code is compiled.
pub fn kernel_needing(default_layout: impl AsRef<Path>, needs: impl AsRef<Path>) -> Plan {
    build(default_layout.as_ref(), Some(needs.as_ref()))
}

fn build(default_layout: &Path, needs: Option<&Path>) -> Plan {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("run from a cargo build script"),
    );
    let out_dir =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("run from a cargo build script"));
    let env_value = std::env::var(LAYOUT_ENV).ok();
    let path = layout_path(&manifest_dir, default_layout, env_value.as_deref());

    // Register the inputs before anything can fail, so fixing them triggers a rerun.
    println!("cargo:rerun-if-env-changed={LAYOUT_ENV}");
    println!("cargo:rerun-if-env-changed={LOAD_AT_ENV}");
    println!("cargo:rerun-if-changed={}", path.display());

    let needs = needs.map(|given| {
        let n = manifest_dir.join(given);
        println!("cargo:rerun-if-changed={}", n.display());
        let mut needs = crate::Needs::from_file(&n).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2);
        });
        // Diagnostics name the file as the kernel's build.rs does.
        needs.source = given.display().to_string();
        needs
    });
    let plan = match crate::plan_from_file_for(&path, needs.as_ref()) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let plan = match load_at() {
        Some(load) => plan.loaded_at(load).unwrap_or_else(|e| {
            eprintln!("error: {LOAD_AT_ENV}: {e}");
            std::process::exit(1);
        }),
        None => plan,
    };
    let shown = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let artefacts = crate::emit::all(&plan, &crate::emit::Origin::BuildScript { layout: shown });
    if let Err(e) = crate::output::write_all(&out_dir, &artefacts) {
        eprintln!("{e}");
        std::process::exit(2);
    }
    let script = out_dir.join("layout.ld");
    println!("cargo:rustc-link-arg=-T{}", script.display());
    plan
}

/// The address `$VMLAYOUT_LOAD_AT` asks for, if set (exits on a malformed one).
fn load_at() -> Option<u64> {
    let text = std::env::var(LOAD_AT_ENV).ok().filter(|v| !v.is_empty())?;
    let digits = text.replace('_', "");
    let parsed = match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse(),
    };
    match parsed {
        Ok(load) => Some(load),
        Err(e) => {
            eprintln!("error: {LOAD_AT_ENV}={text}: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_and_relative_paths_follow_the_manifest() {
        let dir = Path::new("/k");
        assert_eq!(
            layout_path(dir, Path::new("../layout.toml"), None),
            PathBuf::from("/k/../layout.toml")
        );
        assert_eq!(
            layout_path(dir, Path::new("../layout.toml"), Some("/abs/x.toml")),
            PathBuf::from("/abs/x.toml")
        );
        assert_eq!(
            layout_path(dir, Path::new("../layout.toml"), Some("y.toml")),
            PathBuf::from("/k/y.toml")
        );
        assert_eq!(
            layout_path(dir, Path::new("../layout.toml"), Some("")),
            PathBuf::from("/k/../layout.toml")
        );
    }

    #[test]
    fn env_vars_in_a_path_expand_and_bad_ones_say_why() {
        let env = |name: &str| match name {
            "OUT_DIR" => Some("/o".to_string()),
            "A_1" => Some("a".to_string()),
            _ => None,
        };
        assert_eq!(
            expand_env_vars("${OUT_DIR}/x/${A_1}.toml", env),
            Ok(("/o/x/a.toml".into(), vec!["OUT_DIR".into(), "A_1".into()]))
        );
        assert_eq!(
            expand_env_vars("plain/$HOME.toml", env),
            Ok(("plain/$HOME.toml".into(), vec![]))
        );
        for (bad, why) in [
            ("${OUT_DIR", "without a closing"),
            ("${}/x", "not an environment variable name"),
            ("${1X}/x", "not an environment variable name"),
            ("${A-B}/x", "not an environment variable name"),
            ("${UNSET}/x", "is not set"),
        ] {
            let err = expand_env_vars(bad, env).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
