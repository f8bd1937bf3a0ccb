//! Rules on resolved addresses, and assembly of the final [`Plan`]. Every rule is
//! an error with a span; the plan is only built when there are none.

use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::fmt::{hex, human_size};
use crate::names;
use crate::paging::{Mode, PAGE_SIZE};
use crate::plan::{
    FixGroup, Fixmap, Gap, MapEntry, Paging, Perms, Plan, Platform, Purpose, Region,
};
use crate::resolve::{Placed, PlacedGap, Resolved, size_bytes};
use crate::spec::{LayoutSpec, RegionSpec};

/// The most fixmap slots a plan may have: 8 level-0 tables. The fixmap holds a
/// handful of fixed mappings; the cap also bounds the generated `FixSlot` enum.
pub const MAX_FIXMAP_SLOTS: u64 = 4096;

/// Boot mappings of the image use level-1 leaves (2 MiB superpages).
pub const BOOT_SUPERPAGE: u64 = 2 << 20;

pub fn validate(
    spec: &LayoutSpec,
    mode: Mode,
    resolved: Resolved,
    diags: &mut Diagnostics,
) -> Option<Plan> {
    let paging = Paging::new(mode);
    let platform = platform(spec, mode, diags);
    let mut regions = Vec::new();
    for placed in &resolved.regions {
        if let Some(region) = region(&spec.regions[placed.spec], placed, mode, diags) {
            regions.push(region);
        }
    }
    for gap in &resolved.gaps {
        check_gap(gap, mode, diags);
    }
    overlaps(spec, &resolved.regions, &resolved.gaps, diags);
    let image = image(spec, &resolved.regions, platform.as_ref(), diags);
    if let Some(platform) = &platform {
        identity(spec, platform, &resolved, mode, diags);
    }
    let fixmap = fixmap(spec, &regions, diags);
    constant_names(spec, &resolved, diags);

    if !diags.is_empty() {
        return None;
    }
    let (platform, image_name, fixmap) = (platform?, image?, fixmap?);
    regions.sort_by_key(|r| r.start);
    let mut gaps: Vec<Gap> = resolved
        .gaps
        .iter()
        .map(|g| Gap {
            name: g.name.clone(),
            start: g.start,
            size: g.size,
            end: g.end,
            below: g.below.clone(),
            above: g.above.clone(),
            first_slot: mode.slot_of(g.start),
            last_slot: mode.slot_of(g.end - 1),
        })
        .collect();
    gaps.sort_by_key(|g| g.start);
    for g in &gaps {
        assert_eq!(
            g.end - g.start,
            g.size,
            "gap `{}` must span exactly its declared size",
            g.name
        );
    }
    let image = regions
        .iter()
        .position(|r| r.name == image_name)
        .expect("the image region was validated");
    let map = memory_map(mode, &regions, &gaps);
    Some(Plan {
        paging,
        platform,
        regions,
        gaps,
        fixmap,
        image,
        map,
    })
}

