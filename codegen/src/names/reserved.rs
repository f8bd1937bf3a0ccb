//! Reserved words of the languages vmlayout writes: a name the layout contributes
//! may not be one of them in any output it reaches.

/// Rust's strict and reserved keywords, 2024 edition (The Rust Reference,
/// "Keywords"): none of them can name a constant, a function or an enum variant.
const RUST: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// GNU ld's script keywords and built-in functions (ld manual, "Linker Scripts", and
/// `ldlex.l`): a symbol with one of these names does not parse as a symbol.
const LINKER_SCRIPT: &[&str] = &[
    "ABSOLUTE",
    "ADDR",
    "AFTER",
    "ALIGN",
    "ALIGNOF",
    "ALIGN_WITH_INPUT",
    "AS_NEEDED",
    "ASCIZ",
    "ASSERT",
    "AT",
    "BEFORE",
    "BLOCK",
    "BYTE",
    "COMMON",
    "CONSTANT",
    "CONSTRUCTORS",
    "COPY",
    "CREATE_OBJECT_SYMBOLS",
    "DATA_SEGMENT_ALIGN",
    "DATA_SEGMENT_END",
    "DATA_SEGMENT_RELRO_END",
    "DEFINED",
    "DSECT",
    "ENTRY",
    "EXCLUDE_FILE",
    "EXTERN",
    "FILL",
    "FLOAT",
    "FORCE_COMMON_ALLOCATION",
    "FORCE_GROUP_ALLOCATION",
    "GROUP",
    "HIDDEN",
    "HLL",
    "INCLUDE",
    "INFO",
    "INHIBIT_COMMON_ALLOCATION",
    "INPUT",
    "INPUT_SECTION_FLAGS",
    "INSERT",
    "KEEP",
    "LD_FEATURE",
    "LENGTH",
    "LOADADDR",
    "LOG2CEIL",
    "LONG",
    "MAX",
    "MEMORY",
    "MIN",
    "NEXT",
    "NOCROSSREFS",
    "NOCROSSREFS_TO",
    "NOFLOAT",
    "NOLOAD",
    "ONLY_IF_RO",
    "ONLY_IF_RW",
    "ORIGIN",
    "OUTPUT",
    "OUTPUT_ARCH",
    "OUTPUT_FORMAT",
    "OVERLAY",
    "PROVIDE",
    "PROVIDE_HIDDEN",
    "QUAD",
    "REGION_ALIAS",
    "REVERSE",
    "SEARCH_DIR",
    "SECTIONS",
    "SEGMENT_START",
    "SHORT",
    "SIZEOF",
    "SIZEOF_HEADERS",
    "SORT",
    "SORT_BY_ALIGNMENT",
    "SORT_BY_INIT_PRIORITY",
    "SORT_BY_NAME",
    "SORT_NONE",
    "SPECIAL",
    "SQUAD",
    "STARTUP",
    "SUBALIGN",
    "SYSLIB",
    "TARGET",
    "VERSION",
];

/// The output language in which `name` is a reserved word, if any.
pub fn reserved_in(name: &str) -> Option<&'static str> {
    if RUST.contains(&name) {
        Some("Rust")
    } else if LINKER_SCRIPT.contains(&name) {
        Some("linker scripts")
    } else {
        None
    }
}
