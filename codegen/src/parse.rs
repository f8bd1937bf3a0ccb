//! layout.toml text → [`LayoutSpec`], reporting every syntax, key and type problem.
//!
//! This walks toml's spanned document tree by hand rather than deriving serde
//! structs: serde stops at the first error, and a layout should show all of its
//! problems in one run, each with "did you mean …?" for a mistyped key.

use serde_spanned::Spanned as TomlSpanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Diagnostics, Span, Spanned, did_you_mean};
use crate::paging::Mode;
use crate::plan::{CEnds, CLiterals, Perms, Purpose, SlotOrder};
use crate::spec::{
    CHeaderSpec, FixGroupSpec, FixmapSpec, GapSpec, LayoutSpec, LoadRangeSpec, Placement,
    PlatformSpec, RegionSpec,
};
use crate::units::{self, AddrExpr, SizeExpr};

type Value<'i> = TomlSpanned<DeValue<'i>>;

use crate::keys::{
    self, C_ENDS, C_HEADER as C_HEADER_KEYS, C_LITERALS, FIXMAP as FIXMAP_KEYS, GAP as GAP_KEYS,
    GROUP as GROUP_KEYS, Key, LOAD_RANGE as LOAD_RANGE_KEYS, ORDERS, PAGING as PAGING_KEYS,
    PLACEMENT as PLACEMENT_KEYS, PLATFORM as PLATFORM_KEYS, REGION as REGION_KEYS,
    ROOT as ROOT_KEYS, TABLES,
};

/// Help for key `name`, unknown where it was written (among `allowed`, in
/// `what`): a key of this table it is a typo of ("did you mean"), else the other
/// tables it is a key of, else a key of another table it is a typo of, else the
/// keys of this table. The first element is the key of this table it was taken for.
fn unknown_key_help(
    name: &str,
    what: &str,
    allowed: &'static [Key],
) -> (Option<&'static str>, String) {
    let elsewhere = || {
        TABLES
            .iter()
            .filter(|(_, keys)| !std::ptr::eq(*keys, allowed))
    };
    let exact: Vec<&str> = elsewhere()
        .filter(|(_, keys)| keys::has(keys, name))
        .map(|(table, _)| *table)
        .collect();
    // A near miss here, unless the key is spelt exactly as one of another table.
    if exact.is_empty()
        && let Some(best) = did_you_mean(name, keys::names(allowed))
    {
        return (Some(best), format!("did you mean `{best}`?"));
    }
    if !exact.is_empty() {
        return (
            None,
            format!(
                "`{name}` is a key of {}, not of {what}: move it there",
                exact.join(", ")
            ),
        );
    }
    let fuzzy = elsewhere().find_map(|(table, table_keys)| {
        did_you_mean(name, keys::names(table_keys)).map(|best| (*table, best))
    });
    match fuzzy {
        Some((table, best)) => (
            None,
            format!("did you mean `{best}`? It is a key of {table}, not of {what}"),
        ),
        None => (
            None,
            format!(
                "the keys of {what} are: {}",
                keys::names(allowed).collect::<Vec<_>>().join(", ")
            ),
        ),
    }
}

/// Longest name accepted: names become constants in three languages.
pub const MAX_NAME_LEN: usize = 48;

/// Parse `source`; problems go to `diags`, and whatever could be read is returned.
pub fn parse(source: &str, diags: &mut Diagnostics) -> LayoutSpec {
    let (doc, errors) = DeTable::parse_recoverable(source);
    // The first syntax error only, as cargo reports a manifest's: after one, the
    // parser's recovery misreads what follows (an unclosed string makes every later
    // line "missing comma between key-value pairs"), so the rest are counted, not
    // shown.
    let span_of = |e: &toml::de::Error| e.span().unwrap_or(0..0);
    if let Some(first) = errors
        .iter()
        .min_by_key(|e| (span_of(e).start, span_of(e).end))
    {
        let help = match errors.len() - 1 {
            0 => {
                "layout.toml must be valid TOML; see the schema reference in README.md".to_string()
            }
            more => format!(
                "layout.toml must be valid TOML; see the schema reference in README.md. The parser \
                 reports {more} more problem{} after this one, often caused by it: fix this one and \
                 check again",
                if more == 1 { "" } else { "s" }
            ),
        };
        diags.push(
            Diagnostic::error(
                format!("invalid TOML: {}", first.message().trim_end()),
                span_of(first),
                "the TOML parser stopped understanding the file here",
            )
            .with_help(help),
        );
        // A half-parsed tree yields confusing "missing key" errors: report syntax only.
        return LayoutSpec::default();
    }
    let mut spec = LayoutSpec::default();
    let root = Table::new(
        doc.get_ref(),
        doc.span(),
        "the layout file",
        ROOT_KEYS,
        diags,
    );
    if doc.get_ref().is_empty() {
        diags.push(
            Diagnostic::error("the layout is empty", 0..0, "no tables or keys").with_help(
                "a layout needs [paging], [platform], [[region]] tables and [fixmap]; start from the example in README.md",
            ),
        );
        return spec;
    }

    top_level(&root, &mut spec, diags);
    untaken_name_suggestions(&spec, diags);
    spec
}

