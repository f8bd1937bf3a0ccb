//! [`LayoutSpec`] → [`Resolved`]: evaluates sizes and placements (in dependency
//! order, so `after`/`before` chains work in any declaration order) with checked
//! arithmetic, and hands validation self-contained regions: each carries what the
//! rules need (purpose, perms, alignment, spans), so validation never goes back to
//! the raw spec. Rules on the resolved addresses live in `validate`.

mod gaps;
mod size;

use rustc_hash::FxHashMap as HashMap;

use crate::diag::{Diagnostic, Diagnostics, Span, Spanned, did_you_mean};
use crate::fmt::{hex, human_size};
use crate::paging::Mode;
use crate::plan::{Perms, Purpose};
use crate::spec::{LayoutSpec, Placement, RegionSpec};

pub use size::size_bytes;

/// Where a placed region sits: `start..=last`, so a region may end at the very top
/// of the address space (its exclusive end would be 2^64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extent {
    /// First byte.
    pub start: u64,
    /// Bytes, a non-zero multiple of the page size.
    pub size: u64,
    /// Last byte (inclusive). For a region that runs past 2^64 (reported), the top
    /// of the address space, so it still takes part in every other check.
    pub last: u64,
    /// The region broke a rule while it was resolved — its end passes 2^64, or its
    /// size is not whole pages (then rounded up here): reported, still checked
    /// against every other rule, and kept out of the plan.
    pub refused: bool,
}

impl Extent {
    /// The exclusive end, `None` when it is 2^64.
    pub fn end(&self) -> Option<u64> {
        self.last.checked_add(1)
    }
}

/// A key whose value validation judges: given (with its span), not written, or
/// written but already reported as invalid (so it is not reported again as missing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Declared<T> {
    Given(Spanned<T>),
    Absent,
    Invalid,
}

impl<T> Declared<T> {
    fn from_spec(value: Option<&Spanned<T>>, written: bool) -> Declared<T>
    where
        T: Clone,
    {
        match value {
            Some(v) => Declared::Given(v.clone()),
            None if written => Declared::Invalid,
            None => Declared::Absent,
        }
    }
}

/// The spans a diagnostic about a region points at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionSpans {
    /// The name, or the region's table: the region as a whole.
    pub anchor: Span,
    /// The placement key (`at`, `slot`, `slots`, `after`, `before`), else the anchor.
    pub placement: Span,
    /// The `size` key, when written.
    pub size: Option<Span>,
}

impl RegionSpans {
    /// The `size` key, else the anchor.
    pub fn size_or_anchor(&self) -> Span {
        self.size.clone().unwrap_or_else(|| self.anchor.clone())
    }
}

/// One declared region, resolved as far as it could be.
#[derive(Clone, Debug)]
pub struct ResolvedRegion {
    /// `None` for a region whose name was missing or invalid (reported).
    pub name: Option<Spanned<String>>,
    pub purpose: Option<Spanned<Purpose>>,
    /// `purpose` was written but is not a purpose (reported): rules that count
    /// regions by purpose stay silent rather than report a knock-on error.
    pub purpose_invalid: bool,
    /// `None` when its size or placement failed (reported).
    pub extent: Option<Extent>,
    /// Alignment in bytes as written; validation checks it is a power of two ≥ 4 KiB.
    pub align: Declared<u64>,
    pub perms: Declared<Perms>,
    /// `allow_wx = true` was written.
    pub allow_wx: bool,
    pub description: String,
    /// The region it lies inside on purpose (`within`), if any.
    pub within: Option<Spanned<String>>,
    pub spans: RegionSpans,
}

impl ResolvedRegion {
    /// The region's name, `?` when it has none.
    pub fn name(&self) -> &str {
        self.name.as_ref().map_or("?", |n| n.value.as_str())
    }

    /// The `purpose` value, else the anchor: where a rule about it points.
    pub fn purpose_span(&self) -> Span {
        self.purpose
            .as_ref()
            .map_or(self.spans.anchor.clone(), |p| p.span.clone())
    }

    pub fn is(&self, purpose: Purpose) -> bool {
        self.purpose.as_ref().is_some_and(|p| p.value == purpose)
    }

    /// The name and extent of a region that was placed.
    pub fn placed(&self) -> Option<(&str, Extent)> {
        Some((&self.name.as_ref()?.value, self.extent?))
    }
}

