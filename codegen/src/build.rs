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

/// Why a build script could not plan the layout, ready to print (the layout's
/// diagnostics rendered with carets, or one sentence).
#[derive(Debug)]
#[non_exhaustive]
pub struct BuildError {
    /// The message; several lines for rendered diagnostics.
    pub message: String,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

fn build_error(message: impl std::fmt::Display) -> BuildError {
    BuildError {
        message: message.to_string(),
    }
}

/// Plan `default_layout` (or `$VMLAYOUT_FILE`), write the artefacts to `OUT_DIR`,
/// pass the linker script with `-T`, and print the `rerun-if-*` lines. An invalid
/// layout fails the build: its diagnostics reach the user through `cargo::error=`
/// (cargo shows them and fails the build, without dumping the script's output).
pub fn kernel(default_layout: impl AsRef<Path>) -> Plan {
    Kernel::new(default_layout).build()
}

/// Like [`kernel`], and the plan must also meet the kernel's requirements in
/// `needs` (a TOML file, relative to the crate's manifest directory; see
/// [`crate::needs`]): a plan that does not fails the build with diagnostics
/// pointing into the layout, before the kernel's own code is compiled.
pub fn kernel_needing(default_layout: impl AsRef<Path>, needs: impl AsRef<Path>) -> Plan {
    Kernel::new(default_layout).needs(needs).build()
}

/// The build script's work, configured: the layout, the kernel's requirements
/// (optional), and which linker script links the kernel — vmlayout's complete
/// default (`layout.ld`), or the kernel's own that `INCLUDE`s the plan's part
/// (`layout-plan.ld`; see [`crate::emit::linker`] for the contract).
///
/// ```no_run
/// vmlayout::build::Kernel::new("../layout.toml")
///     .needs("vmlayout-needs.toml")
///     .linker_script("kernel.ld")
///     .build();
/// ```
#[derive(Clone, Debug)]
pub struct Kernel {
    layout: PathBuf,
    needs: Option<PathBuf>,
    script: Option<PathBuf>,
}

impl Kernel {
    /// Plan `default_layout` (relative to the crate's manifest directory;
    /// `$VMLAYOUT_FILE` overrides it).
    pub fn new(default_layout: impl AsRef<Path>) -> Kernel {
        Kernel {
            layout: default_layout.as_ref().to_path_buf(),
            needs: None,
            script: None,
        }
    }

    /// Check the plan against the requirements in `needs` (a TOML file, relative
    /// to the manifest directory; see [`crate::needs`]).
    #[must_use]
    pub fn needs(mut self, needs: impl AsRef<Path>) -> Kernel {
        self.needs = Some(needs.as_ref().to_path_buf());
        self
    }

    /// Link with the kernel's own script `script` (relative to the manifest
    /// directory), which says `INCLUDE layout-plan.ld`: `OUT_DIR`, where that file
    /// is written, goes on the linker's search path (`-L`).
    #[must_use]
    pub fn linker_script(mut self, script: impl AsRef<Path>) -> Kernel {
        self.script = Some(script.as_ref().to_path_buf());
        self
    }

    /// Do it; a problem fails the build through `cargo::error=` lines.
    pub fn build(self) -> Plan {
        self.try_build().unwrap_or_else(|e| fail(&e))
    }

    /// Do it, returning the problem instead of failing the build. The
    /// `rerun-if-*` lines are printed first, so fixing an input reruns the script.
    ///
    /// # Errors
    /// As [`try_kernel`].
    ///
    /// # Panics
    /// Outside a cargo build script (`CARGO_MANIFEST_DIR` or `OUT_DIR` unset).
    pub fn try_build(self) -> Result<Plan, BuildError> {
        let manifest_dir = PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").expect("run from a cargo build script"),
        );
        let out_dir =
            PathBuf::from(std::env::var_os("OUT_DIR").expect("run from a cargo build script"));
        // `${NAME}` in the paths, as in `layout!`.
        let expand = |path: &Path| -> Result<PathBuf, BuildError> {
            expand_env_vars(&path.to_string_lossy(), |name| std::env::var(name).ok())
                .map(|(expanded, names)| {
                    for name in names {
                        println!("cargo:rerun-if-env-changed={name}");
                    }
                    PathBuf::from(expanded)
                })
                .map_err(|e| build_error(format!("error: {e}")))
        };
        let layout = expand(&self.layout)?;
        let needs = self.needs.as_deref().map(expand).transpose()?;
        let script = self.script.as_deref().map(expand).transpose()?;
        let plan = plan_and_write(&manifest_dir, &out_dir, &layout, needs.as_deref())?;
        match &script {
            None => println!(
                "cargo:rustc-link-arg-bins=-T{}",
                out_dir.join("layout.ld").display()
            ),
            Some(script) => {
                let script = manifest_dir.join(script);
                println!("cargo:rerun-if-changed={}", script.display());
                println!("cargo:rustc-link-arg-bins=-L{}", out_dir.display());
                println!("cargo:rustc-link-arg-bins=-T{}", script.display());
            }
        }
        Ok(plan)
    }
}