/// A "try `x`" for an invalid name whose `x` another region, gap or group already
/// has would trade one error for a duplicate: suggest `x_2` (or the next free).
fn untaken_name_suggestions(spec: &LayoutSpec, diags: &mut Diagnostics) {
    let gap_names = spec
        .regions
        .iter()
        .filter_map(|r| match r.placement.as_ref()?.value {
            Placement::After {
                gap: Some(ref g), ..
            }
            | Placement::Before {
                gap: Some(ref g), ..
            } => g.name.as_ref(),
            _ => None,
        });
    let defined: Vec<&Spanned<String>> = spec
        .regions
        .iter()
        .filter_map(|r| r.name.as_ref())
        .chain(gap_names)
        .chain(
            spec.fixmap
                .iter()
                .flat_map(|f| f.groups.iter().filter_map(|g| g.name.as_ref())),
        )
        .collect();
    for d in diags.iter_mut() {
        let Some(help) = &d.help else { continue };
        let Some(at) = help.find("; try `") else {
            continue;
        };
        let suggested = help[at + "; try `".len()..]
            .trim_end_matches('`')
            .to_string();
        let is_definition = defined.iter().any(|n| n.span == d.span);
        let taken = |name: &str| defined.iter().any(|n| n.value == name && n.span != d.span);
        if !is_definition || !taken(&suggested) {
            continue;
        }
        let free = (2..)
            .map(|k| format!("{suggested}_{k}"))
            .find(|n| !taken(n))
            .expect("some suffix is free");
        d.help = Some(format!(
            "names become constants such as `{}_VIRT_START`; `{suggested}` is taken: try `{free}`",
            free.to_ascii_uppercase()
        ));
    }
}

/// The four top-level tables into `spec`; each missing one is reported with an example.
fn top_level(root: &Table<'_, '_>, spec: &mut LayoutSpec, diags: &mut Diagnostics) {
    match root.table_field("paging", diags) {
        None if root.get("paging").is_some() => {} // wrong type, reported
        Some(paging) => spec.mode = paging.required("mode", diags).and_then(|v| mode(v, diags)),
        None => missing(
            diags,
            "the layout file",
            "paging",
            root.span.clone(),
            "[paging]\nmode = \"sv39\"",
        ),
    }
    match root.table_field("platform", diags) {
        None if root.get("platform").is_some() => {} // wrong type, reported
        Some(t) => spec.platform = Some(platform(t, diags)),
        None => missing(
            diags,
            "the layout file",
            "platform",
            root.span.clone(),
            "[platform]\nload_address = \"0x8020_0000\"\nidentity_size = \"4K\"\nimage_max_size = \"2M\"",
        ),
    }
    spec.regions_given = root.get("region").is_some();
    match root.get("region") {
        Some(v) => {
            if let Some(tables) = array_of_tables(v, "region", diags) {
                spec.regions = tables
                    .into_iter()
                    .map(|(t, span)| {
                        region(
                            Table::new(t, span, "a [[region]]", REGION_KEYS, diags),
                            diags,
                        )
                    })
                    .collect()
            }
        }
        None => missing(
            diags,
            "the layout file",
            "region",
            root.span.clone(),
            "[[region]] tables, at least the image and the fixmap",
        ),
    }
    match root.table_field("fixmap", diags) {
        None if root.get("fixmap").is_some() => {} // wrong type, reported
        Some(t) => spec.fixmap = Some(fixmap(t, diags)),
        None => missing(
            diags,
            "the layout file",
            "fixmap",
            root.span.clone(),
            "[fixmap]\nregion = \"fixmap\"\n[[fixmap.group]]\nname = \"pmap\"\ncount = 8",
        ),
    }
    if let Some(t) = root.table_field("c_header", diags) {
        spec.c_header = Some(c_header(t, diags));
    }
}

