//! vmlayout: one TOML file plans a kernel's virtual address space; this crate parses
//! it, resolves every address, checks every rule, and emits the artefacts a kernel
//! consumes.
//!
//! The pipeline is strictly one way, and each stage lives in its own module:
//!
//! ```text
//! layout.toml ─parse─▶ LayoutSpec ─resolve─▶ placed regions/gaps ─validate─▶ Plan ─emit─▶ artefacts
//! ```
//!
//! Emitters only read the [`plan::Plan`]; no emitter computes an address.
//!
//! ```
//! // A small Sv39 plan: the image in the top root slot, a fixmap above it with a
//! // guard gap, the direct map in the high half.
//! let layout = r#"
//! [paging]
//! mode = "sv39"
//!
//! [platform]
//! load_address = "0x8020_0000"
//! identity_size = "4K"
//! image_max_size = "2M"
//!
//! [[region]]
//! name = "image"
//! purpose = "image"
//! description = "kernel image"
//! at = "slot(511)"
//! size = "2M"
//!
//! [[region]]
//! name = "fixmap"
//! purpose = "fixmap"
//! description = "fixed mappings"
//! after = "image"
//! gap = "2M"
//! size = "2M"
//! perms = "rw"
//!
//! [[region]]
//! name = "directmap"
//! purpose = "directmap"
//! description = "all of RAM"
//! slots = [256, 447]
//! perms = "rw"
//!
//! [fixmap]
//! region = "fixmap"
//!
//! [[fixmap.group]]
//! name = "pmap"
//! count = 8
//! "#;
//! let plan = vmlayout::plan_from_str("layout.toml", layout).expect("a valid plan");
//! let fixmap = plan.region("fixmap").unwrap();
//! assert_eq!(fixmap.start, 0xffff_ffff_c040_0000); // 2 MiB image, 2 MiB guard gap
//! assert_eq!(plan.fixmap.slot_count(), 8);
//!
//! // Every output comes from the same plan.
//! let origin = vmlayout::emit::Origin::cli("layout.toml", "generated");
//! let header = vmlayout::emit::c_header::render(&plan, &origin);
//! assert!(header.contains("#define FIXADDR_START                   VMLAYOUT_UL(0xffffffffc0400000)"));
//!
//! // A mistake is a diagnostic pointing into the text.
//! let err = vmlayout::plan_from_str("layout.toml", &layout.replace("gap = \"2M\"", "gap = \"3K\""))
//!     .unwrap_err();
//! assert!(err.render().contains("layout.toml:"));
//! ```

// Functions stay short (clippy.toml sets the limit to 80 lines).
#![warn(clippy::too_many_lines)]
#![deny(missing_docs)]
// No unsafe code: what a sanitizer would find, bounds and overflow checks find
// (the fuzzer runs with debug assertions and without a sanitizer).
#![forbid(unsafe_code)]

pub mod build;
#[cfg(feature = "cli")]
pub mod cli;
pub mod diag;
pub mod diff;
pub mod emit;
pub mod fmt;
pub(crate) mod json;
pub(crate) mod keys;
pub(crate) mod names;
pub mod needs;
pub mod output;
pub mod paging;
pub(crate) mod parse;
pub mod plan;
pub(crate) mod resolve;
pub(crate) mod spec;
pub(crate) mod units;
#[cfg(feature = "cli")]
pub mod usage;
pub(crate) mod validate;

use std::path::Path;

pub use diag::{Diagnostic, Diagnostics};

/// The layout language's tokens as a libFuzzer dictionary, one quoted token per
/// line: what `fuzz/layout.dict` holds. For the fuzzer and its freshness test.
#[doc(hidden)]
pub fn fuzz_dictionary() -> String {
    parse::fuzz_dictionary()
}
pub use needs::Needs;
pub use plan::Plan;

/// A layout that failed to validate: its diagnostics, ready to render.
#[derive(Debug, Clone)]
pub struct LayoutError {
    /// The layout file's name as diagnostics show it.
    pub path: String,
    /// The layout text the diagnostics point into.
    pub source: String,
    /// Every problem found, each with a span into `source`.
    pub diagnostics: Diagnostics,
}

impl LayoutError {
    /// The diagnostics rendered with carets against the layout text.
    pub fn render(&self) -> String {
        self.diagnostics.render(&self.path, &self.source)
    }

    /// [`LayoutError::render`], with ANSI colours when `colour` is set.
    pub fn render_with(&self, colour: bool) -> String {
        self.diagnostics
            .render_with(&self.path, &self.source, colour)
    }

