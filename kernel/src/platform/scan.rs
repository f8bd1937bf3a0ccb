//! RAM, the UART and the test device, read from the DTB in one pass over its
//! tokens (`fdt.rs`, which says why no crate's). Depends on nothing but `fdt`, so
//! the host tests run it (tests/kernel_fdt.rs).

use crate::fdt::{Fdt, FdtError, Token, cells, first_string_is};

/// The most RAM banks the kernel maps (the first `reg` entry of each memory node).
pub const MAX_RAM_BANKS: usize = 8;

/// The RAM banks the DTB reports, each `[start, end)` physical, in DTB order.
#[derive(Clone, Copy)]
pub struct RamBanks {
    banks: [(usize, usize); MAX_RAM_BANKS],
    count: usize,
}

impl RamBanks {
    /// No bank.
    pub const EMPTY: RamBanks = RamBanks {
        banks: [(0, 0); MAX_RAM_BANKS],
        count: 0,
    };

    fn push(&mut self, bank: (usize, usize)) {
        if self.count == MAX_RAM_BANKS {
            panic!("the DTB reports more than {MAX_RAM_BANKS} RAM banks");
        }
        self.banks[self.count] = bank;
        self.count += 1;
    }

    /// Every bank, `(start, end)`.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.banks[..self.count].iter().copied()
    }

    /// The lowest physical address of any bank.
    pub fn lowest(&self) -> usize {
        self.iter().map(|(start, _)| start).min().unwrap_or(0)
    }
}

/// What the boot needs from the DTB besides RAM, as physical addresses.
pub struct Platform {
    /// The RAM bank that holds the image, `[start, end)`.
    pub image_bank: (usize, usize),
    /// The ns16550 UART's registers.
    pub uart: usize,
    /// The SiFive test device's registers, if the machine has one.
    pub test_device: Option<usize>,
}

/// What the current node is, as its properties stream past: bits of `kind`.
const MEMORY: u8 = 1;
const UART: u8 = 2;
const TEST_DEVICE: u8 = 4;

/// The cell counts a node declares for its children (spec 2.3.5: 2 and 1 when
/// absent), per depth.
#[derive(Clone, Copy)]
struct Cells {
    address: u8,
    size: u8,
}

const DEFAULT_CELLS: Cells = Cells {
    address: 2,
    size: 1,
};

const MAX_DEPTH: usize = 16;

/// What the pass has found so far.
struct Found<'r> {
    ram: &'r mut RamBanks,
    image_bank: Option<(usize, usize)>,
    uart: Option<usize>,
    test_device: Option<usize>,
    image_pa: usize,
}

impl Found<'_> {
    /// A node of `kind` whose properties are all known: decode its `reg` with its
    /// parent's cell counts and record it. True once the boot has all it needs.
    #[inline(always)]
    fn node(&mut self, kind: u8, reg: &[u32], parent: Cells) -> bool {
        let address = cells(reg, usize::from(parent.address));
        let size = reg
            .get(usize::from(parent.address)..)
            .and_then(|rest| cells(rest, usize::from(parent.size)));
        let Some((address, size)) = address.zip(size) else {
            return false;
        };
        if kind & MEMORY != 0 {
            self.ram.push((address, address + size));
            if address <= self.image_pa && self.image_pa - address < size {
                self.image_bank = Some((address, address + size));
            }
        }
        if kind & UART != 0 {
            self.uart.get_or_insert(address);
        }
        if kind & TEST_DEVICE != 0 {
            self.test_device.get_or_insert(address);
        }
        self.image_bank.is_some() && self.uart.is_some() && self.test_device.is_some()
    }
}

/// Read RAM (into `ram`, in place: the banks are not copied about), the UART and
/// the test device from the DTB `dtb` in one pass over its tokens; the image's
/// bank is the one holding physical address `image_pa`. Panics when
/// the DTB is malformed or lacks RAM or a UART.
///
/// A node's properties precede its children (spec 5.4.2), so a node is complete at
/// its first child or at its end, whichever comes first: only the current node's
/// facts and each depth's cell counts are kept.
///
/// A UART or test device is recognised by its most specific `compatible` string
/// only: the console drives a plain ns16550 with byte-wide registers, which a node
/// that is "also ns16550-compatible" (with `reg-shift`, say) is not.
pub fn parse(dtb: &'static [u8], image_pa: usize, ram: &mut RamBanks) -> Platform {
    let fdt = Fdt::new(dtb).unwrap_or_else(|e| panic!("the DTB does not parse: {e:?}"));
    // Property names are offsets into the strings block: the five that matter are
    // found once, then each property's name is one comparison.
    let [reg, compatible, device_type, address_cells, size_cells] = fdt.names([
        b"reg",
        b"compatible",
        b"device_type",
        b"#address-cells",
        b"#size-cells",
    ]);
    ram.count = 0;
    let mut found = Found {
        ram,
        image_bank: None,
        uart: None,
        test_device: None,
        image_pa,
    };
    let mut cells_at = [DEFAULT_CELLS; MAX_DEPTH];
    let mut depth = 0usize;
    // The current node: what it is, and its `reg`.
    let (mut kind, mut node_reg): (u8, &[u32]) = (0, &[]);
    let mut tokens = fdt.tokens();
    let malformed = |e| -> ! { panic!("the DTB is malformed: {e:?}") };
    loop {
        // The current node's properties, one tag test each.
        while let Some(Token::Prop { name, words, len }) =
            tokens.next_prop().unwrap_or_else(|e| malformed(e))
        {
            if name == reg {
                node_reg = words;
            } else if name == compatible {
                if first_string_is(words, len, b"ns16550a")
                    || first_string_is(words, len, b"ns16550")
                {
                    kind |= UART;
                } else if first_string_is(words, len, b"sifive,test1")
                    || first_string_is(words, len, b"sifive,test0")
                {
                    kind |= TEST_DEVICE;
                }
            } else if name == device_type {
                if first_string_is(words, len, b"memory") {
                    kind |= MEMORY;
                }
            } else if name == address_cells {
                cells_at[depth].address = cells(words, 1).map_or(2, |c| c as u8);
            } else if name == size_cells {
                cells_at[depth].size = cells(words, 1).map_or(1, |c| c as u8);
            }
        }
        let begins = match tokens.next_structure().unwrap_or_else(|e| malformed(e)) {
            Some(Token::BeginNode) => true,
            Some(Token::EndNode) => false,
            // A property after a child node: malformed (spec 5.4.2).
            Some(Token::Prop { .. }) => malformed(FdtError::PropertyAfterNode),
            None => break,
        };
        // The current node's properties are complete.
        if kind != 0 && depth > 0 && found.node(kind, node_reg, cells_at[depth - 1]) {
            break; // everything the boot needs is known: skip the rest of the blob
        }
        (kind, node_reg) = (0, &[]);
        if begins {
            depth += 1;
            if depth >= MAX_DEPTH {
                panic!("the DTB nests deeper than {MAX_DEPTH} levels");
            }
            cells_at[depth] = DEFAULT_CELLS;
        } else {
            depth = depth.saturating_sub(1);
        }
    }
    let Found {
        image_bank,
        uart,
        test_device,
        ..
    } = found;
    Platform {
        image_bank: image_bank.unwrap_or_else(|| {
            panic!("no memory node in the DTB covers the image at {image_pa:#x}")
        }),
        uart: uart.unwrap_or_else(|| panic!("no ns16550 UART in the DTB")),
        test_device,
    }
}
