//! Run-time tables (`REGIONS`, `GAPS`, `UNUSED`, `MAP`) with their lookups, and
//! the cross-item const assertions.

use proc_macro2::TokenStream;
use quote::quote;

use super::{dec, ident, lit};
use crate::names::{GapConstants, RegionConstants};
use crate::plan::{MapEntry, Plan};

pub(super) fn tables(plan: &Plan) -> TokenStream {
    let regions = plan.regions.iter().map(|r| {
        let (name, desc) = (&r.name, &r.description);
        let purpose = ident(r.purpose.variant());
        let names = RegionConstants::of(&r.name);
        let (start, size, last, perms) = (ident(&names.start), ident(&names.size), ident(&names.last), ident(&names.perms));
        let within = match &r.within {
            Some(parent) => quote!(Some(#parent)),
            None => quote!(None),
        };
        let depth = dec(plan.nesting_depth(r.within.as_deref()) as u64);
        quote!(Region { name: #name, purpose: Purpose::#purpose, start: #start, size: #size, last: #last, perms: #perms, description: #desc, within: #within, depth: #depth })
    });
    let gaps = plan.gaps.iter().map(|g| {
        let (name, below, above) = (&g.name, &g.below, &g.above);
        let names = GapConstants::of(&g.name);
        let (start, size, last) = (ident(&names.start), ident(&names.size), ident(&names.last));
        quote!(Gap { name: #name, start: #start, size: #size, last: #last, below: #below, above: #above })
    });
    let unused = plan.map.iter().filter_map(|e| match e {
        MapEntry::Unused {
            start,
            last,
            first_slot,
            last_slot,
        } => {
            let (start, last, first_slot, last_slot) = (lit(*start), lit(*last), dec(*first_slot), dec(*last_slot));
            Some(quote!(Unused { start: #start, last: #last, first_slot: #first_slot, last_slot: #last_slot }))
        }
        _ => None,
    });
    let map = map(plan);
    let image_index = dec(plan.image as u64);
    let fixmap_index = dec(plan
        .regions
        .iter()
        .position(|r| r.name == plan.fixmap.region)
        .expect("the fixmap region exists") as u64);
    quote! {
        #[doc = " Every region, by ascending address."]
        pub const REGIONS: &[Region] = &[#(#regions),*];
        #[doc = " Every guard gap, by ascending address."]
        pub const GAPS: &[Gap] = &[#(#gaps),*];
        #[doc = " Canonical space the plan leaves unused, top-down."]
        pub const UNUSED: &[Unused] = &[#(#unused),*];
        #[doc = " The whole address space top-down: regions, gaps, unused ranges and the"]
        #[doc = " non-canonical hole, each entry starting below the one before."]
        pub const MAP: &[MapEntry] = &[#(#map),*];

        #[doc = " The region the kernel image is linked in."]
        pub const IMAGE_REGION: Region = REGIONS[#image_index];
        #[doc = " The region that holds the fixmap slots."]
        pub const FIXMAP_REGION: Region = REGIONS[#fixmap_index];

        #[doc = " The first region (by address) with `purpose`, usable in const context so a"]
        #[doc = " kernel can require, at compile time, the regions it needs."]
        pub const fn first_region(purpose: Purpose) -> Option<Region> {
            let mut i = 0;
            while i < REGIONS.len() {
                if REGIONS[i].purpose as u8 == purpose as u8 {
                    return Some(REGIONS[i]);
                }
                i += 1;
            }
            None
        }

        #[doc = " The innermost region that contains `addr`, if any. A guard gap between"]
        #[doc = " regions nested in one parent lies inside that parent: ask"]
        #[doc = " `gap_containing` first to tell a guard gap from its parent."]
        pub fn region_containing(addr: usize) -> Option<&'static Region> {
            // With regions nested (`within`), the innermost: the regions that hold an
            // address form one chain, and the deepest is innermost (even when a
            // nested region has its parent's very bounds).
            REGIONS.iter().filter(|r| r.contains(addr)).max_by_key(|r| r.depth)
        }

        #[doc = " The guard gap that contains `addr`, if any."]
        pub fn gap_containing(addr: usize) -> Option<&'static Gap> {
            GAPS.iter().find(|g| g.contains(addr))
        }

        #[doc = " The unused range that contains `addr`, if any."]
        pub fn unused_containing(addr: usize) -> Option<&'static Unused> {
            UNUSED.iter().find(|u| u.contains(addr))
        }
    }
}

/// The entries of `MAP`, top-down, each naming its row in `REGIONS`, `GAPS` or `UNUSED`.
fn map(plan: &Plan) -> Vec<TokenStream> {
    let mut unused_index = 0;
    plan.map
        .iter()
        .map(|e| match e {
            MapEntry::Region(i) => {
                let i = dec(*i as u64);
                quote!(MapEntry::Region(REGIONS[#i]))
            }
            MapEntry::Gap(i) => {
                let i = dec(*i as u64);
                quote!(MapEntry::Gap(GAPS[#i]))
            }
            MapEntry::Unused { .. } => {
                let i = dec(unused_index);
                unused_index += 1;
                quote!(MapEntry::Unused(UNUSED[#i]))
            }
            MapEntry::NonCanonical { start, last } => {
                let (start, last) = (lit(*start), lit(*last));
                quote!(MapEntry::NonCanonical { start: #start, last: #last })
            }
        })
        .collect()
}

/// Checks across regions: the emitted constants themselves prove that the plan's
/// regions and gaps are in order and do not overlap.
pub(super) fn checks(plan: &Plan) -> TokenStream {
    let nested = plan.regions.iter().filter_map(|r| {
        let parent = plan.region(r.within.as_deref()?)?;
        let (outer, inner) = (RegionConstants::of(&parent.name), RegionConstants::of(&r.name));
        let (outer_start, outer_last) = (ident(&outer.start), ident(&outer.last));
        let (inner_start, inner_last) = (ident(&inner.start), ident(&inner.last));
        Some(quote!(
            const _: () = assert!(#outer_start <= #inner_start && #inner_last <= #outer_last, "a nested region lies inside its parent");
        ))
    });
    let nested_gaps = plan.gaps.iter().filter_map(|g| {
        let parent = plan.region(g.within.as_deref()?)?;
        let (outer, inner) = (RegionConstants::of(&parent.name), GapConstants::of(&g.name));
        let (outer_start, outer_last) = (ident(&outer.start), ident(&outer.last));
        let (inner_start, inner_last) = (ident(&inner.start), ident(&inner.last));
        Some(quote!(
            const _: () = assert!(#outer_start <= #inner_start && #inner_last <= #outer_last, "a gap between nested regions lies inside their parent");
        ))
    });
    let nested: Vec<TokenStream> = nested.chain(nested_gaps).collect();
    let mut items: Vec<(u64, TokenStream, TokenStream)> = plan
        .regions
        .iter()
        .filter(|r| r.within.is_none())
        .map(|r| {
            let names = RegionConstants::of(&r.name);
            let (start, last) = (ident(&names.start), ident(&names.last));
            (r.start, quote!(#start), quote!(#last))
        })
        .chain(plan.gaps.iter().filter(|g| g.within.is_none()).map(|g| {
            let names = GapConstants::of(&g.name);
            let (start, last) = (ident(&names.start), ident(&names.last));
            (g.start, quote!(#start), quote!(#last))
        }))
        .collect();
    items.sort_by_key(|(start, _, _)| *start);
    let pairs = items.windows(2).map(|w| {
        let (last_lower, start_upper) = (&w[0].2, &w[1].1);
        quote!(
            const _: () = assert!(#last_lower < #start_upper, "regions and gaps do not overlap");
        )
    });
    quote! {
        const _: () = assert!(usize::BITS == 64, "the plan describes a 64-bit address space");
        #(#pairs)*
        #(#nested)*
    }
}
