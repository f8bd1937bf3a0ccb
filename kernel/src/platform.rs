//! What the boot loader tells us: the DTB, mapped into the plan's FDT window and
//! read in one pass for RAM, the UART and the test device.
//!
//! The pass runs on fdt-rs's structure-block tokenizer (`parse_iter`). The `fdt`
//! crate's queries each rescan the blob from the start: finding RAM, the UART and
//! the test device cost 137,000 instructions with it, four times the whole boot
//! budget; one pass over the tokens finds all three.

use fdt_rs::base::DevTree;
use fdt_rs::base::parse::ParsedTok;
use fdt_rs::prelude::FallibleIterator;

use crate::mm::kernel_access;
use crate::mm::pmap;
use crate::mm::pte::PteFlags;
use crate::plan::FDT_WINDOW;
use crate::plan::PAGE_SIZE;

const FDT_MAGIC: u32 = 0xd00d_feed;

/// The most RAM banks the kernel maps (the first `reg` entry of each memory node).
pub const MAX_RAM_BANKS: usize = 8;

/// The RAM banks the DTB reports, each `[start, end)` physical, in DTB order.
#[derive(Clone, Copy)]
pub struct RamBanks {
    banks: [(usize, usize); MAX_RAM_BANKS],
    count: usize,
}

