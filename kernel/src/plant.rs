//! Planted failures, to prove that a failure at any boot stage is reported as one:
//! a kernel built with `VMLAYOUT_PLANT_FAILURE=<stage>` in the environment fails on
//! purpose when that stage starts (`cargo xtask test` builds one per stage). In a
//! normal build the name is absent and every check compiles to nothing.

/// The stage named at build time, if any.
const PLANTED: Option<&str> = option_env!("VMLAYOUT_PLANT_FAILURE");

/// Whether this build fails on purpose at `stage`. Safe with the MMU off: it only
/// compares bytes of two strings the code reaches PC-relatively.
#[inline(always)]
pub fn at(stage: &str) -> bool {
    match PLANTED {
        Some(planted) => planted.as_bytes() == stage.as_bytes(),
        None => false,
    }
}

/// Panic here if this build plants its failure at `stage` (MMU on only); the panic
/// names the caller's line.
#[inline(always)]
#[track_caller]
pub fn panic_at(stage: &str) {
    if at(stage) {
        panic!("planted failure (VMLAYOUT_PLANT_FAILURE={stage})");
    }
}
