//! What a consumer of the plan (a kernel) needs from it, declared once in a TOML
//! file the consumer keeps — the reference kernel's is `kernel/vmlayout-needs.toml`
//! — and checked with the layout's other rules, so a plan that does not meet it
//! fails with a diagnostic pointing into layout.toml, never with a compiler error
//! inside generated code.
//!
//! ```toml
//! [[region]]
//! purpose = "directmap"
//! why = "RAM is mapped there"
//!
//! [[fixmap_group]]
//! role = "pmap"
//! min_slots = 1
//! max_slots = 64
//! why = "PMAP maps page tables before the direct map exists"
//! ```

use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::fmt::human_size;
use crate::plan::Purpose;
use crate::resolve::Resolved;
use crate::spec::LayoutSpec;

/// A consumer's requirements.
#[derive(Clone, Debug, Default)]
pub struct Needs {
    /// The file the requirements came from, named in diagnostics.
    pub source: String,
    /// Regions the consumer finds by purpose.
    pub region: Vec<RegionNeed>,
    /// Fixmap groups the consumer finds by role.
    pub fixmap_group: Vec<GroupNeed>,
    /// Purposes the consumer maps at boot: one nested in another is refused.
    pub nesting: Option<NestingNeed>,
    /// What the consumer's own image takes.
    pub image: Option<ImageNeed>,
    /// How much RAM above the identity range the consumer needs mapped.
    pub directmap: Option<DirectmapNeed>,
}

/// The consumer's image: its code and data take `size` bytes besides the boot
/// table pool the plan computes, and its identity-mapped boot code
/// `identity_code` bytes. Sizes are strings as in layout.toml (`"256K"`).
#[derive(Clone, Debug)]
pub struct ImageNeed {
    /// Bytes the consumer's code and data take besides the boot table pool (a size string).
    pub size: String,
    /// Bytes of its identity-mapped boot code (a size string): `identity_size` must hold them.
    pub identity_code: String,
    /// Bytes its image grows by per hart the plan allows (`per_hart`, a size
    /// string; none when absent): state sized by `MAX_HARTS`. The image needs
    /// `size + per_hart × platform.max_harts`.
    pub per_hart: Option<String>,
    /// Why, for the diagnostic.
    pub why: String,
}

/// The direct map (the lowest-addressed `directmap` region) maps RAM from the
/// 1 GiB that holds the load address; the consumer takes page-table frames from
/// RAM above the identity range, so the direct map must reach `frames` bytes
/// past the identity range of every allowed load address.
#[derive(Clone, Debug)]
pub struct DirectmapNeed {
    /// Bytes of RAM above the identity range the direct map must reach (a size string).
    pub frames: String,
    /// Why, for the diagnostic.
    pub why: String,
}

/// Regions of these purposes may not lie within one another (`within`).
#[derive(Clone, Debug)]
pub struct NestingNeed {
    /// Purpose names the consumer maps at boot.
    pub mapped_at_boot: Vec<String>,
    /// Why, for the diagnostic.
    pub why: String,
}

/// At least one region with `purpose`.
#[derive(Clone, Debug)]
pub struct RegionNeed {
    /// A purpose name: `image`, `fixmap`, `window`, `directmap`, `reserved`.
    pub purpose: String,
    /// The least size of the region the consumer uses, the lowest-addressed one
    /// of this purpose (a size string, `"64K"`); any size when absent.
    pub min_size: Option<String>,
    /// Why the consumer needs it, for the diagnostic.
    pub why: String,
}

/// A fixmap group with `role` of `min_slots..=max_slots` slots.
#[derive(Clone, Debug)]
pub struct GroupNeed {
    /// The role the consumer finds the group by (`pmap`, `console`).
    pub role: String,
    /// Fewest slots the consumer can work with (inclusive, at least 1).
    pub min_slots: u64,
    /// Most slots the consumer can use (inclusive). For a per-hart group both
    /// bounds count one hart's slots (`count` as written).
    pub max_slots: u64,
    /// `per_hart = true`: when the plan runs more than one hart
    /// (`platform.max_harts`), each must have slots of its own (`per_hart = true`
    /// on the group). `per_hart = false`: the group must be shared by every hart
    /// (no `per_hart = true`). `None`: either.
    pub per_hart: Option<bool>,
    /// Why, for the diagnostic.
    pub why: String,
}

