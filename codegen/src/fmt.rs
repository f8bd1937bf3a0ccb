//! Formatting shared by diagnostics and emitters: hex with `_` groups and human sizes.
//! Formatting only — no address is derived here.

/// `0xffff_ffff_c000_0000`: lower-case, grouped by 4 hex digits.
pub fn hex(value: u64) -> String {
    // Digits from the most significant; `_` after each digit with a multiple of four
    // digits still to come.
    let digits = (64 - value.leading_zeros()).div_ceil(4).max(1);
    let mut out = String::with_capacity(2 + 5 * digits as usize / 4);
    out.push_str("0x");
    for i in (0..digits).rev() {
        let nibble = (value >> (4 * i)) & 0xf;
        out.push(char::from_digit(nibble as u32, 16).expect("a nibble is a hex digit"));
        if i > 0 && i % 4 == 0 {
            out.push('_');
        }
    }
    out
}

/// `0xffffffffc0000000`: lower-case, no separators (C, JSON, linker scripts).
pub fn hex_plain(value: u64) -> String {
    format!("{value:#x}")
}

/// `511` for one root slot, `256-447` for an inclusive range of them.
pub fn slot_range(first: u64, last: u64) -> String {
    if first == last {
        format!("{first}")
    } else {
        format!("{first}-{last}")
    }
}

/// `2 MiB`, `1 GiB`, `4 KiB`, `192 GiB`; `1536 KiB` for 1.5 MiB: the largest unit
/// that divides the size exactly while the count stays readable (< 10,000), else an
/// approximation such as `≈ 16.0 EiB`.
pub fn human_size(bytes: u64) -> String {
    human_size_u128(u128::from(bytes))
}

/// Like [`human_size`], for sizes that may be 2^64 (a whole half or the whole space).
pub fn human_size_u128(bytes: u128) -> String {
    const UNITS: [(&str, u32); 6] = [
        ("EiB", 60),
        ("PiB", 50),
        ("TiB", 40),
        ("GiB", 30),
        ("MiB", 20),
        ("KiB", 10),
    ];
    if bytes == 0 {
        return "0 B".into();
    }
    for (unit, shift) in UNITS {
        let one = 1u128 << shift;
        if bytes >= one && bytes.is_multiple_of(one) && bytes / one < 10_000 {
            return format!("{} {unit}", bytes / one);
        }
    }
    if bytes < 10_000 {
        return format!("{bytes} B");
    }
    let (unit, shift) = UNITS
        .iter()
        .find(|(_, shift)| bytes >= 1u128 << shift)
        .expect("bytes >= 10000 > 1 KiB");
    format!("≈ {:.1} {unit}", bytes as f64 / (1u128 << shift) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(hex(0xffff_ffff_c000_0000), "0xffff_ffff_c000_0000");
        assert_eq!(hex(0x8020_0000), "0x8020_0000");
        assert_eq!(hex(0x1000), "0x1000");
        assert_eq!(hex(0x10000), "0x1_0000");
        assert_eq!(hex(0), "0x0");
        assert_eq!(hex(0xf), "0xf");
        assert_eq!(hex(0x1_0000_0000), "0x1_0000_0000");
        assert_eq!(hex(u64::MAX), "0xffff_ffff_ffff_ffff");
        // Every width agrees with the grouping of `{:x}`.
        for shift in 0..64 {
            let v = 0x9u64 << shift | 1;
            let plain = format!("{v:x}");
            assert_eq!(hex(v).replace('_', ""), format!("0x{plain}"));
            assert!(
                hex(v)
                    .rsplit('_')
                    .all(|g| g.len() <= 4 || g.starts_with("0x"))
            );
        }
        // A count of exactly 10,000 is not readable: the next unit, approximated.
        assert_eq!(human_size(10_000 << 10), "≈ 9.8 MiB");
        assert_eq!(human_size(9_999 << 10), "9999 KiB");
        assert_eq!(human_size(10_000), "≈ 9.8 KiB");
        assert_eq!(human_size(9_999), "9999 B");
        assert_eq!(human_size(2 << 20), "2 MiB");
        assert_eq!(human_size(3 << 19), "1536 KiB");
        assert_eq!(human_size(192 << 30), "192 GiB");
        assert_eq!(human_size(100), "100 B");
        assert_eq!(human_size_u128((1 << 64) - (1 << 39)), "≈ 16.0 EiB");
    }
}
