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
    let (start, size, last, range, align) = (
        ident(&names.start),
        ident(&names.size),
        ident(&names.last),
        ident(&names.range),
        ident(&names.align),
    );
    let (first_slot, last_slot, perm_name) = (
        ident(&names.first_slot),
        ident(&names.last_slot),
        ident(&names.perms),
    );
    let (start_value, size_value, last_value, align_value) =
        (lit(r.start), lit(r.size), lit(r.last), lit(r.align));
    let (first_slot_value, last_slot_value) = (dec(r.first_slot), dec(r.last_slot));
    let perms_value = perms(&r.perms);
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
    let mut out = quote! {
        #[doc = #doc]
        pub const #start: usize = #start_value;
        #[doc = " Size in bytes."]
        pub const #size: usize = #size_value;
        #[doc = " Last byte (inclusive)."]
        pub const #last: usize = #last_value;
        #[doc = " Every address of the region: `START..=LAST`."]
        pub const #range: core::ops::RangeInclusive<usize> = #start..=#last;
        #[doc = " The alignment its start meets, in bytes."]
        pub const #align: usize = #align_value;
        #[doc = " First root-table slot the region touches."]
        pub const #first_slot: usize = #first_slot_value;
        #[doc = " Last root-table slot the region touches (inclusive)."]
        pub const #last_slot: usize = #last_slot_value;
        #[doc = " Its permissions."]
        pub const #perm_name: Perms = #perms_value;
        const _: () = assert!(#start + (#size - 1) == #last, "region bounds agree");
        const _: () = assert!(#start % #align == 0, "region start meets its alignment");
        const _: () = assert!(#size % PAGE_SIZE == 0, "region is whole pages");
        const _: () = assert!((#start >> ROOT_SLOT_SHIFT) % PT_ENTRIES == #first_slot, "first root slot agrees");
        const _: () = assert!((#last >> ROOT_SLOT_SHIFT) % PT_ENTRIES == #last_slot, "last root slot agrees");
    };
    out.extend(exclusive_end(&names.end, &names.last, r.end()));
    out
}

/// `<NAME>_END`, exclusive, where it fits in 64 bits; for an item that ends at the
/// top of the address space, a comment saying why there is none.
fn exclusive_end(end: &str, last: &str, value: Option<u64>) -> TokenStream {
    let (end, last_ident) = (ident(end), ident(last));
    match value {
        Some(v) => {
            let end_value = lit(v);
            quote! {
                #[doc = " Exclusive end."]
                pub const #end: usize = #end_value;
                const _: () = assert!(#last_ident + 1 == #end, "exclusive end follows the last byte");
            }
        }
        None => {
            let doc = format!(
                " Ends at the top of the address space: its exclusive end would be 2^64, so there is no `{end}`; use `{last}`."
            );
            quote! {
                #[doc = #doc]
                const _: () = assert!(#last_ident == usize::MAX, "ends at the top of the address space");
            }
        }
    }
}

/// The constants of guard gap `g`.
pub(super) fn gap(g: &Gap) -> TokenStream {
    let names = GapConstants::of(&g.name);
    let (start, size, last) = (ident(&names.start), ident(&names.size), ident(&names.last));
    let (start_value, size_value, last_value) = (lit(g.start), lit(g.size), lit(g.last));
    let doc = format!(
        " Guard gap `{}`: {} between `{}` and `{}`; never mapped.",
        g.name,
        human_size(g.size),
        g.below,
        g.above
    );
    let mut out = quote! {
        #[doc = #doc]
        pub const #start: usize = #start_value;
        #[doc = " Size of the gap."]
        pub const #size: usize = #size_value;
        #[doc = " Last byte of the gap (inclusive)."]
        pub const #last: usize = #last_value;
        const _: () = assert!(#start + (#size - 1) == #last, "gap bounds agree");
    };
    out.extend(exclusive_end(&names.end, &names.last, g.end()));
    out
}