impl Needs {
    /// Read and check a requirements file.
    ///
    /// # Errors
    /// The file cannot be read, is not valid TOML of this shape, names an unknown
    /// purpose, or gives a slot range that is empty or starts at 0.
    pub fn from_file(path: &Path) -> Result<Needs, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
        Needs::parse(&path.display().to_string(), &text)
    }

    /// Parse requirements text; `source` names the file in messages.
    ///
    /// # Errors
    /// As [`Needs::from_file`].
    pub fn parse(source: &str, text: &str) -> Result<Needs, String> {
        let mut needs = read::needs(text).map_err(|e| format!("error: {source}: {e}"))?;
        needs.source = source.to_string();
        for r in &needs.region {
            if Purpose::from_name(&r.purpose).is_none() {
                return Err(format!("error: {source}: unknown purpose `{}`", r.purpose));
            }
        }
        for purpose in needs.nesting.iter().flat_map(|n| &n.mapped_at_boot) {
            if Purpose::from_name(purpose).is_none() {
                return Err(format!(
                    "error: {source}: unknown purpose `{purpose}` in [nesting]"
                ));
            }
        }
        let sizes = needs
            .region
            .iter()
            .filter_map(|r| r.min_size.as_deref())
            .chain(needs.image.iter().flat_map(|i| {
                [i.size.as_str(), i.identity_code.as_str()]
                    .into_iter()
                    .chain(i.per_hart.as_deref())
            }))
            .chain(needs.directmap.iter().map(|d| d.frames.as_str()));
        for size in sizes {
            bytes(size).map_err(|why| format!("error: {source}: `{size}` is not a size: {why}"))?;
        }
        for g in &needs.fixmap_group {
            if g.min_slots == 0 || g.min_slots > g.max_slots {
                return Err(format!(
                    "error: {source}: role `{}` asks for {} to {} slots; give 1 ≤ min_slots ≤ max_slots",
                    g.role, g.min_slots, g.max_slots
                ));
            }
        }
        Ok(needs)
    }
}

/// Bytes of a size string as layout.toml writes them (`"64K"`, `"2M"`, `4096`).
fn bytes(text: &str) -> Result<u64, String> {
    match crate::units::parse_size(text)? {
        crate::units::SizeExpr::Bytes(b) => Ok(b),
        crate::units::SizeExpr::Slots(_) => Err("give bytes, not root slots".into()),
    }
}

/// Report every requirement the layout does not meet. `ancestors[i]` lists the
/// regions resolved region `i` lies within.
pub(crate) fn check(
    needs: &Needs,
    spec: &LayoutSpec,
    resolved: &Resolved,
    ancestors: &[Vec<usize>],
    diags: &mut Diagnostics,
) {
    if let Some(nesting) = &needs.nesting {
        check_nesting(needs, nesting, resolved, ancestors, diags);
    }
    for need in &needs.region {
        let purpose = Purpose::from_name(&need.purpose).expect("checked when parsed");
        let knock_on = resolved.regions.iter().any(|r| r.purpose_invalid);
        if !knock_on && !resolved.regions.iter().any(|r| r.is(purpose)) {
            diags.push(
                Diagnostic::error(
                    format!(
                        "{} needs a region with `purpose = \"{}\"`",
                        needs.source, need.purpose
                    ),
                    crate::diag::FILE_START,
                    "no such region",
                )
                .with_help(format!(
                    "add a [[region]] with `purpose = \"{}\"`: {}",
                    need.purpose, need.why
                )),
            );
        }
    }
    for need in &needs.fixmap_group {
        check_group(needs, need, spec, diags);
    }
}

