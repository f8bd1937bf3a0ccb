//! The kernel's page-table walker (kernel/src/mm/table.rs) on the host, Sv57:
//! map, lookup and unmap against a model, random ranges with page and superpage
//! leaves. The body is shared with the other modes' files.

#[allow(dead_code)]
mod plan {
    vmlayout_macros::layout!("layouts/sv57.toml");
}

include!("kernel_tables/body.rs");
