//! `[fixmap]`: the one fixmap region, its slot groups, the base alignment the
//! level-0 tables need, and whether the slots fit the region.

use rustc_hash::FxHashMap as HashMap;

use super::free::FreeSpace;
use crate::diag::{Diagnostic, Diagnostics, Span, Spanned, did_you_mean};
use crate::fmt::{hex, human_size};
use crate::names;
use crate::paging::{ENTRIES_PER_TABLE, L0_TABLE_SPAN, PAGE_SIZE};
use crate::plan::{FixGroup, Fixmap, Purpose, SlotOrder};
use crate::resolve::ResolvedRegion;
use crate::spec::{FixmapSpec, LayoutSpec};

/// The most fixmap slots a plan may have: 8 level-0 tables. The fixmap holds a
/// handful of fixed mappings; the cap also bounds the generated `FixSlot` enum.
pub const MAX_FIXMAP_SLOTS: u64 = 4096;

/// The fixmap, when `[fixmap]` is valid. The base and capacity rules judge the
/// fixmap region wherever it was placed, even if it broke a rule of its own.
pub(super) fn fixmap(
    spec: &LayoutSpec,
    free: &FreeSpace<'_>,
    diags: &mut Diagnostics,
) -> Option<Fixmap> {
    let resolved = free.resolved;
    let fx = spec.fixmap.as_ref()?;
    let region_name = fx.region.as_ref()?;
    if resolved.regions.is_empty() && spec.regions_given {
        return None; // `region` itself was malformed, and reported
    }
    let target = fixmap_region(region_name, &resolved.regions, diags)?;
    let groups = groups(fx, super::platform::max_harts(spec), diags)?;
    let (name, extent) = target.placed()?;
    let order = fx.order.as_ref().map_or(SlotOrder::Up, |o| o.value);
    let placed = Placed {
        index: resolved
            .regions
            .iter()
            .position(|r| std::ptr::eq(r, target))
            .expect("the fixmap region is one of the resolved regions"),
        name,
        start: extent.start,
        size: extent.size,
        end: extent.end(),
        order,
    };
    let slots = groups.list.last().map_or(0, FixGroup::end);
    let tables = slots.div_ceil(ENTRIES_PER_TABLE);
    let base_ok = check_base(target, &placed, free, diags);
    let fits = check_capacity(fx, target, &placed, slots, free, diags);
    if !(groups.ok && base_ok && fits) {
        return None;
    }
    let (base, top, tables_start) = anchor(target, &placed, slots, diags)?;
    if !check_table_span(target, &placed, tables, tables_start, free, diags) {
        return None;
    }
    let fixmap = Fixmap {
        region: name.to_string(),
        order,
        base,
        tables_start,
        tables,
        last: slots - 1,
        top,
        groups: groups.list,
    };
    assert!(
        fixmap.base >= extent.start && fixmap.top - 1 <= extent.last,
        "every slot lies inside the fixmap region"
    );
    Some(fixmap)
}

/// FIXADDR_START, FIXADDR_TOP and the first address the level-0 tables map: the
/// slots sit at the region's start counting up, at its end counting down.
fn anchor(
    target: &ResolvedRegion,
    placed: &Placed<'_>,
    slots: u64,
    diags: &mut Diagnostics,
) -> Option<(u64, u64, u64)> {
    let bytes = slots * PAGE_SIZE;
    match placed.order {
        SlotOrder::Up => {
            let top = check_top(target, placed, slots, diags)?;
            Some((placed.start, top, placed.start))
        }
        SlotOrder::Down => {
            let Some(top) = placed.end else {
                diags.push(
                    Diagnostic::error(
                        "a fixmap counting down needs FIXADDR_TOP, the end of its region, below 2^64",
                        target.spans.placement.clone(),
                        "ends at the top of the address space",
                    )
                    .with_help(format!(
                        "move region `{}` down by one level-0 table (2 MiB), or count the slots up",
                        placed.name
                    )),
                );
                return None;
            };
            let tables = slots.div_ceil(ENTRIES_PER_TABLE);
            Some((top - bytes, top, top - tables * L0_TABLE_SPAN))
        }
    }
}

