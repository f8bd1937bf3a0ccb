//! Plans the layout (../layout.toml, or $VMLAYOUT_FILE), writes the linker script
//! into OUT_DIR, links with it and reruns when either input changes.

fn main() {
    vmlayout::build::kernel("../layout.toml");
}
