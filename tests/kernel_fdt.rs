//! The kernel's DTB reader on the host: kernel/src/fdt.rs (tokens, names) and
//! kernel/src/platform/scan.rs (RAM, UART, test device), unchanged, against QEMU
//! virt's DTB and against random trees written by a small DTB writer here. Cut or
//! corrupted blobs give an error, never a panic or a read outside the blob.

#[path = "../kernel/src/platform/cpus.rs"]
mod cpus;
#[path = "../kernel/src/fdt.rs"]
#[allow(dead_code)]
mod fdt;
#[path = "../kernel/src/platform/scan.rs"]
#[allow(dead_code)]
mod scan;

use fdt::{Fdt, NameRef, Token};
use proptest::prelude::*;

/// QEMU 7.2 virt's DTB (`-M virt,dumpdtb=…`, 128 MiB), cut to its total size.
const QEMU_VIRT: &[u8] = include_bytes!("fdt/qemu-virt-7.2.dtb");

/// QEMU 7.2 virt's DTB with four harts (`-smp 4`), cut to its total size.
const QEMU_VIRT_SMP4: &[u8] = include_bytes!("fdt/qemu-virt-7.2-smp4.dtb");

#[test]
fn the_harts_are_the_cpu_nodes_and_the_timebase_is_read() {
    for (dtb, harts) in [(QEMU_VIRT, 1), (QEMU_VIRT_SMP4, 4)] {
        let words = aligned(dtb);
        let blob = as_bytes(&words, dtb.len());
        let mut ids = [usize::MAX; 8];
        let found = cpus::scan(blob, &mut ids);
        let timebase_hz = Some(10_000_000);
        assert_eq!(
            found,
            cpus::Cpus {
                listed: harts,
                in_dtb: harts,
                timebase_hz
            }
        );
        assert_eq!(ids[..harts], (0..harts).collect::<Vec<_>>()[..]);
        // Fewer places than harts: the first ones, and the count of all.
        let mut two = [usize::MAX; 2];
        let found = cpus::scan(blob, &mut two);
        assert_eq!((found.listed, found.in_dtb), (harts.min(2), harts));
        assert_eq!(two[..harts.min(2)], [0, 1][..harts.min(2)]);
    }
}

/// `bytes` copied to a 4-byte aligned buffer, as the kernel maps a DTB (8-aligned).
fn aligned(bytes: &[u8]) -> Vec<u32> {
    let mut words = vec![0u32; bytes.len().div_ceil(4) + 1];
    // SAFETY: the buffer holds at least `bytes.len()` bytes.
    let dst =
        unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), bytes.len()) };
    dst.copy_from_slice(bytes);
    words
}

fn as_bytes(words: &[u32], len: usize) -> &[u8] {
    // SAFETY: `len` is at most the buffer's size in bytes.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), len) }
}

#[test]
fn qemu_virt_gives_its_ram_uart_and_test_device() {
    let words: &'static [u32] = Box::leak(aligned(QEMU_VIRT).into_boxed_slice());
    let blob = as_bytes(words, QEMU_VIRT.len());
    let mut ram = scan::RamBanks::EMPTY;
    let platform = scan::parse(blob, 0x8020_0000, &mut ram);
    assert_eq!(ram.iter().collect::<Vec<_>>(), [(0x8000_0000, 0x8800_0000)]);
    assert_eq!(platform.image_bank, (0x8000_0000, 0x8800_0000));
    assert_eq!(platform.uart, 0x1000_0000);
    assert_eq!(platform.test_device, Some(0x10_0000));
}

/// The next token of any kind, as a caller that alternates between properties
/// and the rest sees them.
fn next_token<'a>(tokens: &mut fdt::Tokens<'a>) -> Result<Option<Token<'a>>, fdt::FdtError> {
    match tokens.next_prop()? {
        Some(prop) => Ok(Some(prop)),
        None => tokens.next_structure(),
    }
}

/// A node of a random tree.
#[derive(Clone, Debug)]
struct Node {
    name: String,
    props: Vec<(String, Vec<u8>)>,
    children: Vec<Node>,
}

/// A DTB of `root`: header, empty reservation map, structure and strings blocks;
/// each property name stored once. `strings_pad` bytes go before the strings block
/// (a non-multiple of 4 makes it unaligned, which the format allows).
fn write_dtb(root: &Node, strings_pad: usize) -> Vec<u8> {
    write_dtb_with(root, strings_pad, false)
}