/// The level-0 tables the fixmap installs stay inside its region: a table reaching
/// past it would take over the mappings of whatever lies there.
fn check_table_span(
    target: &ResolvedRegion,
    placed: &Placed<'_>,
    tables: u64,
    tables_start: u64,
    free: &FreeSpace<'_>,
    diags: &mut Diagnostics,
) -> bool {
    let span = tables * L0_TABLE_SPAN;
    let inside = tables_start >= placed.start
        && u128::from(tables_start) + u128::from(span)
            <= u128::from(placed.start) + u128::from(placed.size);
    if inside {
        return true;
    }
    diags.push(
        Diagnostic::error(
            format!(
                "the fixmap's {tables} level-0 table(s) map {} from {}, past region `{}` ({})",
                human_size(span),
                hex(tables_start),
                placed.name,
                human_size(placed.size)
            ),
            target.spans.size_or_anchor(),
            "tables reach past the region",
        )
        .with_help(format!(
            "grow region `{}` to {} (whole level-0 tables): the kernel installs each table whole{}",
            placed.name,
            human_size(grown_size(placed, tables)),
            grown_meets(free, placed, tables)
        )),
    );
    false
}

/// The fixmap region as the base and capacity rules see it.
struct Placed<'a> {
    /// Index into the resolved regions.
    index: usize,
    name: &'a str,
    start: u64,
    size: u64,
    /// Exclusive end; `None` at 2^64.
    end: Option<u64>,
    order: SlotOrder,
}

/// FIXADDR_TOP, one past the last slot, must fit in 64 bits: the slots may not
/// reach the very top of the address space.
fn check_top(
    target: &ResolvedRegion,
    placed: &Placed<'_>,
    slots: u64,
    diags: &mut Diagnostics,
) -> Option<u64> {
    let top = placed.start.checked_add(slots * PAGE_SIZE);
    if top.is_none() {
        diags.push(
            Diagnostic::error(
                "the fixmap's last slot is the last page of the address space: FIXADDR_TOP would be 2^64",
                target.spans.placement.clone(),
                "slots reach the top",
            )
            .with_help(format!(
                "FIXADDR_TOP (one past the last slot) must fit in 64 bits: start region `{}` one level-0 table lower, at {}, or give it fewer slots",
                placed.name,
                hex(placed.start - L0_TABLE_SPAN)
            )),
        );
    }
    top
}

/// The region `[fixmap] region` names: it exists, has purpose `fixmap`, and is the
/// only region that does.
fn fixmap_region<'a>(
    region_name: &Spanned<String>,
    regions: &'a [ResolvedRegion],
    diags: &mut Diagnostics,
) -> Option<&'a ResolvedRegion> {
    let Some(target) = regions.iter().find(|r| {
        r.name
            .as_ref()
            .is_some_and(|n| n.value == region_name.value)
    }) else {
        diags.push(unknown_region(region_name, regions));
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
            .with_related(target.purpose_span(), "purpose declared here")
            .with_help(match regions.iter().find(|r| r.is(Purpose::Fixmap)) {
                Some(fixmap) => format!(
                    "did you mean `{}`? It is the region with `purpose = \"fixmap\"`",
                    fixmap.name()
                ),
                None => "set `purpose = \"fixmap\"` on that region, or name the fixmap region here"
                    .to_string(),
            }),
        );
        return None;
    }
    let others = regions
        .iter()
        .filter(|r| r.is(Purpose::Fixmap) && !std::ptr::eq(*r, target));
    for other in others {
        diags.push(
            Diagnostic::error(
                "more than one region has `purpose = \"fixmap\"`",
                other.purpose_span(),
                "second fixmap",
            )
            .with_related(region_name.span.clone(), "the fixmap is this region")
            .with_help("one fixmap holds every slot group: make the other region `reserved`"),
        );
    }
    Some(target)
}

fn unknown_region(region_name: &Spanned<String>, regions: &[ResolvedRegion]) -> Diagnostic {
    let names = regions
        .iter()
        .filter_map(|r| r.name.as_ref().map(|n| n.value.as_str()));
    let d = Diagnostic::error(
        format!(
            "[fixmap] names region `{}`, which does not exist",
            region_name.value
        ),
        region_name.span.clone(),
        "unknown region",
    );
    match did_you_mean(&region_name.value, names) {
        Some(best) => d.with_help(format!("did you mean `{best}`?")),
        None => d.with_help("add a [[region]] with `purpose = \"fixmap\"` and name it here"),
    }
}

