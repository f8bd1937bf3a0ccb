//! Assembly of the [`Plan`] from what validation checked: sorted regions and gaps,
//! the image's index and the top-down map.

use super::boot_tables::BootTables;
use super::{CHeader, Fixmap, Gap, Paging, Plan, Platform, Region};
use crate::paging::Mode;

/// The pieces of a plan, each already checked.
pub struct Parts {
    /// The paging mode.
    pub mode: Mode,
    /// The checked platform.
    pub platform: Platform,
    /// The checked regions, in any order.
    pub regions: Vec<Region>,
    /// The guard gaps, in any order.
    pub gaps: Vec<Gap>,
    /// The checked fixmap.
    pub fixmap: Fixmap,
    /// Name of the image region.
    pub image: String,
    /// The boot table pool the reference kernel's boot mappings need.
    pub boot_tables: BootTables,
    /// The C naming profile.
    pub c_header: CHeader,
}

impl Plan {
    /// The plan from checked parts. Panics if the image region is not among the
    /// regions or a gap's bounds disagree with its size (validation's job).
    pub(crate) fn assemble(parts: Parts) -> Plan {
        let Parts {
            mode,
            platform,
            mut regions,
            mut gaps,
            fixmap,
            image,
            boot_tables,
            c_header,
        } = parts;
        regions.sort_by_key(|r| r.start);
        gaps.sort_by_key(|g| g.start);
        for g in &gaps {
            assert_eq!(
                g.last - g.start,
                g.size - 1,
                "gap `{}` must span exactly its declared size",
                g.name
            );
        }
        let image = regions
            .iter()
            .position(|r| r.name == image)
            .expect("the image region was validated");
        let map = super::map::memory_map(mode, &regions, &gaps);
        Plan {
            paging: Paging::new(mode),
            platform,
            regions,
            gaps,
            fixmap,
            image,
            map,
            boot_tables,
            c_header,
        }
    }
}