/// A guard gap with its address computed.
#[derive(Clone, Debug)]
pub struct PlacedGap {
    pub name: String,
    pub name_span: Span,
    pub size_span: Span,
    pub start: u64,
    pub size: u64,
    /// Last byte (inclusive).
    pub last: u64,
    /// The regions directly below and above the gap.
    pub below: String,
    pub above: String,
}

/// Every declared region (in declaration order) and every guard gap.
pub struct Resolved {
    pub regions: Vec<ResolvedRegion>,
    pub gaps: Vec<PlacedGap>,
}

impl Resolved {
    /// The regions that were placed, with their names and extents.
    pub fn placed(&self) -> impl Iterator<Item = (&ResolvedRegion, &str, Extent)> {
        self.regions
            .iter()
            .filter_map(|r| r.placed().map(|(name, extent)| (r, name, extent)))
    }
}

pub fn resolve(spec: &LayoutSpec, mode: Mode, diags: &mut Diagnostics) -> Resolved {
    let mut resolver = Resolver::new(spec, mode, diags);
    for root in 0..spec.regions.len() {
        resolver.place_with_dependencies(root);
    }
    resolver.finish()
}

/// Where one region is in resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Not looked at yet.
    Unresolved,
    /// On the dependency stack, waiting for the region it is placed relative to.
    Waiting,
    Placed(u64),
    /// Its placement failed with an error already reported: dependents stay
    /// unresolved silently instead of piling on knock-on errors.
    Failed,
}

/// One region's sizes, evaluated before placement, and its state.
struct Slot {
    size: Option<u64>,
    /// The size was valid (an invalid one was reported and rounded up to pages).
    size_ok: bool,
    /// The guard gap it asks for next to its neighbour: 0 without one, `None` when
    /// the gap is invalid (reported).
    gap: Option<u64>,
    state: State,
}

/// What one placement attempt gave.
enum Step {
    Placed(u64),
    /// Needs the region with this index placed first.
    Waiting(usize),
    Failed,
}

/// The resolution in progress: the spec, the name index and one [`Slot`] per region.
struct Resolver<'a> {
    spec: &'a LayoutSpec,
    mode: Mode,
    diags: &'a mut Diagnostics,
    by_name: HashMap<&'a str, usize>,
    slots: Vec<Slot>,
}

