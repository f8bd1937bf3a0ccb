//! How full a plan's regions are for a linked kernel (`vmlayout usage --elf
//! KERNEL`): the image's sections against the image region and
//! `image_max_size`, the fixmap's groups against the fixmap's slots, and the boot
//! page tables the linker built against the plan's count. A table with bars for
//! people, JSON for tools.

use object::{Object, ObjectSection, ObjectSymbol, SectionKind};

use crate::fmt::human_size;
use crate::json::{self, Json};
use crate::paging::PAGE_SIZE;
use crate::plan::Plan;

/// One measure: `used` of `capacity`, in `unit`s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fill {
    /// What is measured (`image`, `.text`, `fixmap group pmap`, …).
    pub what: String,
    /// How much is taken.
    pub used: u64,
    /// How much there is room for.
    pub capacity: u64,
    /// `bytes`, `slots` or `tables`.
    pub unit: &'static str,
}

impl Fill {
    /// Whether `used` exceeds `capacity`.
    pub fn overflows(&self) -> bool {
        self.used > self.capacity
    }
}

/// Every measure of a kernel against its plan, in the order shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    /// The image and its sections against the image region (each section's
    /// capacity is the region too), then against `image_max_size`.
    pub image: Vec<Fill>,
    /// The fixmap's slots, then each group's share of them.
    pub fixmap: Vec<Fill>,
    /// The boot page tables the linker built (if the kernel has them) against the
    /// plan's count, the root included.
    pub boot_tables: Option<Fill>,
}

impl Usage {
    /// Whether anything overflows.
    pub fn overflows(&self) -> bool {
        self.image
            .iter()
            .chain(&self.fixmap)
            .chain(&self.boot_tables)
            .any(Fill::overflows)
    }
}

/// A symbol's address (its value), if `file` defines it.
fn symbol(file: &object::File<'_>, name: &str) -> Option<u64> {
    file.symbols()
        .find(|s| s.name() == Ok(name))
        .map(|s| s.address())
}

/// `[start, end)` of the linked image, checked against `plan`: the linker-script
/// contract's symbols, the plan's image region, an allowed load address.
fn image_bounds(plan: &Plan, symbol: &dyn Fn(&str) -> Option<u64>) -> Result<(u64, u64), String> {
    let image = plan.image();
    let (Some(start), Some(end)) = (symbol("__image_start"), symbol("__image_end")) else {
        return Err(
            "no __image_start/__image_end: not linked with vmlayout's linker script (layout.ld, or a script that includes layout-plan.ld and keeps its contract)".into(),
        );
    };
    if start != image.start || end < start {
        return Err(format!(
            "the image is linked at {}, this plan's image region `{}` at {}: link it for this plan",
            crate::fmt::hex(start),
            image.name,
            crate::fmt::hex(image.start)
        ));
    }
    let levels = u64::from(plan.paging.mode.levels());
    if let Some(linked) = symbol("__vmlayout_paging_levels")
        && linked != levels
    {
        return Err(format!(
            "the image is linked for {linked}-level paging, this plan is {}: link it for this plan",
            plan.paging.mode
        ));
    }
    let p = &plan.platform;
    if let Some(load) = symbol("__vmlayout_load_address")
        && !crate::plan::is_load_address(load, p.load_first, p.load_last, p.load_align)
    {
        return Err(format!(
            "the image is linked to load at {}, which this plan does not allow: link it for this plan",
            crate::fmt::hex(load)
        ));
    }
    Ok((start, end))
}

/// The sections of a kernel image, by what they hold (the linker-built boot
/// tables and `.got` count as data).
fn section_class(kind: SectionKind) -> Option<&'static str> {
    let class = match kind {
        SectionKind::Text => ".text",
        SectionKind::ReadOnlyData | SectionKind::ReadOnlyString => ".rodata",
        SectionKind::Data | SectionKind::Tls => ".data",
        SectionKind::UninitializedData | SectionKind::UninitializedTls => ".bss",
        _ => return None,
    };
    Some(class)
}