fn missing(diags: &mut Diagnostics, what: &str, key: &str, span: Span, example: &str) {
    let span = if span.is_empty() {
        span
    } else {
        span.start..span.start
    };
    diags.push(
        Diagnostic::error(
            format!("{what} has no `{key}`"),
            span,
            format!("`{key}` is required"),
        )
        .with_help(format!("add: {}", example.replace('\n', "  "))),
    );
}

/// A TOML table being read: knows its span, what to call it, and reports keys it
/// does not know as soon as it is opened.
struct Table<'a, 'i> {
    table: &'a DeTable<'i>,
    span: Span,
    what: String,
    /// Known keys that an unknown key was reported as a likely typo of: they are
    /// not reported again as missing.
    typo_of: Vec<&'static str>,
}

impl<'a, 'i> Table<'a, 'i> {
    fn new(
        table: &'a DeTable<'i>,
        span: Span,
        what: &str,
        allowed: &'static [Key],
        diags: &mut Diagnostics,
    ) -> Self {
        let mut typo_of = Vec::new();
        for key in table.keys() {
            let name = key.get_ref().as_ref();
            if keys::has(allowed, name) {
                continue;
            }
            let d = Diagnostic::error(
                format!("unknown key `{name}` in {what}"),
                key.span(),
                "unknown key",
            );
            let (typo, help) = unknown_key_help(name, what, allowed);
            // The key it was taken for is written here too: a second spelling of it.
            // (Tables differ: `[[regoin]]` beside `[[region]]` is a misspelt header,
            // answered with "did you mean".)
            let scalar = |k: &str| {
                table
                    .get(k)
                    .is_some_and(|v| !matches!(v.get_ref(), DeValue::Table(_) | DeValue::Array(_)))
            };
            // A placement key's typo beside another placement: the region is placed
            // already, and the key it was taken for would be a second placement.
            let placed_by = typo
                .filter(|t| PLACEMENT_KEYS.contains(t))
                .and_then(|_| PLACEMENT_KEYS.iter().find(|k| table.get(**k).is_some()));
            let help = match (typo.filter(|t| scalar(t)), placed_by) {
                (Some(t), _) => format!(
                    "`{t}` is already set in {what}: remove this `{name}`, or merge the two"
                ),
                (None, Some(by)) => format!(
                    "the region is placed by `{by}` already: remove this `{name}` (a region is placed one way)"
                ),
                (None, None) => help,
            };
            typo_of.extend(typo);
            diags.push(d.with_help(help));
        }
        Table {
            table,
            span,
            what: what.to_owned(),
            typo_of,
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.table.get(key)
    }

    /// The key is present (possibly with a bad value) or was misspelled: either way
    /// it has been reported if wrong, and must not be reported as missing.
    fn mentions(&self, key: &str) -> bool {
        self.table.contains_key(key) || self.typo_of.contains(&key)
    }

    fn required(&self, key: &str, diags: &mut Diagnostics) -> Option<&'a Value<'i>> {
        let value = self.get(key);
        if value.is_none() && !self.typo_of.contains(&key) {
            let at = self.span.start..self.span.start;
            diags.push(
                Diagnostic::error(
                    format!("{} has no `{key}`", self.what),
                    at,
                    format!("`{key}` is required here"),
                )
                .with_help(format!("add `{key} = …` to {}", self.what)),
            );
        }
        value
    }

    /// A sub-table, or a type error if the key holds something else.
    fn table_field(&self, key: &str, diags: &mut Diagnostics) -> Option<Table<'a, 'i>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Table(t) => {
                let allowed: &'static [Key] = match key {
                    "paging" => PAGING_KEYS,
                    "platform" => PLATFORM_KEYS,
                    "fixmap" => FIXMAP_KEYS,
                    "c_header" => C_HEADER_KEYS,
                    _ => &[],
                };
                Some(Table::new(
                    t,
                    value.span(),
                    &format!("[{key}]"),
                    allowed,
                    diags,
                ))
            }
            other => {
                type_error(diags, key, "a table", other, value.span());
                None
            }
        }
    }
}

fn type_error(diags: &mut Diagnostics, key: &str, expected: &str, found: &DeValue<'_>, span: Span) {
    diags.push(
        Diagnostic::error(
            format!(
                "`{key}` must be {expected}, not {}",
                article(found.type_str())
            ),
            span,
            format!("expected {expected}"),
        )
        .with_help(help_for(key)),
    );
}

fn article(type_str: &str) -> String {
    match type_str {
        "integer" | "array" | "inline table" => format!("an {type_str}"),
        other => format!("a {other}"),
    }
}