impl<'a> Resolver<'a> {
    fn new(spec: &'a LayoutSpec, mode: Mode, diags: &'a mut Diagnostics) -> Resolver<'a> {
        let by_name = index_names(&spec.regions, diags);
        // Every size first, then every gap: diagnostics come in that order.
        let steps = size::rounding_steps(&spec.regions);
        let sizes: Vec<Option<(u64, bool)>> = spec
            .regions
            .iter()
            .zip(steps)
            .map(|(r, step)| size::region_size(r, mode, step, diags))
            .collect();
        let slots = spec
            .regions
            .iter()
            .zip(sizes)
            .map(|(r, size)| Slot {
                size: size.map(|(bytes, _)| bytes),
                size_ok: size.is_none_or(|(_, ok)| ok),
                gap: size::gap_size(r, mode, diags),
                state: if r.placement.is_none() || r.name.is_none() {
                    State::Failed
                } else {
                    State::Unresolved
                },
            })
            .collect();
        Resolver {
            spec,
            mode,
            diags,
            by_name,
            slots,
        }
    }

    /// Place region `root` and, first, every region it depends on: an explicit
    /// depth-first walk along the `after`/`before` chain, so a long chain costs
    /// linear time and no recursion.
    fn place_with_dependencies(&mut self, root: usize) {
        let mut stack = vec![root];
        while let Some(&i) = stack.last() {
            if matches!(self.slots[i].state, State::Failed | State::Placed(_)) {
                stack.pop();
                continue;
            }
            match self.place(i) {
                Step::Placed(start) => self.slots[i].state = State::Placed(start),
                Step::Failed => self.slots[i].state = State::Failed,
                Step::Waiting(target) if self.slots[target].state == State::Waiting => {
                    self.report_cycle(&stack, target);
                    for &j in &stack {
                        self.slots[j].state = State::Failed;
                    }
                    stack.clear();
                }
                Step::Waiting(target) => {
                    self.slots[i].state = State::Waiting;
                    stack.push(target);
                }
            }
        }
    }

    /// `target` is further down `stack`: everything above it is a cycle.
    fn report_cycle(&mut self, stack: &[usize], target: usize) {
        let from = stack
            .iter()
            .position(|&j| j == target)
            .expect("waiting regions are on the stack");
        for &j in &stack[from..] {
            let diagnostic = cycle(j, &self.spec.regions, &self.by_name);
            self.diags.push(diagnostic);
        }
    }

    /// Try to place region `i`.
    fn place(&mut self, i: usize) -> Step {
        let r = &self.spec.regions[i];
        let placement = r
            .placement
            .as_ref()
            .expect("unfailed regions have a placement");
        let name = r.name.as_ref().map_or("?", |n| n.value.as_str());
        let mode = self.mode;
        match &placement.value {
            Placement::At(expr) => match expr.eval(|slot| mode.slot_address(slot)) {
                Ok(addr) => Step::Placed(addr),
                Err(why) => {
                    self.diags.push(
                        Diagnostic::error(
                            format!("region `{name}`: {why}"),
                            placement.span.clone(),
                            "bad address",
                        )
                        .with_help(format!("{mode} addresses run from 0 to {}", hex(u64::MAX))),
                    );
                    Step::Failed
                }
            },
            Placement::Slot(slot) | Placement::Slots(slot, _) => match mode.slot_address(*slot) {
                Some(addr) => Step::Placed(addr),
                None => {
                    let span = placement.span.clone();
                    self.diags
                        .push(size::slot_range_error(name, *slot, span, mode));
                    Step::Failed
                }
            },
            Placement::After { target, .. } | Placement::Before { target, .. } => {
                self.place_relative(i, target)
            }
        }
    }

    /// Place region `i`, which says `after`/`before = target`.
    fn place_relative(&mut self, i: usize, target: &Spanned<String>) -> Step {
        let Some(t) = self.target_index(i, target) else {
            return Step::Failed;
        };
        let (own, other) = (&self.slots[i], &self.slots[t]);
        let (Some(target_size), Some(gap), true) = (other.size, own.gap, other.size_ok) else {
            // A bad size or gap, reported when it was sized: a region placed beside
            // one whose size is wrong would only be misplaced with it.
            return Step::Failed;
        };
        let target_start = match other.state {
            State::Failed => return Step::Failed,
            State::Placed(start) => start,
            State::Unresolved | State::Waiting => return Step::Waiting(t),
        };
        let r = &self.spec.regions[i];
        let placement = r
            .placement
            .as_ref()
            .expect("unfailed regions have a placement");
        if matches!(placement.value, Placement::After { .. }) {
            if target_start.checked_add(target_size - 1).is_none() {
                return Step::Failed; // the target runs past the top: reported with it
            }
            // Past a target that ends at the very top, nothing fits.
            let start = target_start
                .checked_add(target_size)
                .and_then(|end| end.checked_add(gap));
            return match start {
                Some(start) => Step::Placed(start),
                None => {
                    let span = gap_span(r, placement.span.clone());
                    overflow(self.diags, span, relative_what(r, target));
                    Step::Failed
                }
            };
        }
        let Some(size) = own.size else {
            return Step::Failed;
        };
        match target_start
            .checked_sub(gap)
            .and_then(|end| end.checked_sub(size))
        {
            Some(start) => Step::Placed(start),
            None => {
                self.diags.push(
                    Diagnostic::error(
                        format!(
                            "{} would start below address 0: {} + {} of gap do not fit below {}",
                            relative_what(r, target),
                            human_size(size),
                            human_size(gap),
                            hex(target_start)
                        ),
                        placement.span.clone(),
                        "underflows 0",
                    )
                    .with_help(format!(
                        "place `{}` with `after` or an absolute `at` instead",
                        r.name.as_ref().map_or("?", |n| n.value.as_str())
                    )),
                );
                Step::Failed
            }
        }
    }

    /// The regions placed relative to region `i`, directly or through others.
    fn dependents(&self, i: usize) -> Vec<usize> {
        let target_of = |r: &RegionSpec| match r.placement.as_ref().map(|p| &p.value) {
            Some(Placement::After { target, .. } | Placement::Before { target, .. }) => {
                self.by_name.get(target.value.as_str()).copied()
            }
            _ => None,
        };
        let mut out: Vec<usize> = Vec::new();
        let mut frontier = vec![i];
        while let Some(j) = frontier.pop() {
            for (k, r) in self.spec.regions.iter().enumerate() {
                if target_of(r) == Some(j) && k != i && !out.contains(&k) {
                    out.push(k);
                    frontier.push(k);
                }
            }
        }
        out
    }

    /// The index of the region `target` names, or an error: unknown, or itself.
    fn target_index(&mut self, i: usize, target: &Spanned<String>) -> Option<usize> {
        let name = self.spec.regions[i]
            .name
            .as_ref()
            .map_or("?", |n| n.value.as_str());
        let Some(&t) = self.by_name.get(target.value.as_str()) else {
            let d = Diagnostic::error(
                format!(
                    "region `{name}` is placed relative to `{}`, which is not a region",
                    target.value
                ),
                target.span.clone(),
                "unknown region",
            );
            // Not itself, nor a region placed relative to it: either would not resolve.
            let dependents = self.dependents(i);
            let mut candidates: Vec<&str> = self
                .by_name
                .iter()
                .filter(|(_, j)| **j != i && !dependents.contains(j))
                .map(|(n, _)| *n)
                .collect();
            candidates.sort_unstable();
            let d = match did_you_mean(&target.value, candidates.iter().copied()) {
                Some(best) => d.with_help(format!("did you mean `{best}`?")),
                None if candidates.is_empty() => d.with_help(
                    "no other region can be its neighbour: place it with `at` or `slot`",
                ),
                None => d.with_help(format!(
                    "the regions it can be placed beside are: {}",
                    listed(&candidates)
                )),
            };
            self.diags.push(d);
            return None;
        };
        if t == i {
            self.diags.push(
                Diagnostic::error(
                    format!("region `{name}` is placed relative to itself"),
                    target.span.clone(),
                    "self reference",
                )
                .with_help("name the neighbouring region here"),
            );
            return None;
        }
        Some(t)
    }

    /// Every region as far as it resolved (an end past 2^64 is reported here), and
    /// the guard gaps between placed regions.
    fn finish(self) -> Resolved {
        let mut regions = Vec::with_capacity(self.slots.len());
        for (r, slot) in self.spec.regions.iter().zip(&self.slots) {
            let extent = match (slot.state, slot.size) {
                (State::Placed(start), Some(size)) => {
                    extent(r, start, size, self.diags).map(|mut e| {
                        e.refused |= !slot.size_ok;
                        e
                    })
                }
                _ => None,
            };
            let align = match &r.align {
                Some(a) => size::size_bytes(a, "align", self.mode, self.diags)
                    .map_or(Declared::Invalid, |bytes| {
                        Declared::Given(Spanned::new(bytes, a.span.clone()))
                    }),
                None => Declared::Absent,
            };
            regions.push(declared(r, extent, align));
        }
        let gap_sizes: Vec<Option<u64>> = self.slots.iter().map(|s| s.gap).collect();
        let gaps = gaps::gaps(&self.spec.regions, &regions, &gap_sizes);
        Resolved { regions, gaps }
    }
}