fn check_group(needs: &Needs, need: &GroupNeed, spec: &LayoutSpec, diags: &mut Diagnostics) {
    let Some(fixmap) = &spec.fixmap else {
        return; // no [fixmap] at all: reported as a missing table
    };
    let slots = if need.min_slots == need.max_slots {
        format!(
            "{} slot{}",
            need.min_slots,
            if need.min_slots == 1 { "" } else { "s" }
        )
    } else {
        format!("{} to {} slots", need.min_slots, need.max_slots)
    };
    let group = fixmap
        .groups
        .iter()
        .find(|g| g.role.as_ref().is_some_and(|r| r.value == need.role));
    // A group that did not read cleanly may be the one meant (its role of the
    // wrong type reads as absent): its own diagnostic comes first.
    if group.is_none_or(|g| g.invalid) && fixmap.groups.iter().any(|g| g.invalid) {
        return;
    }
    let Some(group) = group else {
        diags.push(
            Diagnostic::error(
                format!("{} needs a fixmap group with `role = \"{}\"`", needs.source, need.role),
                fixmap.groups_span.clone(),
                "no group has this role",
            )
            .with_help(format!(
                "add `role = \"{}\"` to the group meant for it, or a [[fixmap.group]] with that role and {slots}: {}",
                need.role, need.why
            )),
        );
        return;
    };
    let Some(count) = &group.count else { return };
    // A count the layout's own rules refuse (0 slots) is reported once, by them.
    let refused = diags.iter().any(|d| d.span == count.span);
    if !refused && (count.value < need.min_slots || count.value > need.max_slots) {
        let span: Span = count.span.clone();
        diags.push(
            Diagnostic::error(
                format!(
                    "{} needs the `{}` group to have {slots}, not {}",
                    needs.source, need.role, count.value
                ),
                span,
                "slot count out of range",
            )
            .with_help(format!("set `count` to {slots}: {}", need.why)),
        );
    }
    check_per_hart(needs, need, spec, group, diags);
}

/// A group the consumer needs per hart is per-hart when the plan runs more than
/// one hart.
fn check_per_hart(
    needs: &Needs,
    need: &GroupNeed,
    spec: &LayoutSpec,
    group: &crate::spec::FixGroupSpec,
    diags: &mut Diagnostics,
) {
    let harts = spec
        .platform
        .as_ref()
        .and_then(|p| p.max_harts.as_ref())
        .map_or(1, |h| h.value);
    let flag = group.per_hart.as_ref().filter(|p| p.value);
    let Some(name) = &group.name else { return };
    match (need.per_hart, flag) {
        (Some(true), None) if harts > 1 => diags.push(
            Diagnostic::error(
                format!(
                    "{} needs the `{}` group to be per-hart: the plan runs up to {harts} harts",
                    needs.source, need.role
                ),
                name.span.clone(),
                "shared by every hart",
            )
            .with_help(format!(
                "add `per_hart = true` to group `{}` (it then has count × {harts} slots): {}",
                name.value, need.why
            )),
        ),
        (Some(false), Some(flag)) => diags.push(
            Diagnostic::error(
                format!(
                    "{} needs the `{}` group to be shared by every hart, not per-hart",
                    needs.source, need.role
                ),
                flag.span.clone(),
                "per-hart",
            )
            .with_help(format!("drop `per_hart = true`: {}", need.why)),
        ),
        _ => {}
    }
}

/// No region the consumer maps at boot lies within another it maps at boot.
fn check_nesting(
    needs: &Needs,
    nesting: &NestingNeed,
    resolved: &Resolved,
    ancestors: &[Vec<usize>],
    diags: &mut Diagnostics,
) {
    let mapped = |r: &crate::resolve::ResolvedRegion| {
        r.purpose
            .as_ref()
            .is_some_and(|p| nesting.mapped_at_boot.iter().any(|m| m == p.value.name()))
    };
    // Inside a region the kernel maps, a mapped region would be mapped twice, and
    // one the kernel leaves unmapped (reserved, identity) would not fault.
    for (i, r) in resolved.regions.iter().enumerate() {
        let Some(&outer) = ancestors[i].iter().find(|&&a| mapped(&resolved.regions[a])) else {
            continue;
        };
        let within = r
            .within
            .as_ref()
            .map_or(r.spans.anchor.clone(), |w| w.span.clone());
        let outer_region = &resolved.regions[outer];
        let purpose_of =
            |x: &crate::resolve::ResolvedRegion| x.purpose.as_ref().map_or("?", |p| p.value.name());
        diags.push(
            Diagnostic::error(
                format!(
                    "{} maps `{}` regions at boot: region `{}` ({}) within `{}` would {}",
                    needs.source,
                    purpose_of(outer_region),
                    r.name(),
                    purpose_of(r),
                    outer_region.name(),
                    if mapped(r) {
                        "be mapped twice"
                    } else {
                        "be mapped through it, not left unmapped"
                    }
                ),
                within,
                "nested in a region the kernel maps",
            )
            .with_help(format!(
                "place `{}` outside `{}`: {}",
                r.name(),
                outer_region.name(),
                nesting.why
            )),
        );
    }
}