fn help_for(key: &str) -> String {
    match key {
        "size" | "identity_size" | "image_max_size" | "max_ram" | "align" => {
            format!("write `{key} = \"2M\"` (units K, M, G, T; or `\"3 slots\"` for root slots)")
        }
        "at" | "load_address" => format!(
            "write `{key} = \"0xffff_ffff_c000_0000\"`, `\"slot(511)\"` or `\"top - 1G\"`: high-half addresses do not fit a TOML integer"
        ),
        "slots" => "write `slots = [256, 447]` (first and last root slot, inclusive)".into(),
        "slot" => "write `slot = 511` (a root-slot index, 0 to 511)".into(),
        "count" => "write `count = 8` (a whole number of slots)".into(),
        "max_harts" => format!(
            "write `max_harts = 8` (a whole number of harts, 1 to {})",
            crate::plan::HART_LIMIT
        ),
        "perms" => "write `perms = \"rw\"` (letters r, w, x)".into(),
        "region" => "write `[[region]]` tables (array of tables)".into(),
        "group" => "write `[[fixmap.group]]` tables (array of tables)".into(),
        "allow_wx" | "hole" | "per_hart" => format!("write `{key} = true`"),
        _ => format!("see the schema reference for `{key}` in README.md"),
    }
}

fn array_of_tables<'a, 'i>(
    value: &'a Value<'i>,
    key: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<(&'a DeTable<'i>, Span)>> {
    let DeValue::Array(items) = value.get_ref() else {
        type_error(
            diags,
            key,
            "an array of tables",
            value.get_ref(),
            value.span(),
        );
        return None;
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item.get_ref() {
            DeValue::Table(t) => out.push((t, item.span())),
            other => type_error(diags, key, "a table", other, item.span()),
        }
    }
    Some(out)
}

fn string(value: &Value<'_>, key: &str, diags: &mut Diagnostics) -> Option<Spanned<String>> {
    match value.get_ref() {
        DeValue::String(s) => Some(Spanned::new(s.to_string(), value.span())),
        other => {
            type_error(diags, key, "a string", other, value.span());
            None
        }
    }
}

fn boolean(value: &Value<'_>, key: &str, diags: &mut Diagnostics) -> Option<Spanned<bool>> {
    match value.get_ref() {
        DeValue::Boolean(b) => Some(Spanned::new(*b, value.span())),
        other => {
            type_error(diags, key, "true or false", other, value.span());
            None
        }
    }
}

/// A non-negative TOML integer.
fn uint(value: &Value<'_>, key: &str, diags: &mut Diagnostics) -> Option<Spanned<u64>> {
    match value.get_ref() {
        // TOML integers are signed 64-bit: one above i64::MAX is not valid TOML,
        // however lenient a parser may be, and other tools will reject the file.
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) if n >= 0 => Some(Spanned::new(n as u64, value.span())),
            Ok(_) => {
                diags.push(
                    Diagnostic::error(
                        format!("`{key}` must not be negative"),
                        value.span(),
                        "negative number",
                    )
                    .with_help(help_for(key)),
                );
                None
            }
            Err(_) => {
                // Sizes and addresses may be strings, read in full (as hex); counts
                // and slot numbers may not (and are never that large).
                let whole = u128::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                    .ok()
                    .and_then(|v| u64::try_from(v).ok());
                let help = match whole {
                    _ if matches!(key, "slot" | "slots" | "count" | "max_harts") => help_for(key),
                    Some(v) => format!(
                        "write it as a string, which vmlayout reads in full: `{key} = \"{}\"`",
                        crate::fmt::hex(v)
                    ),
                    None => format!("`{key}` cannot be 2^64 or more: no address or size is"),
                };
                diags.push(
                    Diagnostic::error(
                        format!("`{key}` is larger than a TOML integer can be"),
                        value.span(),
                        "TOML integers are signed 64-bit",
                    )
                    .with_help(help),
                );
                None
            }
        },
        other => {
            type_error(diags, key, "a whole number", other, value.span());
            None
        }
    }
}

fn size(value: &Value<'_>, key: &str, diags: &mut Diagnostics) -> Option<Spanned<SizeExpr>> {
    match value.get_ref() {
        DeValue::String(s) => match units::parse_size(s) {
            Ok(size) => Some(Spanned::new(size, value.span())),
            Err(why) => {
                diags.push(
                    Diagnostic::error(
                        format!("`{key}` is not a size: {why}"),
                        value.span(),
                        "not a size",
                    )
                    .with_help(help_for(key)),
                );
                None
            }
        },
        DeValue::Integer(_) => {
            uint(value, key, diags).map(|n| Spanned::new(SizeExpr::Bytes(n.value), n.span))
        }
        other => {
            type_error(
                diags,
                key,
                "a size string such as \"2M\"",
                other,
                value.span(),
            );
            None
        }
    }
}

