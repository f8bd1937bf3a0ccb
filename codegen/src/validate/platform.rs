//! `[platform]`: the load address and the sizes the boot code works with, and the
//! identity range they imply.

use super::BOOT_SUPERPAGE;
use crate::diag::{Diagnostic, Diagnostics, Spanned};
use crate::fmt::{hex, human_size};
use crate::paging::{Mode, PAGE_SIZE};
use crate::plan::{HART_LIMIT, Platform, Purpose, is_load_address};
use crate::resolve::size_bytes;
use crate::spec::{LayoutSpec, PlatformSpec};
use crate::units::{AddrExpr, SizeExpr};

/// The platform, when every field of `[platform]` is present and valid.
pub(super) fn platform(spec: &LayoutSpec, mode: Mode, diags: &mut Diagnostics) -> Option<Platform> {
    let p = spec.platform.as_ref()?;
    let load = p
        .load_address
        .as_ref()
        .and_then(|l| load_address(l, mode, diags));
    let identity_size = size_field(p.identity_size.as_ref(), "identity_size", mode, diags);
    let image_max_size = size_field(p.image_max_size.as_ref(), "image_max_size", mode, diags);
    let (load_address, image_max_size) = (load?, image_max_size?);
    let max_ram = p
        .max_ram
        .as_ref()
        .map(|m| size_field(Some(m), "max_ram", mode, diags));
    let max_harts = max_harts_checked(p, diags);
    let range = load_range(p, load_address, mode, diags)?;
    // The identity ranges of every allowed load address, from the lowest's start to
    // the highest's end: what the rules on the identity mapping judge.
    let (identity_start, _) = identity(p, range.first, image_max_size, diags)?;
    let (_, identity_end) = identity(p, range.last, image_max_size, diags)?;
    Some(Platform {
        load_address,
        identity_size: identity_size?,
        image_max_size,
        boot_superpage: BOOT_SUPERPAGE,
        identity_start,
        identity_end,
        max_ram: max_ram.map(|m| m.ok_or(())).transpose().ok()?,
        max_harts: max_harts?,
        load_first: range.first,
        load_last: range.last,
        load_align: range.align,
    })
}

/// `platform.max_harts`: 1 when the layout does not say; `None` when it is out of
/// range (which [`platform`] reports).
pub(super) fn max_harts(spec: &LayoutSpec) -> Option<u64> {
    match spec.platform.as_ref().and_then(|p| p.max_harts.as_ref()) {
        None => Some(1),
        Some(h) if (1..=HART_LIMIT).contains(&h.value) => Some(h.value),
        Some(_) => None,
    }
}

/// [`max_harts`], reporting a count out of range at `max_harts`.
fn max_harts_checked(p: &PlatformSpec, diags: &mut Diagnostics) -> Option<u64> {
    let Some(h) = &p.max_harts else {
        return Some(1);
    };
    if (1..=HART_LIMIT).contains(&h.value) {
        return Some(h.value);
    }
    let (message, help) = if h.value == 0 {
        (
            "platform.max_harts is 0".to_string(),
            "a platform runs at least one hart: write `max_harts = 1`, or leave the key out"
                .to_string(),
        )
    } else {
        (
            format!(
                "platform.max_harts is {}; vmlayout supports at most {HART_LIMIT}",
                h.value
            ),
            format!(
                "write the most harts the platform has (QEMU virt: up to 512); per-hart fixmap groups get count × max_harts slots, so {HART_LIMIT} is the limit"
            ),
        )
    };
    diags.push(Diagnostic::error(message, h.span.clone(), "out of range").with_help(help));
    None
}

/// The load addresses a loader may choose.
struct LoadRange {
    first: u64,
    last: u64,
    align: u64,
}

/// `load_range`, checked: both ends page aligned and in order, the alignment a
/// multiple of the boot superpage (every load address must sit at the link
/// address's offset in it), `load_address` one of the allowed addresses. Without
/// `load_range`, `load_address` alone.
fn load_range(
    p: &PlatformSpec,
    load: u64,
    mode: Mode,
    diags: &mut Diagnostics,
) -> Option<LoadRange> {
    let Some(r) = &p.load_range else {
        return Some(LoadRange {
            first: load,
            last: load,
            align: BOOT_SUPERPAGE,
        });
    };
    let first = load_address(&r.first, mode, diags);
    let last = load_address(&r.last, mode, diags);
    let align = match &r.align {
        Some(a) => size_bytes(a, "align", mode, diags).and_then(|bytes| {
            if bytes != 0 && bytes.is_multiple_of(BOOT_SUPERPAGE) {
                return Some(bytes);
            }
            diags.push(
                Diagnostic::error(
                    format!("load_range.align ({}) is not a multiple of the {} boot superpage", human_size(bytes), human_size(BOOT_SUPERPAGE)),
                    a.span.clone(),
                    "misaligned load addresses",
                )
                .with_help("the image is mapped with 2 MiB boot superpages, so every load address sits at the link address's offset in one: use \"2M\" or a multiple"),
            );
            None
        }),
        None => Some(BOOT_SUPERPAGE),
    };
    let (first, last, align) = (first?, last?, align?);
    if first > last {
        diags.push(
            Diagnostic::error(
                format!(
                    "load_range runs backwards: first {} is above last {}",
                    hex(first),
                    hex(last)
                ),
                r.span.clone(),
                "backwards",
            )
            .with_help("swap `first` and `last`"),
        );
        return None;
    }
    if !is_load_address(load, first, last, align) {
        let span = p
            .load_address
            .as_ref()
            .map_or(r.span.clone(), |l| l.span.clone());
        diags.push(
            Diagnostic::error(
                format!("load_address {} is not one of the load addresses load_range allows", hex(load)),
                span,
                "outside load_range",
            )
            .with_related(r.span.clone(), format!("{}, {} + {}, … up to {}", hex(first), hex(first), human_size(align), hex(last)))
            .with_help("make load_address one of them (the address the firmware uses by default), or widen load_range"),
        );
        return None;
    }
    // Every allowed address is first + k·align ≤ last: the highest one.
    let last = first + (last - first) / align * align;
    Some(LoadRange { first, last, align })
}

