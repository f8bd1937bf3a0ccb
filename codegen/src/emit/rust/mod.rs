//! The Rust module: constants, the fixmap slot type, run-time tables and
//! compile-time checks. Built as tokens (so the proc-macro can expand it directly)
//! and pretty-printed with prettyplease for the committed file.

use proc_macro2::Literal;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

mod fixmap;
mod paging;
mod region;
mod support;
mod tables;

use crate::fmt::hex;
use crate::plan::{Perms, Plan};

fn lit(value: u64) -> Literal {
    hex(value)
        .parse()
        .expect("a hex number with underscores is a Rust literal")
}

fn dec(value: u64) -> Literal {
    Literal::u64_unsuffixed(value)
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn perms(p: &Perms) -> TokenStream {
    let Perms {
        read,
        write,
        exec,
        global,
        sections,
    } = *p;
    let text = p.columns();
    quote!(Perms { read: #read, write: #write, exec: #exec, global: #global, sections: #sections, text: #text })
}

/// The module's items as tokens: what `vmlayout_macros::layout!` expands to (and
/// `render` formats). A `proc_macro2` stream, deliberately: the macro crate splices it.
pub fn tokens(plan: &Plan) -> TokenStream {
    let mut out = TokenStream::new();
    out.extend(support::support_types());
    out.extend(paging::paging(plan));
    out.extend(paging::platform(plan));
    for r in &plan.regions {
        out.extend(region::region(plan, r));
    }
    for g in &plan.gaps {
        out.extend(region::gap(g));
    }
    out.extend(fixmap::fixmap(plan));
    out.extend(tables::tables(plan));
    out.extend(tables::checks(plan));
    out
}

/// The module as Rust source with its preamble: pretty-printed with the `pretty`
/// feature (the committed file), else the same items unformatted.
pub fn render(plan: &Plan, source: &super::Origin) -> String {
    format!(
        "// {}\n// Every END is exclusive; every root-slot LAST is inclusive.\n\n{}",
        super::escape::line_comment(&super::preamble(source)),
        formatted(tokens(plan))
    )
}

#[cfg(feature = "pretty")]
fn formatted(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the Rust emitter produces valid Rust");
    prettyplease::unparse(&file)
}

#[cfg(not(feature = "pretty"))]
fn formatted(tokens: TokenStream) -> String {
    tokens.to_string() + "\n"
}
