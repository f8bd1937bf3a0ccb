//! Plans the layout (../layout.toml, or $VMLAYOUT_FILE) against the kernel's
//! requirements (vmlayout-needs.toml), writes the linker script into OUT_DIR,
//! links with it and reruns when any input changes.

fn main() {
    vmlayout::build::kernel_needing("../layout.toml", "vmlayout-needs.toml");
}
