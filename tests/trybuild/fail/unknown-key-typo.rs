// An invalid layout becomes compile_error! carrying the rendered diagnostics.
mod layout {
    vmlayout_macros::layout!("../../../../tests/invalid/unknown-key-typo.toml");
}

fn main() {}
