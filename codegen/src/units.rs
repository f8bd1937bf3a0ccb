//! The small languages inside layout.toml strings: sizes (`2M`, `1G`, `0x20_0000`,
//! `3 slots`) and addresses (`0xffff_ffff_c000_0000`, `slot(511)`, `slot(511) + 4M`,
//! `top - 1G`).
//!
//! Addresses are strings because TOML integers are i64 and every high-half address is
//! above i64::MAX. Sizes and addresses are parsed here into unevaluated forms; slot
//! references are evaluated later, once the paging mode is known.

/// A size as written: bytes, or a count of root-table slots (mode dependent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeExpr {
    Bytes(u64),
    Slots(u64),
}

/// One term of an address expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrTerm {
    Number(u64),
    /// The start of root slot N.
    Slot(u64),
    /// 2^64: the address one past the top of the address space.
    Top,
}

/// `term (('+'|'-') term)*`, kept unevaluated until the mode is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrExpr {
    pub terms: Vec<(Sign, AddrTerm)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Plus,
    Minus,
}

impl AddrExpr {
    /// Evaluate with `slot_address` resolving slot references. Errors say why
    /// (bad slot, or a result outside 0..2^64) so the caller can point at the text.
    pub fn eval(&self, slot_address: impl Fn(u64) -> Option<u64>) -> Result<u64, String> {
        let mut total: i128 = 0;
        for (sign, term) in &self.terms {
            let value: i128 = match *term {
                AddrTerm::Number(n) => n.into(),
                AddrTerm::Top => 1i128 << 64,
                AddrTerm::Slot(index) => slot_address(index)
                    .ok_or_else(|| {
                        format!("slot({index}) is out of range: a root table has slots 0 to 511")
                    })?
                    .into(),
            };
            total = match sign {
                Sign::Plus => total + value,
                Sign::Minus => total - value,
            };
        }
        if total < 0 {
            return Err(format!("the address is negative ({total:#x})"));
        }
        u64::try_from(total).map_err(|_| {
            format!("the address {total:#x} is past the top of the 64-bit address space (2^64)")
        })
    }
}

/// Binary unit letters and their shifts.
const UNITS: [(char, u32); 5] = [('K', 10), ('M', 20), ('G', 30), ('T', 40), ('P', 50)];

/// Parse a number with an optional binary unit: `4K`, `2M`, `4 KiB`, `1 GB` (binary),
/// `0x1000`, `1_048_576`. Hex numbers take no unit (`0x1B` is 27 bytes, not a size
/// in bytes with a `B` suffix). Sizes are whole: `1.5G` is rejected.
pub fn parse_number_with_unit(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("expected a number, found nothing".into());
    }
    if t.starts_with("0x") || t.starts_with("0X") || t.starts_with("0b") {
        return parse_plain_number(t);
    }
    let mut body = t;
    let mut shift = 0;
    if let Some(rest) = body.strip_suffix('B') {
        body = rest.strip_suffix('i').unwrap_or(rest);
    }
    if let Some(last) = body.chars().last()
        && let Some((_, s)) = UNITS.iter().find(|(u, _)| last.to_ascii_uppercase() == *u)
    {
        shift = *s;
        body = &body[..body.len() - 1];
    }
    let value = parse_plain_number(body.trim())?;
    value
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{t}` does not fit in 64 bits"))
}

fn parse_plain_number(digits: &str) -> Result<u64, String> {
    let (radix, body) = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, hex)
    } else if let Some(bin) = digits.strip_prefix("0b") {
        (2, bin)
    } else {
        (10, digits)
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return Err(format!(
            "`{digits}` is not a number (underscores only between digits)"
        ));
    }
    let cleaned: String = body.chars().filter(|c| *c != '_').collect();
    if !cleaned.chars().all(|c| c.is_digit(radix)) {
        return Err(format!(
            "`{digits}` is not a number; write sizes like `4K`, `2M`, `1G` or `0x20_0000`"
        ));
    }
    u64::from_str_radix(&cleaned, radix).map_err(|_| format!("`{digits}` does not fit in 64 bits"))
}

/// Parse a size string: `2M`, `4 KiB`, `0x20_0000`, `3 slots`, `1 slot`.
pub fn parse_size(text: &str) -> Result<SizeExpr, String> {
    let t = text.trim();
    for suffix in [" slots", " slot", "slots", "slot"] {
        if let Some(count) = t.strip_suffix(suffix) {
            return parse_plain_number(count.trim()).map(SizeExpr::Slots);
        }
    }
    parse_number_with_unit(t).map(SizeExpr::Bytes)
}

/// Parse an address expression: `0xffff_ffff_c000_0000`, `slot(511)`, `slot(511) + 4M`,
/// `top - 1G`.
pub fn parse_address(text: &str) -> Result<AddrExpr, String> {
    let mut terms = Vec::new();
    let mut rest = text.trim();
    let mut sign = Sign::Plus;
    loop {
        let end = rest.find(['+', '-']).unwrap_or(rest.len());
        let term_text = rest[..end].trim();
        terms.push((sign, parse_term(term_text)?));
        if end == rest.len() {
            break;
        }
        sign = if rest.as_bytes()[end] == b'+' {
            Sign::Plus
        } else {
            Sign::Minus
        };
        rest = &rest[end + 1..];
    }
    Ok(AddrExpr { terms })
}

fn parse_term(text: &str) -> Result<AddrTerm, String> {
    if text.is_empty() {
        return Err(
            "expected an address term (a number, `slot(N)` or `top`), found nothing".into(),
        );
    }
    if text == "top" {
        return Ok(AddrTerm::Top);
    }
    if let Some(inner) = text.strip_prefix("slot(").and_then(|t| t.strip_suffix(')')) {
        return parse_plain_number(inner.trim()).map(AddrTerm::Slot);
    }
    parse_number_with_unit(text).map(AddrTerm::Number).map_err(|_| {
        format!("`{text}` is not an address term: write a number (`0xffff_ffff_c000_0000`), `slot(N)` or `top`")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2M"), Ok(SizeExpr::Bytes(2 << 20)));
        assert_eq!(parse_size("4 KiB"), Ok(SizeExpr::Bytes(4096)));
        assert_eq!(parse_size("1G"), Ok(SizeExpr::Bytes(1 << 30)));
        assert_eq!(parse_size("0x20_0000"), Ok(SizeExpr::Bytes(0x20_0000)));
        assert_eq!(parse_size("3 slots"), Ok(SizeExpr::Slots(3)));
        assert_eq!(parse_size("1 slot"), Ok(SizeExpr::Slots(1)));
        assert!(parse_size("16384P").is_err());
        assert!(parse_size("two megs").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("1__0").is_err());
    }

    #[test]
    fn addresses() {
        let sv39 = |i: u64| crate::paging::Mode::Sv39.slot_address(i);
        let eval = |t: &str| parse_address(t).unwrap().eval(sv39);
        assert_eq!(eval("0xffff_ffff_c000_0000"), Ok(0xffff_ffff_c000_0000));
        assert_eq!(eval("slot(511)"), Ok(0xffff_ffff_c000_0000));
        assert_eq!(eval("slot(511) + 4M"), Ok(0xffff_ffff_c040_0000));
        assert_eq!(eval("top - 1G"), Ok(0xffff_ffff_c000_0000));
        assert!(eval("top").is_err());
        assert!(eval("slot(512)").is_err());
        assert!(eval("0 - 4K").is_err());
        assert!(parse_address("slot(511) +").is_err());
    }
}