/// The slot groups in slot order, and whether all of them are valid.
struct Groups {
    list: Vec<FixGroup>,
    ok: bool,
}

/// Slot groups get consecutive slots from 0: at least one group, none empty, the
/// total within [`MAX_FIXMAP_SLOTS`], no two slots with one generated name. A
/// per-hart group takes `count × max_harts` slots (`max_harts` is `None` when the
/// platform's is out of range, reported there: per-hart groups are then not sized).
fn groups(fx: &FixmapSpec, max_harts: Option<u64>, diags: &mut Diagnostics) -> Option<Groups> {
    if fx.groups.is_empty() {
        no_groups(fx, diags);
        return None;
    }
    let mut groups = Groups {
        list: Vec::new(),
        ok: true,
    };
    let mut variants: HashMap<String, Span> = HashMap::default();
    let mut roles: HashMap<String, Span> = HashMap::default();
    let mut next = 0u64;
    for g in &fx.groups {
        let (Some(name), Some(count)) = (&g.name, &g.count) else {
            groups.ok = false;
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
            groups.ok = false;
            continue;
        }
        let Some(harts) = group_harts(g, max_harts, diags) else {
            groups.ok = false;
            continue;
        };
        let total = count.value.saturating_mul(harts);
        if next.saturating_add(total) > MAX_FIXMAP_SLOTS {
            diags.push(too_many_slots(
                &name.value,
                next.saturating_add(total),
                harts,
                count.span.clone(),
                &groups.list,
            ));
            return None;
        }
        groups.ok &= unique_variants(name, total, &mut variants, diags);
        groups.ok &= hole_without_role(g, diags);
        groups.ok &= unique_role(g.role.as_ref(), &mut roles, diags);
        groups.list.push(FixGroup {
            name: name.value.clone(),
            first: next,
            count: total,
            role: g.role.as_ref().map(|r| r.value.clone()),
            hole: g.hole.as_ref().is_some_and(|h| h.value),
            harts,
            description: g
                .description
                .as_ref()
                .map_or(String::new(), |d| d.value.clone()),
        });
        next += total;
    }
    if groups.ok && groups.list.iter().all(|g| g.hole) {
        diags.push(
            Diagnostic::error(
                "every fixmap slot is a hole",
                fx.groups_span.clone(),
                "nothing can be mapped",
            )
            .with_help("a fixmap needs slots that can be mapped: drop `hole = true` from a group"),
        );
        return None;
    }
    Some(groups)
}

/// `[fixmap]` without groups: an error, unless the parser reported the `group` key.
fn no_groups(fx: &FixmapSpec, diags: &mut Diagnostics) {
    if fx.groups_reported {
        return;
    }
    diags.push(
        Diagnostic::error(
            "[fixmap] has no slot groups",
            fx.groups_span.clone(),
            "no groups",
        )
        .with_help("add `[[fixmap.group]]` tables, e.g. name = \"pmap\", count = 8"),
    );
}

/// The harts a group has slots for: `max_harts` for a per-hart group, else 1.
/// `None` when the group may not be per-hart (a hole), reported, or when
/// `max_harts` is out of range (reported by the platform's rules).
fn group_harts(
    g: &crate::spec::FixGroupSpec,
    max_harts: Option<u64>,
    diags: &mut Diagnostics,
) -> Option<u64> {
    let Some(per_hart) = g.per_hart.as_ref().filter(|p| p.value) else {
        return Some(1);
    };
    if let Some(hole) = g.hole.as_ref().filter(|h| h.value) {
        diags.push(
            Diagnostic::error(
                "a hole cannot be per-hart",
                per_hart.span.clone(),
                "per-hart hole",
            )
            .with_related(hole.span.clone(), "declared a hole here")
            .with_help("a hole's slots are never mapped, so no hart uses them: drop `per_hart = true` and give the hole the count you need"),
        );
        return None;
    }
    max_harts
}

