//! The harts the DTB describes: every node with `device_type = "cpu"` whose
//! `status` is absent or `"okay"` (Devicetree Specification v0.4, 3.7 and 3.8), its
//! hart id the node's `reg` (RISC-V's `/cpus` has `#address-cells = <1>`, the
//! binding in Linux's `Documentation/devicetree/bindings/riscv/cpus.yaml`), and
//! the `time` CSR's frequency, `timebase-frequency` (in `/cpus`, or in a cpu node;
//! Devicetree Specification v0.4, 3.7, and the same binding).
//!
//! Read after boot, when the secondary harts are started, so not on the boot
//! path the DTB pass in `scan` is measured on.

use crate::fdt::{Fdt, Token, cells, first_string_is};

/// What [`scan`] found.
#[derive(Debug, PartialEq, Eq)]
pub struct Cpus {
    /// Hart ids written to the caller's slice (its first `listed`).
    pub listed: usize,
    /// Enabled cpu nodes in the DTB (may exceed `listed`).
    pub in_dtb: usize,
    /// `time` ticks per second: the first `timebase-frequency` (one or two cells),
    /// if any.
    pub timebase_hz: Option<u64>,
}

/// The hart ids found, in DTB order: the first `out.len()` of them are written to
/// `out`; and the timebase. Panics when the DTB is malformed (the boot pass has
/// read it already).
pub fn scan(dtb: &[u8], out: &mut [usize]) -> Cpus {
    let fdt = Fdt::new(dtb).unwrap_or_else(|e| panic!("the DTB does not parse: {e:?}"));
    let [reg, device_type, status, timebase] =
        fdt.names([b"reg", b"device_type", b"status", b"timebase-frequency"]);
    let (mut written, mut total, mut timebase_hz) = (0, 0, None);
    let mut tokens = fdt.tokens();
    let malformed = |e| -> ! { panic!("the DTB is malformed: {e:?}") };
    loop {
        // The current node's properties.
        let (mut is_cpu, mut enabled, mut id) = (false, true, None);
        while let Some(Token::Prop { name, words, len }) =
            tokens.next_prop().unwrap_or_else(|e| malformed(e))
        {
            if name == reg {
                id = match len {
                    4 => cells(words, 1),
                    8 => cells(words, 2),
                    _ => None,
                };
            } else if name == device_type {
                is_cpu = first_string_is(words, len, b"cpu");
            } else if name == timebase && timebase_hz.is_none() {
                timebase_hz = match len {
                    4 => cells(words, 1),
                    8 => cells(words, 2),
                    _ => None,
                }
                .map(|hz| hz as u64);
            } else if name == status {
                enabled =
                    first_string_is(words, len, b"okay") || first_string_is(words, len, b"ok");
            }
        }
        if is_cpu
            && enabled
            && let Some(id) = id
        {
            if let Some(slot) = out.get_mut(written) {
                *slot = id;
                written += 1;
            }
            total += 1;
        }
        match tokens.next_structure().unwrap_or_else(|e| malformed(e)) {
            Some(Token::BeginNode | Token::EndNode) => {}
            Some(Token::Prop { .. }) => malformed(crate::fdt::FdtError::PropertyAfterNode),
            None => break,
        }
    }
    Cpus {
        listed: written,
        in_dtb: total,
        timebase_hz,
    }
}
