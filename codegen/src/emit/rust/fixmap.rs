//! The fixmap: its bounds, one set of constants per slot group, the `FixSlot` enum
//! and the slot ↔ address functions.

use proc_macro2::TokenStream;
use quote::quote;

use super::{dec, ident, lit};
use crate::emit::escape::visible;
use crate::names::{
    FixGroupConstants, RegionConstants, fix_slot_fn, fix_slot_variant, role_constant,
};
use crate::plan::{FixGroup, Fixmap, Plan, SlotOrder};

pub(super) fn fixmap(plan: &Plan) -> TokenStream {
    let f = &plan.fixmap;
    let names = RegionConstants::of(&f.region);
    let (region_start, region_last) = (ident(&names.start), ident(&names.last));
    let (base, top, tables_start, last, count, tables) = (
        lit(f.base),
        lit(f.top),
        lit(f.tables_start),
        dec(f.last),
        dec(f.slot_count()),
        dec(f.tables),
    );
    let order = f.order.name();
    let mut out = quote! {
        #[doc = " The lowest fixmap slot's address (slot 0 counting up, `FIX_LAST` counting down)."]
        pub const FIXADDR_START: usize = #base;
        #[doc = " Exclusive end of the fixmap slots."]
        pub const FIXADDR_TOP: usize = #top;
        #[doc = " Index of the last fixmap slot (inclusive)."]
        pub const FIX_LAST: usize = #last;
        #[doc = " Number of fixmap slots, holes included."]
        pub const FIX_COUNT: usize = #count;
        #[doc = " Level-0 tables the fixmap installs (one per 512 slots)."]
        pub const FIX_TABLES: usize = #tables;
        #[doc = " The first address the fixmap's level-0 tables map; they cover"]
        #[doc = " `FIXMAP_TABLES_START..FIXMAP_TABLES_START + FIX_TABLES * L0_TABLE_SPAN`."]
        pub const FIXMAP_TABLES_START: usize = #tables_start;
        #[doc = " Which way slot numbers run: `\"up\"` from FIXADDR_START (Xen, Arm) or `\"down\"`"]
        #[doc = " from FIXADDR_TOP (Linux)."]
        pub const FIX_ORDER: &str = #order;


        #[doc = " The virtual address a fixmap slot maps."]
        pub const fn fix_to_virt(slot: FixSlot) -> usize {
            fixmap_addr(slot as usize)
        }

        const _: () = assert!(FIXMAP_TABLES_START % L0_TABLE_SPAN == 0, "the fixmap tables start at a level-0 table boundary");
        const _: () = assert!(FIXMAP_TABLES_START >= #region_start, "the fixmap tables start inside the fixmap region");
        const _: () = assert!(FIXMAP_TABLES_START + (FIX_TABLES * L0_TABLE_SPAN - 1) <= #region_last, "the fixmap tables end inside the fixmap region");
        const _: () = assert!(FIXADDR_TOP - 1 <= #region_last, "fixmap slots fit the fixmap region");
        const _: () = assert!(FIX_LAST < FIX_TABLES * PT_ENTRIES, "fixmap slots fit the installed tables");
        const _: () = assert!(FIX_COUNT == FIX_LAST + 1, "slot count agrees with FIX_LAST");
    };
    out.extend(slot_addresses(f));
    for g in &f.groups {
        out.extend(group(g));
    }
    out.extend(slot_enum(f));
    out.extend(groups_by_role(f));
    out
}

/// `fixmap_addr` and `virt_to_fix` for the plan's slot order.
fn slot_addresses(f: &Fixmap) -> TokenStream {
    match f.order {
        SlotOrder::Up => quote! {
            #[doc = " The virtual address of fixmap slot `slot`, counting up from FIXADDR_START;"]
            #[doc = " `FIX_LAST + 1` gives FIXADDR_TOP. A slot past that is a compile-time error in"]
            #[doc = " const context and a panic otherwise."]
            pub const fn fixmap_addr(slot: usize) -> usize {
                assert!(slot <= FIX_LAST + 1, "fixmap slot out of range");
                FIXADDR_START + slot * PAGE_SIZE
            }

            #[doc = " The fixmap slot whose page holds `vaddr`, or `None` outside the mapped slots."]
            pub const fn virt_to_fix(vaddr: usize) -> Option<FixSlot> {
                if vaddr < FIXADDR_START || vaddr >= FIXADDR_TOP {
                    return None;
                }
                FixSlot::from_index((vaddr - FIXADDR_START) >> PAGE_SHIFT)
            }

            #[doc = " The index of slot `slot`'s entry in the level-0 tables, seen as one run of"]
            #[doc = " `FIX_TABLES * PT_ENTRIES` entries from `FIXMAP_TABLES_START` (`slot` at most"]
            #[doc = " `FIX_LAST`; no check, for the fixmap's fast path)."]
            pub const fn fix_table_entry(slot: usize) -> usize {
                slot + ((FIXADDR_START - FIXMAP_TABLES_START) >> PAGE_SHIFT)
            }

            const _: () = assert!(FIXADDR_START % L0_TABLE_SPAN == 0, "fixmap base is aligned to one level-0 table");
            const _: () = assert!(FIXADDR_TOP == fixmap_addr(FIX_LAST + 1), "FIXADDR_TOP is one past the last slot");
        },
        SlotOrder::Down => quote! {
            #[doc = " The virtual address of fixmap slot `slot`, counting down from FIXADDR_TOP (slot 0"]
            #[doc = " is the page just below it). A slot past `FIX_LAST` is a compile-time error in"]
            #[doc = " const context and a panic otherwise."]
            pub const fn fixmap_addr(slot: usize) -> usize {
                assert!(slot <= FIX_LAST, "fixmap slot out of range");
                FIXADDR_TOP - (slot + 1) * PAGE_SIZE
            }

            #[doc = " The fixmap slot whose page holds `vaddr`, or `None` outside the mapped slots."]
            pub const fn virt_to_fix(vaddr: usize) -> Option<FixSlot> {
                if vaddr < FIXADDR_START || vaddr >= FIXADDR_TOP {
                    return None;
                }
                FixSlot::from_index((FIXADDR_TOP - 1 - vaddr) >> PAGE_SHIFT)
            }

            #[doc = " The index of slot `slot`'s entry in the level-0 tables, seen as one run of"]
            #[doc = " `FIX_TABLES * PT_ENTRIES` entries from `FIXMAP_TABLES_START` (`slot` at most"]
            #[doc = " `FIX_LAST`; no check, for the fixmap's fast path)."]
            pub const fn fix_table_entry(slot: usize) -> usize {
                ((FIXADDR_TOP - FIXMAP_TABLES_START) >> PAGE_SHIFT) - 1 - slot
            }

            const _: () = assert!(FIXADDR_TOP % L0_TABLE_SPAN == 0, "FIXADDR_TOP is aligned to one level-0 table");
            const _: () = assert!(FIXADDR_START == fixmap_addr(FIX_LAST), "FIXADDR_START is the last slot's page");
        },
    }
}

/// One group's `FIX_<G>_BEGIN/_LAST/_END/_COUNT` and `<g>_slot(i)`: the same items for
/// every count.
fn group(g: &FixGroup) -> TokenStream {
    let consts = FixGroupConstants::of(&g.name);
    let (begin, last, end, cnt) = (
        ident(&consts.begin),
        ident(&consts.last),
        ident(&consts.end),
        ident(&consts.count),
    );
    let (begin_value, last_value, end_value, count_value) =
        (dec(g.first), dec(g.end() - 1), dec(g.end()), dec(g.count));
    let doc = format!(
        " Fixmap group `{}`: {}. Slots {}..{} (LAST inclusive, END exclusive).",
        g.name,
        visible(&g.description),
        g.first,
        g.end()
    );
    let accessor = ident(&fix_slot_fn(&g.name));
    let accessor_doc = format!(
        " Slot `i` of group `{}`, or `None` past its {} slot(s).",
        g.name, g.count
    );
    quote! {
        #[doc = #doc]
        pub const #begin: usize = #begin_value;
        #[doc = " The group's last slot (inclusive)."]
        pub const #last: usize = #last_value;
        #[doc = " One past the group's last slot."]
        pub const #end: usize = #end_value;
        #[doc = " Slots in the group."]
        pub const #cnt: usize = #count_value;
        #[doc = #accessor_doc]
        pub const fn #accessor(i: usize) -> Option<FixSlot> {
            if i < #cnt { FixSlot::from_index(#begin + i) } else { None }
        }
    }
}

/// `FIX_GROUPS`, one `FixGroup` per group in slot order, and the `role` module: a
/// constant per role, so a consumer finds a group by what it is for.
fn groups_by_role(f: &Fixmap) -> TokenStream {
    let rows = f.groups.iter().map(|g| {
        let (name, first, count) = (&g.name, dec(g.first), dec(g.count));
        let role = match &g.role {
            Some(r) => quote!(Some(#r)),
            None => quote!(None),
        };
        quote!(FixGroup { name: #name, role: #role, first: #first, count: #count })
    });
    let roles = f.groups.iter().enumerate().filter_map(|(i, g)| {
        let role = g.role.as_ref()?;
        let (constant, i) = (ident(&role_constant(role)), dec(i as u64));
        let doc = format!(" The group with role `{role}`: `{}`.", g.name);
        Some(quote!(#[doc = #doc] pub const #constant: super::FixGroup = super::FIX_GROUPS[#i];))
    });
    quote! {
        #[doc = " A named run of fixmap slots, `first..first + count`."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct FixGroup {
            #[doc = " Its name in layout.toml."]
            pub name: &'static str,
            #[doc = " What the group is for, as consumers name it."]
            pub role: Option<&'static str>,
            #[doc = " Index of the first slot."]
            pub first: usize,
            #[doc = " Slots in the group, at least one."]
            pub count: usize,
        }

        impl FixGroup {
            #[doc = " Slot `i` of the group, or `None` past its end."]
            pub const fn slot(&self, i: usize) -> Option<FixSlot> {
                if i < self.count { FixSlot::from_index(self.first + i) } else { None }
            }

            #[doc = " The position of `slot` in the group, or `None` if it is not the group's."]
            pub const fn position(&self, slot: FixSlot) -> Option<usize> {
                let i = slot.index().wrapping_sub(self.first);
                if i < self.count { Some(i) } else { None }
            }
        }

        #[doc = " Every fixmap group, in slot order."]
        pub const FIX_GROUPS: &[FixGroup] = &[#(#rows),*];

        #[doc = " The fixmap groups by role (`role = \"…\"` in the layout)."]
        pub mod role {
            #(#roles)*
        }
    }
}

/// The `FixSlot` enum: one variant per slot, in slot order.
fn slot_enum(f: &Fixmap) -> TokenStream {
    let mut variants = Vec::new();
    let mut names = Vec::new();
    let mut by_index = Vec::new();
    let mut holes = Vec::new();
    for g in &f.groups {
        for i in 0..g.count {
            if g.hole {
                holes.push(dec(g.first + i));
                by_index.push(quote!(None));
                continue;
            }
            let variant = ident(&fix_slot_variant(&g.name, i));
            by_index.push(quote!(Some(FixSlot::#variant)));
            variants.push((variant, dec(g.first + i)));
            names.push(format!("{}[{i}]", g.name));
        }
    }
    let mappable = dec(variants.len() as u64);
    let variant_defs = variants.iter().zip(&names).map(|((v, n), name)| {
        let doc = format!(" Slot `{name}`.");
        quote!(#[doc = #doc] #v = #n)
    });
    let variant_list = variants.iter().map(|(v, _)| quote!(FixSlot::#v));
    let name_arms = variants
        .iter()
        .zip(&names)
        .map(|((v, _), n)| quote!(FixSlot::#v => #n));
    let enum_doc = format!(
        " Every fixmap slot that can be mapped, by group: {}.",
        f.groups
            .iter()
            .map(|g| format!(
                "{} × {}{}",
                g.name,
                g.count,
                if g.hole { " (hole)" } else { "" }
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    quote! {
        #[doc = " Fixmap slots that can be mapped (`FIX_COUNT` less the holes)."]
        pub const FIX_MAPPABLE: usize = #mappable;
        #[doc = " The slots of hole groups: never mapped, so a load from one faults."]
        pub const FIX_HOLES: &[usize] = &[#(#holes),*];

        #[doc = #enum_doc]
        #[repr(u16)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum FixSlot {
            #(#variant_defs),*
        }

        impl FixSlot {
            #[doc = " Every slot that can be mapped, in index order."]
            pub const ALL: [FixSlot; FIX_MAPPABLE] = [#(#variant_list),*];

            #[doc = " Slot `index`, or `None` for a hole or past `FIX_LAST`."]
            pub const fn from_index(index: usize) -> Option<FixSlot> {
                const BY_INDEX: [Option<FixSlot>; FIX_COUNT] = [#(#by_index),*];
                if index < FIX_COUNT { BY_INDEX[index] } else { None }
            }

            #[doc = " The slot's number."]
            pub const fn index(self) -> usize {
                self as usize
            }

            #[doc = " The slot's virtual address."]
            pub const fn addr(self) -> usize {
                fix_to_virt(self)
            }

            #[doc = " `pmap[3]`, `misc[0]`: the group and the slot's position in it."]
            pub const fn name(self) -> &'static str {
                match self {
                    #(#name_arms),*
                }
            }
        }
    }
}