fn address(value: &Value<'_>, key: &str, diags: &mut Diagnostics) -> Option<Spanned<AddrExpr>> {
    match value.get_ref() {
        DeValue::String(s) => match units::parse_address(s) {
            Ok(expr) => Some(Spanned::new(expr, value.span())),
            Err(why) => {
                diags.push(
                    Diagnostic::error(
                        format!("`{key}` is not an address: {why}"),
                        value.span(),
                        "not an address",
                    )
                    .with_help(help_for(key)),
                );
                None
            }
        },
        DeValue::Integer(_) => uint(value, key, diags).map(|n| {
            Spanned::new(
                AddrExpr {
                    terms: vec![(units::Sign::Plus, units::AddrTerm::Number(n.value))],
                },
                n.span,
            )
        }),
        other => {
            type_error(diags, key, "an address string", other, value.span());
            None
        }
    }
}

/// Names become constants (`FDT_VIRT_START`, `FIX_PMAP_BEGIN`) in Rust and C, so
/// they must be lower-case identifiers.
fn name(value: &Value<'_>, key: &str, diags: &mut Diagnostics) -> Option<Spanned<String>> {
    let name = string(value, key, diags)?;
    let valid_chars = name
        .value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let starts_ok = name.value.starts_with(|c: char| c.is_ascii_lowercase());
    if !valid_chars || !starts_ok {
        let suggestion: String = name
            .value
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let mut d = Diagnostic::error(
            format!("`{}` is not a valid name", name.value.escape_debug()),
            name.span.clone(),
            "names must be lower-case identifiers: a-z first, then a-z, 0-9 or _",
        );
        if suggestion.starts_with(|c: char| c.is_ascii_lowercase())
            && suggestion.len() <= MAX_NAME_LEN
        {
            d = d.with_help(format!(
                "names become constants such as `{}_VIRT_START`; try `{suggestion}`",
                suggestion.to_ascii_uppercase()
            ));
        } else {
            d = d.with_help("names become Rust and C constants; use something like `boot_fdt`");
        }
        diags.push(d);
        return Some(name);
    }
    if name.value.len() > MAX_NAME_LEN {
        diags.push(
            Diagnostic::error(
                format!(
                    "name is {} characters long; the limit is {MAX_NAME_LEN}",
                    name.value.len()
                ),
                name.span.clone(),
                "name too long",
            )
            .with_help("names become constants in Rust, C and the linker script; keep them short"),
        );
    }
    Some(name)
}

fn mode(value: &Value<'_>, diags: &mut Diagnostics) -> Option<Spanned<Mode>> {
    let text = string(value, "mode", diags)?;
    match Mode::from_name(&text.value) {
        Some(mode) => Some(Spanned::new(mode, text.span)),
        None => {
            let names = Mode::ALL.map(Mode::name);
            let lower = text.value.to_ascii_lowercase();
            let hint = did_you_mean(&lower, names).map_or_else(
                || "the paging modes are sv39, sv48 and sv57 (4 KiB pages)".to_string(),
                |m| format!("did you mean `{m}`?"),
            );
            diags.push(
                Diagnostic::error(
                    format!("unknown paging mode `{}`", text.value),
                    text.span,
                    "not a paging mode",
                )
                .with_help(hint),
            );
            None
        }
    }
}

fn platform(t: Table<'_, '_>, diags: &mut Diagnostics) -> PlatformSpec {
    PlatformSpec {
        span: t.span.clone(),
        load_address: t
            .required("load_address", diags)
            .and_then(|v| address(v, "load_address", diags)),
        identity_size: t
            .required("identity_size", diags)
            .and_then(|v| size(v, "identity_size", diags)),
        image_max_size: t
            .required("image_max_size", diags)
            .and_then(|v| size(v, "image_max_size", diags)),
        max_ram: t.get("max_ram").and_then(|v| size(v, "max_ram", diags)),
        max_harts: t.get("max_harts").and_then(|v| uint(v, "max_harts", diags)),
        load_range: t.get("load_range").and_then(|v| load_range(v, diags)),
    }
}

