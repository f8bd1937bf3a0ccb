//! The harts the DTB describes: every node with `device_type = "cpu"` whose
//! `status` is absent or `"okay"` (Devicetree Specification v0.4, 3.7 and 3.8), its
//! hart id the node's `reg` (RISC-V's `/cpus` has `#address-cells = <1>`, the
//! binding in Linux's `Documentation/devicetree/bindings/riscv/cpus.yaml`).
//!
//! Read after boot, when the secondary harts are started, so not on the boot
//! path the DTB pass in `scan` is measured on.

use crate::fdt::{Fdt, Token, cells, first_string_is};

/// The hart ids found, in DTB order: the first `out.len()` of them are written to
/// `out`. Returns how many were written and how many the DTB has in all. Panics
/// when the DTB is malformed (the boot pass has read it already).
pub fn hart_ids(dtb: &[u8], out: &mut [usize]) -> (usize, usize) {
    let fdt = Fdt::new(dtb).unwrap_or_else(|e| panic!("the DTB does not parse: {e:?}"));
    let [reg, device_type, status] = fdt.names([b"reg", b"device_type", b"status"]);
    let (mut written, mut total) = (0, 0);
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
    (written, total)
}