/// The checked pieces of a plan the later requirements judge.
#[derive(Clone, Copy)]
pub(crate) struct PlanPieces<'a> {
    pub platform: &'a crate::plan::Platform,
    pub regions: &'a [crate::plan::Region],
    /// Tables in the boot table pool the plan computes.
    pub pool_tables: u64,
}

/// The requirements that need the checked plan's pieces: region sizes, the image
/// beside the boot table pool, the direct map's reach past the identity range.
pub(crate) fn check_pieces(
    needs: &Needs,
    spec: &LayoutSpec,
    pieces: &PlanPieces<'_>,
    diags: &mut Diagnostics,
) {
    let PlanPieces {
        platform,
        regions,
        pool_tables: _,
    } = *pieces;
    let used = |purpose: Purpose| {
        regions
            .iter()
            .filter(|r| r.purpose == purpose)
            .min_by_key(|r| r.start)
    };
    let span_of = |name: &str| {
        spec.regions
            .iter()
            .find(|r| r.name.as_ref().is_some_and(|n| n.value == name))
            .map_or(0..0, |r| {
                r.size
                    .as_ref()
                    .map_or_else(|| r.anchor(), |s| s.span.clone())
            })
    };
    for need in &needs.region {
        let purpose = Purpose::from_name(&need.purpose).expect("checked when parsed");
        let (Some(min), Some(r)) = (need.min_size.as_deref(), used(purpose)) else {
            continue;
        };
        let min = bytes(min).expect("checked when parsed");
        if r.size < min {
            diags.push(
                Diagnostic::error(
                    format!(
                        "{} needs its `{}` region, `{}` (the lowest-addressed), to hold at least {}; it holds {}",
                        needs.source,
                        need.purpose,
                        r.name,
                        human_size(min),
                        human_size(r.size)
                    ),
                    span_of(&r.name),
                    "too small for the consumer",
                )
                .with_help(format!("grow `{}` to at least {}: {}", r.name, human_size(min), need.why)),
            );
        }
    }
    let platform_span = |key: &str| {
        spec.platform.as_ref().map_or(0..0, |p| match key {
            "identity_size" => p
                .identity_size
                .as_ref()
                .map_or(p.span.clone(), |s| s.span.clone()),
            _ => p
                .image_max_size
                .as_ref()
                .map_or(p.span.clone(), |s| s.span.clone()),
        })
    };
    if let Some(image) = &needs.image {
        check_image(needs, image, pieces, &platform_span, diags);
    }
    if let (Some(dm_need), Some(dm)) = (&needs.directmap, used(Purpose::Directmap)) {
        check_directmap(needs, dm_need, dm, platform, span_of(&dm.name), diags);
    }
}

/// The consumer's image fits beside the boot table pool, and its identity code in
/// `identity_size`.
fn check_image(
    needs: &Needs,
    image: &ImageNeed,
    pieces: &PlanPieces<'_>,
    platform_span: &dyn Fn(&str) -> Span,
    diags: &mut Diagnostics,
) {
    let PlanPieces {
        platform,
        regions,
        pool_tables,
    } = *pieces;
    let per_hart = image
        .per_hart
        .as_deref()
        .map_or(0, |b| bytes(b).expect("checked when parsed"));
    let code = bytes(&image.size)
        .expect("checked when parsed")
        .saturating_add(per_hart.saturating_mul(platform.max_harts));
    let pool = pool_tables * crate::paging::PAGE_SIZE;
    // The image region holds image_max_size at least (validation refuses less).
    let room = platform.image_max_size;
    if u128::from(code) + u128::from(pool) > u128::from(room) {
        let window = crate::plan::boot_tables::fdt_window(regions).map_or(String::new(), |w| {
            format!(
                " (the FDT window `{}`, {}, takes most of the pool)",
                w.name,
                human_size(w.size)
            )
        });
        diags.push(
            Diagnostic::error(
                format!(
                    "{} needs {}{} for its image besides the {} boot table pool ({pool_tables} tables); image_max_size leaves {}",
                    needs.source,
                    human_size(code),
                    if per_hart > 0 {
                        format!(
                            " ({} and {} per hart × {} hart{})",
                            image.size,
                            human_size(per_hart),
                            platform.max_harts,
                            if platform.max_harts == 1 { "" } else { "s" }
                        )
                    } else {
                        String::new()
                    },
                    human_size(pool),
                    human_size(room)
                ),
                platform_span("image_max_size"),
                "the image would not fit",
            )
            .with_help(format!(
                "raise image_max_size and the image region's size to at least {}, or shrink the boot pool{window}: {}",
                human_size(code + pool),
                image.why
            )),
        );
    }
    let identity_code = bytes(&image.identity_code).expect("checked when parsed");
    if platform.identity_size < identity_code {
        diags.push(
            Diagnostic::error(
                format!(
                    "{} needs identity_size of at least {} for its identity-mapped boot code; the layout gives {}",
                    needs.source,
                    human_size(identity_code),
                    human_size(platform.identity_size)
                ),
                platform_span("identity_size"),
                "too small for the boot code",
            )
            .with_help(format!("set identity_size to \"{}\" or more: {}", human_size(identity_code).replace(" KiB", "K").replace(" MiB", "M").replace(" bytes", ""), image.why)),
        );
    }
}

