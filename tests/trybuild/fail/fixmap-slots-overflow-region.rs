// An invalid layout becomes compile_error! carrying the rendered diagnostics.
mod layout {
    vmlayout_macros::layout!("${VMLAYOUT_REPO}/tests/invalid/fixmap-slots-overflow-region.toml");
}

fn main() {}
