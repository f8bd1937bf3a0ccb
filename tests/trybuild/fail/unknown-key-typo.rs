// An invalid layout becomes compile_error! carrying the rendered diagnostics.
mod layout {
    vmlayout_macros::layout!("${VMLAYOUT_REPO}/tests/invalid/unknown-key-typo.toml");
}

fn main() {}
