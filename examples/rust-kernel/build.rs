//! The whole build-script side of vmlayout: plan ../../layout.toml (or
//! $VMLAYOUT_FILE), write the artefacts into OUT_DIR, and link with this crate's
//! own kernel.ld, which includes the plan's part (layout-plan.ld).

fn main() {
    vmlayout::build::Kernel::new("../../layout.toml")
        .linker_script("kernel.ld")
        .build();
}
