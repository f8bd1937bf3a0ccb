//! The layout as written in layout.toml, before anything is resolved: every field
//! keeps the span it came from so later stages can point at it.
//!
//! Fields are `Option` where the parser may have rejected the value: it keeps going
//! to report every problem, and later stages skip what is missing instead of
//! reporting knock-on errors.

use crate::diag::{Span, Spanned};
use crate::paging::Mode;
use crate::plan::{Perms, Purpose};
use crate::units::{AddrExpr, SizeExpr};

#[derive(Clone, Debug, Default)]
pub struct LayoutSpec {
    pub mode: Option<Spanned<Mode>>,
    pub platform: Option<PlatformSpec>,
    pub regions: Vec<RegionSpec>,
    /// `region` was written, perhaps with the wrong type (already reported).
    pub regions_given: bool,
    pub fixmap: Option<FixmapSpec>,
    /// `[c_header]`: how the C header names and writes its constants (optional).
    pub c_header: Option<CHeaderSpec>,
}

/// `[c_header]`, as written.
#[derive(Clone, Debug, Default)]
pub struct CHeaderSpec {
    pub span: Span,
    /// `ends = "none" | "exclusive" | "inclusive"`.
    pub ends: Option<Spanned<crate::plan::CEnds>>,
    /// `literals = "ul" | "plain"`.
    pub literals: Option<Spanned<crate::plan::CLiterals>>,
    /// Prepended to every name the header defines but the `VMLAYOUT_*` built-ins.
    pub prefix: Option<Spanned<String>>,
    /// `aliases = { NEW = "DEFINED" }`: extra names for defined ones, in order.
    pub aliases: Vec<(Spanned<String>, Spanned<String>)>,
}

#[derive(Clone, Debug)]
pub struct PlatformSpec {
    pub span: Span,
    pub load_address: Option<Spanned<AddrExpr>>,
    pub identity_size: Option<Spanned<SizeExpr>>,
    pub image_max_size: Option<Spanned<SizeExpr>>,
    /// The most RAM the platform can have (optional): every direct map must hold it.
    pub max_ram: Option<Spanned<SizeExpr>>,
    /// `max_harts`: the most harts the platform runs (optional; 1 without).
    pub max_harts: Option<Spanned<u64>>,
    /// The load addresses a loader may choose (optional; `load_address` only without).
    pub load_range: Option<LoadRangeSpec>,
}

/// `load_range = { first, last, align }`: load addresses `first`, `first + align`,
/// … up to `last` (inclusive).
#[derive(Clone, Debug)]
pub struct LoadRangeSpec {
    pub span: Span,
    pub first: Spanned<AddrExpr>,
    pub last: Spanned<AddrExpr>,
    pub align: Option<Spanned<SizeExpr>>,
}

#[derive(Clone, Debug)]
pub struct RegionSpec {
    /// Span of the region's table, for errors about missing keys.
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub purpose: Option<Spanned<Purpose>>,
    pub size: Option<Spanned<SizeExpr>>,
    pub placement: Option<Spanned<Placement>>,
    pub align: Option<Spanned<SizeExpr>>,
    pub perms: Option<Spanned<Perms>>,
    pub allow_wx: Option<Spanned<bool>>,
    pub description: Option<Spanned<String>>,
    /// `within = "<region>"`: the region lies inside that one on purpose.
    pub within: Option<Spanned<String>>,
    /// Keys that were written, perhaps misspelled or with a bad value (reported by
    /// the parser): a `None` field for such a key is not reported again as missing.
    pub mentioned: Vec<&'static str>,
}

impl RegionSpec {
    pub fn mentions(&self, key: &str) -> bool {
        self.mentioned.contains(&key)
    }

    /// The best span to point at when the whole region is at fault.
    pub fn anchor(&self) -> Span {
        self.name
            .as_ref()
            .map_or(self.span.clone(), |n| n.span.clone())
    }
}

#[derive(Clone, Debug)]
pub enum Placement {
    /// `at = "<address expression>"`.
    At(AddrExpr),
    /// `slot = N`: the start of root slot N.
    Slot(u64),
    /// `slots = [first, last]`: root slots first..=last; the size follows from them.
    Slots(u64, u64),
    /// `after = "X"`: directly above item X, with an optional named guard gap.
    After {
        target: Spanned<String>,
        gap: Option<GapSpec>,
    },
    /// `before = "X"`: directly below item X, with an optional named guard gap.
    Before {
        target: Spanned<String>,
        gap: Option<GapSpec>,
    },
}

#[derive(Clone, Debug)]
pub struct GapSpec {
    pub size: Spanned<SizeExpr>,
    pub name: Option<Spanned<String>>,
}

#[derive(Clone, Debug)]
pub struct FixmapSpec {
    pub region: Option<Spanned<String>>,
    /// `order = "up" | "down"`; up when absent.
    pub order: Option<Spanned<crate::plan::SlotOrder>>,
    pub groups: Vec<FixGroupSpec>,
    /// Span of the `group` key, for errors about the group list as a whole.
    pub groups_span: Span,
    /// The parser already reported the `group` key (missing, or not an array of
    /// tables): no second error about it having no groups.
    pub groups_reported: bool,
}

#[derive(Clone, Debug)]
pub struct FixGroupSpec {
    pub name: Option<Spanned<String>>,
    pub count: Option<Spanned<u64>>,
    /// What the group is for, as consumers name it (`pmap`, `console`): a consumer
    /// finds the group by role, whatever the layout calls it.
    pub role: Option<Spanned<String>>,
    /// `hole = true`: the group's slots are never mapped.
    pub hole: Option<Spanned<bool>>,
    /// `per_hart = true`: `count` slots for each of `platform.max_harts` harts.
    pub per_hart: Option<Spanned<bool>>,
    /// Whether the group's table drew a diagnostic while it was read (a key of
    /// the wrong type, an unknown key): its fields may read as absent, so a
    /// consumer's needs are not checked against it (already reported).
    pub invalid: bool,
    pub description: Option<Spanned<String>>,
}