/// Measure the linked kernel `elf` (its bytes) against `plan`.
///
/// # Errors
/// The bytes are not a riscv64 ELF executable, it was not linked with vmlayout's
/// linker-script contract (no `__image_start`/`__image_end`), its image is linked
/// at another address than the plan's image region, or its load address is not one
/// the plan allows.
pub fn measure(plan: &Plan, elf: &[u8]) -> Result<Usage, String> {
    let file = object::File::parse(elf).map_err(|e| format!("not an ELF file: {e}"))?;
    if file.architecture() != object::Architecture::Riscv64
        || file.kind() != object::ObjectKind::Executable
    {
        return Err(format!(
            "not a linked riscv64 kernel (a {:?} {:?} file)",
            file.architecture(),
            file.kind()
        ));
    }
    let symbol = |name: &str| symbol(&file, name);
    let image = plan.image();
    let (start, end) = image_bounds(plan, &symbol)?;
    // Every loaded section of the image, by class, wherever it ends: a section
    // past the region is counted (and the image overflows).
    let mut classes: Vec<(&'static str, u64)> = Vec::new();
    for section in file.sections() {
        if section.size() == 0 || section.address() < start || section.address() >= end {
            continue;
        }
        // Loaded sections only: their kind says so.
        let Some(class) = section_class(section.kind()) else {
            continue;
        };
        match classes.iter_mut().find(|(c, _)| *c == class) {
            Some((_, size)) => *size += section.size(),
            None => classes.push((class, section.size())),
        }
    }
    let extent = end - start;
    let bytes = |what: String, used: u64, capacity: u64| Fill {
        what,
        used,
        capacity,
        unit: "bytes",
    };
    let mut image_fills = vec![bytes(format!("image `{}`", image.name), extent, image.size)];
    for (class, size) in &classes {
        image_fills.push(bytes(format!("  {class}"), *size, image.size));
    }
    image_fills.push(bytes(
        "image against image_max_size".into(),
        extent,
        plan.platform.image_max_size,
    ));
    let boot_tables = match (
        symbol("__vmlayout_boot_tables_start"),
        symbol("__vmlayout_boot_tables_end"),
    ) {
        (Some(start), Some(end)) if end >= start => Some(Fill {
            what: "boot page tables (for this load address)".into(),
            used: (end - start) / PAGE_SIZE,
            capacity: plan.boot_tables.total() + 1,
            unit: "tables",
        }),
        _ => None,
    };
    Ok(Usage {
        image: image_fills,
        fixmap: fixmap_fills(plan),
        boot_tables,
    })
}

/// The fixmap's slots, then each group's, against the fixmap region's slots.
fn fixmap_fills(plan: &Plan) -> Vec<Fill> {
    let f = &plan.fixmap;
    let capacity = plan.region(&f.region).map_or(0, |r| r.size / PAGE_SIZE);
    let slots = |what: String, used: u64| Fill {
        what,
        used,
        capacity,
        unit: "slots",
    };
    let mut fills = vec![slots(format!("fixmap `{}`", f.region), f.slot_count())];
    fills.extend(f.groups.iter().map(|g| {
        let what = if g.is_per_hart() {
            format!("  group `{}` ({})", g.name, g.slots_text())
        } else {
            format!("  group `{}`", g.name)
        };
        slots(what, g.count)
    }));
    fills
}

/// A bar of `width` cells for `used` of `capacity`: `#` taken, `.` free, the last
/// cell `!` when it overflows.
fn bar(used: u64, capacity: u64, width: u64) -> String {
    if capacity == 0 || used > capacity {
        return "#".repeat(width as usize - 1) + "!";
    }
    let filled = (u128::from(used) * u128::from(width)).div_ceil(u128::from(capacity));
    let filled = u64::try_from(filled).unwrap_or(u64::MAX).min(width);
    "#".repeat(filled as usize) + &".".repeat((width - filled) as usize)
}

fn amount(n: u64, unit: &str) -> String {
    match unit {
        "bytes" => human_size(n),
        _ if n == 1 => format!("1 {}", unit.trim_end_matches('s')),
        _ => format!("{n} {unit}"),
    }
}

/// For people: one line per measure, `what [####......] used of capacity (n%)`,
/// an overflow marked `OVERFLOW by …`.
pub fn render_text(u: &Usage) -> String {
    let all: Vec<&Fill> = u
        .image
        .iter()
        .chain(&u.fixmap)
        .chain(&u.boot_tables)
        .collect();
    let width = all
        .iter()
        .map(|f| f.what.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for f in all {
        let percent = match u128::from(f.used) * 100 / u128::from(f.capacity.max(1)) {
            _ if f.capacity == 0 => String::new(),
            // Some is used, though less than a percent (the bar shows a cell).
            0 if f.used > 0 => " (<1%)".to_string(),
            p => format!(" ({p}%)"),
        };
        let over = if f.overflows() {
            format!("  OVERFLOW by {}", amount(f.used - f.capacity, f.unit))
        } else {
            String::new()
        };
        s.push_str(&format!(
            "{:<width$}  [{}] {} of {}{percent}{over}\n",
            f.what,
            bar(f.used, f.capacity, 30),
            amount(f.used, f.unit),
            amount(f.capacity, f.unit),
        ));
    }
    s
}

/// For tools: `{"overflows": bool, "image": […], "fixmap": […], "boot_tables":
/// {…} | null}`, each measure `{"what", "used", "capacity", "unit"}` (numbers).
pub fn render_json(u: &Usage) -> String {
    let fill = |f: &Fill| {
        Json::Object(vec![
            ("what", json::s(f.what.trim())),
            ("used", json::n(f.used)),
            ("capacity", json::n(f.capacity)),
            ("unit", json::s(f.unit)),
        ])
    };
    let value = Json::Object(vec![
        ("overflows", Json::Bool(u.overflows())),
        ("image", Json::Array(u.image.iter().map(fill).collect())),
        ("fixmap", Json::Array(u.fixmap.iter().map(fill).collect())),
        (
            "boot_tables",
            u.boot_tables.as_ref().map_or(Json::Null, fill),
        ),
    ]);
    let mut out = String::new();
    value.write(&mut out, 0);
    out.push('\n');
    out
}
