//! A flattened device tree's structure block as a stream of tokens, each read
//! once, nothing allocated, nothing resolved per token (Devicetree Specification
//! v0.4, chapter 5, "Flattened Devicetree (DTB) Format").
//!
//! Why not a crate: on QEMU virt's DTB, finding RAM, the UART and the test device
//! took 19,692 instructions with fdt-rs's tokenizer (`parse_iter`, 0.4.5) and
//! 137,000 with the `fdt` crate's queries, which rescan the blob per query. Both
//! convert every word from big-endian and look at each node's name byte by byte.
//! Here a token's tag and a property's name offset are compared in the blob's own
//! byte order against constants converted once, a node name is skipped a word at a
//! time, and only a property's length is converted.

/// The header's magic number (spec 5.2).
const MAGIC: u32 = 0xd00d_feed;

/// Structure-block tokens (spec 5.4.1), as a native load of the big-endian word reads.
const BEGIN_NODE: u32 = 1u32.to_be();
const END_NODE: u32 = 2u32.to_be();
const PROP: u32 = 3u32.to_be();
const NOP: u32 = 4u32.to_be();
const END: u32 = 9u32.to_be();

/// Why a blob is no DTB this kernel reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdtError {
    /// The blob is not 4-byte aligned (spec 5.1 requires 8).
    Misaligned,
    /// No DTB magic, or the header is cut short.
    BadHeader,
    /// A block lies outside the blob.
    BadBlock,
    /// A property follows a child node in its parent (spec 5.4.2 puts them first).
    PropertyAfterNode,
    /// A token is unknown or runs past the structure block.
    Malformed {
        /// Words of the structure block after the offending one.
        words_left: usize,
    },
}

/// A property name as the structure block refers to it: its offset into the
/// strings block, kept in the blob's byte order so comparing costs one instruction.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NameRef(u32);

impl NameRef {
    /// A name no property has.
    pub const NONE: NameRef = NameRef(u32::MAX);
}

/// One structure-block token.
pub enum Token<'a> {
    /// A node begins (its name is skipped, not read).
    BeginNode,
    /// A property of the current node: its name and its value as big-endian
    /// words (the value padded to whole words), and its length in bytes.
    Prop {
        name: NameRef,
        words: &'a [u32],
        len: usize,
    },
    /// The current node ends.
    EndNode,
}

/// A DTB: its structure block as words and its strings block.
pub struct Fdt<'a> {
    structs: &'a [u32],
    strings: &'a [u8],
}

/// Whether `word` holds a zero byte (exact: no false positives or negatives for
/// the question "any zero byte").
#[inline(always)]
fn has_zero_byte(word: u32) -> bool {
    word.wrapping_sub(0x0101_0101) & !word & 0x8080_8080 != 0
}

