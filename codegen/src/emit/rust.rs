//! The Rust module: constants, the fixmap slot type, run-time tables and
//! compile-time checks. Built as tokens (so the proc-macro can expand it directly)
//! and pretty-printed with prettyplease for the committed file.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::LitInt;

use crate::fmt::{hex, human_size};
use crate::names::{GapConstants, RegionConstants, fix_group_constants, fix_slot_variant};
use crate::plan::{MapEntry, Perms, Plan, Purpose};

fn lit(value: u64) -> LitInt {
    LitInt::new(&hex(value), Span::call_site())
}

fn dec(value: u64) -> LitInt {
    LitInt::new(&value.to_string(), Span::call_site())
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn perms(p: &Perms) -> TokenStream {
    let Perms {
        read,
        write,
        exec,
        global,
        sections,
    } = *p;
    let text = p.columns();
    quote!(Perms { read: #read, write: #write, exec: #exec, global: #global, sections: #sections, text: #text })
}

/// The module's items as tokens.
pub fn tokens(plan: &Plan) -> TokenStream {
    let mut out = TokenStream::new();
    out.extend(support_types());
    out.extend(paging(plan));
    out.extend(platform(plan));
    for r in &plan.regions {
        out.extend(region(plan, r));
    }
    for g in &plan.gaps {
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
        out.extend(quote! {
            #[doc = #doc]
            pub const #start: usize = #vs;
            #[doc = " Size of the gap."]
            pub const #size: usize = #vz;
            #[doc = " Exclusive end of the gap."]
            pub const #end: usize = #ve;
            const _: () = assert!(#start + #size == #end, "gap bounds agree");
        });
    }
    out.extend(fixmap(plan));
    out.extend(tables(plan));
    out.extend(checks(plan));
    out
}

/// The module as formatted Rust source with its preamble.
pub fn render(plan: &Plan, source: &str) -> String {
    let file: syn::File = syn::parse2(tokens(plan)).expect("the Rust emitter produces valid Rust");
    format!(
        "// {}\n// Every END is exclusive; every root-slot LAST is inclusive.\n\n{}",
        super::preamble(source),
        prettyplease::unparse(&file)
    )
}

fn support_types() -> TokenStream {
    // The variants come from the model's own list, so a new purpose cannot be missed.
    let purposes = Purpose::ALL.iter().map(|p| {
        let (variant, doc) = (ident(p.variant()), format!(" {}", p.doc()));
        quote!(#[doc = #doc] #variant)
    });
    quote! {
        #[doc = " Access permissions of a region's mappings."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Perms {
            pub read: bool,
            pub write: bool,
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

        #[doc = " One region of the plan, for run-time use (maps, fault reports)."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Region {
            pub name: &'static str,
            pub purpose: Purpose,
            pub start: usize,
            pub size: usize,
            #[doc = " Exclusive."]
            pub end: usize,
            pub perms: Perms,
            pub description: &'static str,
        }

        impl Region {
            pub const fn range(&self) -> core::ops::Range<usize> {
                self.start..self.end
            }
            pub const fn contains(&self, addr: usize) -> bool {
                self.start <= addr && addr < self.end
            }
        }

        #[doc = " A guard gap: nothing is ever mapped in it."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Gap {
            pub name: &'static str,
            pub start: usize,
            pub size: usize,
            #[doc = " Exclusive."]
            pub end: usize,
            #[doc = " The region directly below the gap."]
            pub below: &'static str,
            #[doc = " The region directly above the gap."]
            pub above: &'static str,
        }

        impl Gap {
            pub const fn contains(&self, addr: usize) -> bool {
                self.start <= addr && addr < self.end
            }
        }

        #[doc = " Canonical address space that the plan leaves unused."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Unused {
            pub start: usize,
            #[doc = " Inclusive: the range may end at the very top of the address space."]
            pub last: usize,
            pub first_slot: usize,
            pub last_slot: usize,
        }

        impl Unused {
            pub const fn contains(&self, addr: usize) -> bool {
                self.start <= addr && addr <= self.last
            }
        }

        #[doc = " One entry of the top-down memory map [`MAP`]."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum MapEntry {
            Region(Region),
            Gap(Gap),
            Unused(Unused),
            #[doc = " The non-canonical hole between the two halves, `start..=last`."]
            NonCanonical { start: usize, last: usize },
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
                    MapEntry::Region(r) => r.end - 1,
                    MapEntry::Gap(g) => g.end - 1,
                    MapEntry::Unused(u) => u.last,
                    MapEntry::NonCanonical { last, .. } => *last,
                }
            }
        }
    }
}