    /// Each diagnostic as a line of JSON (see [`diag::Diagnostics::to_json_lines`]).
    pub fn to_json_lines(&self) -> String {
        self.diagnostics.to_json_lines(&self.path, &self.source)
    }
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for LayoutError {}

/// The largest layout file vmlayout reads. A real plan is a few kilobytes; the cap
/// keeps every stage's time, and the code it emits, bounded.
pub const MAX_LAYOUT_BYTES: usize = 1 << 20;

/// Parse, resolve and validate layout text. `path` is only used in diagnostics.
///
/// # Errors
/// Every problem in the layout, as diagnostics to render.
pub fn plan_from_str(path: &str, source: &str) -> Result<Plan, LayoutError> {
    plan_from_str_for(path, source, None)
}

/// Like [`plan_from_str`], also checking a consumer's requirements (`needs`).
///
/// # Errors
/// Every problem in the layout, and every requirement it does not meet.
pub fn plan_from_str_for(
    path: &str,
    source: &str,
    needs: Option<&Needs>,
) -> Result<Plan, LayoutError> {
    let mut diags = Diagnostics::default();
    if source.len() > MAX_LAYOUT_BYTES {
        diags.push(
            Diagnostic::error(
                format!(
                    "the layout is {} bytes; vmlayout reads layouts of at most {MAX_LAYOUT_BYTES} bytes",
                    source.len()
                ),
                0..0,
                "file too large",
            )
            .with_help("a layout is a few kilobytes of TOML: is this the right file?"),
        );
        return Err(LayoutError {
            path: path.to_owned(),
            source: source.to_owned(),
            diagnostics: diags,
        });
    }
    let plan = run_pipeline(source, needs, &mut diags);
    match plan {
        Some(plan) if diags.is_empty() => Ok(plan),
        _ => {
            assert!(!diags.is_empty(), "a layout without a plan must say why");
            Err(LayoutError {
                path: path.to_owned(),
                source: source.to_owned(),
                diagnostics: diags,
            })
        }
    }
}

/// Parse, resolve and validate `source`, checking `needs` when given.
fn run_pipeline(source: &str, needs: Option<&Needs>, diags: &mut Diagnostics) -> Option<Plan> {
    let spec = parse::parse(source, diags);
    let mode = spec.mode.as_ref()?.value;
    let resolved = resolve::resolve(&spec, mode, diags);
    validate::validate(&spec, mode, resolved, needs, diags)
}

/// Why a layout file could not be turned into a plan.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read: its path as given, and the I/O error.
    Io {
        /// The path as given.
        path: String,
        /// What the system said.
        error: std::io::Error,
    },
    /// The layout was read and is invalid.
    Layout(LayoutError),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, error } => write!(f, "error: cannot read {path}: {error}"),
            LoadError::Layout(e) => f.write_str(&e.render()),
        }
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    /// As lines of JSON: a layout's diagnostics as
    /// [`diag::Diagnostics::to_json_lines`] writes them; a file that could not be
    /// read as one such line with its message, `file`, and every place `null`.
    pub fn to_json_lines(&self) -> String {
        match self {
            LoadError::Layout(e) => e.to_json_lines(),
            LoadError::Io { path, error } => {
                diag::json_unplaced(path, &format!("cannot read {path}: {error}"))
            }
        }
    }
}

/// Read and plan a layout file.
///
/// # Errors
/// The file cannot be read, or the layout is invalid.
pub fn plan_from_file(path: &Path) -> Result<Plan, LoadError> {
    plan_from_file_for(path, None)
}

/// Like [`plan_from_file`], also checking a consumer's requirements (`needs`).
///
/// # Errors
/// The file cannot be read, the layout is invalid, or it does not meet `needs`.
pub fn plan_from_file_for(path: &Path, needs: Option<&Needs>) -> Result<Plan, LoadError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| LoadError::Io {
        path: shown.clone(),
        error,
    })?;
    plan_from_bytes_for(&shown, bytes, needs).map_err(LoadError::Layout)
}

/// Plan a layout read as bytes; `shown` names it in diagnostics. Bytes that are
/// not UTF-8 get a diagnostic pointing at the first such byte, as from the CLI.
///
/// # Errors
/// The bytes are not UTF-8, the layout is invalid, or it does not meet `needs`.
pub fn plan_from_bytes_for(
    shown: &str,
    bytes: Vec<u8>,
    needs: Option<&Needs>,
) -> Result<Plan, LayoutError> {
    match String::from_utf8(bytes) {
        Ok(source) => plan_from_str_for(shown, &source, needs),
        Err(e) => {
            // TOML is UTF-8: point at the first byte that is not.
            let valid = e.utf8_error().valid_up_to();
            let source = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let at = source[..]
                .char_indices()
                .map(|(i, _)| i)
                .find(|&i| i >= valid)
                .unwrap_or(source.len());
            let mut diagnostics = Diagnostics::default();
            diagnostics.push(
                Diagnostic::error("the layout is not UTF-8 text", at..at + 1, "not UTF-8")
                    .with_help("TOML files are UTF-8: re-save the file as UTF-8"),
            );
            Err(LayoutError {
                path: shown.to_string(),
                source,
                diagnostics,
            })
        }
    }
}