/// `load_range = { first = "…", last = "…", align = "2M" }`.
fn load_range(value: &Value<'_>, diags: &mut Diagnostics) -> Option<LoadRangeSpec> {
    let DeValue::Table(table) = value.get_ref() else {
        type_error(
            diags,
            "load_range",
            "a table { first, last, align }",
            value.get_ref(),
            value.span(),
        );
        return None;
    };
    let t = Table::new(table, value.span(), "`load_range`", LOAD_RANGE_KEYS, diags);
    let first = t
        .required("first", diags)
        .and_then(|v| address(v, "first", diags));
    let last = t
        .required("last", diags)
        .and_then(|v| address(v, "last", diags));
    let align = t.get("align").and_then(|v| size(v, "align", diags));
    Some(LoadRangeSpec {
        span: value.span(),
        first: first?,
        last: last?,
        align,
    })
}

fn purpose(value: &Value<'_>, diags: &mut Diagnostics) -> Option<Spanned<Purpose>> {
    let text = string(value, "purpose", diags)?;
    match Purpose::from_name(&text.value) {
        Some(p) => Some(Spanned::new(p, text.span)),
        None => {
            let names = Purpose::ALL.map(Purpose::name);
            let hint = did_you_mean(&text.value, names).map_or_else(
                || format!("the purposes are: {}", names.join(", ")),
                |p| format!("did you mean `{p}`?"),
            );
            diags.push(
                Diagnostic::error(
                    format!("unknown purpose `{}`", text.value),
                    text.span,
                    "not a purpose",
                )
                .with_help(hint),
            );
            None
        }
    }
}

fn perms(value: &Value<'_>, diags: &mut Diagnostics) -> Option<Spanned<Perms>> {
    let text = string(value, "perms", diags)?;
    let mut perms = Perms {
        global: true,
        ..Perms::default()
    };
    for c in text.value.chars() {
        let flag = match c {
            'r' => &mut perms.read,
            'w' => &mut perms.write,
            'x' => &mut perms.exec,
            '-' => continue,
            other => {
                diags.push(
                    Diagnostic::error(
                        format!("`{}` is not a permission letter", other.escape_debug()),
                        text.span.clone(),
                        "permissions are r, w and x",
                    )
                    .with_help("write `perms = \"rw\"`, `\"r\"`, `\"rx\"` (and `\"rwx\"` only with `allow_wx = true`)"),
                );
                return None;
            }
        };
        if *flag {
            diags.push(
                Diagnostic::error(
                    format!("`{c}` appears twice in perms"),
                    text.span.clone(),
                    "repeated letter",
                )
                .with_help("write each of r, w, x at most once"),
            );
            return None;
        }
        *flag = true;
    }
    if perms.write && !perms.read {
        diags.push(
            Diagnostic::error(
                "write-only mappings are reserved in RISC-V",
                text.span.clone(),
                "w without r",
            )
            .with_help(
                "a PTE with W set and R clear is reserved by the privileged spec; write `rw`",
            ),
        );
        return None;
    }
    Some(Spanned::new(perms, text.span))
}

fn gap(value: &Value<'_>, diags: &mut Diagnostics) -> Option<GapSpec> {
    match value.get_ref() {
        DeValue::Table(t) => {
            let t = Table::new(t, value.span(), "a `gap` table", GAP_KEYS, diags);
            let size = t
                .required("size", diags)
                .and_then(|v| size(v, "size", diags))?;
            let name = t.get("name").and_then(|v| name(v, "name", diags));
            Some(GapSpec { size, name })
        }
        _ => size(value, "gap", diags).map(|size| GapSpec { size, name: None }),
    }
}

fn region(t: Table<'_, '_>, diags: &mut Diagnostics) -> RegionSpec {
    let name = t
        .required("name", diags)
        .and_then(|v| name(v, "name", diags));
    let region_name = name.as_ref().map_or("?".to_string(), |n| n.value.clone());
    let placement = placement(&t, &region_name, diags);
    let within = t.get("within").and_then(|v| self::name(v, "within", diags));
    RegionSpec {
        span: t.span.clone(),
        purpose: t.required("purpose", diags).and_then(|v| purpose(v, diags)),
        size: t.get("size").and_then(|v| size(v, "size", diags)),
        mentioned: keys::names(REGION_KEYS).filter(|k| t.mentions(k)).collect(),
        placement,
        align: t.get("align").and_then(|v| size(v, "align", diags)),
        perms: t.get("perms").and_then(|v| perms(v, diags)),
        allow_wx: t
            .get("allow_wx")
            .and_then(|v| boolean(v, "allow_wx", diags)),
        description: t
            .required("description", diags)
            .and_then(|v| string(v, "description", diags)),
        within,
        name,
    }
}

