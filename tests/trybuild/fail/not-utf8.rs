// A layout file that is not UTF-8: the macro reads it as the CLI does and points
// at the first byte that is not, instead of failing to read it.
mod layout {
    vmlayout_macros::layout!("${VMLAYOUT_REPO}/tests/bad-inputs/not-utf8.toml");
}

fn main() {}