fn platform(spec: &LayoutSpec, mode: Mode, diags: &mut Diagnostics) -> Option<Platform> {
    let p = spec.platform.as_ref()?;
    let load = p.load_address.as_ref().and_then(|load| match load.value.eval(|i| mode.slot_address(i)) {
        Ok(addr) if addr % PAGE_SIZE == 0 => Some(addr),
        Ok(addr) => {
            diags.push(
                Diagnostic::error(
                    format!("the load address {} is not page aligned", hex(addr)),
                    load.span.clone(),
                    "not a multiple of 4 KiB",
                )
                .with_help("firmware loads the kernel at a page boundary: on QEMU virt with OpenSBI it is 0x8020_0000"),
            );
            None
        }
        Err(why) => {
            diags.push(Diagnostic::error(format!("load_address: {why}"), load.span.clone(), "bad address"));
            None
        }
    });
    let mut size_field = |field: &Option<crate::diag::Sp<crate::units::SizeExpr>>, key: &str| {
        let s = field.as_ref()?;
        let bytes = size_bytes(s, key, mode, diags)?;
        if bytes == 0 {
            diags.push(
                Diagnostic::error(
                    format!("platform.{key} is zero"),
                    s.span.clone(),
                    "zero size",
                )
                .with_help(format!(
                    "give `{key}` the size the kernel needs, such as \"4K\""
                )),
            );
            return None;
        }
        Some(bytes)
    };
    let identity_size = size_field(&p.identity_size, "identity_size");
    let image_max_size = size_field(&p.image_max_size, "image_max_size");
    let (load_address, image_max_size) = (load?, image_max_size?);
    let Some((identity_start, identity_end)) =
        Platform::identity_range(load_address, image_max_size, BOOT_SUPERPAGE)
    else {
        diags.push(
            Diagnostic::error(
                format!(
                    "an image of {} loaded at {} runs past the top of the 64-bit address space",
                    human_size(image_max_size),
                    hex(load_address)
                ),
                p.load_address.as_ref().map_or(p.span.clone(), |l| l.span.clone()),
                "cannot be identity-mapped",
            )
            .with_help("the boot code identity-maps the loaded image: lower `load_address` or `image_max_size`"),
        );
        return None;
    };
    Some(Platform {
        load_address,
        identity_size: identity_size?,
        image_max_size,
        boot_superpage: BOOT_SUPERPAGE,
        identity_start,
        identity_end,
    })
}

fn describe(name: &str, start: u64, size: u64) -> String {
    format!("region `{name}` ({} at {})", human_size(size), hex(start))
}

