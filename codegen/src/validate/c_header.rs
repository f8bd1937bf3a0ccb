//! `[c_header]`: the C naming profile. The prefix and every alias are C
//! identifiers no C or C++ compiler reserves; once the plan is assembled, every
//! name the header defines is defined once, and every alias names one of them.

use std::collections::BTreeSet;

use rustc_hash::FxHashSet as HashSet;

use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::names::reserved_in_c;
use crate::plan::{CHeader, Plan};
use crate::spec::LayoutSpec;

/// The options as written, each invalid part reported and left at its default.
pub(super) fn options(spec: &LayoutSpec, diags: &mut Diagnostics) -> CHeader {
    let Some(c) = &spec.c_header else {
        return CHeader::default();
    };
    let mut out = CHeader {
        ends: c.ends.as_ref().map(|e| e.value).unwrap_or_default(),
        literals: c.literals.as_ref().map(|l| l.value).unwrap_or_default(),
        ..CHeader::default()
    };
    if let Some(prefix) = &c.prefix
        && identifier(&prefix.value, "prefix", &prefix.span, true, diags)
    {
        out.prefix.clone_from(&prefix.value);
    }
    for (alias, target) in &c.aliases {
        if identifier(&alias.value, "alias", &alias.span, false, diags) {
            out.aliases
                .push((alias.value.clone(), target.value.clone()));
        }
    }
    out
}

/// `text` is a C identifier (a prefix may be empty) that C does not reserve.
fn identifier(text: &str, what: &str, span: &Span, prefix: bool, diags: &mut Diagnostics) -> bool {
    let well_formed = text
        .chars()
        .next()
        .map_or(prefix, |c| c == '_' || c.is_ascii_alphabetic())
        && text.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
    if !well_formed {
        diags.push(
            Diagnostic::error(
                format!(
                    "the C header {what} `{}` is not a C identifier",
                    text.escape_debug()
                ),
                span.clone(),
                "not an identifier",
            )
            .with_help("use ASCII letters, digits and `_`, not starting with a digit"),
        );
        return false;
    }
    // A prefix is judged by the names it starts (each begins with a capital); an
    // alias as a whole.
    let judged = if prefix {
        format!("{text}X")
    } else {
        text.to_string()
    };
    if let Some(why) = reserved_in_c(&judged).filter(|_| !prefix || text.starts_with('_')) {
        diags.push(
            Diagnostic::error(
                format!("the C header {what} `{text}` is {why}"),
                span.clone(),
                "reserved in C",
            )
            .with_help(format!(
                "choose another {what}, such as {}",
                if prefix {
                    "`KERN_`"
                } else {
                    "`KERN_VIRT_START`"
                }
            )),
        );
        return false;
    }
    true
}

/// Every name the assembled plan's header defines is defined once; every alias
/// is new and names one of them.
pub(super) fn names(plan: &Plan, spec: &LayoutSpec, diags: &mut Diagnostics) {
    let header = crate::emit::c_header::render_without_aliases(
        plan,
        &crate::emit::Origin::cli("layout.toml", "generated"),
    );
    // Each name once, and the names defined more than once (borrowed from the
    // header: tens of thousands of them for a large plan).
    let mut defined: HashSet<&str> = HashSet::default();
    let mut twice: BTreeSet<&str> = BTreeSet::new();
    let mut ul = 0;
    for name in crate::emit::builtins::c_macros(&header) {
        // `VMLAYOUT_UL` is defined once in each branch of the assembly/C choice.
        if name == "VMLAYOUT_UL" {
            ul += 1;
            if ul <= 2 {
                defined.insert(name);
                continue;
            }
        }
        if !defined.insert(name) {
            twice.insert(name);
        }
    }
    let is_defined = |name: &str| defined.contains(name);
    let c = spec.c_header.as_ref();
    let prefix_span = c
        .and_then(|c| c.prefix.as_ref().map(|p| p.span.clone()))
        .unwrap_or_else(|| c.map_or(0..0, |c| c.span.clone()));
    for name in twice {
        diags.push(
            Diagnostic::error(
                format!("the C header would define `{name}` twice"),
                prefix_span.clone(),
                "two names meet",
            )
            .with_help("with this prefix a name of a region, gap or group meets one of the header's own: choose another prefix or rename it"),
        );
    }
    let Some(c) = c else { return };
    // The include guard and the literal helper are not constants to alias.
    let aliasable =
        |name: &str| is_defined(name) && name != "VMLAYOUT_LAYOUT_H" && name != "VMLAYOUT_UL";
    for (alias, target) in &c.aliases {
        if is_defined(&alias.value) {
            diags.push(
                Diagnostic::error(
                    format!(
                        "alias `{}` is already a name the C header defines",
                        alias.value
                    ),
                    alias.span.clone(),
                    "defined twice",
                )
                .with_help("an alias adds a name: choose one the header does not define"),
            );
        }
        if !aliasable(&target.value) {
            // The include guard and VMLAYOUT_UL are defined, but are no constants.
            let what = if is_defined(&target.value) {
                "the header defines, but not as a constant"
            } else {
                "the C header does not define"
            };
            let d = Diagnostic::error(
                format!(
                    "alias `{}` names `{}`, which {what}",
                    alias.value, target.value
                ),
                target.span.clone(),
                "not a defined constant",
            );
            // In order, so the suggestion does not depend on hashing.
            let mut sorted: Vec<&str> = defined.iter().copied().filter(|n| aliasable(n)).collect();
            sorted.sort_unstable();
            let candidates = sorted.into_iter();
            diags.push(
                match did_you_mean(&target.value, candidates).filter(|b| *b != target.value) {
                    Some(best) => d.with_help(format!("did you mean `{best}`?")),
                    None => d.with_help(
                        "name a constant of layout.h, such as `FIXADDR_TOP` (with the prefix)",
                    ),
                },
            );
        }
    }
}