/// As [`write_dtb`], with an `FDT_NOP` before every property and node when `nops`
/// is set (the format allows them anywhere a token may stand).
fn write_dtb_with(root: &Node, strings_pad: usize, nops: bool) -> Vec<u8> {
    fn be(out: &mut Vec<u8>, w: u32) {
        out.extend_from_slice(&w.to_be_bytes());
    }
    fn node(n: &Node, out: &mut Vec<u8>, strings: &mut Vec<u8>, nops: bool) {
        if nops {
            be(out, 4);
        }
        be(out, 1);
        out.extend_from_slice(n.name.as_bytes());
        out.push(0);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        for (name, value) in &n.props {
            let offset = find_or_add(strings, name);
            if nops {
                be(out, 4);
            }
            be(out, 3);
            be(out, value.len() as u32);
            be(out, offset);
            out.extend_from_slice(value);
            while !out.len().is_multiple_of(4) {
                out.push(0);
            }
        }
        for child in &n.children {
            node(child, out, strings, nops);
        }
        if nops {
            be(out, 4);
        }
        be(out, 2);
    }
    fn find_or_add(strings: &mut Vec<u8>, name: &str) -> u32 {
        let mut at = 0;
        for s in strings.split(|&b| b == 0) {
            if s == name.as_bytes() && at < strings.len() {
                return at as u32;
            }
            at += s.len() + 1;
        }
        let offset = strings.len() as u32;
        strings.extend_from_slice(name.as_bytes());
        strings.push(0);
        offset
    }
    let (mut structs, mut strings) = (Vec::new(), Vec::new());
    node(root, &mut structs, &mut strings, nops);
    be(&mut structs, 9);
    let header = 40;
    let rsvmap = header; // one empty entry: 16 zero bytes
    let off_struct = rsvmap + 16;
    let off_strings = off_struct + structs.len() + strings_pad;
    let total = off_strings + strings.len();
    let mut out = Vec::new();
    for w in [
        0xd00d_feed,
        total as u32,
        off_struct as u32,
        off_strings as u32,
        rsvmap as u32,
        17,
        16,
        0,
        strings.len() as u32,
        structs.len() as u32,
    ] {
        be(&mut out, w);
    }
    out.extend_from_slice(&[0; 16]);
    out.extend_from_slice(&structs);
    out.extend(std::iter::repeat_n(0xa5, strings_pad));
    out.extend_from_slice(&strings);
    out
}

/// The tokens `root` gives, as `Begin`/`End`/property name and value.
#[derive(Debug, PartialEq)]
enum Seen {
    Begin,
    End,
    Prop(String, Vec<u8>),
}

fn expected(n: &Node, out: &mut Vec<Seen>) {
    out.push(Seen::Begin);
    for (name, value) in &n.props {
        out.push(Seen::Prop(name.clone(), value.clone()));
    }
    for child in &n.children {
        expected(child, out);
    }
    out.push(Seen::End);
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("reg".to_string()),
        Just("compatible".to_string()),
        Just("#address-cells".to_string()),
        Just("status".to_string()),
        "[a-z#,-]{1,20}",
    ]
}