fn region(r: &RegionSpec, p: &Placed, mode: Mode, diags: &mut Diagnostics) -> Option<Region> {
    let mut ok = true;
    let size_span = r.size.as_ref().map_or_else(
        || r.placement.as_ref().map_or(r.anchor(), |x| x.span.clone()),
        |s| s.span.clone(),
    );
    let place_span = r.placement.as_ref().map_or(r.anchor(), |x| x.span.clone());
    let what = describe(&p.name, p.start, p.size);
    // Zero and non-page sizes were rejected during resolution.
    debug_assert!(p.size > 0 && p.size.is_multiple_of(PAGE_SIZE));
    let align = match &r.align {
        Some(a) => {
            let bytes = size_bytes(a, "align", mode, diags)?;
            if !bytes.is_power_of_two() {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "region `{}`: alignment {bytes:#x} is not a power of two",
                            p.name
                        ),
                        a.span.clone(),
                        "not a power of two",
                    )
                    .with_help(format!(
                        "use {} or {}",
                        human_size(prev_power_of_two(bytes)),
                        human_size(prev_power_of_two(bytes).saturating_mul(2))
                    )),
                );
                return None;
            }
            if bytes < PAGE_SIZE {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "region `{}`: alignment {} is below the 4 KiB page size",
                            p.name,
                            human_size(bytes)
                        ),
                        a.span.clone(),
                        "smaller than a page",
                    )
                    .with_help("regions are mapped in pages: use at least \"4K\""),
                );
                return None;
            }
            Some((bytes, a.span.clone()))
        }
        None => None,
    };
    let (align_bytes, align_span) = align.clone().unwrap_or((PAGE_SIZE, place_span.clone()));
    if !p.start.is_multiple_of(align_bytes) {
        let below = p.start / align_bytes * align_bytes;
        let mut d = Diagnostic::error(
            format!("{what} is not aligned to {}", human_size(align_bytes)),
            place_span.clone(),
            format!(
                "{} is {} past a {} boundary",
                hex(p.start),
                human_size(p.start - below),
                human_size(align_bytes)
            ),
        );
        if align.is_some() {
            d = d.with_related(align_span, "alignment required here");
        }
        let above = below
            .checked_add(align_bytes)
            .map_or(String::new(), |a| format!(" or {}", hex(a)));
        diags.push(d.with_help(format!(
            "move the start to {}{above} (adjust the placement or the gap), or lower `align`",
            hex(below)
        )));
        ok = false;
    }

    if !mode.is_canonical(p.start) {
        diags.push(
            Diagnostic::error(format!("{what} starts at a non-canonical address in {mode}"), place_span.clone(), "not canonical")
                .with_help(format!(
                    "{mode} addresses are canonical below {} or from {} up (root slots 0-255 and 256-511)",
                    hex(mode.low_half_end()),
                    hex(mode.high_half_start())
                )),
        );
        ok = false;
    } else if p.start < mode.low_half_end() && p.end > mode.low_half_end() {
        diags.push(
            Diagnostic::error(
                format!("{what} straddles the canonical hole of {mode}"),
                size_span.clone(),
                format!("crosses {}, the end of the low half", hex(mode.low_half_end())),
            )
            .with_related(place_span.clone(), "starts in the low half")
            .dedup_related()
            .with_help(format!(
                "{mode} has no addresses from {} to {}: keep the region inside root slots 0-255 or 256-511",
                hex(mode.low_half_end()),
                hex(mode.high_half_start() - 1)
            )),
        );
        ok = false;
    }

    let purpose = r.purpose.as_ref()?.value;
    let perms = match (&r.perms, purpose) {
        (Some(perms), Purpose::Image) => {
            diags.push(
                Diagnostic::error(format!("region `{}` is the image: it has no `perms` of its own", p.name), perms.span.clone(), "remove this")
                    .with_help("the image is mapped section by section: text r-x, rodata r--, data and bss rw-"),
            );
            return None;
        }
        (None, Purpose::Image) => Perms::SECTIONS,
        (Some(perms), _) => {
            let allowed = r.allow_wx.as_ref().is_some_and(|a| a.value);
            if perms.value.write && perms.value.exec && !allowed {
                diags.push(
                    Diagnostic::error(format!("region `{}` is both writable and executable", p.name), perms.span.clone(), "W and X together")
                        .with_help("drop `w` or `x`; if the region really must be W+X, add `allow_wx = true` to say so"),
                );
                ok = false;
            }
            perms.value
        }
        (None, _) if r.mentions("perms") => return None,
        (None, _) => {
            diags.push(
                Diagnostic::error(
                    format!("region `{}` has no `perms`", p.name),
                    r.anchor(),
                    "permissions missing",
                )
                .with_help("add `perms = \"rw\"` (letters r, w, x)"),
            );
            return None;
        }
    };
    if !ok {
        return None;
    }
    let region = Region {
        name: p.name.clone(),
        purpose,
        start: p.start,
        size: p.size,
        end: p.end,
        align: align_bytes,
        perms,
        description: r
            .description
            .as_ref()
            .map_or(String::new(), |d| d.value.clone()),
        first_slot: mode.slot_of(p.start),
        last_slot: mode.slot_of(p.end - 1),
    };
    assert!(
        region.first_slot <= region.last_slot,
        "a canonical region that does not straddle keeps slot order"
    );
    Some(region)
}

fn prev_power_of_two(n: u64) -> u64 {
    if n == 0 {
        1
    } else {
        1 << (63 - n.leading_zeros())
    }
}

fn check_gap(g: &PlacedGap, mode: Mode, diags: &mut Diagnostics) {
    if !mode.is_canonical(g.start)
        || !mode.is_canonical(g.end.saturating_sub(1))
        || (g.start < mode.low_half_end() && g.end > mode.low_half_end())
    {
        diags.push(
            Diagnostic::error(
                format!(
                    "gap `{}` ({} at {}) is not inside one canonical half of {mode}",
                    g.name,
                    human_size(g.size),
                    hex(g.start)
                ),
                g.size_span.clone(),
                "leaves the canonical range",
            )
            .with_help("make the gap smaller or move the regions around it"),
        );
    }
}

