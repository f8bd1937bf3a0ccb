//! `vmlayout_macros::layout!("layout.toml")` expands to the plan's Rust module
//! items (the same items as the committed `generated/layout.rs`).
//!
//! - The path is relative to the calling crate's `CARGO_MANIFEST_DIR`. `${NAME}`
//!   in it is replaced by environment variable `NAME` at compile time (e.g.
//!   `"${OUT_DIR}/layout.toml"` for a layout a build script wrote); diagnostics
//!   show the path as written, with `${NAME}` unexpanded.
//! - `VMLAYOUT_FILE`, when set, overrides it (relative to the same directory).
//! - An invalid layout becomes `compile_error!` carrying the rendered diagnostics.
//! - The expansion `include_bytes!`s the layout file and reads `VMLAYOUT_FILE`
//!   through `option_env!`, so rustc rebuilds the caller when either changes.
//!
//! Use it inside a module: `pub mod layout { vmlayout_macros::layout!("../layout.toml"); }`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::path::PathBuf;

use proc_macro::{TokenStream, TokenTree};
use proc_macro2::Span;
use quote::{quote, quote_spanned};

/// `compile_error!(message)` at `span`.
fn compile_error(span: Span, message: &str) -> TokenStream {
    quote_spanned!(span=> compile_error!(#message);).into()
}

/// The macro's one argument: a plain string literal (no escapes, no raw string),
/// its text and span. (Parsed by hand: a build of the macro needs no parser crate.)
fn path_literal(input: TokenStream) -> Result<(String, Span), (Span, String)> {
    let mut tokens = input.into_iter();
    let usage = "vmlayout: write layout!(\"path/to/layout.toml\")";
    let literal = match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Literal(literal)), None) => literal,
        (Some(other), _) => return Err((other.span().into(), usage.into())),
        (None, _) => return Err((Span::call_site(), usage.into())),
    };
    let span: Span = literal.span().into();
    let text = literal.to_string();
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Ok((inner.to_string(), span)),
        Some(_) => Err((span, "vmlayout: write the path without escapes".into())),
        None => Err((span, usage.into())),
    }
}

/// `layout!("layout.toml")`: the plan's Rust items, as the committed
/// `generated/layout.rs` holds them — for every region `<NAME>_VIRT_START`,
/// `_SIZE`, `_LAST` (inclusive), `_END` (exclusive, absent at 2^64), `_VIRT`
/// (`START..=LAST`), `_ALIGN`, `_ROOT_SLOT_FIRST/_LAST`, `_PERMS`; the same for
/// gaps; the paging constants (`PT_LEVELS`, `PT_LEVEL_SHIFTS`, `SATP_MODE`,
/// `satp_for_root`, …); the platform's (`LOAD_ADDRESS`, `LINK_ADDRESS`,
/// `identity_range`, `BOOT_POOL_TABLES`, …); the fixmap (`FIXADDR_START`,
/// `FIXADDR_TOP`, `FIX_LAST`, `FIX_<G>_BEGIN/_LAST/_END/_COUNT`, `<g>_slot(i)`,
/// the `FixSlot` enum, `fix_to_virt`, `virt_to_fix`, `role::<ROLE>`); the
/// `REGIONS`, `GAPS`, `UNUSED` and `MAP` tables with `region_containing`,
/// `gap_containing`, `unused_containing`; and `const` assertions over all of it.
///
/// The path is relative to the calling crate's manifest, `${NAME}` in it expands
/// the compile-time environment variable `NAME`, and `$VMLAYOUT_FILE` overrides
/// it. An invalid layout is a `compile_error!` with the rendered diagnostics.
#[proc_macro]
pub fn layout(input: TokenStream) -> TokenStream {
    let (value, span) = match path_literal(input) {
        Ok(literal) => literal,
        Err((span, message)) => return compile_error(span, &message),
    };
    let (expanded_path, used_vars) =
        match vmlayout::build::expand_env_vars(&value, |name| std::env::var(name).ok()) {
            Ok(expanded) => expanded,
            Err(message) => return compile_error(span, &format!("vmlayout: {message}")),
        };
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let env_value = std::env::var(vmlayout::build::LAYOUT_ENV).ok();
    let path =
        vmlayout::build::layout_path(&manifest_dir, expanded_path.as_ref(), env_value.as_deref());
    let path_text = path.to_string_lossy().into_owned();
    let env_name = vmlayout::build::LAYOUT_ENV;
    // Tracking: rustc records both in the crate's dep-info.
    let tracking = quote! {
        const _: &[u8] = include_bytes!(#path_text);
        const _: Option<&str> = option_env!(#env_name);
        #(const _: Option<&str> = option_env!(#used_vars);)*
    };
    // Diagnostics name the file as the user wrote it (the literal, or
    // $VMLAYOUT_FILE), not the resolved absolute path, so they read the same on
    // every machine.
    let shown = env_value.filter(|v| !v.is_empty()).unwrap_or(value);
    // Read as the CLI reads: bytes that are not UTF-8 get the caret diagnostic.
    let loaded = match std::fs::read(&path) {
        Ok(bytes) => {
            vmlayout::plan_from_bytes_for(&shown, bytes, None).map_err(vmlayout::LoadError::Layout)
        }
        Err(error) => Err(vmlayout::LoadError::Io {
            path: path.display().to_string(),
            error,
        }),
    };
    // Another allowed load address, as the build script links it ($VMLAYOUT_LOAD_AT).
    let load_env = vmlayout::build::LOAD_AT_ENV;
    let tracking = quote! { #tracking const _: Option<&str> = option_env!(#load_env); };
    let load_at =
        match vmlayout::build::load_address_override(std::env::var(load_env).ok().as_deref()) {
            Ok(load) => load,
            Err(message) => return compile_error(span, &format!("vmlayout: {message}")),
        };
    let loaded = match (loaded, load_at) {
        (Ok(plan), Some(load)) => match plan.loaded_at(load) {
            Ok(moved) => Ok(moved),
            Err(message) => {
                return compile_error(span, &format!("vmlayout: {load_env}: {message}"));
            }
        },
        (other, _) => other,
    };
    let expanded = match loaded {
        Ok(plan) => {
            let items: proc_macro2::TokenStream = vmlayout::emit::rust::items(&plan)
                .parse()
                .expect("the Rust emitter writes valid Rust");
            quote! { #tracking #items }
        }
        Err(vmlayout::LoadError::Io { path, error }) => {
            let message = format!("vmlayout: cannot read {path}: {error}");
            return compile_error(span, &message);
        }
        Err(vmlayout::LoadError::Layout(e)) => {
            let message = format!("vmlayout: invalid layout\n\n{}", e.render());
            quote! { #tracking compile_error!(#message); }
        }
        Err(other) => return compile_error(span, &format!("vmlayout: {other}")),
    };
    expanded.into()
}
