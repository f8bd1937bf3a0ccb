// A `${NAME}` in the layout path that the compile-time environment does not set
// is an error at the path, naming the variable.
mod layout {
    vmlayout_macros::layout!("${VMLAYOUT_NEVER_SET}/layout.toml");
}

fn main() {}
