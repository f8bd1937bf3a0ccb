//! The types every generated module defines whatever the plan: `Perms`, `Purpose`
//! (from the model's own list of purposes), `Region`, `Gap`, `Unused`, `MapEntry`.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::plan::Purpose;

/// Every type the generated module defines.
pub(super) fn support_types() -> TokenStream {
    let mut out = perms_and_purpose();
    out.extend(region_types());
    out.extend(map_types());
    out
}

/// `Perms` and `Purpose`.
fn perms_and_purpose() -> TokenStream {
    // The variants come from the model's own list, so a new purpose cannot be missed.
    let purposes = Purpose::ALL.iter().map(|p| {
        let (variant, doc) = (ident(p.variant()), format!(" {}", p.doc()));
        quote!(#[doc = #doc] #variant)
    });
    quote! {
        #[doc = " Access permissions of a region's mappings."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Perms {
            #[doc = " Loads are allowed."]
            pub read: bool,
            #[doc = " Stores are allowed."]
            pub write: bool,
            #[doc = " Instruction fetches are allowed."]
            pub exec: bool,
            #[doc = " Mapped in every address space (the PTE G bit)."]
            pub global: bool,
            #[doc = " Mapped section by section (the image: text r-x, rodata r--, data rw-)."]
            pub sections: bool,
            #[doc = " As a memory map shows them: `rw-`, `r-x`, `r-x/r--/rw-` for the image."]
            pub text: &'static str,
        }

        #[doc = " What a region is for."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Purpose {
            #(#purposes),*
        }

    }
}

/// `Region` and `Gap`, the rows of `REGIONS` and `GAPS`.
fn region_types() -> TokenStream {
    quote! {
        #[doc = " One region of the plan, for run-time use (maps, fault reports). Bytes"]
        #[doc = " `start..=last`: a region may end at the top of the address space."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Region {
            #[doc = " Its name in layout.toml."]
            pub name: &'static str,
            #[doc = " What it is for."]
            pub purpose: Purpose,
            #[doc = " First byte."]
            pub start: usize,
            #[doc = " Bytes."]
            pub size: usize,
            #[doc = " Last byte (inclusive)."]
            pub last: usize,
            #[doc = " Its permissions."]
            pub perms: Perms,
            #[doc = " Its description in layout.toml."]
            pub description: &'static str,
            #[doc = " The region it lies within (`within` in the layout), if any."]
            pub within: Option<&'static str>,
            #[doc = " How many regions hold it: 0 at the top level."]
            pub depth: usize,
        }

        impl Region {
            #[doc = " `start..=last`."]
            pub const fn range(&self) -> core::ops::RangeInclusive<usize> {
                self.start..=self.last
            }
            #[doc = " The exclusive end, `None` when it would be 2^64 (the region ends at the top)."]
            pub const fn end(&self) -> Option<usize> {
                self.last.checked_add(1)
            }
            #[doc = " Whether `addr` lies in it."]
            pub const fn contains(&self, addr: usize) -> bool {
                self.start <= addr && addr <= self.last
            }
        }

        #[doc = " A guard gap: nothing is ever mapped in it. Bytes `start..=last`."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Gap {
            #[doc = " Its name (given, or `<below>_<above>_gap`)."]
            pub name: &'static str,
            #[doc = " First byte."]
            pub start: usize,
            #[doc = " Bytes."]
            pub size: usize,
            #[doc = " Last byte (inclusive)."]
            pub last: usize,
            #[doc = " The region directly below the gap."]
            pub below: &'static str,
            #[doc = " The region directly above the gap."]
            pub above: &'static str,
        }

        impl Gap {
            #[doc = " The exclusive end, `None` when it would be 2^64."]
            pub const fn end(&self) -> Option<usize> {
                self.last.checked_add(1)
            }
            #[doc = " Whether `addr` lies in it."]
            pub const fn contains(&self, addr: usize) -> bool {
                self.start <= addr && addr <= self.last
            }
        }
    }
}

/// `Unused` and `MapEntry`, the rows of `UNUSED` and `MAP`.
fn map_types() -> TokenStream {
    quote! {
        #[doc = " Canonical address space that the plan leaves unused."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Unused {
            #[doc = " First byte."]
            pub start: usize,
            #[doc = " Inclusive: the range may end at the very top of the address space."]
            pub last: usize,
            #[doc = " First root-table slot it touches."]
            pub first_slot: usize,
            #[doc = " Last root-table slot it touches (inclusive)."]
            pub last_slot: usize,
        }

        impl Unused {
            #[doc = " Whether `addr` lies in it."]
            pub const fn contains(&self, addr: usize) -> bool {
                self.start <= addr && addr <= self.last
            }
        }

        #[doc = " One entry of the top-down memory map [`MAP`]."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum MapEntry {
            #[doc = " A region (a nested one follows the region that holds it)."]
            Region(Region),
            #[doc = " A guard gap."]
            Gap(Gap),
            #[doc = " Canonical space nothing uses."]
            Unused(Unused),
            #[doc = " The non-canonical hole between the two halves, `start..=last`."]
            #[doc = " The non-canonical hole between the halves."]
            NonCanonical {
                #[doc = " First byte."]
                start: usize,
                #[doc = " Last byte (inclusive)."]
                last: usize,
            },
        }

        impl MapEntry {
            #[doc = " The entry's first address."]
            pub const fn start(&self) -> usize {
                match self {
                    MapEntry::Region(r) => r.start,
                    MapEntry::Gap(g) => g.start,
                    MapEntry::Unused(u) => u.start,
                    MapEntry::NonCanonical { start, .. } => *start,
                }
            }

            #[doc = " The entry's last address (inclusive: an entry may end at the top of the space)."]
            pub const fn last(&self) -> usize {
                match self {
                    MapEntry::Region(r) => r.last,
                    MapEntry::Gap(g) => g.last,
                    MapEntry::Unused(u) => u.last,
                    MapEntry::NonCanonical { last, .. } => *last,
                }
            }
        }
    }
}
