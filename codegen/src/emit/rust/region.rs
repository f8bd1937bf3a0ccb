//! One region's or one gap's constants, with const assertions that they agree.

use proc_macro2::TokenStream;
use quote::quote;

use super::{dec, ident, lit, perms};
use crate::emit::escape::visible;
use crate::fmt::{hex, human_size, slot_range};
use crate::names::{GapConstants, RegionConstants};
use crate::plan::{Gap, Plan, Region};

/// The constants of region `r`.
pub(super) fn region(plan: &Plan, r: &Region) -> TokenStream {
    let names = RegionConstants::of(&r.name);
    let (start, size, end, range, align) = (
        ident(&names.start),
        ident(&names.size),
        ident(&names.end),
        ident(&names.range),
        ident(&names.align),
    );
    let (first, last, perm_name) = (
        ident(&names.first_slot),
        ident(&names.last_slot),
        ident(&names.perms),
    );
    let (vs, vz, ve, va) = (lit(r.start), lit(r.size), lit(r.end), lit(r.align));
    let (sf, sl) = (dec(r.first_slot), dec(r.last_slot));
    let pr = perms(&r.perms);
    let root = plan.paging.root_level;
    let slots = slot_range(r.first_slot, r.last_slot);
    let doc = format!(
        " `{}` ({}): {}. {} at {}, L{root} slot {slots}, {}.",
        r.name,
        r.purpose.name(),
        visible(&r.description),
        human_size(r.size),
        hex(r.start),
        r.perms.columns()
    );
    quote! {
        #[doc = #doc]
        pub const #start: usize = #vs;
        pub const #size: usize = #vz;
        #[doc = " Exclusive end."]
        pub const #end: usize = #ve;
        pub const #range: core::ops::Range<usize> = #start..#end;
        pub const #align: usize = #va;
        #[doc = " First root-table slot the region touches."]
        pub const #first: usize = #sf;
        #[doc = " Last root-table slot the region touches (inclusive)."]
        pub const #last: usize = #sl;
        pub const #perm_name: Perms = #pr;
        const _: () = assert!(#start + #size == #end, "region bounds agree");
        const _: () = assert!(#start % #align == 0, "region start meets its alignment");
        const _: () = assert!(#size % PAGE_SIZE == 0, "region is whole pages");
        const _: () = assert!((#start >> ROOT_SLOT_SHIFT) % PT_ENTRIES == #first, "first root slot agrees");
        const _: () = assert!(((#end - 1) >> ROOT_SLOT_SHIFT) % PT_ENTRIES == #last, "last root slot agrees");
    }
}

/// The constants of guard gap `g`.
pub(super) fn gap(g: &Gap) -> TokenStream {
    let names = GapConstants::of(&g.name);
    let (start, size, end) = (ident(&names.start), ident(&names.size), ident(&names.end));
    let (vs, vz, ve) = (lit(g.start), lit(g.size), lit(g.end));
    let doc = format!(
        " Guard gap `{}`: {} between `{}` and `{}`; never mapped.",
        g.name,
        human_size(g.size),
        g.below,
        g.above
    );
    quote! {
        #[doc = #doc]
        pub const #start: usize = #vs;
        #[doc = " Size of the gap."]
        pub const #size: usize = #vz;
        #[doc = " Exclusive end of the gap."]
        pub const #end: usize = #ve;
        const _: () = assert!(#start + #size == #end, "gap bounds agree");
    }
}
