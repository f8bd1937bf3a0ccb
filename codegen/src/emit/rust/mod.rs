//! The Rust module: constants, the fixmap slot type, run-time tables and
//! compile-time checks, written as text in rustfmt's layout (module `source`): the
//! committed file and what `vmlayout_macros::layout!` expands to are one text.

mod fixmap;
mod paging;
mod region;
mod source;
mod support;
mod tables;

use source::{Expr, Source};

use crate::fmt::hex;
use crate::plan::{Perms, Plan};

/// `value` as a hex literal with `_` every four digits.
fn lit(value: u64) -> Expr {
    Expr::atom(hex(value))
}

/// `value` as a decimal literal.
fn dec(value: u64) -> Expr {
    Expr::atom(value.to_string())
}

/// A `Perms { … }` literal.
fn perms(p: &Perms) -> Expr {
    let flag = |b: bool| Expr::atom(b.to_string());
    Expr::Struct(
        "Perms".into(),
        vec![
            ("read", flag(p.read)),
            ("write", flag(p.write)),
            ("exec", flag(p.exec)),
            ("global", flag(p.global)),
            ("sections", flag(p.sections)),
            ("text", Expr::string(&p.columns())),
        ],
    )
}

/// The module's items as Rust source, without the preamble: what
/// `vmlayout_macros::layout!` expands to (parsed into tokens) and what [`render`]
/// writes after the preamble. Laid out as rustfmt lays it out.
pub fn items(plan: &Plan) -> String {
    let mut out = Source::default();
    support::support_types(&mut out);
    paging::paging(&mut out, plan);
    paging::platform(&mut out, plan);
    for r in &plan.regions {
        region::region(&mut out, plan, r);
    }
    for g in &plan.gaps {
        region::gap(&mut out, g);
    }
    fixmap::fixmap(&mut out, plan);
    tables::tables(&mut out, plan);
    tables::checks(&mut out, plan);
    out.finish()
}

/// The module as Rust source with its preamble, as `generate` writes layout.rs.
pub fn render(plan: &Plan, source: &super::Origin) -> String {
    format!(
        "// {}\n// Every END is exclusive; every root-slot LAST is inclusive.\n\n{}",
        super::escape::line_comment(&super::preamble(source)),
        items(plan)
    )
}
