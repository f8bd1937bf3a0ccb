//! What changed between two plans (`vmlayout diff OLD NEW`): regions and gaps
//! added, removed, moved or resized (or changed in purpose or permissions), the
//! fixmap's groups and level-0 tables, and every constant of the C header whose
//! value changed. Text for people, JSON for tools.

use std::collections::BTreeMap;

use crate::fmt::{hex, human_size};
use crate::json::{self, Json};
use crate::plan::Plan;

/// One named thing (region, gap, fixmap group) in both plans or one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Only in the new plan: its description (`4 MiB at 0x…`).
    Added(String),
    /// Only in the old plan: its description.
    Removed(String),
    /// In both, different: what changed, one phrase each (`moved from 0x… to 0x…`).
    Changed(Vec<String>),
}

/// The differences between two plans, each list sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanDiff {
    /// The paging mode, when it changed: `(old, new)`.
    pub mode: Option<(String, String)>,
    /// Regions by name.
    pub regions: Vec<(String, Change)>,
    /// Guard gaps by name.
    pub gaps: Vec<(String, Change)>,
    /// Fixmap groups by name, and the fixmap itself (`(fixmap)`: its base, its
    /// level-0 tables).
    pub fixmap: Vec<(String, Change)>,
    /// The C header's naming profile (`[c_header]`: ends, literals, prefix,
    /// aliases), as one entry `[c_header]` when it changed.
    pub c_header: Vec<(String, Change)>,
    /// Constants of the C header whose value changed, was added or removed:
    /// `(name, old value, new value)`, a missing side `None`.
    pub constants: Vec<(String, Option<String>, Option<String>)>,
}

impl PlanDiff {
    /// Whether the plans are the same in everything this compares.
    pub fn is_empty(&self) -> bool {
        self.mode.is_none()
            && self.regions.is_empty()
            && self.gaps.is_empty()
            && self.fixmap.is_empty()
            && self.c_header.is_empty()
            && self.constants.is_empty()
    }
}

/// What changed from `old` to `new`.
pub fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    let mode = (old.paging.mode != new.paging.mode)
        .then(|| (old.paging.mode.to_string(), new.paging.mode.to_string()));
    let regions = by_name(
        old.regions
            .iter()
            .map(|r| (r.name.clone(), region_facts(r))),
        new.regions
            .iter()
            .map(|r| (r.name.clone(), region_facts(r))),
    );
    let gaps = by_name(
        old.gaps.iter().map(|g| (g.name.clone(), gap_facts(g))),
        new.gaps.iter().map(|g| (g.name.clone(), gap_facts(g))),
    );
    let fixmap = by_name(fixmap_facts(old).into_iter(), fixmap_facts(new).into_iter());
    let c_header = by_name(
        [("[c_header]".to_string(), header_facts(old))].into_iter(),
        [("[c_header]".to_string(), header_facts(new))].into_iter(),
    );
    PlanDiff {
        mode,
        regions,
        gaps,
        fixmap,
        c_header,
        constants: constants(old, new),
    }
}