fn paging(plan: &Plan) -> TokenStream {
    let p = &plan.paging;
    let mode = p.mode.name();
    let (levels, root, bits, entries) = (
        dec(p.levels.into()),
        dec(p.root_level.into()),
        dec(p.va_bits.into()),
        dec(p.entries_per_table),
    );
    let (page, shift, slot_shift) = (
        lit(p.page_size),
        dec(p.page_shift.into()),
        dec(p.root_slot_shift.into()),
    );
    let (slot_size, low, high, satp, l0) = (
        lit(p.root_slot_size),
        lit(p.low_half_end),
        lit(p.high_half_start),
        dec(p.satp_mode),
        lit(p.l0_table_span),
    );
    let (level_bits, satp_shift) = (dec(p.level_bits.into()), dec(p.satp_mode_shift.into()));
    let level_shifts = p.level_shifts.iter().map(|&s| dec(s.into()));
    quote! {
        #[doc = " The paging mode this plan is for."]
        pub const PAGING_MODE: &str = #mode;
        #[doc = " The `satp.MODE` value that selects it."]
        pub const SATP_MODE: usize = #satp;
        #[doc = " Levels of page tables; the root is level `PT_LEVELS - 1`, leaves are level 0."]
        pub const PT_LEVELS: usize = #levels;
        pub const PT_ROOT_LEVEL: usize = #root;
        pub const PT_ENTRIES: usize = #entries;
        pub const VA_BITS: usize = #bits;
        pub const PAGE_SHIFT: usize = #shift;
        pub const PAGE_SIZE: usize = #page;
        #[doc = " Shift of the root-table index in a virtual address."]
        pub const ROOT_SLOT_SHIFT: usize = #slot_shift;
        #[doc = " Bytes mapped by one root-table entry."]
        pub const ROOT_SLOT_SIZE: usize = #slot_size;
        #[doc = " Bytes mapped by one level-0 table (512 pages)."]
        pub const L0_TABLE_SPAN: usize = #l0;
        #[doc = " Exclusive end of the canonical low half."]
        pub const LOW_HALF_END: usize = #low;
        #[doc = " Start of the canonical high half."]
        pub const HIGH_HALF_START: usize = #high;
        #[doc = " Bits of virtual address one table level indexes (512 entries)."]
        pub const PT_LEVEL_BITS: usize = #level_bits;
        #[doc = " `PT_LEVEL_SHIFTS[level]`: shift of the virtual-address bits a level-`level` table"]
        #[doc = " indexes; level 0 holds 4 KiB leaves, level `PT_ROOT_LEVEL` is the root."]
        pub const PT_LEVEL_SHIFTS: [usize; PT_LEVELS] = [#(#level_shifts),*];
        #[doc = " Position of the `MODE` field in `satp` (bits 63:60, RV64)."]
        pub const SATP_MODE_SHIFT: usize = #satp_shift;

        #[doc = " The `satp` value that selects this plan's mode with the root table at physical"]
        #[doc = " address `root_table_pa` (page aligned) and ASID 0."]
        pub const fn satp_for_root(root_table_pa: usize) -> usize {
            (SATP_MODE << SATP_MODE_SHIFT) | (root_table_pa >> PAGE_SHIFT)
        }

        #[doc = " The first address of root slot `slot` (0 to `PT_ENTRIES - 1`), sign-extended so it"]
        #[doc = " is canonical: slots below `PT_ENTRIES / 2` are the low half. Panics (a compile-time"]
        #[doc = " error in const context) for a slot past the root table."]
        pub const fn root_slot_address(slot: usize) -> usize {
            assert!(slot < PT_ENTRIES, "root slot out of range");
            let raw = slot << ROOT_SLOT_SHIFT;
            if raw >= LOW_HALF_END { raw | HIGH_HALF_START } else { raw }
        }

        const _: () = assert!(PT_LEVEL_SHIFTS[0] == PAGE_SHIFT, "level 0 maps pages");
        const _: () = assert!(PT_LEVEL_SHIFTS[PT_ROOT_LEVEL] == ROOT_SLOT_SHIFT, "the root level indexes root slots");
    }
}

fn platform(plan: &Plan) -> TokenStream {
    let p = &plan.platform;
    let (load, ident_size, max, sp) = (
        lit(p.load_address),
        lit(p.identity_size),
        lit(p.image_max_size),
        lit(p.boot_superpage),
    );
    let (identity_start, identity_end) = (lit(p.identity_start), lit(p.identity_end));
    let image = ident(&RegionConstants::of(&plan.image().name).start);
    quote! {
        #[doc = " Physical address the firmware loads the image at."]
        pub const LOAD_ADDRESS: usize = #load;
        #[doc = " Virtual address the image is linked at (the image region's start)."]
        pub const LINK_ADDRESS: usize = #image;
        #[doc = " Largest identity-mapped boot code (`.text.entry` + `.text.ident`)."]
        pub const IDENTITY_SIZE: usize = #ident_size;
        #[doc = " Largest image the platform accepts."]
        pub const IMAGE_MAX_SIZE: usize = #max;
        #[doc = " Page size of the boot mappings: link and load address agree modulo it."]
        pub const BOOT_SUPERPAGE_SIZE: usize = #sp;
        #[doc = " Start of the physical range the boot code identity-maps while it turns the MMU on:"]
        #[doc = " the boot superpages that can hold an image of `IMAGE_MAX_SIZE` at `LOAD_ADDRESS`."]
        pub const IDENTITY_START: usize = #identity_start;
        #[doc = " Exclusive end of the identity range."]
        pub const IDENTITY_END: usize = #identity_end;
    }
}

fn region(plan: &Plan, r: &crate::plan::Region) -> TokenStream {
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
    let slots = if r.first_slot == r.last_slot {
        format!("{}", r.first_slot)
    } else {
        format!("{}-{}", r.first_slot, r.last_slot)
    };
    let doc = format!(
        " `{}` ({}): {}. {} at {}, L{root} slot {slots}, {}.",
        r.name,
        r.purpose.name(),
        r.description,
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

fn fixmap(plan: &Plan) -> TokenStream {
    let f = &plan.fixmap;
    let region_end = ident(&RegionConstants::of(&f.region).end);
    let (base, top, last, count, tables) = (
        lit(f.base),
        lit(f.top),
        dec(f.last),
        dec(f.slot_count()),
        dec(f.tables),
    );
    let mut out = quote! {
        #[doc = " Address of fixmap slot 0 (the fixmap region's start)."]
        pub const FIXADDR_START: usize = #base;
        #[doc = " Exclusive end of the fixmap slots: `fixmap_addr(FIX_LAST + 1)`."]
        pub const FIXADDR_TOP: usize = #top;
        #[doc = " Index of the last fixmap slot (inclusive)."]
        pub const FIX_LAST: usize = #last;
        #[doc = " Number of fixmap slots."]
        pub const FIX_COUNT: usize = #count;
        #[doc = " Level-0 tables the fixmap installs (one per 512 slots)."]
        pub const FIX_TABLES: usize = #tables;

        #[doc = " The virtual address of fixmap slot `slot`; a slot past `FIX_LAST + 1` (the end) is a"]
        #[doc = " compile-time error in const context and a panic otherwise."]
        pub const fn fixmap_addr(slot: usize) -> usize {
            assert!(slot <= FIX_LAST + 1, "fixmap slot out of range");
            FIXADDR_START + slot * PAGE_SIZE
        }

        #[doc = " The virtual address a fixmap slot maps."]
        pub const fn fix_to_virt(slot: FixSlot) -> usize {
            fixmap_addr(slot as usize)
        }

        #[doc = " The fixmap slot whose page holds `vaddr`, or `None` outside the fixmap slots."]
        pub const fn virt_to_fix(vaddr: usize) -> Option<FixSlot> {
            if vaddr < FIXADDR_START || vaddr >= FIXADDR_TOP {
                return None;
            }
            FixSlot::from_index((vaddr - FIXADDR_START) >> PAGE_SHIFT)
        }

        const _: () = assert!(FIXADDR_START % L0_TABLE_SPAN == 0, "fixmap base is aligned to one level-0 table");
        const _: () = assert!(FIXADDR_TOP == fixmap_addr(FIX_LAST + 1), "FIXADDR_TOP is one past the last slot");
        const _: () = assert!(FIXADDR_TOP <= #region_end, "fixmap slots fit the fixmap region");
        const _: () = assert!(FIX_LAST < FIX_TABLES * PT_ENTRIES, "fixmap slots fit the installed tables");
        const _: () = assert!(FIX_COUNT == FIX_LAST + 1, "slot count agrees with FIX_LAST");
    };

    let mut variants = Vec::new();
    let mut names = Vec::new();
    for g in &f.groups {
        let consts = fix_group_constants(&g.name, g.count);
        let (begin, end, cnt) = (ident(&consts[0]), ident(&consts[1]), ident(&consts[2]));
        let (vb, ve, vc) = (dec(g.first), dec(g.first + g.count), dec(g.count));
        let doc = format!(
            " Fixmap group `{}`: {}. Slots {}..{} (END exclusive).",
            g.name,
            g.description,
            g.first,
            g.first + g.count
        );
        out.extend(quote! {
            #[doc = #doc]
            pub const #begin: usize = #vb;
            pub const #end: usize = #ve;
            pub const #cnt: usize = #vc;
        });
        if let Some(single) = consts.get(3) {
            let single = ident(single);
            out.extend(quote! {
                #[doc = " The group's one slot."]
                pub const #single: usize = #vb;
            });
        } else {
            let accessor = format_ident!("{}_slot", g.name);
            let doc = format!(
                " Slot `i` of group `{}`, or `None` past its {} slots.",
                g.name, g.count
            );
            out.extend(quote! {
                #[doc = #doc]
                pub const fn #accessor(i: usize) -> Option<FixSlot> {
                    if i < #cnt { FixSlot::from_index(#begin + i) } else { None }
                }
            });
        }
        for i in 0..g.count {
            variants.push((
                ident(&fix_slot_variant(&g.name, i, g.count)),
                dec(g.first + i),
            ));
            names.push(if g.count == 1 {
                g.name.clone()
            } else {
                format!("{}[{i}]", g.name)
            });
        }
    }
    let variant_defs = variants.iter().map(|(v, n)| quote!(#v = #n));
    let variant_list = variants.iter().map(|(v, _)| quote!(FixSlot::#v));
    let name_arms = variants
        .iter()
        .zip(&names)
        .map(|((v, _), n)| quote!(FixSlot::#v => #n));
    let enum_doc = format!(
        " Every fixmap slot, by group: {}.",
        f.groups
            .iter()
            .map(|g| format!("{} × {}", g.name, g.count))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.extend(quote! {
        #[doc = #enum_doc]
        #[repr(u16)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum FixSlot {
            #(#variant_defs),*
        }

        impl FixSlot {
            #[doc = " Every slot in index order."]
            pub const ALL: [FixSlot; FIX_COUNT] = [#(#variant_list),*];

            #[doc = " The slot with index `index`, or `None` past `FIX_LAST`."]
            pub const fn from_index(index: usize) -> Option<FixSlot> {
                if index < FIX_COUNT { Some(FixSlot::ALL[index]) } else { None }
            }

            pub const fn index(self) -> usize {
                self as usize
            }

            pub const fn addr(self) -> usize {
                fix_to_virt(self)
            }

            #[doc = " `pmap[3]`, `misc`: the slot as written in the layout."]
            pub const fn name(self) -> &'static str {
                match self {
                    #(#name_arms),*
                }
            }
        }
    });
    out
}

fn tables(plan: &Plan) -> TokenStream {
    let regions = plan.regions.iter().map(|r| {
        let (name, desc) = (&r.name, &r.description);
        let purpose = ident(r.purpose.variant());
        let names = RegionConstants::of(&r.name);
        let (start, size, end, perms) = (ident(&names.start), ident(&names.size), ident(&names.end), ident(&names.perms));
        quote!(Region { name: #name, purpose: Purpose::#purpose, start: #start, size: #size, end: #end, perms: #perms, description: #desc })
    });
    let gaps = plan.gaps.iter().map(|g| {
        let (name, below, above) = (&g.name, &g.below, &g.above);
        let names = GapConstants::of(&g.name);
        let (start, size, end) = (ident(&names.start), ident(&names.size), ident(&names.end));
        quote!(Gap { name: #name, start: #start, size: #size, end: #end, below: #below, above: #above })
    });
    let unused = plan.map.iter().filter_map(|e| match e {
        MapEntry::Unused {
            start,
            last,
            first_slot,
            last_slot,
        } => {
            let (s, l, fs, ls) = (lit(*start), lit(*last), dec(*first_slot), dec(*last_slot));
            Some(quote!(Unused { start: #s, last: #l, first_slot: #fs, last_slot: #ls }))
        }
        _ => None,
    });
    let mut unused_index = 0;
    let map = plan.map.iter().map(|e| match e {
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
            let (s, l) = (lit(*start), lit(*last));
            quote!(MapEntry::NonCanonical { start: #s, last: #l })
        }
    });
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

        #[doc = " The region that contains `addr`, if any."]
        pub fn region_containing(addr: usize) -> Option<&'static Region> {
            REGIONS.iter().find(|r| r.contains(addr))
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

/// Checks across regions: the emitted constants themselves prove that the plan's
/// regions and gaps are in order and do not overlap.
fn checks(plan: &Plan) -> TokenStream {
    let mut items: Vec<(u64, TokenStream, TokenStream)> = plan
        .regions
        .iter()
        .map(|r| {
            let names = RegionConstants::of(&r.name);
            let (s, e) = (ident(&names.start), ident(&names.end));
            (r.start, quote!(#s), quote!(#e))
        })
        .chain(plan.gaps.iter().map(|g| {
            let names = GapConstants::of(&g.name);
            let (s, e) = (ident(&names.start), ident(&names.end));
            (g.start, quote!(#s), quote!(#e))
        }))
        .collect();
    items.sort_by_key(|(start, _, _)| *start);
    let pairs = items.windows(2).map(|w| {
        let (end_lower, start_upper) = (&w[0].2, &w[1].1);
        quote!(
            const _: () = assert!(#end_lower <= #start_upper, "regions and gaps do not overlap");
        )
    });
    quote! {
        const _: () = assert!(usize::BITS == 64, "the plan describes a 64-bit address space");
        #(#pairs)*
    }
}