struct Item<'a> {
    kind: &'static str,
    name: &'a str,
    start: u64,
    end: u64,
    span: Span,
}

fn overlaps(spec: &LayoutSpec, regions: &[Placed], gaps: &[PlacedGap], diags: &mut Diagnostics) {
    let mut items: Vec<Item<'_>> = regions
        .iter()
        .map(|p| Item {
            kind: "region",
            name: &p.name,
            start: p.start,
            end: p.end,
            span: spec.regions[p.spec].anchor(),
        })
        .chain(gaps.iter().map(|g| Item {
            kind: "gap",
            name: &g.name,
            start: g.start,
            end: g.end,
            span: g.name_span.clone(),
        }))
        .filter(|i| i.end > i.start)
        .collect();
    items.sort_by_key(|i| (i.start, i.end));
    // Sweep by start address, remembering the item that reaches furthest: every
    // item that starts before that end overlaps it. Each overlapping item is
    // reported once, in O(n log n) however many regions a file has.
    let mut furthest: Option<&Item<'_>> = None;
    for b in &items {
        if let Some(a) = furthest
            && b.start < a.end
        {
            let by = a.end.min(b.end) - b.start;
            diags.push(
                Diagnostic::error(
                    format!(
                        "{} `{}` ({} at {}) overlaps {} `{}` ({} at {}) by {}",
                        b.kind,
                        b.name,
                        human_size(b.end - b.start),
                        hex(b.start),
                        a.kind,
                        a.name,
                        human_size(a.end - a.start),
                        hex(a.start),
                        human_size(by)
                    ),
                    b.span.clone(),
                    format!("overlaps `{}`", a.name),
                )
                .with_related(
                    a.span.clone(),
                    format!("`{}` ends at {}", a.name, hex(a.end)),
                )
                .with_help(format!(
                    "move `{}` to start at {} or later, or shrink `{}`",
                    b.name,
                    hex(a.end),
                    a.name
                )),
            );
        }
        if furthest.is_none_or(|a| b.end > a.end) {
            furthest = Some(b);
        }
    }
}