/// A thing's facts, compared one by one: `(what, shown value)`, the first being
/// where it lies, the second its size (for the "moved"/"resized" words).
type Facts = Vec<(&'static str, String)>;

fn region_facts(r: &crate::plan::Region) -> Facts {
    vec![
        ("start", hex(r.start)),
        ("size", human_size(r.size)),
        ("purpose", r.purpose.name().to_string()),
        ("perms", r.perms.letters()),
        ("align", human_size(r.align)),
        ("within", r.within.clone().unwrap_or_else(|| "-".into())),
        ("description", format!("{:?}", r.description)),
    ]
}

fn gap_facts(g: &crate::plan::Gap) -> Facts {
    vec![
        ("start", hex(g.start)),
        ("size", human_size(g.size)),
        ("between", format!("`{}` and `{}`", g.below, g.above)),
    ]
}

fn header_facts(plan: &Plan) -> Facts {
    let c = &plan.c_header;
    let aliases: Vec<String> = c.aliases.iter().map(|(a, t)| format!("{a}={t}")).collect();
    vec![
        ("ends", format!("{:?}", c.ends).to_lowercase()),
        ("literals", format!("{:?}", c.literals).to_lowercase()),
        ("prefix", format!("{:?}", c.prefix)),
        ("aliases", format!("[{}]", aliases.join(", "))),
    ]
}

fn fixmap_facts(plan: &Plan) -> Vec<(String, Facts)> {
    let f = &plan.fixmap;
    let mut facts = vec![(
        "(fixmap)".to_string(),
        vec![
            ("start", hex(f.base)),
            ("slots", (f.slot_count()).to_string()),
            ("order", f.order.name().to_string()),
            (
                "level-0 tables",
                format!("{} from {}", f.tables, hex(f.tables_start)),
            ),
        ],
    )];
    facts.extend(f.groups.iter().map(|g| {
        (
            g.name.clone(),
            vec![
                ("first slot", g.first.to_string()),
                ("slots", g.slots_text()),
                ("role", g.role.clone().unwrap_or_else(|| "-".into())),
                ("hole", if g.hole { "yes" } else { "no" }.to_string()),
                ("description", format!("{:?}", g.description)),
            ],
        )
    }));
    facts
}

/// Things matched by name: added, removed, or changed fact by fact.
fn by_name(
    old: impl Iterator<Item = (String, Facts)>,
    new: impl Iterator<Item = (String, Facts)>,
) -> Vec<(String, Change)> {
    let old: BTreeMap<String, Facts> = old.collect();
    let new: BTreeMap<String, Facts> = new.collect();
    // A thing added or removed, by what it has (an unset `within` or role left out).
    let describe = |facts: &Facts| {
        facts
            .iter()
            .filter(|(_, value)| value != "-")
            .map(|(what, value)| format!("{what} {value}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    for (name, before) in &old {
        match new.get(name) {
            None => out.push((name.clone(), Change::Removed(describe(before)))),
            Some(after) => {
                let changes: Vec<String> = before
                    .iter()
                    .zip(after)
                    .filter(|((_, a), (_, b))| a != b)
                    .map(|((what, a), (_, b))| match *what {
                        "start" => format!("moved from {a} to {b}"),
                        "size" => format!("resized from {a} to {b}"),
                        _ => format!("{what} {a} → {b}"),
                    })
                    .collect();
                if !changes.is_empty() {
                    out.push((name.clone(), Change::Changed(changes)));
                }
            }
        }
    }
    for (name, after) in &new {
        if !old.contains_key(name) {
            out.push((name.clone(), Change::Added(describe(after))));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The C header's `#define NAME VALUE` pairs (its aliases included), by name.
fn defines(plan: &Plan) -> BTreeMap<String, String> {
    let header =
        crate::emit::c_header::render(plan, &crate::emit::Origin::cli("layout.toml", "generated"));
    let mut out = BTreeMap::new();
    for line in header.lines() {
        let Some(rest) = line.trim_start().strip_prefix("#define ") else {
            continue;
        };
        let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
        // Function-like macros (`VMLAYOUT_UL(x)`) and the include guard are no
        // constants of the plan.
        if name.contains('(') || value.trim().is_empty() {
            continue;
        }
        out.insert(name.to_string(), value.trim().to_string());
    }
    out
}

/// A constant's value without the literal's spelling: `VMLAYOUT_UL(0x1000)` and
/// `0x1000` (`[c_header] literals`) are the same value.
fn bare(value: &str) -> &str {
    value
        .strip_prefix("VMLAYOUT_UL(")
        .and_then(|v| v.strip_suffix(')'))
        .unwrap_or(value)
}

fn constants(old: &Plan, new: &Plan) -> Vec<(String, Option<String>, Option<String>)> {
    let (old, new) = (defines(old), defines(new));
    let mut out: Vec<(String, Option<String>, Option<String>)> = old
        .iter()
        .filter(|(name, value)| new.get(*name).map(|v| bare(v)) != Some(bare(value)))
        .map(|(name, value)| (name.clone(), Some(value.clone()), new.get(name).cloned()))
        .collect();
    out.extend(
        new.iter()
            .filter(|(name, _)| !old.contains_key(*name))
            .map(|(name, value)| (name.clone(), None, Some(value.clone()))),
    );
    out.sort();
    out
}

/// For people: one line per change, grouped, `+` added, `-` removed, `~` changed;
/// "no differences" when there are none.
pub fn render_text(d: &PlanDiff) -> String {
    if d.is_empty() {
        return "no differences\n".to_string();
    }
    let mut s = String::new();
    if let Some((old, new)) = &d.mode {
        s.push_str(&format!("paging mode: {old} → {new}\n"));
    }
    for (title, list) in [
        ("regions", &d.regions),
        ("gaps", &d.gaps),
        ("fixmap", &d.fixmap),
        ("layout.h options", &d.c_header),
    ] {
        if list.is_empty() {
            continue;
        }
        s.push_str(&format!("{title}:\n"));
        for (name, change) in list {
            match change {
                Change::Added(what) => s.push_str(&format!("  + {name}: {what}\n")),
                Change::Removed(what) => s.push_str(&format!("  - {name}: {what}\n")),
                Change::Changed(what) => {
                    s.push_str(&format!("  ~ {name}: {}\n", what.join("; ")));
                }
            }
        }
    }
    if !d.constants.is_empty() {
        s.push_str("constants (layout.h):\n");
        for (name, old, new) in &d.constants {
            let line = match (old, new) {
                (Some(o), Some(n)) => format!("  ~ {name}: {o} → {n}\n"),
                (None, Some(n)) => format!("  + {name}: {n}\n"),
                (Some(o), None) => format!("  - {name}: {o}\n"),
                (None, None) => continue,
            };
            s.push_str(&line);
        }
    }
    s
}

/// For tools: `{"same": bool, "mode": …, "regions": […], "gaps": […], "fixmap":
/// […], "constants": […]}`, each change `{"name", "change": "added" | "removed" |
/// "changed", "what": [...]}` and each constant `{"name", "old", "new"}` (`null`
/// for a missing side).
pub fn render_json(d: &PlanDiff) -> String {
    let changes = |list: &[(String, Change)]| {
        Json::Array(
            list.iter()
                .map(|(name, change)| {
                    let (kind, what) = match change {
                        Change::Added(w) => ("added", vec![w.clone()]),
                        Change::Removed(w) => ("removed", vec![w.clone()]),
                        Change::Changed(w) => ("changed", w.clone()),
                    };
                    Json::Object(vec![
                        ("name", json::s(name.as_str())),
                        ("change", json::s(kind)),
                        ("what", Json::Array(what.into_iter().map(json::s).collect())),
                    ])
                })
                .collect(),
        )
    };
    let value = Json::Object(vec![
        ("same", Json::Bool(d.is_empty())),
        (
            "mode",
            d.mode.as_ref().map_or(Json::Null, |(o, n)| {
                Json::Object(vec![
                    ("old", json::s(o.as_str())),
                    ("new", json::s(n.as_str())),
                ])
            }),
        ),
        ("regions", changes(&d.regions)),
        ("gaps", changes(&d.gaps)),
        ("fixmap", changes(&d.fixmap)),
        ("c_header", changes(&d.c_header)),
        (
            "constants",
            Json::Array(
                d.constants
                    .iter()
                    .map(|(name, old, new)| {
                        Json::Object(vec![
                            ("name", json::s(name.as_str())),
                            ("old", json::opt(old.as_deref())),
                            ("new", json::opt(new.as_deref())),
                        ])
                    })
                    .collect(),
            ),
        ),
    ]);
    let mut out = String::new();
    value.write(&mut out, 0);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::{Change, PlanDiff};

    /// A difference in any one list alone makes the diff non-empty.
    #[test]
    fn any_one_difference_is_a_difference() {
        let entry = || vec![("x".to_string(), Change::Added("4 KiB".into()))];
        let alone: [PlanDiff; 6] = [
            PlanDiff {
                mode: Some(("sv39".into(), "sv48".into())),
                ..PlanDiff::default()
            },
            PlanDiff {
                regions: entry(),
                ..PlanDiff::default()
            },
            PlanDiff {
                gaps: entry(),
                ..PlanDiff::default()
            },
            PlanDiff {
                fixmap: entry(),
                ..PlanDiff::default()
            },
            PlanDiff {
                c_header: entry(),
                ..PlanDiff::default()
            },
            PlanDiff {
                constants: vec![("VMLAYOUT_X".into(), None, Some("1".into()))],
                ..PlanDiff::default()
            },
        ];
        assert!(PlanDiff::default().is_empty());
        for (i, diff) in alone.iter().enumerate() {
            assert!(!diff.is_empty(), "difference {i} alone reads as none");
        }
    }
}