/// The slot limit passed at `group`; `earlier` are the groups before it, so the
/// help can name the per-hart ones that took the slots.
fn too_many_slots(
    group: &str,
    total: u64,
    harts: u64,
    span: Span,
    earlier: &[FixGroup],
) -> Diagnostic {
    let per_hart = if harts > 1 {
        format!(" (count × {harts} harts)")
    } else {
        String::new()
    };
    let mut takers: Vec<String> = earlier
        .iter()
        .filter(|g| g.is_per_hart())
        .map(|g| format!("`{}` takes {} ({})", g.name, g.count, g.slots_text()))
        .collect();
    if harts > 1 {
        takers.push(format!(
            "`{group}` would take {}",
            total - earlier.iter().map(|g| g.count).sum::<u64>()
        ));
    }
    let fix = if takers.is_empty() {
        String::new()
    } else {
        format!(
            "; per-hart groups multiply by platform.max_harts: {}. Lower their per-hart count or max_harts",
            takers.join(", ")
        )
    };
    Diagnostic::error(
        format!(
            "fixmap group `{group}` brings the fixmap to {total} slots{per_hart}; vmlayout supports at most {MAX_FIXMAP_SLOTS}"
        ),
        span,
        "too many slots",
    )
    .with_help(format!(
        "{MAX_FIXMAP_SLOTS} slots are {} level-0 tables ({}); the fixmap is for a handful of fixed mappings{fix}",
        MAX_FIXMAP_SLOTS / ENTRIES_PER_TABLE,
        human_size(MAX_FIXMAP_SLOTS * PAGE_SIZE),
    ))
}

/// A hole group is never mapped, so no consumer can use it for a role.
fn hole_without_role(g: &crate::spec::FixGroupSpec, diags: &mut Diagnostics) -> bool {
    let (Some(hole), Some(role)) = (&g.hole, &g.role) else {
        return true;
    };
    if !hole.value {
        return true;
    }
    diags.push(
        Diagnostic::error(
            format!("fixmap group with role `{}` is a hole", role.value),
            role.span.clone(),
            "a hole is never mapped",
        )
        .with_related(hole.span.clone(), "declared a hole here")
        .with_help("give the role to a group whose slots can be mapped, or drop `hole = true`"),
    );
    false
}

/// A role names one group: consumers find the group by it.
fn unique_role(
    role: Option<&Spanned<String>>,
    roles: &mut HashMap<String, Span>,
    diags: &mut Diagnostics,
) -> bool {
    let Some(role) = role else { return true };
    if let Some(first) = roles.get(&role.value) {
        diags.push(
            Diagnostic::error(
                format!("two fixmap groups have role `{}`", role.value),
                role.span.clone(),
                "second group with this role",
            )
            .with_related(first.clone(), "first group with this role")
            .with_help("a consumer finds a group by its role: give each role to one group"),
        );
        return false;
    }
    roles.insert(role.value.clone(), role.span.clone());
    true
}

/// The group's `FixSlot` variants are not already another group's.
fn unique_variants(
    name: &Spanned<String>,
    count: u64,
    variants: &mut HashMap<String, Span>,
    diags: &mut Diagnostics,
) -> bool {
    for i in 0..count {
        let v = names::fix_slot_variant(&name.value, i);
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
                return false;
            }
            Some(_) => {}
            None => {
                variants.insert(v, name.span.clone());
            }
        }
    }
    true
}