/// Names are unique; the index `after`/`before` look names up in.
fn index_names<'a>(regions: &'a [RegionSpec], diags: &mut Diagnostics) -> HashMap<&'a str, usize> {
    let mut by_name: HashMap<&str, usize> = HashMap::default();
    for (i, r) in regions.iter().enumerate() {
        let Some(name) = &r.name else { continue };
        if let Some(&first) = by_name.get(name.value.as_str()) {
            diags.push(
                Diagnostic::error(
                    format!("two regions are named `{}`", name.value),
                    name.span.clone(),
                    "second use",
                )
                .with_related(regions[first].anchor(), "first use")
                .with_help("region names become constants and must be unique; rename one"),
            );
        } else {
            by_name.insert(&name.value, i);
        }
    }
    by_name
}

/// The extent of a region placed at `start`; one whose end passes 2^64 is reported.
fn extent(r: &RegionSpec, start: u64, size: u64, diags: &mut Diagnostics) -> Option<Extent> {
    match start.checked_add(size - 1) {
        Some(last) => Some(Extent {
            start,
            size,
            last,
            refused: false,
        }),
        None => {
            let name = r.name.as_ref().map_or("?", |n| n.value.as_str());
            let span = r
                .size
                .as_ref()
                .map_or_else(|| r.anchor(), |s| s.span.clone());
            let what = format!("region `{name}` ({} at {})", human_size(size), hex(start));
            overflow(diags, span, what);
            // Clamped to the top, so it still meets every other rule.
            Some(Extent {
                start,
                size,
                last: u64::MAX,
                refused: true,
            })
        }
    }
}

