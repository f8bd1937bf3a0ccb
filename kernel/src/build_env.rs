//! Numbers the kernel is built with from the environment (`option_env!`, which
//! cargo tracks: changing one rebuilds the kernel).

/// `text` as a decimal count, at compile time: a build with anything else (empty,
/// a sign, a non-digit, more than `u64::MAX`) fails, naming the variable `name`.
pub const fn decimal(text: &str, name: &str) -> u64 {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        panic!("{}", name);
    }
    let mut value = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        let digit = bytes[i];
        if !digit.is_ascii_digit() {
            panic!("{}", name);
        }
        value = match value.checked_mul(10) {
            Some(v) => match v.checked_add((digit - b'0') as u64) {
                Some(v) => v,
                None => panic!("{}", name),
            },
            None => panic!("{}", name),
        };
        i += 1;
    }
    value
}