/// The fixmap base is aligned to one level-0 table: the fixmap installs whole tables.
fn check_base(
    target: &ResolvedRegion,
    placed: &Placed<'_>,
    free: &FreeSpace<'_>,
    diags: &mut Diagnostics,
) -> bool {
    if placed.order == SlotOrder::Down {
        // Counting down, the tables end at FIXADDR_TOP, the region's end.
        let Some(end) = placed.end else {
            return true; // reported when the slots are anchored
        };
        if end.is_multiple_of(L0_TABLE_SPAN) {
            return true;
        }
        diags.push(
            Diagnostic::error(
                format!(
                    "the fixmap counts down from FIXADDR_TOP {}, the end of region `{}`, which is not aligned to the {} span of one level-0 table",
                    hex(end),
                    placed.name,
                    human_size(L0_TABLE_SPAN)
                ),
                target.spans.size_or_anchor(),
                "misaligned FIXADDR_TOP",
            )
            .with_help(format!(
                "the fixmap installs whole level-0 tables: size or place region `{}` so that it ends at a 2 MiB boundary",
                placed.name
            )),
        );
        return false;
    }
    if placed.start.is_multiple_of(L0_TABLE_SPAN) {
        return true;
    }
    diags.push(
        Diagnostic::error(
            format!(
                "the fixmap base {} is not aligned to the {} span of one level-0 table",
                hex(placed.start),
                human_size(L0_TABLE_SPAN)
            ),
            target.spans.placement.clone(),
            "misaligned fixmap",
        )
        .with_help({
            // The nearest table-aligned starts where the region meets nothing.
            let (i, at, size) = (placed.index, placed.start, placed.size);
            let starts: Vec<String> = [
                free.below(i, at, size, L0_TABLE_SPAN),
                free.above(i, at, size, L0_TABLE_SPAN),
            ]
            .into_iter()
            .flatten()
            .map(hex)
            .collect();
            if starts.is_empty() {
                format!(
                    "the fixmap installs whole level-0 tables: no 2 MiB boundary nearby leaves region `{}` clear of the others; move it elsewhere",
                    placed.name
                )
            } else {
                format!(
                    "the fixmap installs whole level-0 tables: start region `{}` at a 2 MiB boundary, such as {}",
                    placed.name,
                    starts.join(" or ")
                )
            }
        }),
    );
    false
}

/// `slots` pages fit the fixmap region.
fn check_capacity(
    fx: &FixmapSpec,
    target: &ResolvedRegion,
    placed: &Placed<'_>,
    slots: u64,
    free: &FreeSpace<'_>,
    diags: &mut Diagnostics,
) -> bool {
    let needed = slots.checked_mul(PAGE_SIZE);
    if needed.is_some_and(|n| n <= placed.size) {
        return true;
    }
    diags.push(
        Diagnostic::error(
            format!(
                "the fixmap groups need {slots} slots ({}) but region `{}` holds {} ({})",
                needed.map_or("more than 2^64 bytes".into(), human_size),
                placed.name,
                match placed.size / PAGE_SIZE {
                    1 => "1 slot".to_string(),
                    n => format!("{n} slots"),
                },
                human_size(placed.size)
            ),
            fx.groups_span.clone(),
            "too many slots",
        )
        .with_related(target.spans.size_or_anchor(), "the fixmap region's size")
        .with_help(if slots <= MAX_FIXMAP_SLOTS {
            let tables = slots.div_ceil(ENTRIES_PER_TABLE);
            format!(
                "grow region `{}` to at least {} (whole level-0 tables), or reduce the slot counts{}",
                placed.name,
                human_size(grown_size(placed, tables)),
                grown_meets(free, placed, tables)
            )
        } else {
            "reduce the slot counts".to_string()
        }),
    );
    false
}

/// The size the fixmap region needs for `tables` level-0 tables, its start kept:
/// whole tables, and counting down an end (FIXADDR_TOP) on a table boundary.
fn grown_size(placed: &Placed<'_>, tables: u64) -> u64 {
    let span = tables * L0_TABLE_SPAN;
    match placed.order {
        SlotOrder::Up => span,
        SlotOrder::Down => {
            let end = u128::from(placed.start) + u128::from(span);
            let aligned_end = end.next_multiple_of(u128::from(L0_TABLE_SPAN));
            u64::try_from(aligned_end - u128::from(placed.start)).unwrap_or(u64::MAX)
        }
    }
}

/// What a help line that grows the fixmap region in place must add: what the
/// grown region would meet, or that it would run past 2^64.
fn grown_meets(free: &FreeSpace<'_>, placed: &Placed<'_>, tables: u64) -> String {
    let size = grown_size(placed, tables);
    match placed.start.checked_add(size - 1) {
        None => "; grown in place it would run past 2^64: move it down".into(),
        Some(last) => match free.meets(placed.index, placed.start, last) {
            Some(other) => format!("; grown in place it would meet `{other}`: move one of them"),
            None => String::new(),
        },
    }
}