impl RamBanks {
    const EMPTY: RamBanks = RamBanks {
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

/// What the boot needs from the DTB, as physical addresses.
pub struct Platform {
    /// Every RAM bank.
    pub ram: RamBanks,
    /// The RAM bank that holds the image, `[start, end)`.
    pub image_bank: (usize, usize),
    /// The ns16550 UART's registers.
    pub uart: usize,
    /// The SiFive test device's registers, if the machine has one.
    pub test_device: Option<usize>,
}

/// Map the DTB at `dtb_pa` read-only into the FDT window; its size comes from its
/// header, read through PMAP.
pub fn map_fdt(dtb_pa: usize) -> &'static [u8] {
    // SAFETY: the firmware hands the DTB over to the kernel; it is only read here.
    let header = unsafe { pmap::map(dtb_pa) };
    // SAFETY: PMAP maps the DTB's first page; the header's first 8 bytes lie in it
    // (the DTB is 8-byte aligned): the magic…
    let magic = u32::from_be(unsafe { core::ptr::read_volatile(header as *const u32) });
    // SAFETY: …and the total size after it.
    let size =
        u32::from_be(unsafe { core::ptr::read_volatile((header + 4) as *const u32) }) as usize;
    pmap::unmap(header);
    if magic != FDT_MAGIC {
        panic!("no device tree at {dtb_pa:#x} (magic {magic:#x})");
    }
    let offset = dtb_pa % PAGE_SIZE;
    let span = (offset + size).next_multiple_of(PAGE_SIZE);
    if span > FDT_WINDOW.size {
        panic!(
            "the DTB ({size} bytes at {dtb_pa:#x}) does not fit the FDT window `{}` ({} bytes): raise that region's size in the layout",
            FDT_WINDOW.name, FDT_WINDOW.size
        );
    }
    // SAFETY: read-only, the DTB's own pages, into the window kept for it.
    unsafe {
        kernel_access::map(
            FDT_WINDOW.start,
            dtb_pa - offset,
            span,
            PteFlags::KERNEL_R,
            0,
        )
    }
    .unwrap_or_else(|e| panic!("mapping the DTB into `{}`: {e:?}", FDT_WINDOW.name));
    // SAFETY: the window now maps the whole DTB read-only, for the kernel's lifetime.
    unsafe { core::slice::from_raw_parts((FDT_WINDOW.start + offset) as *const u8, size) }
}

/// Per-node facts gathered while its properties stream past.
#[derive(Clone, Copy, Default)]
struct Node {
    is_memory: bool,
    is_uart: bool,
    is_test_device: bool,
    /// First (address, size) of `reg`, decoded with the parent's cell counts.
    reg: Option<(usize, usize)>,
}

/// Cell counts a node declares for its children (defaults from the spec: 2 and 1).
#[derive(Clone, Copy)]
struct Cells {
    address: usize,
    size: usize,
}

const MAX_DEPTH: usize = 16;

fn be_cells(bytes: &[u8], cells: usize) -> Option<usize> {
    let mut value = 0usize;
    for i in 0..cells {
        let word = bytes.get(i * 4..i * 4 + 4)?;
        value = (value << 32) | u32::from_be_bytes([word[0], word[1], word[2], word[3]]) as usize;
    }
    Some(value)
}

fn has_compatible(value: &[u8], wanted: &[&[u8]]) -> bool {
    value.split(|&b| b == 0).any(|c| wanted.contains(&c))
}

/// Read RAM, the UART and the test device from the DTB `dtb` in one pass over its
/// tokens; the RAM bank is the one holding physical address `image_pa`. Panics when
/// the DTB is malformed or lacks RAM or a UART.
pub fn parse(dtb: &'static [u8], image_pa: usize) -> Platform {
    // SAFETY: `dtb` is the whole blob (its size came from its header) and stays mapped.
    let tree =
        unsafe { DevTree::new(dtb) }.unwrap_or_else(|e| panic!("the DTB does not parse: {e:?}"));
    // Property names are offsets into the strings block, where each name is stored
    // once: resolve the five that matter up front, then compare integers per property.
    let strings =
        &dtb[tree.off_dt_strings()..tree.off_dt_strings() + tree.size_dt_strings() as usize];
    let offset_of = |name: &[u8]| {
        let mut offset = 0;
        for s in strings.split(|&b| b == 0) {
            if s == name {
                return offset;
            }
            offset += s.len() + 1;
        }
        usize::MAX
    };
    let [reg, compatible, device_type, address_cells, size_cells] = [
        &b"reg"[..],
        b"compatible",
        b"device_type",
        b"#address-cells",
        b"#size-cells",
    ]
    .map(offset_of);

    let mut depth = 0usize;
    let mut nodes = [Node::default(); MAX_DEPTH];
    let mut cells = [Cells {
        address: 2,
        size: 1,
    }; MAX_DEPTH];
    let (mut image_bank, mut uart, mut test_device) = (None, None, None);
    let mut ram = RamBanks::EMPTY;
    let mut tokens = tree.parse_iter();
    while let Some(token) = tokens
        .next()
        .unwrap_or_else(|e| panic!("the DTB is malformed: {e:?}"))
    {
        match token {
            ParsedTok::BeginNode(node) => {
                depth += 1;
                if depth >= MAX_DEPTH {
                    panic!("the DTB nests deeper than {MAX_DEPTH} levels");
                }
                let name = node.name;
                nodes[depth] = Node {
                    is_memory: name == b"memory" || name.starts_with(b"memory@"),
                    ..Node::default()
                };
                cells[depth] = Cells {
                    address: 2,
                    size: 1,
                };
            }
            ParsedTok::Prop(prop) => {
                let (value, offset) = (prop.prop_buf, prop.name_offset);
                let node = &mut nodes[depth];
                if offset == reg && node.reg.is_none() {
                    let parent = cells[depth - 1];
                    let address = be_cells(value, parent.address);
                    let size =
                        be_cells(value.get(parent.address * 4..).unwrap_or(&[]), parent.size);
                    node.reg = address.zip(size);
                } else if offset == compatible {
                    node.is_uart |= has_compatible(value, &[b"ns16550a", b"ns16550"]);
                    node.is_test_device |=
                        has_compatible(value, &[b"sifive,test1", b"sifive,test0"]);
                } else if offset == device_type && value.starts_with(b"memory\0") {
                    node.is_memory = true;
                } else if offset == address_cells {
                    cells[depth].address = be_cells(value, 1).unwrap_or(2);
                } else if offset == size_cells {
                    cells[depth].size = be_cells(value, 1).unwrap_or(1);
                }
            }
            ParsedTok::EndNode => {
                let node = nodes[depth];
                if let Some((address, size)) = node.reg {
                    if node.is_memory {
                        ram.push((address, address + size));
                        if address <= image_pa && image_pa - address < size {
                            image_bank = Some((address, address + size));
                        }
                    }
                    if node.is_uart {
                        uart.get_or_insert(address);
                    }
                    if node.is_test_device {
                        test_device.get_or_insert(address);
                    }
                }
                depth = depth.saturating_sub(1);
                if image_bank.is_some() && uart.is_some() && test_device.is_some() {
                    break; // everything the boot needs is known: skip the rest of the blob
                }
            }
            ParsedTok::Nop => {}
        }
    }
    Platform {
        ram,
        image_bank: image_bank.unwrap_or_else(|| {
            panic!("no memory node in the DTB covers the image at {image_pa:#x}")
        }),
        uart: uart.unwrap_or_else(|| panic!("no ns16550 UART in the DTB")),
        test_device,
    }
}