fn placement(
    t: &Table<'_, '_>,
    region: &str,
    diags: &mut Diagnostics,
) -> Option<Spanned<Placement>> {
    if !given_any(t) && PLACEMENT_KEYS.iter().any(|k| t.typo_of.contains(k)) {
        return None; // a misspelled placement key was reported already
    }
    let given: Vec<(&str, &Value<'_>)> = PLACEMENT_KEYS
        .iter()
        .filter_map(|k| t.get(k).map(|v| (*k, v)))
        .collect();
    let mut given = given;
    given.sort_by_key(|(_, v)| v.span().start);
    let gap_value = t.get("gap");
    let Some(&(key, value)) = given.first() else {
        diags.push(
            Diagnostic::error(
                format!("region `{region}` has no placement"),
                t.span.start..t.span.start,
                "say where this region goes",
            )
            .with_help("add one of `at = \"slot(511)\"`, `slot = 511`, `slots = [256, 447]`, `after = \"image\"` or `before = \"fixmap\"`"),
        );
        return None;
    };
    for &(other, other_value) in &given[1..] {
        diags.push(
            Diagnostic::error(
                format!("region `{region}` has two placements, `{key}` and `{other}`"),
                other_value.span(),
                "second placement",
            )
            .with_related(value.span(), "first placement")
            .with_help("a region is placed exactly one way: keep one of them"),
        );
    }
    if given.len() > 1 {
        return None;
    }
    if let Some(g) = gap_value
        && !matches!(key, "after" | "before")
    {
        diags.push(
            Diagnostic::error(
                format!(
                    "`gap` needs `after` or `before`, but region `{region}` is placed with `{key}`"
                ),
                g.span(),
                "gap without a neighbour",
            )
            .with_help("a gap separates this region from the one named in `after`/`before`"),
        );
    }
    let placement = match key {
        "at" => Placement::At(address(value, "at", diags)?.value),
        "slot" => Placement::Slot(uint(value, "slot", diags)?.value),
        "slots" => slots(value, diags)?,
        "after" | "before" => {
            let target = name(value, key, diags)?;
            let gap = gap_value.and_then(|g| gap(g, diags));
            if key == "after" {
                Placement::After { target, gap }
            } else {
                Placement::Before { target, gap }
            }
        }
        _ => unreachable!("PLACEMENT_KEYS covers every key"),
    };
    Some(Spanned::new(placement, value.span()))
}

/// `slots = [first, last]`.
fn slots(value: &Value<'_>, diags: &mut Diagnostics) -> Option<Placement> {
    let DeValue::Array(items) = value.get_ref() else {
        type_error(
            diags,
            "slots",
            "an array [first, last]",
            value.get_ref(),
            value.span(),
        );
        return None;
    };
    if items.len() != 2 {
        diags.push(
            Diagnostic::error(
                format!("`slots` must have two entries, not {}", items.len()),
                value.span(),
                "expected [first, last]",
            )
            .with_help(help_for("slots")),
        );
        return None;
    }
    let first = uint(&items[0], "slots", diags);
    let last = uint(&items[1], "slots", diags);
    Some(Placement::Slots(first?.value, last?.value))
}

/// The layout language's tokens as a libFuzzer dictionary (`-dict`): table
/// headers, every key, and the words values are made of. Built from the parser's
/// own key lists and the model's purposes and modes, so nothing new is missed.
pub(crate) fn fuzz_dictionary() -> String {
    let mut tokens: Vec<String> = TABLES
        .iter()
        .map(|(table, _)| *table)
        .filter(|table| table.starts_with('['))
        .map(String::from)
        .collect();
    let mut keys: Vec<&str> = TABLES
        .iter()
        .flat_map(|(_, table_keys)| keys::names(table_keys))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    tokens.extend(keys.iter().map(|k| format!("{k} = ")));
    let words = Mode::ALL
        .iter()
        .map(|m| m.name())
        .chain(Purpose::ALL.iter().map(|p| p.name()))
        .chain(ORDERS.iter().chain(C_ENDS).chain(C_LITERALS).copied())
        .chain(["r", "rw", "rx", "rwx", "4K", "2M", "1G", "0x8020_0000"]);
    tokens.extend(words.map(|w| format!("\"{w}\"")));
    tokens.extend(
        [
            "true",
            "false",
            "slot(",
            "slot(511)",
            " + ",
            " - ",
            "{ ",
            " }",
            "[",
            "]",
        ]
        .map(String::from),
    );
    let mut dict = String::from(
        "# The layout language's tokens, so libFuzzer builds plausible layouts quickly.\n\
         # Generated from vmlayout's parser: tests/fuzz_dictionary.rs checks it is fresh\n\
         # (VMLAYOUT_BLESS=1 cargo test --test fuzz_dictionary rewrites it).\n",
    );
    for token in tokens {
        dict += &format!("{token:?}\n");
    }
    dict
}

/// `order = "up"` or `"down"`.
fn slot_order(value: &Value<'_>, diags: &mut Diagnostics) -> Option<Spanned<SlotOrder>> {
    let text = string(value, "order", diags)?;
    match text.value.as_str() {
        "up" => Some(Spanned::new(SlotOrder::Up, text.span)),
        "down" => Some(Spanned::new(SlotOrder::Down, text.span)),
        other => {
            diags.push(
                Diagnostic::error(format!("unknown slot order `{other}`"), text.span, "not an order")
                    .with_help("write `order = \"up\"` (slot 0 at FIXADDR_START, as Xen and Arm) or `\"down\"` (slot 0 below FIXADDR_TOP, as Linux)"),
            );
            None
        }
    }
}

/// `[c_header]`: the C naming profile.
fn c_header(t: Table<'_, '_>, diags: &mut Diagnostics) -> CHeaderSpec {
    let choice = |key: &str, choices: &[&str], diags: &mut Diagnostics| {
        let text = string(t.get(key)?, key, diags)?;
        if choices.contains(&text.value.as_str()) {
            return Some(text);
        }
        diags.push(
            Diagnostic::error(
                format!("unknown {key} `{}` in [c_header]", text.value),
                text.span.clone(),
                "not one of the choices",
            )
            .with_help(format!(
                "write {}",
                choices
                    .iter()
                    .map(|c| format!("`{key} = \"{c}\"`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )),
        );
        None
    };
    let ends = choice("ends", C_ENDS, diags).map(|s| {
        let ends = match s.value.as_str() {
            "exclusive" => CEnds::Exclusive,
            "inclusive" => CEnds::Inclusive,
            _ => CEnds::None,
        };
        Spanned::new(ends, s.span)
    });
    let literals = choice("literals", C_LITERALS, diags).map(|s| {
        let literals = if s.value == "plain" {
            CLiterals::Plain
        } else {
            CLiterals::Ul
        };
        Spanned::new(literals, s.span)
    });
    let prefix = t.get("prefix").and_then(|v| string(v, "prefix", diags));
    let mut aliases = Vec::new();
    if let Some(v) = t.get("aliases") {
        match v.get_ref() {
            DeValue::Table(table) => {
                for (key, value) in table.iter() {
                    let alias = Spanned::new(key.get_ref().to_string(), key.span());
                    if let Some(target) = string(value, &alias.value, diags) {
                        aliases.push((alias, target));
                    }
                }
            }
            other => type_error(diags, "aliases", "a table", other, v.span()),
        }
    }
    CHeaderSpec {
        span: t.span.clone(),
        ends,
        literals,
        prefix,
        aliases,
    }
}

fn fixmap(t: Table<'_, '_>, diags: &mut Diagnostics) -> FixmapSpec {
    let region = t
        .required("region", diags)
        .and_then(|v| name(v, "region", diags));
    let mut groups = Vec::new();
    let mut groups_span = t.span.clone();
    // Not an array of tables, or misspelt: reported here, once. Missing: the
    // validation says there are no groups and how to add one.
    let mut groups_reported = t.get("group").is_none() && t.mentions("group");
    if let Some(v) = t.get("group") {
        groups_span = v.span();
        match array_of_tables(v, "group", diags) {
            None => groups_reported = true,
            Some(tables) => {
                for (table, span) in tables {
                    let reported = diags.len();
                    let g =
                        Table::new(table, span.clone(), "a [[fixmap.group]]", GROUP_KEYS, diags);
                    let mut group = FixGroupSpec {
                        name: g
                            .required("name", diags)
                            .and_then(|v| name(v, "name", diags)),
                        count: g
                            .required("count", diags)
                            .and_then(|v| uint(v, "count", diags)),
                        role: g.get("role").and_then(|v| name(v, "role", diags)),
                        hole: g.get("hole").and_then(|v| boolean(v, "hole", diags)),
                        per_hart: g
                            .get("per_hart")
                            .and_then(|v| boolean(v, "per_hart", diags)),
                        description: g
                            .get("description")
                            .and_then(|v| string(v, "description", diags)),
                        invalid: false,
                    };
                    group.invalid = diags.len() > reported;
                    groups.push(group);
                }
            }
        }
    }
    FixmapSpec {
        order: t.get("order").and_then(|v| slot_order(v, diags)),
        region,
        groups,
        groups_span,
        groups_reported,
    }
}

fn given_any(t: &Table<'_, '_>) -> bool {
    PLACEMENT_KEYS.iter().any(|k| t.get(k).is_some())
}