impl<'a> Fdt<'a> {
    /// The DTB in `blob` (its header's `totalsize` bytes).
    ///
    /// # Errors
    /// When the blob is misaligned, has no DTB header, or a block lies outside it.
    pub fn new(blob: &'a [u8]) -> Result<Fdt<'a>, FdtError> {
        if !(blob.as_ptr() as usize).is_multiple_of(4) {
            return Err(FdtError::Misaligned);
        }
        let header = |i: usize| -> Result<usize, FdtError> {
            let b = blob.get(i * 4..i * 4 + 4).ok_or(FdtError::BadHeader)?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        if header(0)? != MAGIC as usize {
            return Err(FdtError::BadHeader);
        }
        let block = |offset: usize, size: usize| {
            blob.get(offset..offset.checked_add(size)?)
                .filter(|_| offset.is_multiple_of(4))
        };
        // Header words (spec 5.2): 2 off_dt_struct, 3 off_dt_strings, 8
        // size_dt_strings, 9 size_dt_struct.
        let structs = block(header(2)?, header(9)? & !3).ok_or(FdtError::BadBlock)?;
        let strings = blob
            .get(header(3)?..header(3)?.saturating_add(header(8)?))
            .ok_or(FdtError::BadBlock)?;
        // SAFETY: `structs` starts 4-byte aligned (the blob is, and its offset is a
        // multiple of 4) and holds `len / 4` whole words; any bit pattern is a u32.
        let structs = unsafe {
            core::slice::from_raw_parts(structs.as_ptr().cast::<u32>(), structs.len() / 4)
        };
        Ok(Fdt { structs, strings })
    }

    /// The references of `names`, each [`NameRef::NONE`] when no property has it:
    /// one pass over the strings block, a word at a time, which ends once every
    /// name is found. Only a string as long as a wanted name is compared.
    pub fn names<const N: usize>(&self, names: [&[u8]; N]) -> [NameRef; N] {
        let mut found = Found {
            refs: [NameRef::NONE; N],
            left: N,
            names,
            strings: self.strings,
        };
        // Bit `n` set when a wanted name has `n` bytes; longer names always compared.
        let lengths = names.iter().fold(0u64, |bits, n| {
            bits | 1u64.checked_shl(n.len() as u32).unwrap_or(u64::MAX)
        });
        let candidate = |len: usize| len >= 64 || lengths & (1 << len) != 0;
        let strings = self.strings;
        let mut start = 0;
        // A word at a time while the block is word-aligned (dtc and libfdt align
        // it; the format does not require it), then byte by byte.
        let words: &[u32] = if (strings.as_ptr() as usize).is_multiple_of(4) {
            // SAFETY: whole words from a 4-byte aligned start, inside `strings`.
            unsafe {
                core::slice::from_raw_parts(strings.as_ptr().cast::<u32>(), strings.len() / 4)
            }
        } else {
            &[]
        };
        let whole = words.len();
        for (i, &word) in words.iter().enumerate() {
            if !has_zero_byte(word) {
                continue;
            }
            // A string ends in this word: at each zero byte, lowest address first.
            for (b, byte) in word.to_ne_bytes().into_iter().enumerate() {
                if byte == 0 {
                    let end = i * 4 + b;
                    if candidate(end - start) && found.string(start, end) {
                        return found.refs;
                    }
                    start = end + 1;
                }
            }
        }
        for (end, &byte) in strings.iter().enumerate().skip(whole * 4) {
            if byte == 0 {
                if candidate(end - start) && found.string(start, end) {
                    return found.refs;
                }
                start = end + 1;
            }
        }
        found.refs
    }

    /// The structure block's tokens, from the root node's beginning.
    pub fn tokens(&self) -> Tokens<'a> {
        Tokens::new(self.structs)
    }
}

/// The names [`Fdt::names`] looks for and what it found so far.
struct Found<'a, 'n, const N: usize> {
    refs: [NameRef; N],
    left: usize,
    names: [&'n [u8]; N],
    strings: &'a [u8],
}

impl<const N: usize> Found<'_, '_, N> {
    /// Look at the string `strings[start..end]`; true once every name is found.
    #[inline(never)]
    fn string(&mut self, start: usize, end: usize) -> bool {
        let string = &self.strings[start..end];
        for k in 0..N {
            let wanted = self.names[k];
            if wanted.len() == string.len()
                && self.refs[k] == NameRef::NONE
                && string.iter().zip(wanted).all(|(a, b)| a == b)
            {
                self.refs[k] = NameRef((start as u32).to_be());
                self.left -= 1;
            }
        }
        self.left == 0
    }
}

/// The structure block's tokens in order; `FDT_NOP`s are skipped and `FDT_END`
/// ends the stream.
///
/// A caller alternates: [`Tokens::next_prop`] while the current node's properties
/// last, then [`Tokens::next_structure`].
pub struct Tokens<'a> {
    /// The next token's word; never past `end`.
    at: *const u32,
    /// One past the structure block's last word.
    end: *const u32,
    block: core::marker::PhantomData<&'a [u32]>,
}

impl<'a> Tokens<'a> {
    fn new(words: &'a [u32]) -> Tokens<'a> {
        Tokens {
            at: words.as_ptr(),
            end: words.as_ptr_range().end,
            block: core::marker::PhantomData,
        }
    }

    /// Words left in the block.
    #[inline(always)]
    fn left(&self) -> usize {
        // SAFETY: `at` and `end` point into (or one past) the same block, `at <= end`.
        unsafe { self.end.offset_from_unsigned(self.at) }
    }

    /// The next word, or `None` at the block's end.
    #[inline(always)]
    fn word(&mut self) -> Option<u32> {
        if self.at == self.end {
            return None;
        }
        // SAFETY: `at < end`: a word of the block.
        let word = unsafe { *self.at };
        // SAFETY: at most one past the block's last word.
        self.at = unsafe { self.at.add(1) };
        Some(word)
    }

    /// The next token if it is a property (`FDT_PROP`); `None`, consuming nothing,
    /// if it is not. A node's properties come in a run, so a caller that loops on
    /// this tests one tag per property.
    ///
    /// # Errors
    /// [`FdtError::Malformed`] for a property that runs past the block.
    #[inline(always)]
    pub fn next_prop(&mut self) -> Result<Option<Token<'a>>, FdtError> {
        // SAFETY: `at < end`, so a word of the block.
        if self.at != self.end && unsafe { *self.at } == PROP {
            // SAFETY: as above: at most one past the block's last word.
            self.at = unsafe { self.at.add(1) };
            return self.prop().map(Some);
        }
        Ok(None)
    }

