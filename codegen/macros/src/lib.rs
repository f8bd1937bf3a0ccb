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

use std::path::PathBuf;

use proc_macro::TokenStream;
use quote::quote;
use syn::{LitStr, parse_macro_input};

#[proc_macro]
pub fn layout(input: TokenStream) -> TokenStream {
    let literal = parse_macro_input!(input as LitStr);
    let (expanded_path, used_vars) =
        match vmlayout::build::expand_env_vars(&literal.value(), |name| std::env::var(name).ok()) {
            Ok(expanded) => expanded,
            Err(message) => {
                return syn::Error::new(literal.span(), format!("vmlayout: {message}"))
                    .to_compile_error()
                    .into();
            }
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
    let shown = env_value
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| literal.value());
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
    let expanded = match loaded {
        Ok(plan) => {
            let items = vmlayout::emit::rust::tokens(&plan);
            quote! { #tracking #items }
        }
        Err(vmlayout::LoadError::Io { path, error }) => {
            let message = format!("vmlayout: cannot read {path}: {error}");
            return syn::Error::new(literal.span(), message)
                .to_compile_error()
                .into();
        }
        Err(vmlayout::LoadError::Layout(e)) => {
            let message = format!("vmlayout: invalid layout\n\n{}", e.render());
            quote! { #tracking compile_error!(#message); }
        }
    };
    expanded.into()
}