fn image(
    spec: &LayoutSpec,
    placed: &[Placed],
    platform: Option<&Platform>,
    diags: &mut Diagnostics,
) -> Option<String> {
    let images: Vec<&Placed> = placed
        .iter()
        .filter(|p| {
            spec.regions[p.spec]
                .purpose
                .as_ref()
                .is_some_and(|x| x.value == Purpose::Image)
        })
        .collect();
    let declared = spec
        .regions
        .iter()
        .filter(|r| {
            r.purpose
                .as_ref()
                .is_some_and(|x| x.value == Purpose::Image)
        })
        .count();
    if declared == 0 && spec.regions.is_empty() && spec.regions_given {
        return None; // `region` itself was malformed, and reported
    }
    if declared == 0 {
        diags.push(
            Diagnostic::error(
                "no region has `purpose = \"image\"`",
                spec.document.start..spec.document.start,
                "the kernel needs a link address",
            )
            .with_help(
                "add a [[region]] with `purpose = \"image\"`: the kernel is linked at its start",
            ),
        );
        return None;
    }
    if declared > 1 {
        let mut extra = spec.regions.iter().filter(|r| {
            r.purpose
                .as_ref()
                .is_some_and(|x| x.value == Purpose::Image)
        });
        let first = extra.next().expect("declared > 1");
        for r in extra {
            diags.push(
                Diagnostic::error("more than one region has `purpose = \"image\"`", r.purpose.as_ref().map_or(r.anchor(), |p| p.span.clone()), "second image")
                    .with_related(first.purpose.as_ref().map_or(first.anchor(), |p| p.span.clone()), "first image")
                    .with_help("the kernel is linked at exactly one address: make the others `reserved` or `window`"),
            );
        }
        return None;
    }
    let image = *images.first()?;
    let r = &spec.regions[image.spec];
    let platform = platform?;
    let sp = platform.boot_superpage;
    if image.start % sp != platform.load_address % sp {
        diags.push(
            Diagnostic::error(
                format!(
                    "the image is linked at {} but loaded at {}: they sit at different offsets in a {} superpage",
                    hex(image.start),
                    hex(platform.load_address),
                    human_size(sp)
                ),
                r.placement.as_ref().map_or(r.anchor(), |p| p.span.clone()),
                format!("offset {:#x} in its superpage", image.start % sp),
            )
            .with_related(
                spec.platform.as_ref().and_then(|p| p.load_address.as_ref()).map_or(0..0, |l| l.span.clone()),
                format!("offset {:#x} in its superpage", platform.load_address % sp),
            )
            .with_help(format!(
                "the boot mapping maps the image with {} pages, so link address and load address must be equal modulo {}",
                human_size(sp),
                human_size(sp)
            )),
        );
    }
    if platform.image_max_size > image.size {
        let span = spec
            .platform
            .as_ref()
            .and_then(|p| p.image_max_size.as_ref())
            .map_or(0..0, |s| s.span.clone());
        diags.push(
            Diagnostic::error(
                format!(
                    "platform.image_max_size ({}) is larger than region `{}` ({})",
                    human_size(platform.image_max_size),
                    image.name,
                    human_size(image.size)
                ),
                span,
                "image may not fit its region",
            )
            .with_related(
                r.size.as_ref().map_or(r.anchor(), |s| s.span.clone()),
                "the image region's size",
            )
            .with_help(format!(
                "grow region `{}` or lower image_max_size",
                image.name
            )),
        );
    }
    if platform.identity_size > platform.image_max_size {
        let span = spec
            .platform
            .as_ref()
            .and_then(|p| p.identity_size.as_ref())
            .map_or(0..0, |s| s.span.clone());
        diags.push(
            Diagnostic::error(
                format!(
                    "platform.identity_size ({}) is larger than the image may be ({})",
                    human_size(platform.identity_size),
                    human_size(platform.image_max_size)
                ),
                span,
                "identity area larger than the image",
            )
            .with_help(
                "the identity area is part of the image: keep it smaller than image_max_size",
            ),
        );
    }
    Some(image.name.clone())
}

/// The boot code identity-maps the superpages that hold the loaded image; nothing
/// the plan maps may sit there, and the range must be canonical.
fn identity(
    spec: &LayoutSpec,
    platform: &Platform,
    resolved: &Resolved,
    mode: Mode,
    diags: &mut Diagnostics,
) {
    let (start, end) = (platform.identity_start, platform.identity_end);
    let span = spec
        .platform
        .as_ref()
        .and_then(|p| p.load_address.as_ref())
        .map_or(0..0, |l| l.span.clone());
    if end > mode.low_half_end() {
        diags.push(
            Diagnostic::error(
                format!(
                    "the load address {} cannot be identity-mapped in {mode}",
                    hex(platform.load_address)
                ),
                span,
                format!("the identity mapping needs {}..{}", hex(start), hex(end)),
            )
            .with_help(format!(
                "{mode} virtual addresses in the low half end at {}: use a mode with more VA bits",
                hex(mode.low_half_end())
            )),
        );
        return;
    }
    for p in &resolved.regions {
        if p.start < end && start < p.end {
            diags.push(
                Diagnostic::error(
                    format!(
                        "region `{}` ({} at {}) overlaps the boot identity mapping {}..{}",
                        p.name,
                        human_size(p.size),
                        hex(p.start),
                        hex(start),
                        hex(end)
                    ),
                    spec.regions[p.spec].anchor(),
                    "collides with the identity mapping",
                )
                .with_related(
                    span.clone(),
                    "the image is loaded here and identity-mapped while the MMU is switched on",
                )
                .with_help("move the region, or the load address, so the two do not meet"),
            );
        }
    }
}