    /// The next token that is not a property: a node's beginning or end, `None` at
    /// `FDT_END`. `FDT_NOP`s are skipped.
    ///
    /// # Errors
    /// [`FdtError::Malformed`] for a property here, an unknown token or one that
    /// runs past the block.
    #[inline(always)]
    pub fn next_structure(&mut self) -> Result<Option<Token<'a>>, FdtError> {
        let tag = self.word().ok_or_else(|| self.malformed())?;
        if tag == BEGIN_NODE {
            // The name, NUL-terminated and padded to a word: skip to the word
            // after the one holding its first zero byte.
            while !has_zero_byte(self.word().ok_or_else(|| self.malformed())?) {}
            return Ok(Some(Token::BeginNode));
        }
        if tag == END_NODE {
            return Ok(Some(Token::EndNode));
        }
        self.rare(tag)
    }

    /// The tokens after `tag` when it is neither `FDT_BEGIN_NODE` nor
    /// `FDT_END_NODE`: out of line, so the two common tests stay two branches
    /// (the compiler would otherwise make all five cases one jump table).
    #[cold]
    #[inline(never)]
    fn rare(&mut self, mut tag: u32) -> Result<Option<Token<'a>>, FdtError> {
        loop {
            if tag == PROP {
                return self.prop().map(Some);
            }
            if tag == END {
                return Ok(None);
            }
            if tag != NOP {
                return Err(self.malformed());
            }
            tag = self.word().ok_or_else(|| self.malformed())?;
            if tag == BEGIN_NODE || tag == END_NODE {
                // Back to the common path for the token after the NOPs.
                // SAFETY: `at` moved past this word just now: one back is inside.
                self.at = unsafe { self.at.sub(1) };
                return self.next_structure();
            }
        }
    }

    /// A property's length, name and value, after its `FDT_PROP`.
    #[inline(always)]
    fn prop(&mut self) -> Result<Token<'a>, FdtError> {
        let left = self.end as usize - self.at as usize; // bytes
        if left < 8 {
            return Err(self.malformed());
        }
        // SAFETY: two words are left (checked above).
        let len = unsafe { *self.at };
        // SAFETY: as above: the second of the two words.
        let name_at = unsafe { self.at.add(1) };
        // SAFETY: as above.
        let name = unsafe { *name_at };
        // A length below 64 KiB (every one in practice) has its two high bytes
        // zero: swapping the other two is cheaper than a full swap.
        let len = if len & 0xffff == 0 {
            (len >> 24) | ((len >> 8) & 0xff00)
        } else {
            u32::from_be(len)
        } as usize;
        // The value, padded to whole words.
        let padded = (len + 3) & !3;
        if padded > left - 8 {
            return Err(self.malformed());
        }
        // SAFETY: the value starts two words on, inside the block (checked above).
        let value = unsafe { self.at.add(2) };
        // SAFETY: `padded` bytes from `value` lie inside the block (checked above),
        // which lives for 'a; `value` is word-aligned.
        let words = unsafe { core::slice::from_raw_parts(value, padded / 4) };
        // SAFETY: as above: at most one past the block's last word.
        self.at = unsafe { self.at.byte_add(8 + padded) };
        Ok(Token::Prop {
            name: NameRef(name),
            words,
            len,
        })
    }

    #[cold]
    fn malformed(&self) -> FdtError {
        FdtError::Malformed {
            words_left: self.left(),
        }
    }
}

/// The first `cells` big-endian 32-bit cells of `words` as one number (at most
/// two cells fit a `usize`); `None` when there are fewer words.
#[inline(always)]
pub fn cells(words: &[u32], cells: usize) -> Option<usize> {
    let mut value = 0usize;
    for word in words.get(..cells)? {
        value = (value << 32) | u32::from_be(*word) as usize;
    }
    Some(value)
}

/// Whether a string-list value (`compatible`) of `len` bytes starts with the
/// string `wanted` and its NUL: the most specific entry (spec 2.3.1). Compares
/// whole words; inlined with a literal `wanted`, each word is a constant.
#[inline(always)]
pub fn first_string_is(words: &[u32], len: usize, wanted: &[u8]) -> bool {
    let n = wanted.len();
    if len <= n {
        return false;
    }
    // The words that hold bytes 0..=n (byte n is the NUL).
    for (i, &word) in words.iter().enumerate().take(n / 4 + 1) {
        let (mut want, mut mask) = ([0u8; 4], [0u8; 4]);
        for b in 0..4 {
            let at = i * 4 + b;
            if at <= n {
                want[b] = wanted.get(at).copied().unwrap_or(0);
                mask[b] = 0xff;
            }
        }
        if word & u32::from_ne_bytes(mask) != u32::from_ne_bytes(want) {
            return false;
        }
    }
    true
}