fn node_strategy() -> impl Strategy<Value = Node> {
    let leaf = (
        "[a-z@0-9-]{0,24}",
        prop::collection::vec(
            (name_strategy(), prop::collection::vec(any::<u8>(), 0..24)),
            0..5,
        ),
    )
        .prop_map(|(name, props)| Node {
            name,
            props,
            children: Vec::new(),
        });
    leaf.prop_recursive(4, 40, 5, |inner| {
        (
            "[a-z@0-9-]{0,24}",
            prop::collection::vec(
                (name_strategy(), prop::collection::vec(any::<u8>(), 0..24)),
                0..5,
            ),
            prop::collection::vec(inner, 0..5),
        )
            .prop_map(|(name, props, children)| Node {
                name,
                props,
                children,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every token, in order, with each property's name found through `names`.
    #[test]
    fn tokens_follow_the_tree(mut root in node_strategy(), pad in 0usize..8, nops in any::<bool>()) {
        root.name.clear(); // the root node's name is empty
        let dtb = write_dtb_with(&root, pad, nops);
        let words = aligned(&dtb);
        let fdt = Fdt::new(as_bytes(&words, dtb.len())).unwrap();
        let mut wanted = Vec::new();
        expected(&root, &mut wanted);
        let distinct: Vec<String> = {
            let mut v: Vec<String> = wanted.iter().filter_map(|s| match s {
                Seen::Prop(n, _) => Some(n.clone()),
                _ => None,
            }).collect();
            v.sort();
            v.dedup();
            v
        };
        let mut tokens = fdt.tokens();
        let mut seen = Vec::new();
        while let Some(t) = next_token(&mut tokens).unwrap() {
            seen.push(match t {
                Token::BeginNode => Seen::Begin,
                Token::EndNode => Seen::End,
                Token::Prop { name, words, len } => {
                    let value = as_bytes(words, len).to_vec();
                    // The name: the one distinct name whose reference matches.
                    let found = distinct.iter().find(|d| {
                        fdt.names([d.as_bytes()])[0] == name
                    });
                    Seen::Prop(found.cloned().unwrap_or_default(), value)
                }
            });
        }
        prop_assert_eq!(seen, wanted);
        let absent = fdt.names([b"no-such-name-in-this-tree-at-all".as_slice()]);
        prop_assert!(absent[0] == NameRef::NONE);
    }

    /// A blob cut anywhere, or with any byte changed, gives tokens or an error,
    /// never a panic.
    #[test]
    fn cut_or_corrupted_blobs_never_panic(cut in 0usize..QEMU_VIRT.len(), at in 0usize..QEMU_VIRT.len(), byte in any::<u8>()) {
        let mut dtb = QEMU_VIRT.to_vec();
        dtb[at] = byte;
        dtb.truncate(cut.max(at + 1));
        let words = aligned(&dtb);
        if let Ok(fdt) = Fdt::new(as_bytes(&words, dtb.len())) {
            let _ = fdt.names([b"reg".as_slice(), b"compatible", b"device_type"]);
            let mut tokens = fdt.tokens();
            for _ in 0..100_000 {
                match next_token(&mut tokens) {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
        }
    }
}

/// Where the scan finds RAM, the UART and the test device at any depth, with the
/// parent's cell counts (1 or 2 cells each).
#[test]
fn devices_are_found_with_their_parents_cell_counts() {
    for (address_cells, size_cells) in [(1u32, 1u32), (2, 1), (2, 2), (1, 2)] {
        let cells = |value: u64, n: u32| -> Vec<u8> {
            let mut v = Vec::new();
            if n == 2 {
                v.extend_from_slice(&((value >> 32) as u32).to_be_bytes());
            }
            v.extend_from_slice(&(value as u32).to_be_bytes());
            v
        };
        let reg = |address: u64, size: u64| {
            let mut v = cells(address, address_cells);
            v.extend(cells(size, size_cells));
            v
        };
        let bus_cells = vec![
            (
                "#address-cells".to_string(),
                address_cells.to_be_bytes().to_vec(),
            ),
            ("#size-cells".to_string(), size_cells.to_be_bytes().to_vec()),
        ];
        let device = |name: &str, compatible: &[u8], r: Vec<u8>| Node {
            name: name.into(),
            props: vec![
                ("compatible".into(), compatible.to_vec()),
                ("reg".into(), r),
            ],
            children: Vec::new(),
        };
        let root = Node {
            name: String::new(),
            props: bus_cells.clone(),
            children: vec![
                Node {
                    name: "memory@80000000".into(),
                    props: vec![
                        ("device_type".into(), b"memory\0".to_vec()),
                        ("reg".into(), reg(0x8000_0000, 0x1000_0000)),
                    ],
                    children: Vec::new(),
                },
                Node {
                    name: "soc".into(),
                    props: bus_cells.clone(),
                    children: vec![
                        // Not a plain ns16550 first: not the console.
                        device("serial@1", b"snps,dw-apb-uart\0ns16550a\0", reg(0x1, 0x100)),
                        device("serial@10000000", b"ns16550a\0", reg(0x1000_0000, 0x100)),
                        device(
                            "test@100000",
                            b"sifive,test1\0sifive,test0\0syscon\0",
                            reg(0x10_0000, 0x1000),
                        ),
                    ],
                },
            ],
        };
        let dtb = write_dtb(&root, 0);
        let words: &'static [u32] = Box::leak(aligned(&dtb).into_boxed_slice());
        let mut ram = scan::RamBanks::EMPTY;
        let platform = scan::parse(as_bytes(words, dtb.len()), 0x8020_0000, &mut ram);
        assert_eq!(ram.iter().count(), 1);
        let what = format!("{address_cells} address and {size_cells} size cells");
        assert_eq!(platform.image_bank, (0x8000_0000, 0x9000_0000), "{what}");
        assert_eq!(platform.uart, 0x1000_0000, "{what}");
        assert_eq!(platform.test_device, Some(0x10_0000), "{what}");
    }
}