/// `checked` holds the regions that passed their own checks: the fixmap's base and
/// size are only judged on a region that did (otherwise it was reported already).
fn fixmap(spec: &LayoutSpec, checked: &[Region], diags: &mut Diagnostics) -> Option<Fixmap> {
    let fx = spec.fixmap.as_ref()?;
    let region_name = fx.region.as_ref()?;
    let fixmap_regions: Vec<&RegionSpec> = spec
        .regions
        .iter()
        .filter(|r| {
            r.purpose
                .as_ref()
                .is_some_and(|p| p.value == Purpose::Fixmap)
        })
        .collect();
    if spec.regions.is_empty() && spec.regions_given {
        return None; // `region` itself was malformed, and reported
    }
    let Some(target) = spec.regions.iter().find(|r| {
        r.name
            .as_ref()
            .is_some_and(|n| n.value == region_name.value)
    }) else {
        let names: Vec<&str> = spec
            .regions
            .iter()
            .filter_map(|r| r.name.as_ref().map(|n| n.value.as_str()))
            .collect();
        let mut d = Diagnostic::error(
            format!(
                "[fixmap] names region `{}`, which does not exist",
                region_name.value
            ),
            region_name.span.clone(),
            "unknown region",
        );
        d = match did_you_mean(&region_name.value, names.iter().copied()) {
            Some(best) => d.with_help(format!("did you mean `{best}`?")),
            None => d.with_help("add a [[region]] with `purpose = \"fixmap\"` and name it here"),
        };
        diags.push(d);
        return None;
    };
    if target
        .purpose
        .as_ref()
        .is_some_and(|p| p.value != Purpose::Fixmap)
    {
        diags.push(
            Diagnostic::error(
                format!(
                    "[fixmap] names region `{}`, whose purpose is not `fixmap`",
                    region_name.value
                ),
                region_name.span.clone(),
                "not a fixmap region",
            )
            .with_related(
                target
                    .purpose
                    .as_ref()
                    .map_or(target.anchor(), |p| p.span.clone()),
                "purpose declared here",
            )
            .with_help("set `purpose = \"fixmap\"` on that region, or name the fixmap region here"),
        );
        return None;
    }
    for other in fixmap_regions.iter().filter(|r| !std::ptr::eq(**r, target)) {
        diags.push(
            Diagnostic::error(
                "more than one region has `purpose = \"fixmap\"`",
                other
                    .purpose
                    .as_ref()
                    .map_or(other.anchor(), |p| p.span.clone()),
                "second fixmap",
            )
            .with_related(region_name.span.clone(), "the fixmap is this region")
            .with_help("one fixmap holds every slot group: make the other region `reserved`"),
        );
    }

    // Slot groups: unique names, non-empty, no generated-name collisions.
    let mut groups = Vec::new();
    let mut next = 0u64;
    let mut variants: std::collections::HashMap<String, Span> = std::collections::HashMap::new();
    let mut ok = true;
    if fx.groups.is_empty() {
        diags.push(
            Diagnostic::error(
                "[fixmap] has no slot groups",
                fx.groups_span.clone(),
                "no groups",
            )
            .with_help("add `[[fixmap.group]]` tables, e.g. name = \"pmap\", count = 8"),
        );
        return None;
    }
    for g in &fx.groups {
        let (Some(name), Some(count)) = (&g.name, &g.count) else {
            ok = false;
            continue;
        };
        if count.value == 0 {
            diags.push(
                Diagnostic::error(
                    format!("fixmap group `{}` has no slots", name.value),
                    count.span.clone(),
                    "count is 0",
                )
                .with_help("give the group at least one slot, or remove it"),
            );
            ok = false;
            continue;
        }
        if next.saturating_add(count.value) > MAX_FIXMAP_SLOTS {
            diags.push(
                Diagnostic::error(
                    format!(
                        "fixmap group `{}` brings the fixmap to {} slots; vmlayout supports at most {MAX_FIXMAP_SLOTS}",
                        name.value,
                        next.saturating_add(count.value)
                    ),
                    count.span.clone(),
                    "too many slots",
                )
                .with_help(format!(
                    "{MAX_FIXMAP_SLOTS} slots are {} level-0 tables ({}); the fixmap is for a handful of fixed mappings",
                    MAX_FIXMAP_SLOTS / crate::paging::ENTRIES_PER_TABLE,
                    human_size(MAX_FIXMAP_SLOTS * PAGE_SIZE)
                )),
            );
            return None;
        }
        for i in 0..count.value {
            let v = names::fix_slot_variant(&name.value, i, count.value);
            match variants.get(&v) {
                Some(first) if *first != name.span => {
                    diags.push(
                        Diagnostic::error(
                            format!(
                                "fixmap group `{}` would name a slot `FixSlot::{v}`, which another group already uses",
                                name.value
                            ),
                            name.span.clone(),
                            "slot name collision",
                        )
                        .with_related(first.clone(), "defined by this group")
                        .with_help("rename one of the groups"),
                    );
                    ok = false;
                    break;
                }
                Some(_) => {}
                None => {
                    variants.insert(v, name.span.clone());
                }
            }
        }
        groups.push(FixGroup {
            name: name.value.clone(),
            first: next,
            count: count.value,
            description: g
                .description
                .as_ref()
                .map_or(String::new(), |d| d.value.clone()),
        });
        next = next.checked_add(count.value)?;
    }
    let placed = checked.iter().find(|r| r.name == region_name.value)?;
    let slots = next;
    let base = placed.start;
    let anchor = target.anchor();
    if !base.is_multiple_of(crate::paging::L0_TABLE_SPAN) {
        diags.push(
            Diagnostic::error(
                format!(
                    "the fixmap base {} is not aligned to the {} span of one level-0 table",
                    hex(base),
                    human_size(crate::paging::L0_TABLE_SPAN)
                ),
                target.placement.as_ref().map_or(anchor.clone(), |p| p.span.clone()),
                "misaligned fixmap",
            )
            .with_help(format!(
                "the fixmap installs whole level-0 tables: start region `{}` at a 2 MiB boundary (add `align = \"2M\"`)",
                placed.name
            )),
        );
        ok = false;
    }
    let needed = slots.checked_mul(PAGE_SIZE);
    if needed.is_none_or(|n| n > placed.size) {
        diags.push(
            Diagnostic::error(
                format!(
                    "the fixmap groups need {slots} slots ({}) but region `{}` holds {} slots ({})",
                    needed.map_or("more than 2^64 bytes".into(), human_size),
                    placed.name,
                    placed.size / PAGE_SIZE,
                    human_size(placed.size)
                ),
                fx.groups_span.clone(),
                "too many slots",
            )
            .with_related(
                target.size.as_ref().map_or(anchor, |s| s.span.clone()),
                "the fixmap region's size",
            )
            .with_help(format!(
                "grow region `{}` to at least {} or reduce the slot counts",
                placed.name,
                needed.map_or("?".into(), |n| human_size(
                    n.next_multiple_of(crate::paging::L0_TABLE_SPAN)
                ))
            )),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    let tables = slots.div_ceil(crate::paging::ENTRIES_PER_TABLE);
    let last = slots - 1;
    let fixmap = Fixmap {
        region: placed.name.clone(),
        base,
        tables,
        last,
        top: base + slots * PAGE_SIZE,
        groups,
    };
    assert_eq!(
        fixmap.top,
        fixmap.slot_address(fixmap.last + 1),
        "FIXADDR_TOP is the address of slot FIX_LAST + 1"
    );
    assert!(
        fixmap.top <= placed.end,
        "every slot lies inside the fixmap region"
    );
    Some(fixmap)
}

/// The canonical address space top-down: regions, gaps, and what is left unused.
fn memory_map(mode: Mode, regions: &[Region], gaps: &[Gap]) -> Vec<MapEntry> {
    let mut items: Vec<(u64, u64, MapEntry)> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.start, r.end, MapEntry::Region(i)))
        .chain(
            gaps.iter()
                .enumerate()
                .map(|(i, g)| (g.start, g.end, MapEntry::Gap(i))),
        )
        .collect();
    items.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let halves = [
        (mode.high_half_start(), u64::MAX),
        (0, mode.low_half_end() - 1),
    ];
    let mut map = Vec::new();
    for (half_index, (half_start, half_last)) in halves.into_iter().enumerate() {
        let mut cursor = Some(half_last); // highest byte not yet accounted for
        for (start, end, entry) in items
            .iter()
            .filter(|(s, _, _)| *s >= half_start && *s <= half_last)
        {
            let last = end - 1;
            if let Some(c) = cursor
                && last < c
            {
                map.push(unused(mode, last + 1, c));
            }
            map.push(entry.clone());
            cursor = start.checked_sub(1).filter(|c| *c >= half_start);
        }
        if let Some(c) = cursor {
            map.push(unused(mode, half_start, c));
        }
        if half_index == 0 {
            map.push(MapEntry::NonCanonical {
                start: mode.low_half_end(),
                last: mode.high_half_start() - 1,
            });
        }
    }
    map
}