/// The direct map reaches `frames` bytes past the identity range of every load.
fn check_directmap(
    needs: &Needs,
    dm_need: &DirectmapNeed,
    dm: &crate::plan::Region,
    platform: &crate::plan::Platform,
    span: Span,
    diags: &mut Diagnostics,
) {
    // RAM is mapped from the 1 GiB that holds the load address (at the
    // latest); the frames lie above the identity range of the highest load.
    let base = platform.load_first & !((1u64 << 30) - 1);
    let frames = bytes(&dm_need.frames).expect("checked when parsed");
    let reach = u128::from(platform.identity_end) - u128::from(base) + u128::from(frames);
    if u128::from(dm.size) < reach {
        let reach = u64::try_from(reach).unwrap_or(u64::MAX);
        diags.push(
                Diagnostic::error(
                    format!(
                        "{} maps RAM into `{}` from {} (the 1 GiB that holds the load address) and takes page-table frames above the identity range, which ends at {}: the direct map must hold at least {}; it holds {}",
                        needs.source,
                        dm.name,
                        crate::fmt::hex(base),
                        crate::fmt::hex(platform.identity_end),
                        human_size(reach),
                        human_size(dm.size)
                    ),
                    span,
                    "too small to reach RAM the kernel can use",
                )
                .with_help(format!("grow `{}` to at least {}: {}", dm.name, human_size(reach), dm_need.why)),
            );
    }
}

/// The requirements file's TOML, read by hand: each table's keys are checked
/// (an unknown key is an error, as in layout.toml) and each value's type.
mod read {
    use toml::de::{DeTable, DeValue};

    use super::{DirectmapNeed, GroupNeed, ImageNeed, Needs, NestingNeed, RegionNeed};