/// The load address: any address expression, page aligned.
fn load_address(load: &Spanned<AddrExpr>, mode: Mode, diags: &mut Diagnostics) -> Option<u64> {
    match load.value.eval(|i| mode.slot_address(i)) {
        Ok(addr) if addr % PAGE_SIZE == 0 => Some(addr),
        Ok(addr) => {
            diags.push(
                Diagnostic::error(
                    format!("the load address {} is not page aligned", hex(addr)),
                    load.span.clone(),
                    "not a multiple of 4 KiB",
                )
                .with_help("firmware loads the kernel at a page boundary: on QEMU virt with OpenSBI it is 0x8020_0000"),
            );
            None
        }
        Err(why) => {
            diags.push(Diagnostic::error(
                format!("load_address: {why}"),
                load.span.clone(),
                "bad address",
            ));
            None
        }
    }
}

/// A non-zero size of `[platform]`.
fn size_field(
    field: Option<&Spanned<SizeExpr>>,
    key: &str,
    mode: Mode,
    diags: &mut Diagnostics,
) -> Option<u64> {
    let s = field?;
    let bytes = size_bytes(s, key, mode, diags)?;
    if bytes == 0 {
        diags.push(
            Diagnostic::error(
                format!("platform.{key} is zero"),
                s.span.clone(),
                "zero size",
            )
            .with_help(format!(
                "give `{key}` the size the kernel needs, such as \"4K\""
            )),
        );
        return None;
    }
    Some(bytes)
}

/// The identity range, unless it would run past 2^64 (reported).
fn identity(
    p: &PlatformSpec,
    load_address: u64,
    image_max_size: u64,
    diags: &mut Diagnostics,
) -> Option<(u64, u64)> {
    let range = Platform::identity_range(load_address, image_max_size, BOOT_SUPERPAGE);
    if range.is_none() {
        diags.push(
            Diagnostic::error(
                format!(
                    "an image of {} loaded at {} runs past the top of the 64-bit address space",
                    human_size(image_max_size),
                    hex(load_address)
                ),
                p.load_address.as_ref().map_or(p.span.clone(), |l| l.span.clone()),
                "cannot be identity-mapped",
            )
            .with_help("the boot code identity-maps the loaded image: lower `load_address` or `image_max_size`"),
        );
    }
    range
}

/// Every direct map holds `platform.max_ram` bytes of RAM, when the layout states
/// it: the kernel maps RAM relative to its lowest bank, so a direct map smaller
/// than the platform's RAM leaves some of it unmapped.
pub(super) fn direct_maps_hold_ram(
    spec: &LayoutSpec,
    platform: &Platform,
    free: &super::free::FreeSpace<'_>,
    diags: &mut Diagnostics,
) {
    let mode = free.mode;
    let Some(max_ram) = platform.max_ram else {
        return;
    };
    let half = mode.low_half_end();
    let span = spec
        .platform
        .as_ref()
        .and_then(|p| p.max_ram.as_ref())
        .map_or(0..0, |m| m.span.clone());
    for (index, r) in free.resolved.regions.iter().enumerate() {
        let Some((name, extent)) = r.placed() else {
            continue;
        };
        if r.is(Purpose::Directmap) && extent.size < max_ram {
            // Grown in place, what it would meet.
            let grown_last = extent.start.checked_add(max_ram - 1);
            let meets = match grown_last {
                None => "; grown in place it would run past 2^64: move it down".to_string(),
                Some(last) => free
                    .meets(index, extent.start, last)
                    .map(|other| {
                        format!("; grown in place it would meet `{other}`: move one of them")
                    })
                    .unwrap_or_default(),
            };
            diags.push(
                Diagnostic::error(
                    format!(
                        "direct map `{name}` ({}) cannot hold platform.max_ram ({})",
                        human_size(extent.size),
                        human_size(max_ram)
                    ),
                    r.spans.size.clone().unwrap_or_else(|| r.spans.placement.clone()),
                    "smaller than the platform's RAM",
                )
                .with_related(span.clone(), "the most RAM the platform can have")
                .with_help(if max_ram > half {
                    format!(
                        "no region in one canonical half of {mode} ({}) can hold {}: lower max_ram, or use a mode with more VA bits",
                        human_size(half),
                        human_size(max_ram)
                    )
                } else {
                    format!(
                        "grow `{name}` to at least {} (RAM is mapped relative to its lowest bank, aligned down to 1 GiB: allow for that), or lower max_ram{meets}",
                        human_size(max_ram)
                    )
                }),
            );
        }
    }
}