fn unused(mode: Mode, start: u64, last: u64) -> MapEntry {
    MapEntry::Unused {
        start,
        last,
        first_slot: mode.slot_of(start),
        last_slot: mode.slot_of(last),
    }
}

/// Every name in the layout becomes constants in Rust, C and the linker script:
/// two things (or one thing and a built-in) must never produce the same constant.
fn constant_names(spec: &LayoutSpec, resolved: &Resolved, diags: &mut Diagnostics) {
    let mut owners: Vec<(String, String, Span)> = Vec::new();
    for r in &spec.regions {
        if let Some(n) = &r.name {
            for c in names::RegionConstants::of(&n.value).all() {
                owners.push((
                    c.to_string(),
                    format!("region `{}`", n.value),
                    n.span.clone(),
                ));
            }
        }
    }
    for g in &resolved.gaps {
        for c in names::GapConstants::of(&g.name).all() {
            owners.push((
                c.to_string(),
                format!("gap `{}`", g.name),
                g.name_span.clone(),
            ));
        }
    }
    for g in spec.fixmap.iter().flat_map(|f| &f.groups) {
        if let (Some(n), Some(count)) = (&g.name, &g.count) {
            for c in names::fix_group_constants(&n.value, count.value) {
                owners.push((c, format!("fixmap group `{}`", n.value), n.span.clone()));
            }
        }
    }
    let mut first_owner: std::collections::HashMap<&str, (&str, &Span)> =
        std::collections::HashMap::new();
    let mut reported: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
    for (constant, owner, span) in &owners {
        if names::FIXED_CONSTANTS.contains(&constant.as_str()) {
            if reported.insert((span.start, usize::MAX)) {
                diags.push(
                    Diagnostic::error(
                        format!("{owner} would define `{constant}`, a built-in constant"),
                        span.clone(),
                        "name collision",
                    )
                    .with_help("rename it: every generated module already defines that constant"),
                );
            }
            continue;
        }
        match first_owner.get(constant.as_str()) {
            None => {
                first_owner.insert(constant, (owner, span));
            }
            Some((first, first_span)) if *first_span != span => {
                if reported.insert((first_span.start, span.start)) {
                    let message = if first == owner {
                        format!("two things are named like {owner}: both would define `{constant}`")
                    } else {
                        format!("{owner} and {first} would both define `{constant}`")
                    };
                    diags.push(
                        Diagnostic::error(message, span.clone(), "name collision")
                            .with_related(
                                (*first_span).clone(),
                                format!("{first} is declared here"),
                            )
                            .with_help("rename one of them"),
                    );
                }
            }
            Some(_) => {}
        }
    }
}