/// The self-contained region validation works on.
fn declared(r: &RegionSpec, extent: Option<Extent>, align: Declared<u64>) -> ResolvedRegion {
    let anchor = r.anchor();
    let placement = r
        .placement
        .as_ref()
        .map_or(anchor.clone(), |p| p.span.clone());
    let size = r.size.as_ref().map(|s| s.span.clone());
    ResolvedRegion {
        name: r.name.clone(),
        purpose: r.purpose.clone(),
        purpose_invalid: r.purpose.is_none() && r.mentions("purpose"),
        within: r.within.clone(),
        extent,
        align,
        perms: Declared::from_spec(r.perms.as_ref(), r.mentions("perms")),
        allow_wx: r.allow_wx.as_ref().is_some_and(|a| a.value),
        description: r
            .description
            .as_ref()
            .map_or(String::new(), |d| d.value.clone()),
        spans: RegionSpans {
            anchor,
            placement,
            size,
        },
    }
}

fn overflow(diags: &mut Diagnostics, span: Span, what: String) {
    diags.push(
        Diagnostic::error(format!("{what} runs past the top of the 64-bit address space"), span, "overflows 2^64")
            .with_help(
                "the address space ends at 2^64 (`top`): a region may end exactly there, not beyond; move it down or shrink it",
            ),
    );
}

/// `region `x` placed after `y``, for messages about a relative placement.
fn relative_what(r: &RegionSpec, target: &Spanned<String>) -> String {
    let name = r.name.as_ref().map_or("?", |n| n.value.as_str());
    let word = match r.placement.as_ref().map(|p| &p.value) {
        Some(Placement::Before { .. }) => "before",
        _ => "after",
    };
    format!("region `{name}` placed {word} `{}`", target.value)
}

/// The gap's size if the region gives one, else its placement.
fn gap_span(r: &RegionSpec, placement: Span) -> Span {
    match r.placement.as_ref().map(|p| &p.value) {
        Some(Placement::After { gap: Some(g), .. } | Placement::Before { gap: Some(g), .. }) => {
            g.size.span.clone()
        }
        _ => placement,
    }
}

/// `names` (sorted) in backquotes, at most 12 and how many more.
fn listed(names: &[&str]) -> String {
    let mut names = names.to_vec();
    let more = names.len().saturating_sub(12);
    names.truncate(12);
    let listed = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        format!("{listed} and {more} more")
    } else {
        listed
    }
}

/// The diagnostic for region `i`, part of a placement cycle.
fn cycle(i: usize, regions: &[RegionSpec], by_name: &HashMap<&str, usize>) -> Diagnostic {
    let chain = dependency_chain(i, regions, by_name);
    let placement = regions[i]
        .placement
        .as_ref()
        .expect("a region in a cycle has a placement");
    Diagnostic::error(
        format!("the placement of region `{}` depends on itself", chain[0]),
        placement.span.clone(),
        "part of a placement cycle",
    )
    .with_help(format!(
        "{}: anchor one region of the cycle with `at`, `slot` or `slots`",
        chain.join(" → ")
    ))
}

/// `a → b → a` for a region caught in a placement cycle.
fn dependency_chain(
    start: usize,
    regions: &[RegionSpec],
    by_name: &HashMap<&str, usize>,
) -> Vec<String> {
    let mut chain = Vec::new();
    let mut seen = Vec::new();
    let mut current = start;
    loop {
        let r = &regions[current];
        chain.push(r.name.as_ref().map_or("?".into(), |n| n.value.clone()));
        if seen.contains(&current) {
            break;
        }
        seen.push(current);
        let next = match r.placement.as_ref().map(|p| &p.value) {
            Some(Placement::After { target, .. } | Placement::Before { target, .. }) => {
                by_name.get(target.value.as_str())
            }
            _ => None,
        };
        match next {
            Some(&n) => current = n,
            None => break,
        }
    }
    chain
}