    /// A table's keys, each taken at most once; what is left is unknown.
    struct Keys<'a, 'i> {
        what: &'a str,
        table: &'a DeTable<'i>,
        known: &'a [&'a str],
    }

    impl<'a, 'i> Keys<'a, 'i> {
        fn new(
            what: &'a str,
            table: &'a DeTable<'i>,
            known: &'a [&'a str],
        ) -> Result<Keys<'a, 'i>, String> {
            if let Some(unknown) = table
                .keys()
                .map(|k| k.get_ref().as_ref())
                .find(|k| !known.contains(k))
            {
                return Err(format!(
                    "unknown key `{unknown}` in {}; the keys are: {}",
                    what,
                    known.join(", ")
                ));
            }
            Ok(Keys { what, table, known })
        }

        fn value(&self, key: &str) -> Option<&'a DeValue<'i>> {
            debug_assert!(self.known.contains(&key));
            self.table.get(key).map(|v| v.get_ref())
        }

        fn wrong(&self, key: &str, wanted: &str, found: &DeValue<'_>) -> String {
            format!(
                "`{key}` in {} must be {wanted}, not {}",
                self.what,
                found.type_str()
            )
        }

        fn string(&self, key: &str) -> Result<Option<String>, String> {
            match self.value(key) {
                None => Ok(None),
                Some(DeValue::String(s)) => Ok(Some(s.to_string())),
                Some(other) => Err(self.wrong(key, "a string", other)),
            }
        }

        fn required(&self, key: &str) -> Result<String, String> {
            self.string(key)?
                .ok_or_else(|| format!("{} has no `{key}`", self.what))
        }

        fn integer(&self, key: &str) -> Result<u64, String> {
            match self.value(key) {
                Some(DeValue::Integer(i)) => i64::from_str_radix(i.as_str(), i.radix())
                    .ok()
                    .and_then(|n| u64::try_from(n).ok())
                    .ok_or_else(|| format!("`{key}` in {} must be a count, 0 or more", self.what)),
                Some(other) => Err(self.wrong(key, "an integer", other)),
                None => Err(format!("{} has no `{key}`", self.what)),
            }
        }

        fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
            match self.value(key) {
                None => Ok(None),
                Some(DeValue::Boolean(b)) => Ok(Some(*b)),
                Some(other) => Err(self.wrong(key, "true or false", other)),
            }
        }

        fn strings(&self, key: &str) -> Result<Vec<String>, String> {
            match self.value(key) {
                Some(DeValue::Array(items)) => items
                    .iter()
                    .map(|v| match v.get_ref() {
                        DeValue::String(s) => Ok(s.to_string()),
                        other => Err(self.wrong(key, "an array of strings", other)),
                    })
                    .collect(),
                Some(other) => Err(self.wrong(key, "an array of strings", other)),
                None => Err(format!("{} has no `{key}`", self.what)),
            }
        }

        /// The tables of an array of tables (`[[key]]`), none when absent.
        fn tables(&self, key: &str) -> Result<Vec<&'a DeTable<'i>>, String> {
            match self.value(key) {
                None => Ok(Vec::new()),
                Some(DeValue::Array(items)) => items
                    .iter()
                    .map(|v| match v.get_ref() {
                        DeValue::Table(t) => Ok(t),
                        _ => Err(format!("`{key}` must be [[{key}]] tables")),
                    })
                    .collect(),
                Some(_) => Err(format!("`{key}` must be [[{key}]] tables")),
            }
        }

        fn table(&self, key: &str) -> Result<Option<&'a DeTable<'i>>, String> {
            match self.value(key) {
                None => Ok(None),
                Some(DeValue::Table(t)) => Ok(Some(t)),
                Some(_) => Err(format!("`{key}` must be a [{key}] table")),
            }
        }
    }

    pub(super) fn needs(text: &str) -> Result<Needs, String> {
        let root = DeTable::parse(text).map_err(|e| e.to_string())?;
        let top = Keys::new(
            "the requirements file",
            root.get_ref(),
            &["region", "fixmap_group", "nesting", "image", "directmap"],
        )?;
        let region = top
            .tables("region")?
            .into_iter()
            .map(|t| {
                let k = Keys::new("a [[region]]", t, &["purpose", "min_size", "why"])?;
                Ok(RegionNeed {
                    purpose: k.required("purpose")?,
                    min_size: k.string("min_size")?,
                    why: k.required("why")?,
                })
            })
            .collect::<Result<_, String>>()?;
        let fixmap_group = top
            .tables("fixmap_group")?
            .into_iter()
            .map(|t| {
                let k = Keys::new(
                    "a [[fixmap_group]]",
                    t,
                    &["role", "min_slots", "max_slots", "per_hart", "why"],
                )?;
                Ok(GroupNeed {
                    role: k.required("role")?,
                    min_slots: k.integer("min_slots")?,
                    max_slots: k.integer("max_slots")?,
                    per_hart: k.boolean("per_hart")?,
                    why: k.required("why")?,
                })
            })
            .collect::<Result<_, String>>()?;
        let nesting = match top.table("nesting")? {
            None => None,
            Some(t) => {
                let k = Keys::new("[nesting]", t, &["mapped_at_boot", "why"])?;
                Some(NestingNeed {
                    mapped_at_boot: k.strings("mapped_at_boot")?,
                    why: k.required("why")?,
                })
            }
        };
        let image = match top.table("image")? {
            None => None,
            Some(t) => {
                let k = Keys::new("[image]", t, &["size", "identity_code", "per_hart", "why"])?;
                Some(ImageNeed {
                    size: k.required("size")?,
                    identity_code: k.required("identity_code")?,
                    per_hart: k.string("per_hart")?,
                    why: k.required("why")?,
                })
            }
        };
        let directmap = match top.table("directmap")? {
            None => None,
            Some(t) => {
                let k = Keys::new("[directmap]", t, &["frames", "why"])?;
                Some(DirectmapNeed {
                    frames: k.required("frames")?,
                    why: k.required("why")?,
                })
            }
        };
        Ok(Needs {
            source: String::new(),
            region,
            fixmap_group,
            nesting,
            image,
            directmap,
        })
    }
}