/// What [`kernel`] and [`kernel_needing`] do, returning the problem instead of
/// failing the build: for a build script that reports it its own way. The
/// `rerun-if-*` lines are printed first, so fixing the input reruns the script.
///
/// # Errors
/// The layout or `needs` cannot be read or is invalid, the plan does not meet
/// `needs`, `$VMLAYOUT_LOAD_AT` is malformed or not an allowed load address, or
/// the artefacts cannot be written to `OUT_DIR`.
///
/// # Panics
/// Outside a cargo build script (`CARGO_MANIFEST_DIR` or `OUT_DIR` unset).
pub fn try_kernel(
    default_layout: impl AsRef<Path>,
    needs: Option<&Path>,
) -> Result<Plan, BuildError> {
    let kernel = Kernel::new(default_layout);
    match needs {
        Some(needs) => kernel.needs(needs),
        None => kernel,
    }
    .try_build()
}

/// Plan the layout, check it against `needs`, and write every artefact into
/// `out_dir`, printing the `rerun-if-*` lines first.
fn plan_and_write(
    manifest_dir: &Path,
    out_dir: &Path,
    default_layout: &Path,
    needs: Option<&Path>,
) -> Result<Plan, BuildError> {
    let env_value = std::env::var(LAYOUT_ENV).ok();
    let path = layout_path(manifest_dir, default_layout, env_value.as_deref());

    // Register the inputs before anything can fail, so fixing them triggers a rerun.
    println!("cargo:rerun-if-env-changed={LAYOUT_ENV}");
    println!("cargo:rerun-if-env-changed={LOAD_AT_ENV}");
    println!("cargo:rerun-if-changed={}", path.display());

    let needs = match needs {
        Some(given) => {
            let n = manifest_dir.join(given);
            println!("cargo:rerun-if-changed={}", n.display());
            let mut needs = crate::Needs::from_file(&n).map_err(build_error)?;
            // Diagnostics name the file as the kernel's build.rs does.
            needs.source = given.display().to_string();
            Some(needs)
        }
        None => None,
    };
    let plan = crate::plan_from_file_for(&path, needs.as_ref()).map_err(build_error)?;
    let plan = match load_at()? {
        Some(load) => plan
            .loaded_at(load)
            .map_err(|e| build_error(format!("error: {LOAD_AT_ENV}: {e}")))?,
        None => plan,
    };
    let shown = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let artefacts = crate::emit::all(&plan, &crate::emit::Origin::BuildScript { layout: shown });
    crate::output::write_all(out_dir, &artefacts).map_err(build_error)?;
    Ok(plan)
}

/// Fail the build with `e`: each line a `cargo::error=` directive, so cargo shows
/// the rendered diagnostic as it is and fails the build.
fn fail(e: &BuildError) -> ! {
    for line in e.message.lines() {
        // An empty directive would print nothing: keep the blank line visible.
        println!("cargo::error={}", if line.is_empty() { " " } else { line });
    }
    std::process::exit(0)
}

/// The address `$VMLAYOUT_LOAD_AT` asks for, if set.
fn load_at() -> Result<Option<u64>, BuildError> {
    load_address_override(std::env::var(LOAD_AT_ENV).ok().as_deref()).map_err(build_error)
}

/// The load address `$VMLAYOUT_LOAD_AT` (its value `text`) asks for: `None` when
/// unset or empty, else the address (hex with `0x`, or decimal; `_` allowed).
/// The build script and `layout!` both apply it, so the constants and the link agree.
///
/// # Errors
/// The value is not a number.
pub fn load_address_override(text: Option<&str>) -> Result<Option<u64>, String> {
    let Some(text) = text.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let digits = text.replace('_', "");
    let parsed = match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse(),
    };
    parsed
        .map(Some)
        .map_err(|e| format!("error: {LOAD_AT_ENV}={text}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_address_overrides_parse_hex_decimal_and_underscores() {
        assert_eq!(load_address_override(None), Ok(None));
        assert_eq!(load_address_override(Some("")), Ok(None));
        assert_eq!(
            load_address_override(Some("0x8060_0000")),
            Ok(Some(0x8060_0000))
        );
        assert_eq!(
            load_address_override(Some("2151677952")),
            Ok(Some(0x8040_0000))
        );
        let err = load_address_override(Some("0xfoo")).expect_err("not a number");
        assert!(err.starts_with("error: VMLAYOUT_LOAD_AT=0xfoo: "), "{err}");
        assert_eq!(build_error("why").to_string(), "why");
    }

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
