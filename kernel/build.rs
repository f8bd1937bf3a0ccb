//! Plans the layout (../layout.toml, or $VMLAYOUT_FILE) against the kernel's
//! requirements (vmlayout-needs.toml), writes the plan's artefacts into OUT_DIR,
//! and links with the kernel's own kernel.ld, which includes the plan's part
//! (layout-plan.ld); reruns when any input changes.

fn main() {
    vmlayout::build::Kernel::new("../layout.toml")
        .needs("vmlayout-needs.toml")
        .linker_script("kernel.ld")
        .build();
}
